// The registry of open connections: the cap, leases given up once, and the empty signal.
#include "daemon/net/connection_registry.hpp"

#include <gtest/gtest.h>

namespace smm::daemon::net {
namespace {

struct fake_connection : connection {
  void stop() override { ++stops; }
  void close() override { ++closes; }
  int stops = 0, closes = 0;
};

TEST(ConnectionRegistry, CapRefusesOneMoreUntilALeaseIsReleased) {
  auto r = std::make_shared<connection_registry>(2);
  auto a = r->reserve();
  auto b = r->reserve();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(r->reserve());
  EXPECT_EQ(r->size(), 2u);
  a->release();
  a->release();  // once only
  EXPECT_EQ(r->size(), 1u);
  EXPECT_TRUE(r->reserve());  // a temporary: released at once
  EXPECT_EQ(r->size(), 1u);
}

TEST(ConnectionRegistry, NoCapWhenZero) {
  auto r = std::make_shared<connection_registry>(0);
  std::vector<connection_lease> leases;
  for (int i = 0; i < 1000; ++i) leases.push_back(*r->reserve());
  EXPECT_EQ(r->size(), 1000u);
  leases.clear();
  EXPECT_EQ(r->size(), 0u);
}

TEST(ConnectionRegistry, SnapshotHoldsAttachedLiveConnectionsAndAReleasedOneStaysGone) {
  auto r = std::make_shared<connection_registry>();
  auto c1 = std::make_shared<fake_connection>();
  auto c2 = std::make_shared<fake_connection>();
  auto l1 = r->reserve();
  auto l2 = r->reserve();
  r->attach(l1->id(), c1);
  const auto id2 = l2->id();
  l2->release();       // the connection ended before the listener attached it
  r->attach(id2, c2);  // ... so attaching does not bring it back
  const auto open = r->snapshot();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0], c1);
  EXPECT_EQ(r->size(), 1u);
}

TEST(ConnectionRegistry, OnEmptyRunsWhenTheLastLeaseGoes) {
  auto r = std::make_shared<connection_registry>();
  int empties = 0;
  r->on_empty([&] { ++empties; });
  {
    auto a = r->reserve();
    auto b = r->reserve();
    connection_lease moved = std::move(*a);  // the moved-from lease gives up nothing
    a.reset();
    EXPECT_EQ(r->size(), 2u);
    b->release();
    EXPECT_EQ(empties, 0);
  }  // `moved` goes
  EXPECT_EQ(empties, 1);
  EXPECT_EQ(r->size(), 0u);
}

TEST(ConnectionRegistry, ALeaseOutlivingItsRegistryIsHarmless) {
  std::optional<connection_lease> lease;
  {
    auto r = std::make_shared<connection_registry>();
    lease = r->reserve();
  }
  lease->release();
  SUCCEED();
}

}  // namespace
}  // namespace smm::daemon::net
