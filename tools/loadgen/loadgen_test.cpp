// smm-loadgen's percentile rule: nearest rank, exact on small sets.
#include <gtest/gtest.h>

#include "tools/loadgen/latency_stats.hpp"

namespace smm::loadgen {
namespace {

TEST(percentile, nearest_rank_on_sorted_samples) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 1; i <= 100; ++i) v.push_back(i * 10);
  EXPECT_EQ(percentile(v, 500), 500);  // 50th of 100
  EXPECT_EQ(percentile(v, 900), 900);
  EXPECT_EQ(percentile(v, 990), 990);
  EXPECT_EQ(percentile(v, 1000), 1000);
  EXPECT_EQ(percentile(v, 0), 10);
  EXPECT_EQ(percentile(v, 995), 1000);  // 99.5% of 100 rounds up to rank 100
}

TEST(percentile, small_and_empty_sets) {
  EXPECT_EQ(percentile({}, 500), 0);
  const std::vector<std::int64_t> three{5, 7, 100};
  EXPECT_EQ(percentile(three, 500), 7);    // rank ceil(1.5) = 2
  EXPECT_EQ(percentile(three, 990), 100);  // rank ceil(2.97) = 3
  EXPECT_EQ(percentile(three, 333), 5);    // rank ceil(0.999) = 1
}

TEST(summarize, sorts_and_reports_the_tail) {
  std::vector<std::int64_t> v{300, 100, 200, 1000, 400, 500, 600, 700, 800, 900};
  const auto s = summarize(v);
  EXPECT_EQ(s.samples, 10u);
  EXPECT_EQ(s.p50_ns, 500);
  EXPECT_EQ(s.p90_ns, 900);
  EXPECT_EQ(s.p99_ns, 1000);
  EXPECT_EQ(s.max_ns, 1000);
}

}  // namespace
}  // namespace smm::loadgen
