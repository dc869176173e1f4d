// Which orders belong to which panel: the prefix both faces share, mapping a panel's own ids to
// journal ids and back, and refusing ids of other panels and of anonymous connections.
#include "daemon/auth/panel_scope.hpp"

#include <gtest/gtest.h>

#include <set>

namespace smm::daemon::auth {
namespace {

TEST(PanelScope, OwnIdsMapToTheJournalAndBack) {
  const panel_scope shop("shop");
  EXPECT_EQ(shop.panel(), "shop");
  EXPECT_EQ(shop.prefix(), "v2:shop:");
  EXPECT_EQ(shop.journal_id("a1"), "v2:shop:a1");
  EXPECT_EQ(shop.own_id("v2:shop:a1"), "a1");
  EXPECT_TRUE(shop.owns("v2:shop:a1"));
  // The panel's id may itself look like a journal id: it is kept whole.
  EXPECT_EQ(shop.own_id(shop.journal_id("v2:blog:x")), "v2:blog:x");
}

TEST(PanelScope, OtherPanelsAndAnonymousOrdersAreNotOwned) {
  const panel_scope shop("shop");
  for (const char* id :
       {"a1", "v2:blog:a1", "v2:shopx:a1", "v2:sho:a1", "v2:shop", "v2:shop:", "V2:shop:a1"}) {
    EXPECT_FALSE(shop.owns(id)) << id;
    EXPECT_FALSE(shop.own_id(id)) << id;
  }
}

TEST(PanelScope, NewIdsAreTheApiV2ShapeAndNeverRepeat) {
  const panel_scope shop("shop");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_panel_order_id("shop");
    ASSERT_EQ(id.size(), panel_prefix("shop").size() + 32) << id;
    ASSERT_TRUE(shop.owns(id)) << id;
    for (const char c : id.substr(panel_prefix("shop").size()))
      ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
    ASSERT_TRUE(seen.insert(id).second) << id;
  }
}

}  // namespace
}  // namespace smm::daemon::auth
