#include "dispatch/money.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace smm {
namespace {

money m(std::string_view s) {
  const auto r = parse_money(s);
  EXPECT_TRUE(r) << s << ": " << to_string(r.error);
  return r.value;
}

TEST(money, parses_exact_decimals) {
  EXPECT_EQ(m("0.90").micros(), 900'000);
  EXPECT_EQ(m("95200").micros(), 95'200'000'000);
  EXPECT_EQ(m("-5").micros(), -5'000'000);
  EXPECT_EQ(m("0.27819").micros(), 278'190);
  EXPECT_EQ(m("0.000001").micros(), 1);
  EXPECT_EQ(m(".5").micros(), 500'000);
}

TEST(money, rejects_bad_text) {
  EXPECT_EQ(parse_money("").error, money_error::empty);
  EXPECT_EQ(parse_money("-").error, money_error::empty);
  EXPECT_EQ(parse_money("1,5").error, money_error::invalid_character);
  EXPECT_EQ(parse_money(" 1").error, money_error::invalid_character);
  EXPECT_EQ(parse_money("1e3").error, money_error::invalid_character);
  EXPECT_EQ(parse_money("1.2.3").error, money_error::invalid_character);
  EXPECT_EQ(parse_money("99999999999999999999").error, money_error::overflow);
}

TEST(money, eleven_decimals_rejected_exactly_and_truncated_on_request) {
  // The smmserver.life sample: "charge": 0.08011655652.
  EXPECT_EQ(parse_money("0.08011655652").error, money_error::too_many_decimals);
  const auto r = parse_money("0.08011655652", excess_decimals::round_down);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value.micros(), 80'116);  // toward zero, not to 80'117
  const auto n = parse_money("-0.08011699999", excess_decimals::round_down);
  ASSERT_TRUE(n);
  EXPECT_EQ(n.value.micros(), -80'116);  // toward zero for negatives too
  // Trailing zeros past the sixth decimal are still exact.
  EXPECT_EQ(m("1.50000000000").micros(), 1'500'000);
}

TEST(money, print_parse_round_trip) {
  for (const std::int64_t v : std::initializer_list<std::int64_t>{
           0, 1, -1, 999'999, 1'000'000, 278'190, -5'000'000, 95'200'000'000,
           std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min() + 1}) {
    const auto x = money::from_micros(v);
    const auto text = to_string(x);
    const auto back = parse_money(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back.value, x) << text;
  }
  EXPECT_EQ(to_string(m("0.27819")), "0.27819");
  EXPECT_EQ(to_string(m("8")), "8");
  EXPECT_EQ(to_string(m("8"), 2), "8.00");
  EXPECT_EQ(to_string(m("-0.5")), "-0.5");
}

TEST(money, charge_rounds_half_up_to_the_micro_unit) {
  // rate 0.0005 per 1000 -> 500 micros * 1 / 1000 = 0.5 micro -> 1.
  EXPECT_EQ(charge_for(money::from_micros(500), 1).value.micros(), 1);
  // 0.499 micro -> 0.
  EXPECT_EQ(charge_for(money::from_micros(499), 1).value.micros(), 0);
  EXPECT_EQ(charge_for(m("0.90"), 1000).value, m("0.90"));
  EXPECT_EQ(charge_for(m("0.90"), 1500).value, m("1.35"));
  EXPECT_EQ(charge_for(m("1.5"), 0).value.micros(), 0);
  EXPECT_EQ(charge_for(m("1"), -1).error, money_error::invalid_quantity);
  EXPECT_EQ(charge_for(m("-1"), 1).error, money_error::negative);
}

TEST(money, huge_rates_compute_exactly_or_report_overflow) {
  const money rate = m("95200");  // IRR-priced panels
  EXPECT_EQ(charge_for(rate, 1'000'000).value, m("95200000"));
  // 95200 * 1e11 / 1000 = 9.52e12 units = 9.52e18 micros > int64 max (9.22e18).
  EXPECT_EQ(charge_for(rate, 100'000'000'000).error, money_error::overflow);
  // Just below the edge still fits: 9.6e10 units of quantity.
  EXPECT_TRUE(charge_for(rate, 96'000'000'000));
}

TEST(money, prorate_rounds_down_and_never_exceeds_total) {
  EXPECT_EQ(prorate_down(money::from_micros(10), 1, 3).value.micros(), 3);  // 3.33 -> 3
  EXPECT_EQ(prorate_down(money::from_micros(10), 2, 3).value.micros(), 6);  // 6.67 -> 6
  EXPECT_EQ(prorate_down(money::from_micros(10), 3, 3).value.micros(), 10);
  EXPECT_EQ(prorate_down(money::from_micros(10), 4, 3).error, money_error::invalid_quantity);
  EXPECT_EQ(prorate_down(money::from_micros(10), -1, 3).error, money_error::invalid_quantity);
  EXPECT_EQ(prorate_down(money::from_micros(10), 0, 0).error, money_error::invalid_quantity);
  // 128-bit intermediate: max * (big-1) / big does not overflow.
  const auto big = money::from_micros(std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(prorate_down(big, 999'999'999, 1'000'000'000));
}

TEST(money, checked_add_and_sub_report_overflow) {
  const auto max = money::from_micros(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(checked_add(max, money::from_micros(1)).error, money_error::overflow);
  EXPECT_EQ(
      checked_sub(money::from_micros(std::numeric_limits<std::int64_t>::min()), money::from_micros(1)).error,
      money_error::overflow);
  EXPECT_EQ(checked_add(m("1.5"), m("2.25")).value, m("3.75"));
  EXPECT_EQ(checked_sub(m("1.5"), m("2.25")).value, m("-0.75"));
}

}  // namespace
}  // namespace smm
