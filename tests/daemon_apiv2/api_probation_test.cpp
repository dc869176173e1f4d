// The API v2 endpoint's probation: the share of connections without a valid key, oldest
// first, and which one makes room. No sockets: connections are stand-ins.
#include "daemon/apiv2/api_probation.hpp"

#include <gtest/gtest.h>

namespace smm::daemon::apiv2 {
namespace {

struct stand_in : net::connection {
  void stop() override { ++stops; }
  void close() override {}
  int stops = 0;
};

TEST(ApiProbation, TheOldestGivesWayWhenTheShareIsFull) {
  probation p(2);
  auto a = std::make_shared<stand_in>(), b = std::make_shared<stand_in>(), c = std::make_shared<stand_in>();
  EXPECT_EQ(p.admit(1, a), nullptr);
  EXPECT_EQ(p.admit(2, b), nullptr);
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.admit(3, c), a);  // a is the oldest
  EXPECT_EQ(p.size(), 2u);
  // b presented a valid key: it leaves, and the next one finds room without evicting c.
  p.leave(2);
  EXPECT_EQ(p.admit(4, std::make_shared<stand_in>()), nullptr);
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.admit(5, std::make_shared<stand_in>()), c);
  p.leave(99);  // unknown: ignored
  p.leave(4);
  p.leave(5);
  EXPECT_EQ(p.size(), 0u);
}

TEST(ApiProbation, AConnectionAlreadyGoneStillGivesItsPlace) {
  probation p(1);
  {
    auto gone = std::make_shared<stand_in>();
    p.admit(1, gone);
  }
  EXPECT_EQ(p.admit(2, std::make_shared<stand_in>()), nullptr);
  EXPECT_EQ(p.size(), 1u);
}

TEST(ApiProbation, AShareOfZeroIsOne) {
  probation p(0);
  EXPECT_EQ(p.max(), 1u);
  auto a = std::make_shared<stand_in>();
  EXPECT_EQ(p.admit(1, a), nullptr);
  EXPECT_EQ(p.admit(2, std::make_shared<stand_in>()), a);
}

}  // namespace
}  // namespace smm::daemon::apiv2
