#include "providers/token_bucket.hpp"

#include <gtest/gtest.h>

namespace smm::providers {
namespace {

using namespace std::chrono_literals;
using tp = token_bucket::clock::time_point;

const tp t0 = tp{} + 1000s;

TEST(TokenBucket, BurstThenRate) {
  token_bucket b(10, 1s, 3);  // 10/s, burst 3
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_EQ(b.time_until_available(t0), 100ms);
  EXPECT_FALSE(b.try_take(t0 + 99ms));
  EXPECT_TRUE(b.try_take(t0 + 100ms));
  EXPECT_FALSE(b.try_take(t0 + 100ms));
  EXPECT_TRUE(b.try_take(t0 + 200ms));
}

TEST(TokenBucket, NeverMoreThanRatePlusBurstOverAWindow) {
  token_bucket b(100, 60s, 5);  // 100 per minute
  int taken = 0;
  for (auto t = t0; t < t0 + 600s; t += 10ms)  // bounded: 60'000 steps
    if (b.try_take(t)) ++taken;
  // 10 minutes at 100/min plus the initial burst, at most.
  EXPECT_LE(taken, 1000 + 5);
  EXPECT_GE(taken, 1000);
}

TEST(TokenBucket, IdleRefillsOnlyUpToBurst) {
  token_bucket b(1, 1s, 2);
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_TRUE(b.try_take(t0));
  const tp later = t0 + 3600s;
  EXPECT_TRUE(b.try_take(later));
  EXPECT_TRUE(b.try_take(later));
  EXPECT_FALSE(b.try_take(later));
}

TEST(TokenBucket, BlockUntilHonoursRetryAfter) {
  token_bucket b(10, 1s, 4);
  b.block_until(t0 + 30s);
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_EQ(b.time_until_available(t0), 30s);
  EXPECT_FALSE(b.try_take(t0 + 29s));
  EXPECT_TRUE(b.try_take(t0 + 30s));
  EXPECT_FALSE(b.try_take(t0 + 30s));  // no burst saved up during the block
  // A block in the past changes nothing.
  b.block_until(t0);
  EXPECT_TRUE(b.try_take(t0 + 31s));
}

// A member's share shrinking (or a reload lowering the rate) takes effect at the next token:
// the window after the change holds the new rate, and the burst saved under the old one is gone.
TEST(TokenBucket, SetRateTakesEffectAtOnceAndNeverRefundsTheOldBurst) {
  token_bucket b(100, 1s, 10);
  int before = 0;
  for (auto t = t0; t < t0 + 1s; t += 1ms)
    if (b.try_take(t)) ++before;
  EXPECT_GE(before, 100);
  EXPECT_LE(before, 110);
  b.set_rate(10, 1s, 1);
  int after = 0;
  for (auto t = t0 + 1s; t < t0 + 11s; t += 1ms)  // bounded: 10'000 steps
    if (b.try_take(t)) ++after;
  EXPECT_LE(after, 10 * 10 + 1);
  EXPECT_GE(after, 10 * 10 - 1);
  b.set_rate(1000, 1s, 5);  // raised: the faster rate from the next token on, which the old
  int raised = 0;           // rate may still hold back by up to one old interval (100 ms)
  for (auto t = t0 + 11s; t < t0 + 12s; t += 100us)
    if (b.try_take(t)) ++raised;
  EXPECT_GE(raised, 900);
  EXPECT_LE(raised, 1000 + 5);
}

TEST(TokenBucket, IntervalRoundsUp) {
  token_bucket b(3, 1s, 1);  // 333'333'333.33 ns -> 333'333'334 ns
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_EQ(b.time_until_available(t0), 333'333'334ns);
}

}  // namespace
}  // namespace smm::providers
