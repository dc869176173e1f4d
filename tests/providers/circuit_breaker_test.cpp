#include "providers/circuit_breaker.hpp"

#include <gtest/gtest.h>

namespace smm::providers {
namespace {

using namespace std::chrono_literals;
using tp = circuit_breaker::clock::time_point;
using d = breaker_decision;

const tp t0 = tp{} + 1000s;

breaker_policy policy() {
  breaker_policy p;
  p.consecutive_failures = 3;
  p.window = 10;
  p.min_samples = 10;
  p.failure_percent = 50;
  p.cool_down = 5s;
  p.max_cool_down = 30s;
  p.probe_timeout = 20s;
  return p;
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailures) {
  circuit_breaker b(policy());
  EXPECT_EQ(b.acquire(action::add, t0), d::allow);
  b.record_failure(t0);
  b.record_failure(t0);
  b.record_success(t0);  // resets the streak
  b.record_failure(t0);
  b.record_failure(t0);
  EXPECT_EQ(b.state(), breaker_state::closed);
  b.record_failure(t0);
  EXPECT_EQ(b.state(), breaker_state::open);
  EXPECT_EQ(b.open_until(), t0 + 5s);
  EXPECT_EQ(b.acquire(action::status, t0 + 1s), d::reject);
  EXPECT_EQ(b.acquire(action::balance, t0 + 4999ms), d::reject);
}

TEST(CircuitBreaker, OpensOnFailureRatio) {
  circuit_breaker b(policy());
  // Alternate: never 3 in a row, but 5 of 10 fail.
  for (int i = 0; i < 9; ++i) {
    if (i % 2 == 0)
      b.record_failure(t0);
    else
      b.record_success(t0);
    EXPECT_EQ(b.state(), breaker_state::closed) << i;
  }
  b.record_success(t0);  // 10 samples, 5 failures; only a failure re-checks the ratio
  EXPECT_EQ(b.state(), breaker_state::closed);
  b.record_failure(t0);  // the oldest failure slides out, this one in: 5 of 10 = 50%
  EXPECT_EQ(b.state(), breaker_state::open);
}

TEST(CircuitBreaker, HalfOpenAllowsExactlyOneBalanceProbe) {
  circuit_breaker b(policy());
  for (int i = 0; i < 3; ++i) b.record_failure(t0);
  ASSERT_EQ(b.state(), breaker_state::open);
  const tp later = t0 + 5s;
  EXPECT_EQ(b.acquire(action::add, later), d::reject);  // never probe with an order
  EXPECT_EQ(b.state(), breaker_state::half_open);
  EXPECT_EQ(b.acquire(action::status, later), d::reject);
  EXPECT_EQ(b.acquire(action::balance, later), d::probe);
  EXPECT_EQ(b.acquire(action::balance, later), d::reject);  // only one at a time
  b.record_success(later + 100ms);
  EXPECT_EQ(b.state(), breaker_state::closed);
  EXPECT_EQ(b.acquire(action::add, later + 100ms), d::allow);
  EXPECT_EQ(b.current_cool_down(), 5s);
}

TEST(CircuitBreaker, FailedProbeReopensWithLongerCoolDown) {
  circuit_breaker b(policy());
  for (int i = 0; i < 3; ++i) b.record_failure(t0);
  tp now = t0;
  std::chrono::seconds expected[] = {10s, 20s, 30s, 30s};  // doubled, capped at 30s
  for (auto cool : expected) {
    now = b.open_until();
    ASSERT_EQ(b.acquire(action::balance, now), d::probe);
    b.record_failure(now);
    EXPECT_EQ(b.state(), breaker_state::open);
    EXPECT_EQ(b.open_until(), now + cool);
  }
  now = b.open_until();
  ASSERT_EQ(b.acquire(action::balance, now), d::probe);
  b.record_success(now);
  EXPECT_EQ(b.state(), breaker_state::closed);
  EXPECT_EQ(b.current_cool_down(), 5s);  // back to the base after closing
}

TEST(CircuitBreaker, LostProbeIsReplacedAfterTimeout) {
  circuit_breaker b(policy());
  for (int i = 0; i < 3; ++i) b.record_failure(t0);
  const tp p = b.open_until();
  ASSERT_EQ(b.acquire(action::balance, p), d::probe);
  EXPECT_EQ(b.acquire(action::balance, p + 19s), d::reject);
  EXPECT_EQ(b.acquire(action::balance, p + 20s), d::probe);
}

TEST(CircuitBreaker, LateReportsWhileOpenChangeNothing) {
  circuit_breaker b(policy());
  for (int i = 0; i < 3; ++i) b.record_failure(t0);
  const tp until = b.open_until();
  b.record_failure(t0 + 1s);
  b.record_success(t0 + 1s);
  EXPECT_EQ(b.state(), breaker_state::open);
  EXPECT_EQ(b.open_until(), until);
}

}  // namespace
}  // namespace smm::providers
