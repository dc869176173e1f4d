#include "dispatch/link_index.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace smm {
namespace {

std::vector<std::int64_t> ids(std::span<const std::int64_t> s) { return {s.begin(), s.end()}; }

TEST(link_index, tracks_running_orders_per_link) {
  link_index idx;
  EXPECT_FALSE(idx.has_running(1));
  idx.add_running(1, 10);
  idx.add_running(1, 11);
  idx.add_running(1, 10);  // idempotent
  idx.add_running(2, 20);
  EXPECT_EQ(ids(idx.running(1)), (std::vector<std::int64_t>{10, 11}));
  EXPECT_TRUE(idx.has_running(2));
  EXPECT_TRUE(idx.remove_running(1, 10));
  EXPECT_FALSE(idx.remove_running(1, 10));
  EXPECT_EQ(ids(idx.running(1)), (std::vector<std::int64_t>{11}));
  EXPECT_TRUE(idx.remove_running(1, 11));
  EXPECT_FALSE(idx.has_running(1));
  EXPECT_FALSE(idx.remove_running(3, 1));
  EXPECT_EQ(idx.running_links(), 1u);  // link 1 has nothing running any more
}

TEST(link_index, keeps_the_order_of_several_running_orders_as_they_come_and_go) {
  link_index idx;
  idx.add_running(5, 30);
  idx.add_running(5, 10);
  idx.add_running(5, 20);
  idx.add_running(6, 40);
  EXPECT_EQ(ids(idx.running(5)), (std::vector<std::int64_t>{30, 10, 20}));
  EXPECT_EQ(idx.running_links(), 2u);
  EXPECT_FALSE(idx.remove_running(6, 41));  // another order: not running here
  EXPECT_TRUE(idx.remove_running(5, 10));
  EXPECT_EQ(ids(idx.running(5)), (std::vector<std::int64_t>{30, 20}));
  EXPECT_TRUE(idx.remove_running(5, 30));
  EXPECT_EQ(ids(idx.running(5)), (std::vector<std::int64_t>{20}));
  idx.add_running(5, 20);  // still idempotent with one left
  idx.add_running(5, 50);
  EXPECT_EQ(ids(idx.running(5)), (std::vector<std::int64_t>{20, 50}));
  EXPECT_TRUE(idx.remove_running(5, 20));
  EXPECT_TRUE(idx.remove_running(5, 50));
  EXPECT_FALSE(idx.has_running(5));
  EXPECT_EQ(idx.running_links(), 1u);
}

TEST(link_index, remembers_newest_placement_after_orders_end) {
  link_index idx;
  EXPECT_FALSE(idx.newest_placement(7));
  idx.add_running(7, 1);
  idx.record_placement(7, 1, 1000);
  idx.record_placement(7, 2, 1001);
  idx.record_placement(7, 3, 999);  // older: ignored
  idx.remove_running(7, 1);
  const auto n = idx.newest_placement(7);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->order_id, 2);
  EXPECT_EQ(n->placed_at, 1001);
  idx.record_placement(7, 4, 1001);  // same second, higher id: newer
  EXPECT_EQ(idx.newest_placement(7)->order_id, 4);
  EXPECT_EQ(idx.placed_links(), 1u);
}

TEST(link_index, placements_survive_growth_and_hash_zero) {
  link_index idx;
  // Enough links to force several rehashes; keys chosen to collide in low bits.
  for (std::int64_t i = 0; i < 5000; ++i) {
    idx.record_placement(static_cast<std::uint64_t>(i) << 20, i, 1000 + i);
  }
  EXPECT_EQ(idx.placed_links(), 5000u);
  for (std::int64_t i = 0; i < 5000; ++i) {
    const auto n = idx.newest_placement(static_cast<std::uint64_t>(i) << 20);
    ASSERT_TRUE(n) << i;
    EXPECT_EQ(n->order_id, i);
    EXPECT_EQ(n->placed_at, 1000 + i);
  }
  EXPECT_FALSE(idx.newest_placement(12345));
  // Link hash 0 (shares the slot of 1 by design) is still found.
  EXPECT_EQ(idx.newest_placement(0)->order_id, 0);
}

TEST(link_index, forgetting_old_placements_keeps_the_newer_ones_and_shrinks_the_table) {
  link_index idx;
  EXPECT_EQ(idx.forget_placements_before(100), 0u);  // empty: nothing to do
  for (std::int64_t i = 0; i < 100000; ++i)
    idx.record_placement(static_cast<std::uint64_t>(i) * 7919 + 3, i, i);
  // A link placed long ago and again recently keeps its newest placement.
  idx.record_placement(3, 200000, 99999);
  EXPECT_EQ(idx.forget_placements_before(99990), 99989u);  // all but link 0 and the last 10
  EXPECT_EQ(idx.placed_links(), 11u);
  for (std::int64_t i = 0; i < 100000; ++i) {
    const auto n = idx.newest_placement(static_cast<std::uint64_t>(i) * 7919 + 3);
    if (i == 0) {
      ASSERT_TRUE(n);
      EXPECT_EQ(n->order_id, 200000);
    } else if (i < 99990) {
      EXPECT_FALSE(n) << i;
    } else {
      ASSERT_TRUE(n) << i;
      EXPECT_EQ(n->placed_at, i);
    }
  }
  // Still usable after shrinking: new placements grow it again.
  for (std::int64_t i = 0; i < 5000; ++i)
    idx.record_placement(static_cast<std::uint64_t>(i) << 20 | 1, i, 200000);
  EXPECT_EQ(idx.placed_links(), 5011u);
  EXPECT_EQ(idx.forget_placements_before(1000000), 5011u);
  EXPECT_EQ(idx.placed_links(), 0u);
  EXPECT_FALSE(idx.newest_placement(3));
}

}  // namespace
}  // namespace smm
