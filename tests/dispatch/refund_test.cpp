#include "dispatch/refund.hpp"

#include <gtest/gtest.h>

namespace smm {
namespace {

order make(order_state s, std::int64_t charge_micros, std::int64_t quantity,
           std::int64_t remains = no_value) {
  order o;
  o.state = s;
  o.charge = money::from_micros(charge_micros);
  o.quantity = quantity;
  o.remains = remains;
  return o;
}

TEST(refund, canceled_refunded_failed_rejected_return_the_whole_charge) {
  for (const auto& [s, reason] : {std::pair{order_state::canceled, refund_reason::canceled},
                                  std::pair{order_state::refunded, refund_reason::refunded},
                                  std::pair{order_state::failed, refund_reason::failed},
                                  std::pair{order_state::rejected, refund_reason::rejected}}) {
    const auto r = compute_refund(make(s, 1'234'567, 1000, 400));
    EXPECT_EQ(r.amount.micros(), 1'234'567) << to_string(s);
    EXPECT_EQ(r.reason, reason);
    EXPECT_FALSE(r.needs_review());
  }
}

TEST(refund, completed_is_zero) {
  const auto r = compute_refund(make(order_state::completed, 1'000'000, 1000, 500));
  EXPECT_TRUE(r.amount.is_zero());
  EXPECT_EQ(r.reason, refund_reason::completed);
}

TEST(refund, running_orders_get_nothing_yet) {
  for (const auto s : {order_state::received, order_state::queued, order_state::sending, order_state::placed,
                       order_state::unknown, order_state::pending, order_state::in_progress}) {
    const auto r = compute_refund(make(s, 1'000'000, 1000, 500));
    EXPECT_TRUE(r.amount.is_zero()) << to_string(s);
    EXPECT_EQ(r.reason, refund_reason::not_final);
  }
}

TEST(refund, partial_is_prorated_and_rounded_down) {
  // 1.000000 * 400 / 1000 = 0.4
  EXPECT_EQ(compute_refund(make(order_state::partial, 1'000'000, 1000, 400)).amount.micros(), 400'000);
  // 10 micros * 1 / 3 = 3.33 -> 3 (down, never up)
  const auto r = compute_refund(make(order_state::partial, 10, 3, 1));
  EXPECT_EQ(r.amount.micros(), 3);
  EXPECT_EQ(r.reason, refund_reason::partial);
  EXPECT_EQ(compute_refund(make(order_state::partial, 10, 3, 2)).amount.micros(), 6);
}

TEST(refund, remains_above_quantity_is_clamped_to_the_whole_charge) {
  const auto r = compute_refund(make(order_state::partial, 900'000, 1000, 5000));
  EXPECT_EQ(r.amount.micros(), 900'000);
  EXPECT_EQ(r.reason, refund_reason::partial);
}

TEST(refund, negative_remains_is_over_delivery_and_refunds_nothing) {
  const auto r = compute_refund(make(order_state::partial, 900'000, 1000, -50));
  EXPECT_TRUE(r.amount.is_zero());
  EXPECT_EQ(r.reason, refund_reason::partial);
}

TEST(refund, partial_with_unknown_remains_needs_review) {
  const auto r = compute_refund(make(order_state::partial, 900'000, 1000));
  EXPECT_TRUE(r.needs_review());
  EXPECT_TRUE(r.amount.is_zero());
}

TEST(refund, bad_figures_need_review_instead_of_paying) {
  EXPECT_TRUE(compute_refund(make(order_state::partial, 900'000, 0, 0)).needs_review());
  EXPECT_TRUE(compute_refund(make(order_state::partial, -5, 10, 5)).needs_review());
  EXPECT_TRUE(compute_refund(make(order_state::canceled, -5, 10)).needs_review());
}

TEST(refund, huge_charges_use_wide_intermediates) {
  // 95200 per 1000 * 90M units = 8.568e9 units of money; 1/3 remaining.
  const auto charge = charge_for(money::from_units(95200), 90'000'000);
  ASSERT_TRUE(charge);
  order o = make(order_state::partial, charge.value.micros(), 90'000'000, 30'000'000);
  const auto r = compute_refund(o);
  EXPECT_EQ(r.reason, refund_reason::partial);
  EXPECT_EQ(r.amount.micros(), charge.value.micros() / 3);
  EXPECT_LE(r.amount, o.charge);
}

TEST(refund, never_exceeds_the_charge) {
  for (std::int64_t remains = -3; remains <= 12; ++remains) {
    const order o = make(order_state::partial, 999'999, 7, remains);
    const auto r = compute_refund(o);
    EXPECT_LE(r.amount, o.charge) << remains;
    EXPECT_FALSE(r.amount.is_negative());
  }
}

}  // namespace
}  // namespace smm
