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

TEST(TokenBucket, IntervalRoundsUp) {
  token_bucket b(3, 1s, 1);  // 333'333'333.33 ns -> 333'333'334 ns
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_EQ(b.time_until_available(t0), 333'333'334ns);
}

}  // namespace
}  // namespace smm::providers
