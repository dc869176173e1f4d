#include "dispatch/completion_stats.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace smm {
namespace {

TEST(completion_stats, exact_integer_mean_rounded_half_up) {
  completion_stats s;
  EXPECT_FALSE(s.average_s(1));
  s.record(1, 10);
  s.record(1, 11);
  EXPECT_EQ(*s.average_s(1), 11);  // 10.5 -> 11
  s.record(1, 10);
  EXPECT_EQ(*s.average_s(1), 10);  // 10.33 -> 10
  EXPECT_EQ(s.count(1), 3);
  EXPECT_EQ(s.count(2), 0);
}

TEST(completion_stats, ignores_negative_and_overflowing_samples) {
  completion_stats s;
  EXPECT_FALSE(s.record(1, -5));
  EXPECT_TRUE(s.record(1, std::numeric_limits<std::int64_t>::max() - 1));
  EXPECT_FALSE(s.record(1, 2));
  EXPECT_EQ(s.count(1), 1);
}

TEST(completion_stats, counts_completed_orders_only) {
  completion_stats s;
  order o;
  o.service_id = 9;
  o.placed_at = 1000;
  o.completed_at = 4600;
  o.state = order_state::partial;
  EXPECT_FALSE(s.record(o));
  o.state = order_state::completed;
  EXPECT_TRUE(s.record(o));
  o.placed_at = no_value;
  EXPECT_FALSE(s.record(o));
  EXPECT_EQ(*s.average_s(9), 3600);
}

}  // namespace
}  // namespace smm
