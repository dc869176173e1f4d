#pragma once
// Fixed-point money. A value is a signed 64-bit count of micro-units (1e-6) of one
// currency unit: 9.2e12 units of range, enough for IRR-priced panels, and exact for
// every price a provider publishes with up to six decimals. Products go through
// 128-bit intermediates; every division below states how it rounds.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace smm {

/// An amount of one currency, in micro-units. Plain value type.
class money {
 public:
  static constexpr std::int64_t scale = 1'000'000;  ///< micro-units per unit
  static constexpr int decimals = 6;

  constexpr money() = default;
  /// From a raw count of micro-units.
  static constexpr money from_micros(std::int64_t micros) { return money{micros}; }
  /// From whole units; the caller guarantees |units| < 9.2e12.
  static constexpr money from_units(std::int64_t units) { return money{units * scale}; }

  constexpr std::int64_t micros() const { return micros_; }
  constexpr bool is_zero() const { return micros_ == 0; }
  constexpr bool is_negative() const { return micros_ < 0; }

  friend constexpr auto operator<=>(money, money) = default;

 private:
  constexpr explicit money(std::int64_t m) : micros_(m) {}
  std::int64_t micros_ = 0;
};

/// Why a money operation failed.
enum class money_error {
  none,
  empty,              ///< no digits at all
  invalid_character,  ///< anything but [+-]digits[.digits]
  too_many_decimals,  ///< more than six decimals and the caller asked for exactness
  overflow,           ///< the result does not fit in 64 bits of micro-units
  negative,           ///< a negative amount where only >= 0 makes sense
  invalid_quantity,   ///< quantity <= 0 (or a part outside [0, whole])
};

/// Human-readable name of an error, for messages ("too many decimals").
std::string_view to_string(money_error e);

/// A money value or the reason there is none.
struct money_result {
  money value;
  money_error error = money_error::none;
  explicit operator bool() const { return error == money_error::none; }
};

/// What to do with digits past the sixth decimal.
enum class excess_decimals {
  reject,      ///< error: config and panel input must be exact
  round_down,  ///< truncate toward zero: provider-reported figures we only display
};

/// Parses a decimal string ("0.90", "95200", "-5", "0.27819") exactly. No exponent,
/// no thousands separators, no surrounding spaces: money text is either exact or an error.
money_result parse_money(std::string_view text, excess_decimals mode = excess_decimals::reject);

/// Canonical text: no trailing zeros after the point, at least `min_decimals` decimals
/// ("0.27819", "8", with min_decimals=2 "8.00").
std::string to_string(money m, int min_decimals = 0);

/// Charge for `quantity` units of a service priced `rate_per_1000`:
/// rate * quantity / 1000, computed in 128 bits, rounded half away from zero to the
/// micro-unit (the customer never pays more than half a micro-unit over the exact price).
money_result charge_for(money rate_per_1000, std::int64_t quantity);

/// total * part / whole rounded toward zero (floor for non-negative inputs): the
/// pro-rata share used for refunds, so a share never exceeds its total.
/// Requires 0 <= part <= whole and whole > 0 (else invalid_quantity).
money_result prorate_down(money total, std::int64_t part, std::int64_t whole);

/// a + b, or overflow.
money_result checked_add(money a, money b);
/// a - b, or overflow.
money_result checked_sub(money a, money b);

}  // namespace smm
