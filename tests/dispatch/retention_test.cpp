#include "dispatch/retention.hpp"

#include <gtest/gtest.h>

#include <array>

namespace smm {
namespace {

constexpr std::int64_t day = 86400;

service_def with_refill(std::int64_t id, std::optional<std::int32_t> days) {
  service_def s;
  s.id = id;
  s.refill_days = days;
  return s;
}

TEST(retention, keep_window_per_final_state) {
  const policy_def policy;  // claim window 14 days
  const service_def refill30 = with_refill(1, 30);
  const service_def no_refill = with_refill(2, std::nullopt);
  struct row {
    order_state state;
    const service_def& service;
    std::int64_t keep;
  };
  const std::array rows{
      row{order_state::completed, refill30, 44 * day},  // guarantee, then a claim about it
      row{order_state::partial, refill30, 44 * day},    // refillable for what was delivered
      row{order_state::canceled, refill30, 14 * day},   // nothing to refill: the claim window
      row{order_state::refunded, refill30, 14 * day},  row{order_state::failed, refill30, 14 * day},
      row{order_state::rejected, refill30, 14 * day},  row{order_state::completed, no_refill, 14 * day},
      row{order_state::partial, no_refill, 14 * day},
  };
  for (const auto& r : rows)
    EXPECT_EQ(keep_after_final_s(r.state, r.service, policy), r.keep)
        << to_string(r.state) << " on service " << r.service.id;
}

TEST(retention, the_claim_window_follows_the_policy) {
  policy_def policy;
  policy.claim_window_s = 3 * day;
  EXPECT_EQ(keep_after_final_s(order_state::completed, with_refill(1, 60), policy), 63 * day);
  EXPECT_EQ(keep_after_final_s(order_state::canceled, with_refill(1, 60), policy), 3 * day);
}

TEST(retention, longest_keep_names_the_first_service_that_needs_it) {
  const policy_def policy;
  const std::vector services{with_refill(1, std::nullopt), with_refill(2, 60), with_refill(3, 30),
                             with_refill(4, 60)};
  const auto longest = longest_keep_after_final(services, policy);
  EXPECT_EQ(longest.seconds, 74 * day);
  ASSERT_NE(longest.service, nullptr);
  EXPECT_EQ(longest.service->id, 2);
}

TEST(retention, without_a_refill_guarantee_the_claim_window_is_the_longest) {
  const policy_def policy;
  const std::vector services{with_refill(1, std::nullopt)};
  const auto longest = longest_keep_after_final(services, policy);
  EXPECT_EQ(longest.seconds, 14 * day);
  EXPECT_EQ(longest.service, nullptr);
  EXPECT_EQ(longest_keep_after_final({}, policy).seconds, 14 * day);
}

}  // namespace
}  // namespace smm
