// The engine's admin operations (smm-dispatchctl and the API v2 endpoint use them): listing
// orders by state page by page, one order's history, daemon id -> panel id, and an
// operator's pause and resume of a provider.
#include <gtest/gtest.h>

#include <future>

#include "tests/daemon_engine/engine_fixture.hpp"

namespace smm::daemon::test {
namespace {

using smm::test::mock_process;

order_page list(engine& e, order_state s, std::int64_t after, std::size_t limit) {
  std::promise<order_page> p;
  auto f = p.get_future();
  e.list_orders(s, after, limit, [&p](order_page page) { p.set_value(std::move(page)); });
  if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("list_orders: no answer");
  return f.get();
}

order_history history(engine& e, const std::string& id) {
  std::promise<order_history> p;
  auto f = p.get_future();
  e.history(id, [&p](order_history h) { p.set_value(std::move(h)); });
  if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("history: no answer");
  return f.get();
}

std::vector<std::optional<std::string>> panel_ids(engine& e, std::vector<std::int64_t> ids) {
  std::promise<std::vector<std::optional<std::string>>> p;
  auto f = p.get_future();
  e.panel_ids(std::move(ids), [&p](std::vector<std::optional<std::string>> v) { p.set_value(std::move(v)); });
  if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("panel_ids: no answer");
  return f.get();
}

const provider_view& view_of(const std::vector<provider_view>& views, const std::string& name) {
  for (const auto& v : views)
    if (v.name == name) return v;
  throw std::runtime_error("no provider " + name);
}

TEST(engine_admin, lists_orders_by_state_in_pages_and_shows_history_and_panel_ids) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    const auto a = h.add_one(followers("ad" + std::to_string(i), "ad" + std::to_string(i)));
    ASSERT_EQ(a.status, add_status::accepted) << a.error;
    ids.push_back(a.order_id);
  }
  for (int i = 0; i < 3; ++i) {
    const std::string id = "ad" + std::to_string(i);
    ASSERT_TRUE(h.wait_for(id, [](const order_view& v) { return v.state == order_state::pending; }))
        << describe(h.status(id));
  }

  // Each acknowledged and each placed order is one observation of its latency histogram.
  const auto f = h.eng().figures();
  auto total = [](const duration_histogram& d) {
    std::uint64_t n = 0;
    for (auto b : d.buckets) n += b;
    return n;
  };
  EXPECT_EQ(total(f.intake_ack), 3U);
  EXPECT_EQ(total(f.placement), 3U);
  EXPECT_GT(f.placement.sum_us, 0U);

  const auto first = list(h.eng(), order_state::pending, 0, 2);
  ASSERT_EQ(first.orders.size(), 2U);
  EXPECT_EQ(first.orders[0].order_id, ids[0]);
  EXPECT_EQ(first.orders[1].order_id, ids[1]);
  EXPECT_EQ(first.orders[0].panel_order_id, "ad0");
  EXPECT_EQ(first.next_after_id, ids[1]);
  const auto second = list(h.eng(), order_state::pending, first.next_after_id, 2);
  ASSERT_EQ(second.orders.size(), 1U);
  EXPECT_EQ(second.orders[0].order_id, ids[2]);
  EXPECT_EQ(second.next_after_id, 0);
  EXPECT_TRUE(list(h.eng(), order_state::completed, 0, 100).orders.empty());

  const auto hist = history(h.eng(), "ad1");
  ASSERT_TRUE(hist.order.has_value()) << hist.error;
  EXPECT_EQ(hist.order->order_id, ids[1]);
  ASSERT_GE(hist.events.size(), 2U);
  for (std::size_t i = 1; i < hist.events.size(); ++i) EXPECT_LT(hist.events[i - 1].seq, hist.events[i].seq);
  EXPECT_EQ(hist.events.back().new_state, order_state::pending);
  for (const auto& e : hist.events) EXPECT_EQ(e.order_id, ids[1]);

  // `show` also takes the daemon's order id (API v2 panels and the logs know that one).
  for (const std::string& by_id : {std::to_string(ids[1]), "#" + std::to_string(ids[1])}) {
    const auto by_daemon_id = history(h.eng(), by_id);
    ASSERT_TRUE(by_daemon_id.order.has_value()) << by_id << ": " << by_daemon_id.error;
    EXPECT_EQ(by_daemon_id.order->panel_order_id, "ad1");
    EXPECT_EQ(by_daemon_id.panel_order_id, "ad1");
    EXPECT_EQ(by_daemon_id.events.size(), hist.events.size());
  }

  const auto missing = history(h.eng(), "no-such-order");
  EXPECT_FALSE(missing.order.has_value());
  EXPECT_NE(missing.error.find("order not found"), std::string::npos);

  const auto names = panel_ids(h.eng(), {ids[2], 987654321, ids[0]});
  ASSERT_EQ(names.size(), 3U);
  EXPECT_EQ(names[0], std::optional<std::string>("ad2"));
  EXPECT_FALSE(names[1].has_value());
  EXPECT_EQ(names[2], std::optional<std::string>("ad0"));
}

TEST(engine_admin, operator_pause_routes_around_a_provider_until_resumed) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  mock_process beta({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}, {"beta", &beta}}, "allow", dir.path()), dir.path());
  h.start();
  EXPECT_FALSE(h.eng().set_provider_paused("nobody", true, "x"));
  ASSERT_TRUE(h.eng().set_provider_paused("alpha", true, "maintenance window"));
  const auto paused = view_of(h.eng().providers(), "alpha");
  EXPECT_TRUE(paused.paused);
  EXPECT_EQ(paused.pause_reason, "maintenance window");

  ASSERT_EQ(h.add_one(followers("p1", "p1")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("p1", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  EXPECT_EQ(h.status("p1")->provider, "beta");

  // Both paused: the order waits, queued, and is placed once one comes back.
  ASSERT_TRUE(h.eng().set_provider_paused("beta", true, ""));
  EXPECT_EQ(view_of(h.eng().providers(), "beta").pause_reason, "paused by an operator");
  ASSERT_EQ(h.add_one(followers("p2", "p2")).status, add_status::accepted);
  std::this_thread::sleep_for(300ms);  // dispatch ticks every 5 ms here: many chances to send
  EXPECT_EQ(h.status("p2")->state, order_state::queued) << describe(h.status("p2"));
  EXPECT_TRUE(audit_adds(alpha).empty());

  ASSERT_TRUE(h.eng().set_provider_paused("alpha", false, ""));
  EXPECT_FALSE(view_of(h.eng().providers(), "alpha").paused);
  ASSERT_TRUE(h.wait_for("p2", [](const order_view& v) { return !v.provider_order_id.empty(); }))
      << describe(h.status("p2"));
  EXPECT_EQ(h.status("p2")->provider, "alpha");
}

// An order whose every hop is paused waits on the first one; a later hop resuming must send it.
TEST(engine_admin, an_order_behind_paused_hops_goes_to_whichever_resumes_first) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  mock_process beta({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}, {"beta", &beta}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_TRUE(h.eng().set_provider_paused("alpha", true, ""));
  ASSERT_TRUE(h.eng().set_provider_paused("beta", true, ""));
  ASSERT_EQ(h.add_one(followers("q1", "q1")).status, add_status::accepted);
  std::this_thread::sleep_for(300ms);  // routed meanwhile: parked on alpha, its first hop
  EXPECT_EQ(h.status("q1")->state, order_state::queued) << describe(h.status("q1"));

  ASSERT_TRUE(h.eng().set_provider_paused("beta", false, ""));
  ASSERT_TRUE(h.wait_for("q1", [](const order_view& v) { return !v.provider_order_id.empty(); }))
      << describe(h.status("q1"));
  EXPECT_EQ(h.status("q1")->provider, "beta");
  EXPECT_TRUE(audit_adds(alpha).empty());
}

}  // namespace
}  // namespace smm::daemon::test

namespace smm::daemon::test {
namespace {

// Intake skips the journal read for ids it knows are new; ids of final orders that live only in
// the journal (an earlier run's, or evicted from memory) must still be found.
TEST(engine_ids, final_orders_only_in_the_journal_still_replay_and_conflict) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "50", "--speed", "100000"});
  const std::string cfg = config_text({{"alpha", &alpha}}, "allow", dir.path());
  const auto evict_fast = [](engine_options& o) {
    o.maintenance_interval = 200ms;
    o.evict_final_after = 0s;
  };
  std::int64_t first_id = 0;
  {
    engine_harness h(cfg, dir.path(), evict_fast);
    h.start();
    const auto a = h.add_one(followers("fin1", "fin1"));
    ASSERT_EQ(a.status, add_status::accepted);
    first_id = a.order_id;
    ASSERT_TRUE(h.wait_for("fin1", [](const order_view& v) { return is_final(v.state); }))
        << describe(h.status("fin1"));
    ASSERT_EQ(h.add_one(followers("fin2", "fin2")).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("fin2", [](const order_view& v) { return is_final(v.state); }));
    // Evicted from memory (idle > 0 s, looked at every poll tick): no order is left in the
    // book, then asked again, fin2 is reloaded from the journal.
    const auto in_memory = [&h] {
      std::int64_t n = 0;
      for (const auto count : h.eng().figures().orders_by_state) n += count;
      return n;
    };
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (in_memory() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
    EXPECT_EQ(in_memory(), 0) << "final orders were not evicted";
    const auto again = h.add_one(followers("fin2", "fin2"));
    EXPECT_EQ(again.status, add_status::replayed) << again.error;
    EXPECT_EQ(h.add_one(followers("fin2", "other-link")).status, add_status::conflict);
  }
  // A new run: fin1 is final and only in the journal.
  engine_harness h(cfg, dir.path());
  h.start();
  const auto replay = h.add_one(followers("fin1", "fin1"));
  EXPECT_EQ(replay.status, add_status::replayed) << replay.error;
  EXPECT_EQ(replay.order_id, first_id);
  EXPECT_EQ(h.add_one(followers("fin1", "fin1", 200)).status, add_status::conflict);
  EXPECT_EQ(h.add_one(followers("fin3", "fin3")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("fin3", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  EXPECT_EQ(audit_adds(alpha).size(), 3U);  // fin1, fin2, fin3: nothing placed twice
}

}  // namespace
}  // namespace smm::daemon::test
