// A connection's panel identity: which requests need a hello first, the panel's ids put in its
// scope on the way in and taken out on the way back (answers, messages, events), and the
// gate's verdicts as hello answers. The socket-level behaviour is in the daemon's e2e tests.
#include "daemon/panel/panel_identity.hpp"

#include <gtest/gtest.h>

namespace smm::daemon::panel {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<auth::panel_gate> gate() {
  std::vector<panel_key> keys;
  keys.push_back(panel_key{"shop", secret("key-shop")});
  keys.push_back(panel_key{"blog", secret("key-blog")});
  return std::make_shared<auth::panel_gate>(keys, 3, 60s);
}

request req(op kind, std::vector<std::string> ids = {}) {
  request r;
  r.kind = kind;
  r.ids = std::move(ids);
  return r;
}

request hello(std::string key) {
  request r;
  r.kind = op::hello;
  r.key = std::move(key);
  return r;
}

TEST(PanelIdentity, WithoutRequiredHelloAnAnonymousConnectionWorksAsBefore) {
  panel_identity id(std::make_shared<hello_policy>(gate(), false));
  request r = req(op::status, {"a1"});
  EXPECT_FALSE(id.admit(r));
  EXPECT_EQ(r.ids, std::vector<std::string>{"a1"}) << "unscoped: ids pass as they are";
  EXPECT_EQ(id.scope(), nullptr);
}

TEST(PanelIdentity, RequiredHelloRefusesEveryOpButPingAndCountsThem) {
  auto policy = std::make_shared<hello_policy>(gate(), true);
  panel_identity id(policy);
  for (const op o : {op::add, op::status, op::cancel, op::refill, op::refill_status, op::speedup,
                     op::subscribe, op::unsubscribe, op::services, op::providers}) {
    request r = req(o, {"a1"});
    const auto refused = id.admit(r);
    ASSERT_TRUE(refused) << to_string(o);
    EXPECT_EQ(refused->code, failure_code::hello_required);
    EXPECT_NE(refused->message.find("op \"" + std::string(to_string(o)) + "\""), std::string::npos)
        << refused->message;
  }
  request ping = req(op::ping);
  EXPECT_FALSE(id.admit(ping));
  EXPECT_EQ(policy->figures().hello_required, 10u);
  // Switched off at run time (a reload): the same connection may go on anonymously.
  policy->set_required(false);
  request r = req(op::status, {"a1"});
  EXPECT_FALSE(id.admit(r));
}

TEST(PanelIdentity, HelloScopesEveryLaterRequestToThePanel) {
  auto policy = std::make_shared<hello_policy>(gate(), true);
  panel_identity id(policy);
  const hello_result h = id.hello(hello("key-shop"), "uid:1000");
  ASSERT_FALSE(h.error);
  EXPECT_EQ(h.panel, "shop");
  ASSERT_NE(id.scope(), nullptr);
  request r = req(op::cancel, {"a1", "v2:blog:b1"});
  EXPECT_FALSE(id.admit(r));
  EXPECT_EQ(r.ids, (std::vector<std::string>{"v2:shop:a1", "v2:shop:v2:blog:b1"}))
      << "every id is the panel's own: another panel's journal id cannot be named";
  request add = req(op::add);
  add.orders.resize(2);
  add.orders[0].panel_order_id = "x";
  add.orders[1].panel_order_id = "y";
  EXPECT_FALSE(id.admit(add));
  EXPECT_EQ(add.orders[0].panel_order_id, "v2:shop:x");
  EXPECT_EQ(add.orders[1].panel_order_id, "v2:shop:y");
  // A second hello, even with another panel's key, changes nothing.
  const hello_result again = id.hello(hello("key-blog"), "uid:1000");
  ASSERT_TRUE(again.error);
  EXPECT_EQ(again.error->code, failure_code::conflict);
  EXPECT_EQ(id.scope()->panel(), "shop");
  EXPECT_EQ(policy->figures().hellos[static_cast<std::size_t>(hello_outcome::ok)], 1u);
}

TEST(PanelIdentity, AWrongKeyIsRefusedCountedAndLeavesTheConnectionNeedingHello) {
  auto policy = std::make_shared<hello_policy>(gate(), false);
  panel_identity id(policy);
  for (int i = 0; i < 3; ++i) {
    const hello_result h = id.hello(hello("not-a-key"), "uid:1000");
    ASSERT_TRUE(h.error);
    EXPECT_EQ(h.error->code, failure_code::unauthorized);
    EXPECT_EQ(h.error->message, "invalid panel key");
    EXPECT_EQ(h.delay, 0ms);
  }
  // The same wrong key once more from this client: throttled, and slowed down.
  const hello_result h = id.hello(hello("not-a-key"), "uid:1000");
  ASSERT_TRUE(h.error);
  EXPECT_EQ(h.error->code, failure_code::throttled);
  EXPECT_GT(h.delay, 0ms);
  for (const auto& r : {h})
    EXPECT_EQ(r.error->message.find("not-a-key"), std::string::npos) << "never the key in a message";
  const auto f = policy->figures();
  EXPECT_EQ(f.hellos[static_cast<std::size_t>(hello_outcome::wrong_key)], 3u);
  EXPECT_EQ(f.hellos[static_cast<std::size_t>(hello_outcome::throttled)], 1u);
  // A connection that tried to say hello never acts anonymously, even when hello is optional.
  request r = req(op::add);
  const auto refused = id.admit(r);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, failure_code::hello_required);
  // The right key still works at once, and clears it.
  ASSERT_FALSE(id.hello(hello("key-blog"), "uid:1000").error);
  EXPECT_FALSE(id.admit(r));
}

TEST(PanelIdentity, NoGateMeansEveryHelloIsWrongAndTheAdminSocketHasNoHello) {
  panel_identity none(std::make_shared<hello_policy>(nullptr, false));
  EXPECT_EQ(none.hello(hello("key-shop"), "uid:1").error->code, failure_code::unauthorized);
  panel_identity admin(nullptr);
  request r = req(op::status, {"a1"});
  EXPECT_FALSE(admin.admit(r));
  EXPECT_EQ(r.ids, std::vector<std::string>{"a1"});
}

TEST(PanelIdentity, AnswersComeBackInThePanelsOwnIds) {
  const auth::panel_scope shop("shop");
  std::vector<add_answer> adds(3);
  adds[0].panel_order_id = "v2:shop:a1";
  adds[0].status = add_status::conflict;
  adds[0].error = "panel order id v2:shop:a1 exists with different content";
  adds[1].panel_order_id = "v2:shop:a2";
  adds[1].status = add_status::duplicate_link;
  adds[1].running_panel_order_id = "v2:shop:a0";
  adds[1].error = "link has a running order: panel order id v2:shop:a0";
  adds[2].panel_order_id = "v2:shop:a3";
  adds[2].status = add_status::duplicate_link;
  adds[2].running_panel_order_id = "v2:blog:secret-order";
  adds[2].error = "link has a running order: panel order id v2:blog:secret-order";
  to_panel_ids(adds, shop);
  EXPECT_EQ(adds[0].panel_order_id, "a1");
  EXPECT_EQ(adds[0].error, "panel order id a1 exists with different content");
  EXPECT_EQ(adds[1].error, "link has a running order: panel order id a0");
  EXPECT_EQ(adds[1].running_panel_order_id, "a0");
  EXPECT_EQ(adds[2].error, "link has a running order of another panel");
  EXPECT_TRUE(adds[2].running_panel_order_id.empty());

  std::vector<lookup_answer> looks(1);
  looks[0].panel_order_id = "v2:shop:a1";
  looks[0].order = order_view{};
  looks[0].order->panel_order_id = "v2:shop:a1";
  to_panel_ids(looks, shop);
  EXPECT_EQ(looks[0].panel_order_id, "a1");
  EXPECT_EQ(looks[0].order->panel_order_id, "a1");

  std::vector<action_answer> acts(1);
  acts[0].panel_order_id = "v2:shop:a1";
  to_panel_ids(acts, shop);
  EXPECT_EQ(acts[0].panel_order_id, "a1");
}

TEST(PanelIdentity, EventsOfOtherPanelsAreLeftOut) {
  const auth::panel_scope shop("shop");
  std::vector<event_view> events(4);
  events[0].seq = 1;
  events[0].panel_order_id = "v2:shop:a1";
  events[1].seq = 2;
  events[1].panel_order_id = "v2:blog:b1";
  events[2].seq = 3;
  events[2].panel_order_id = "anonymous-1";
  events[3].seq = 4;
  events[3].panel_order_id = "v2:shop:a2";
  const auto mine = own_events(events, shop);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].seq, 1);
  EXPECT_EQ(mine[0].panel_order_id, "a1");
  EXPECT_EQ(mine[1].seq, 4);
  EXPECT_EQ(mine[1].panel_order_id, "a2");
}

}  // namespace
}  // namespace smm::daemon::panel
