#include "providers/retry_budget.hpp"

#include <gtest/gtest.h>

namespace smm::providers {
namespace {

using namespace std::chrono_literals;
using tp = retry_budget::clock::time_point;

const tp t0 = tp{} + 1000s;

TEST(RetryBudget, MinimumAlwaysAvailable) {
  retry_budget b({.percent = 20, .min_retries = 3, .window = 10s, .buckets = 10});
  EXPECT_TRUE(b.try_spend_retry(t0));
  EXPECT_TRUE(b.try_spend_retry(t0));
  EXPECT_TRUE(b.try_spend_retry(t0));
  EXPECT_FALSE(b.try_spend_retry(t0));
}

TEST(RetryBudget, ShareOfRequests) {
  retry_budget b({.percent = 20, .min_retries = 3, .window = 10s, .buckets = 10});
  for (int i = 0; i < 100; ++i) b.record_request(t0);
  EXPECT_EQ(b.available(t0), 20u);  // floor(100 * 20 / 100)
  int spent = 0;
  while (spent < 1000 && b.try_spend_retry(t0)) ++spent;
  EXPECT_EQ(spent, 20);
  for (int i = 0; i < 4; ++i) b.record_request(t0);
  EXPECT_EQ(b.available(t0), 0u);  // floor(104 * 0.2) = 20, all spent
  b.record_request(t0);
  EXPECT_EQ(b.available(t0), 1u);  // 105 -> 21
}

TEST(RetryBudget, WindowSlides) {
  retry_budget b({.percent = 10, .min_retries = 1, .window = 10s, .buckets = 10});
  for (int i = 0; i < 100; ++i) b.record_request(t0);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.try_spend_retry(t0));
  EXPECT_FALSE(b.try_spend_retry(t0 + 5s));
  // Ten seconds on, the old requests and retries have left the window.
  EXPECT_EQ(b.available(t0 + 10s), 1u);
  EXPECT_TRUE(b.try_spend_retry(t0 + 10s));
  EXPECT_FALSE(b.try_spend_retry(t0 + 10s));
}

}  // namespace
}  // namespace smm::providers
