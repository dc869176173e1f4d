#include "dispatch/membership.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace smm {
namespace {

member_row row(std::int64_t id, std::int64_t lease_until_ms, bool left = false) {
  return member_row{id, "m" + std::to_string(id), lease_until_ms, left};
}

TEST(Membership, LiveLateDeadAndLeftAreToldApartByTheDatabaseClock) {
  const std::int64_t now = 1'000'000;
  const std::vector<member_row> rows = {
      row(7, now + 5'000),         // live
      row(3, now + 1),             // live, barely
      row(9, now),                 // lease ended this very millisecond: late
      row(4, now - 29'999),        // late, inside a 30 s grace
      row(5, now - 30'000),        // dead: grace over
      row(6, now - 90'000, true),  // left cleanly: nobody takes it over
  };
  const auto v = evaluate_membership(rows, 7, now, 30'000);
  EXPECT_EQ(v.live, (std::vector<std::int64_t>{3, 7}));
  EXPECT_EQ(v.sharing, (std::vector<std::int64_t>{3, 4, 7, 9}));
  EXPECT_EQ(v.dead, (std::vector<std::int64_t>{5}));
  EXPECT_FALSE(v.fenced);
  EXPECT_EQ(v.rank, 2u);
}

TEST(Membership, AMemberWhoseLeaseRanOutIsFencedAndNeverDeclaresItselfDead) {
  const std::int64_t now = 50'000;
  const std::vector<member_row> rows = {row(1, now + 10'000), row(2, now - 1)};
  auto v = evaluate_membership(rows, 2, now, 30'000);
  EXPECT_TRUE(v.fenced);
  EXPECT_TRUE(v.dead.empty());
  EXPECT_EQ(v.live, (std::vector<std::int64_t>{1}));
  // Long past its grace (member 1 kept renewing), the others see it dead; it sees itself fenced.
  const std::vector<member_row> later = {row(1, now + 70'000), row(2, now - 1)};
  v = evaluate_membership(later, 2, now + 60'000, 30'000);
  EXPECT_TRUE(v.fenced);
  EXPECT_TRUE(v.dead.empty());
  EXPECT_EQ(evaluate_membership(later, 1, now + 60'000, 30'000).dead, (std::vector<std::int64_t>{2}));
}

TEST(Membership, SharesAddUpToTheLimitAndNeverExceedIt) {
  for (std::uint32_t limit : {0U, 1U, 2U, 7U, 32U, 100U, 10'000U}) {
    for (std::uint32_t members = 1; members <= 9; ++members) {
      std::uint32_t sum = 0, lo = limit, hi = 0;
      for (std::uint32_t r = 0; r < members; ++r) {
        const auto s = member_share(limit, members, r);
        sum += s;
        lo = std::min(lo, s);
        hi = std::max(hi, s);
      }
      EXPECT_EQ(sum, limit) << limit << " over " << members;
      EXPECT_LE(hi - lo, 1U) << "an even split: " << limit << " over " << members;
    }
  }
  EXPECT_EQ(member_share(32, 3, 0), 11U);
  EXPECT_EQ(member_share(32, 3, 1), 11U);
  EXPECT_EQ(member_share(32, 3, 2), 10U);
  EXPECT_EQ(member_share(2, 3, 2), 0U) << "more members than slots: the last sends nothing there";
  EXPECT_EQ(member_share(10, 0, 0), 0U);
  EXPECT_EQ(member_share(10, 2, 2), 0U) << "a rank outside the members has no share";
}

}  // namespace
}  // namespace smm
