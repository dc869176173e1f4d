#include "dispatch/speedup.hpp"

#include <gtest/gtest.h>

#include "dispatch/claim.hpp"

namespace smm {
namespace {

constexpr std::int64_t day = 86400;
constexpr std::int64_t t0 = 1'700'000'000;

struct fixture {
  service_def svc;
  policy_def policy;
  order o;
  std::int64_t now = t0 + 3 * day + 1;  // first stuck second
  fixture() {
    o.state = order_state::in_progress;
    o.last_status_change_at = t0;
  }
  speedup_reason check() const { return check_speedup(o, svc, policy, now); }
};

TEST(speedup, stuck_means_more_than_three_days) {
  fixture f;
  EXPECT_EQ(f.check(), speedup_reason::eligible);
  f.now = t0 + 3 * day;  // exactly 3 days: not more
  EXPECT_EQ(f.check(), speedup_reason::not_stuck);
  f.o.last_status_change_at = no_value;
  f.now = t0 + 30 * day;
  EXPECT_EQ(f.check(), speedup_reason::not_stuck);
}

TEST(speedup, at_most_once_per_24h) {
  fixture f;
  f.o.last_speedup_at = f.now - day + 1;
  EXPECT_EQ(f.check(), speedup_reason::too_soon);
  f.o.last_speedup_at = f.now - day;  // exactly 24 h later: allowed
  EXPECT_EQ(f.check(), speedup_reason::eligible);
}

TEST(speedup, never_for_slow_services) {
  fixture f;
  f.svc.slow = true;
  EXPECT_EQ(f.check(), speedup_reason::slow_service);
}

TEST(speedup, only_running_orders) {
  for (const auto s : {order_state::completed, order_state::partial, order_state::canceled,
                       order_state::refunded, order_state::failed, order_state::rejected, order_state::queued,
                       order_state::sending, order_state::unknown}) {
    fixture f;
    f.o.state = s;
    EXPECT_EQ(f.check(), speedup_reason::not_running) << to_string(s);
  }
  for (const auto s : {order_state::placed, order_state::pending, order_state::in_progress}) {
    fixture f;
    f.o.state = s;
    EXPECT_EQ(f.check(), speedup_reason::eligible) << to_string(s);
  }
}

TEST(claim, fourteen_days_inclusive_after_completed_or_partial) {
  policy_def policy;
  order o;
  o.state = order_state::completed;
  o.completed_at = t0;
  EXPECT_TRUE(claim_window_open(o, policy, t0 + 14 * day));
  EXPECT_FALSE(claim_window_open(o, policy, t0 + 14 * day + 1));
  o.state = order_state::partial;
  EXPECT_TRUE(claim_window_open(o, policy, t0 + 14 * day));
  o.state = order_state::in_progress;
  EXPECT_FALSE(claim_window_open(o, policy, t0 + 1));
  o.state = order_state::completed;
  o.completed_at = no_value;
  EXPECT_FALSE(claim_window_open(o, policy, t0 + 1));
}

}  // namespace
}  // namespace smm
