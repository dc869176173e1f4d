#include "dispatch/money.hpp"

#include <limits>

namespace smm {
namespace {

// __extension__ keeps -Wpedantic quiet about the GCC 128-bit integer types.
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;
constexpr i128 max64 = std::numeric_limits<std::int64_t>::max();
constexpr i128 min64 = std::numeric_limits<std::int64_t>::min();

money_result from_wide(i128 v) {
  if (v > max64 || v < min64) return {money{}, money_error::overflow};
  return {money::from_micros(static_cast<std::int64_t>(v)), money_error::none};
}

}  // namespace

std::string_view to_string(money_error e) {
  switch (e) {
    case money_error::none:
      return "no error";
    case money_error::empty:
      return "empty amount";
    case money_error::invalid_character:
      return "not a decimal number";
    case money_error::too_many_decimals:
      return "more than 6 decimals";
    case money_error::overflow:
      return "amount out of range";
    case money_error::negative:
      return "negative amount";
    case money_error::invalid_quantity:
      return "invalid quantity";
  }
  return "unknown money error";
}

money_result parse_money(std::string_view text, excess_decimals mode) {
  if (text.empty()) return {money{}, money_error::empty};
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  i128 units = 0;
  i128 micros = 0;
  int int_digits = 0;
  int frac_digits = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (seen_point) return {money{}, money_error::invalid_character};
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return {money{}, money_error::invalid_character};
    const int d = c - '0';
    if (!seen_point) {
      ++int_digits;
      units = units * 10 + d;
      // Stop before i128 could overflow on absurdly long input.
      if (units > max64) return {money{}, money_error::overflow};
    } else {
      ++frac_digits;
      if (frac_digits <= money::decimals) {
        micros = micros * 10 + d;
      } else if (d != 0 && mode == excess_decimals::reject) {
        return {money{}, money_error::too_many_decimals};
      }  // round_down: digits past the sixth are dropped (toward zero)
    }
  }
  if (int_digits == 0 && frac_digits == 0) return {money{}, money_error::empty};
  for (int k = frac_digits; k < money::decimals; ++k) micros *= 10;
  i128 total = units * money::scale + micros;
  if (negative) total = -total;
  return from_wide(total);
}

std::string to_string(money m, int min_decimals) {
  const i128 v = m.micros();
  const bool negative = v < 0;
  const u128 mag = negative ? static_cast<u128>(-v) : static_cast<u128>(v);
  const auto units = static_cast<std::uint64_t>(mag / money::scale);
  auto frac = static_cast<std::uint64_t>(mag % money::scale);
  std::string out = negative ? "-" : "";
  out += std::to_string(units);
  std::string digits(money::decimals, '0');
  for (int k = money::decimals - 1; k >= 0; --k) {
    digits[static_cast<std::size_t>(k)] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  std::size_t keep = digits.size();
  while (keep > static_cast<std::size_t>(min_decimals) && digits[keep - 1] == '0') --keep;
  if (keep > 0) out += '.' + digits.substr(0, keep);
  return out;
}

money_result charge_for(money rate_per_1000, std::int64_t quantity) {
  if (quantity < 0) return {money{}, money_error::invalid_quantity};
  if (rate_per_1000.is_negative()) return {money{}, money_error::negative};
  const i128 exact_x1000 = static_cast<i128>(rate_per_1000.micros()) * quantity;
  // Round half away from zero: both operands are non-negative here.
  return from_wide((exact_x1000 + 500) / 1000);
}

money_result prorate_down(money total, std::int64_t part, std::int64_t whole) {
  if (whole <= 0 || part < 0 || part > whole) return {money{}, money_error::invalid_quantity};
  // C++ division truncates toward zero; for total >= 0 that is the floor.
  return from_wide(static_cast<i128>(total.micros()) * part / whole);
}

money_result checked_add(money a, money b) { return from_wide(static_cast<i128>(a.micros()) + b.micros()); }

money_result checked_sub(money a, money b) { return from_wide(static_cast<i128>(a.micros()) - b.micros()); }

}  // namespace smm
