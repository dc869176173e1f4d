#include "providers/backoff.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace smm::providers {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, CeilingDoublesUpToCap) {
  const backoff_policy p{100ms, 1s};
  EXPECT_EQ(backoff_ceiling(p, 0), 100ms);
  EXPECT_EQ(backoff_ceiling(p, 1), 200ms);
  EXPECT_EQ(backoff_ceiling(p, 3), 800ms);
  EXPECT_EQ(backoff_ceiling(p, 4), 1s);
  EXPECT_EQ(backoff_ceiling(p, 4'000'000'000u), 1s);  // no overflow, no long loop
  EXPECT_EQ(backoff_ceiling({0ns, 1s}, 4'000'000'000u), 0ns);
}

TEST(Backoff, FullJitterBounds) {
  const backoff_policy p{100ms, 2s};
  const random_source lowest = [] { return std::uint64_t{0}; };
  const random_source highest = [] { return std::numeric_limits<std::uint64_t>::max(); };
  EXPECT_EQ(backoff_delay(p, 2, 1h, lowest), 0ns);
  std::mt19937_64 gen(42);
  const random_source rng = [&] { return gen(); };
  for (std::uint32_t attempt = 0; attempt < 12; ++attempt) {
    for (int i = 0; i < 200; ++i) {
      const auto d = backoff_delay(p, attempt, 1h, rng);
      ASSERT_TRUE(d);
      EXPECT_GE(*d, 0ns);
      EXPECT_LE(*d, backoff_ceiling(p, attempt));
    }
  }
  // The maximum draw reaches at most the ceiling.
  EXPECT_LE(*backoff_delay(p, 0, 1h, highest), 100ms);
}

TEST(Backoff, JitterSpreadsOverTheWindow) {
  const backoff_policy p{1s, 1s};
  std::mt19937_64 gen(7);
  const random_source rng = [&] { return gen(); };
  int low = 0;
  int high = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto d = *backoff_delay(p, 0, 1h, rng);
    if (d < 250ms) ++low;
    if (d > 750ms) ++high;
  }
  // Full jitter, not "cap with a little noise": both quarters get a real share.
  EXPECT_GT(low, 150);
  EXPECT_GT(high, 150);
}

TEST(Backoff, NeverBeyondDeadline) {
  const backoff_policy p{1s, 30s};
  const random_source highest = [] { return std::numeric_limits<std::uint64_t>::max() - 1; };
  std::mt19937_64 gen(1);
  const random_source rng = [&] { return gen(); };
  for (int i = 0; i < 500; ++i) EXPECT_LE(*backoff_delay(p, 5, 250ms, rng), 250ms);
  EXPECT_LE(*backoff_delay(p, 5, 250ms, highest), 250ms);
  EXPECT_FALSE(backoff_delay(p, 0, 0ns, rng));
  EXPECT_FALSE(backoff_delay(p, 0, -5ms, rng));
}

}  // namespace
}  // namespace smm::providers
