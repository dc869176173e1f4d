// What the daemon acts on survives a restart on the same journal (issue 9 items 6, 13, 14):
// provider pauses (an operator's and the daemon's own), speed-up requests, cancel requests
// sent upstream, the journal-wide counts of `overview`, and the fields `show` and `orders`
// give; and orders waiting only on a paused provider count in its `queued`.
#include <gtest/gtest.h>

#include <future>

#include "store/sqlite.hpp"
#include "tests/daemon_engine/engine_fixture.hpp"

namespace smm::daemon::test {
namespace {

using smm::test::mock_process;

order_page list(engine& e, order_state s) {
  std::promise<order_page> p;
  auto f = p.get_future();
  e.list_orders(s, 0, 100, [&p](order_page page) { p.set_value(std::move(page)); });
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

const provider_view& view_of(const std::vector<provider_view>& views, const std::string& name) {
  for (const auto& v : views)
    if (v.name == name) return v;
  throw std::runtime_error("no provider " + name);
}

// Waits up to 30 s for `pred` on the engine's provider views.
bool wait_providers(engine& e, const std::function<bool(const std::vector<provider_view>&)>& pred) {
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    if (pred(e.providers())) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

bool has_note(const order_history& h, const std::string& text) {
  for (const auto& e : h.events)
    if (e.note.find(text) != std::string::npos) return true;
  return false;
}

std::string notes(const order_history& h) {
  std::string out;
  for (const auto& e : h.events) out += "[" + std::string(to_string(e.new_state)) + "] " + e.note + "\n";
  return out;
}

// Two adds on the wire when the funds run out: the pause waits for the smaller refused charge,
// and so does the journaled pause a restart restores.
TEST(engine_restart, a_funds_pause_keeps_the_smallest_refused_charge_for_a_restart) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--balance", "0.10"});
  mock_process beta({"--pending-ms", "600000"});
  const std::string cfg = config_text({{"alpha", &alpha}, {"beta", &beta}}, "allow", dir.path());
  {
    engine_harness h(cfg, dir.path());
    h.start();
    ASSERT_TRUE(h.eng().set_provider_paused("beta", true, "maintenance window"));  // no failover
    alpha.request("POST", "/admin/latency", "spec=fixed:400");  // both adds are on the wire together
    ASSERT_EQ(h.add_one(followers("big", "big", 1000)).status, add_status::accepted);  // 0.90
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(h.add_one(followers("small", "small", 500)).status, add_status::accepted);  // 0.45
    // Both refusals are in: the big one paused alpha, the small one came after it.
    ASSERT_TRUE(h.wait_for("small", [](const order_view& v) {
      return v.state == order_state::queued && v.note.find("paused") != std::string::npos;
    })) << describe(h.status("small"));
    EXPECT_EQ(audit_adds(alpha).size(), 2u);
    ASSERT_TRUE(view_of(h.eng().providers(), "alpha").paused);
  }
  store::journal_reader r((dir.path() / "journal.sqlite").string());
  bool found = false;
  for (const auto& row : r.provider_pauses()) {
    if (row.provider != "alpha" || row.by_operator) continue;
    found = true;
    EXPECT_TRUE(row.paused);
    EXPECT_EQ(row.funds_needed_micros.value_or(0), 450'000);  // not the big order's 900,000
  }
  EXPECT_TRUE(found);
}

// An operator's pause and an out-of-funds pause are journaled and restored: `providers`
// answers the same after a restart; the funds pause is still rechecked by balance checks and
// lifts when the balance covers the refused order, the operator's only by the operator.
TEST(engine_restart, provider_pauses_survive_a_restart_and_resume_as_before) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--balance", "1.00"});
  mock_process beta({"--pending-ms", "600000"});
  const std::string cfg = config_text({{"alpha", &alpha}, {"beta", &beta}}, "allow", dir.path());
  const auto fast_recheck = [](engine_options& o) { o.paused_recheck = 100ms; };
  std::vector<provider_view> before;
  {
    engine_harness h(cfg, dir.path(), fast_recheck);
    h.start();
    ASSERT_TRUE(h.eng().set_provider_paused("beta", true, "maintenance window"));
    ASSERT_EQ(h.add_one(followers("fa", "fa", 1000)).status, add_status::accepted);  // 0.90 of 1.00
    ASSERT_TRUE(h.wait_for("fa", [](const order_view& v) { return !v.provider_order_id.empty(); }));
    ASSERT_EQ(h.add_one(followers("fb", "fb", 1000)).status, add_status::accepted);  // 0.90 > 0.10 left
    ASSERT_TRUE(wait_providers(h.eng(), [](const auto& v) { return view_of(v, "alpha").paused; }));
    // fb waits only on paused providers: alpha (its route's first paused hop) counts it.
    ASSERT_TRUE(wait_providers(h.eng(), [](const auto& v) { return view_of(v, "alpha").queued == 1; }));
    before = h.eng().providers();
    EXPECT_EQ(view_of(before, "beta").queued, 0);
    EXPECT_EQ(view_of(before, "beta").pause_reason, "maintenance window");
    EXPECT_NE(view_of(before, "alpha").pause_reason.find("funds"), std::string::npos)
        << view_of(before, "alpha").pause_reason;
  }
  {
    // A pause of a provider that left the config is ignored.
    store::sqlite_db db((dir.path() / "journal.sqlite").string());
    db.exec(
        "INSERT INTO provider_pauses (provider, by_operator, paused, kind, reason, since, updated_at)"
        " VALUES ('gone', 1, 1, 'operator', 'left', 1, 1)");
  }
  engine_harness h(cfg, dir.path(), fast_recheck);
  h.start();
  // The first balance check (at once) still finds 0.10: alpha stays paused; beta's balance is
  // fine, yet an operator's pause is never lifted by it.
  std::this_thread::sleep_for(600ms);
  const auto after = h.eng().providers();
  ASSERT_EQ(after.size(), before.size());
  for (const auto& name : {"alpha", "beta"}) {
    EXPECT_TRUE(view_of(after, name).paused) << name;
    EXPECT_EQ(view_of(after, name).pause_reason, view_of(before, name).pause_reason) << name;
    EXPECT_EQ(view_of(after, name).queued, view_of(before, name).queued) << name;
  }
  EXPECT_EQ(h.status("fb")->state, order_state::queued);
  EXPECT_EQ(audit_adds(alpha).size(), 2u);
  EXPECT_TRUE(audit_adds(beta).empty());

  // Enough for the refused order: the restored funds pause lifts and fb goes to alpha.
  alpha.request("POST", "/admin/balance", "amount=5.00");
  ASSERT_TRUE(h.wait_for("fb", [](const order_view& v) { return !v.provider_order_id.empty(); }))
      << describe(h.status("fb"));
  EXPECT_EQ(h.status("fb")->provider, "alpha");
  EXPECT_FALSE(view_of(h.eng().providers(), "alpha").paused);
  // The figures are published at most every 100 ms (provider_set::publish): give them that.
  for (int i = 0; i < 40 && view_of(h.eng().providers(), "alpha").queued != 0; ++i)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(view_of(h.eng().providers(), "alpha").queued, 0);
  EXPECT_TRUE(view_of(h.eng().providers(), "beta").paused);
  EXPECT_TRUE(audit_adds(beta).empty());

  // The operator resumes beta: journaled too, so a third run has nothing paused.
  ASSERT_TRUE(h.eng().set_provider_paused("beta", false, ""));
  store::journal_reader r(h.journal_path());
  for (const auto& row : r.provider_pauses())
    EXPECT_TRUE(!row.paused || row.provider == "gone") << row.provider << " " << row.kind;
}

// Orders waiting only on a paused provider count in its `queued`, and leave the count when
// they are canceled or sent.
TEST(engine_restart, orders_waiting_on_a_paused_provider_count_in_its_queued) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_TRUE(h.eng().set_provider_paused("alpha", true, "hold on"));
  for (const char* id : {"q1", "q2", "q3"})
    ASSERT_EQ(h.add_one(followers(id, id)).status, add_status::accepted);
  ASSERT_TRUE(wait_providers(h.eng(), [](const auto& v) { return view_of(v, "alpha").queued == 3; }))
      << view_of(h.eng().providers(), "alpha").queued;
  const auto canceled = h.cancel({"q2"});
  ASSERT_TRUE(canceled.at(0).ok()) << canceled.at(0).error;
  ASSERT_TRUE(wait_providers(h.eng(), [](const auto& v) { return view_of(v, "alpha").queued == 2; }))
      << view_of(h.eng().providers(), "alpha").queued;
  ASSERT_TRUE(h.eng().set_provider_paused("alpha", false, ""));
  for (const char* id : {"q1", "q3"})
    ASSERT_TRUE(h.wait_for(id, [](const order_view& v) { return !v.provider_order_id.empty(); }));
  EXPECT_TRUE(wait_providers(h.eng(), [](const auto& v) { return view_of(v, "alpha").queued == 0; }))
      << view_of(h.eng().providers(), "alpha").queued;
}

// Moves every order's last status change two hours back (the shortest stuck time a config
// allows is one hour), with no engine on the journal.
void age_orders(const std::filesystem::path& dir) {
  store::sqlite_db db((dir / "journal.sqlite").string());
  db.exec("UPDATE orders SET updated_at = updated_at - 7200");
}

// A speed-up request is journaled: its interval holds after a restart.
TEST(engine_restart, the_speedup_interval_holds_across_a_restart) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  std::string cfg = config_text({{"alpha", &alpha}}, "allow", dir.path());
  cfg.replace(cfg.find("duplicate_link = \"allow\""), 24,
              "duplicate_link = \"allow\"\nspeedup_stuck_after_hours = 1\nspeedup_min_interval_hours = 24");
  {
    engine_harness h(cfg, dir.path());
    h.start();
    ASSERT_EQ(h.add_one(followers("sp", "sp")).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("sp", [](const order_view& v) { return v.state == order_state::pending; }));
    EXPECT_EQ(h.speedup("sp").error, "not_stuck");
  }
  age_orders(dir.path());
  {
    engine_harness h(cfg, dir.path());
    h.start();
    const auto first = h.speedup("sp");
    EXPECT_TRUE(first.ok()) << first.error;
    EXPECT_EQ(h.speedup("sp").error, "too_soon");
  }
  age_orders(dir.path());  // still stuck after this run's polls, whatever they journaled
  engine_harness h(cfg, dir.path());
  h.start();
  EXPECT_EQ(h.speedup("sp").error, "too_soon") << "the speed-up interval was lost in the restart";
  EXPECT_EQ(h.status("sp")->speedup, "too_soon");
  EXPECT_TRUE(has_note(history(h.eng(), "sp"), "speed-up requested"));
}

// A cancel asked of the provider, and its answer, are events of the order: `show` has them,
// also after a restart.
TEST(engine_restart, a_cancel_request_sent_upstream_is_in_the_history_after_a_restart) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  const std::string cfg = config_text({{"alpha", &alpha}}, "allow", dir.path());
  {
    engine_harness h(cfg, dir.path());
    h.start();
    ASSERT_EQ(h.add_one(followers("cx", "cx")).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("cx", [](const order_view& v) { return v.state == order_state::pending; }));
    const auto a = h.cancel({"cx"});
    ASSERT_TRUE(a.at(0).ok()) << a.at(0).error;
    const auto hist = history(h.eng(), "cx");
    EXPECT_TRUE(has_note(hist, "cancel requested of alpha")) << notes(hist);
    EXPECT_TRUE(has_note(hist, "alpha accepted the cancel request")) << notes(hist);
  }
  engine_harness h(cfg, dir.path());
  h.start();
  const auto hist = history(h.eng(), "cx");
  ASSERT_TRUE(hist.order.has_value()) << hist.error;
  EXPECT_TRUE(has_note(hist, "cancel requested of alpha")) << notes(hist);
  EXPECT_TRUE(has_note(hist, "alpha accepted the cancel request")) << notes(hist);
}

// `overview` counts every order of the journal: final orders of an earlier run are no longer in
// memory after a restart, but they are counted.
TEST(engine_restart, overview_counts_the_journal_only_orders_after_a_restart) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "50", "--speed", "100000"});
  const std::string cfg = config_text({{"alpha", &alpha}}, "allow", dir.path());
  {
    engine_harness h(cfg, dir.path());
    h.start();
    for (const char* id : {"o1", "o2", "o3"}) {
      ASSERT_EQ(h.add_one(followers(id, id)).status, add_status::accepted);
      ASSERT_TRUE(h.wait_for(id, [](const order_view& v) { return is_final(v.state); }));
    }
  }
  engine_harness h(cfg, dir.path());
  h.start();
  const auto f = h.eng().figures();
  const auto completed = static_cast<std::size_t>(order_state::completed);
  EXPECT_EQ(f.orders_by_state[completed], 0) << "not in memory after the restart";
  EXPECT_TRUE(f.journal_counted);
  EXPECT_EQ(f.journal_orders_by_state[completed], 3);
  // A new order is counted as the journal takes it.
  ASSERT_EQ(h.add_one(followers("o4", "o4")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("o4", [](const order_view& v) { return is_final(v.state); }));
  EXPECT_EQ(h.eng().figures().journal_orders_by_state[completed], 4);
}

// `show` and `orders` give the link, the provider's service id and the sent-at time (from the
// journal, so also after a restart); `show` takes the id API v2 hands out (the daemon's id).
TEST(engine_restart, show_and_orders_give_link_provider_service_and_sent_time) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  const std::string cfg = config_text({{"alpha", &alpha}}, "allow", dir.path());
  const std::int64_t t0 =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::int64_t order_id = 0;
  std::optional<std::int64_t> sent_at;
  {
    engine_harness h(cfg, dir.path());
    h.start();
    const auto a = h.add_one(followers("sh", "bob"));
    ASSERT_EQ(a.status, add_status::accepted);
    order_id = a.order_id;
    ASSERT_TRUE(h.wait_for("sh", [](const order_view& v) { return v.state == order_state::pending; }));
    const auto hist = history(h.eng(), "sh");
    ASSERT_TRUE(hist.order.has_value());
    EXPECT_EQ(hist.order->link, "https://instagram.com/bob");
    EXPECT_EQ(hist.order->provider, "alpha");
    EXPECT_EQ(hist.order->provider_service_id, "1");
    ASSERT_TRUE(hist.order->sent_at.has_value());
    EXPECT_GE(*hist.order->sent_at, t0);
    sent_at = hist.order->sent_at;
    std::int64_t sending_at = 0;
    for (const auto& e : hist.events)
      if (e.new_state == order_state::sending) sending_at = e.at;
    EXPECT_EQ(*sent_at, sending_at) << "the time of the `sending` change";
  }
  engine_harness h(cfg, dir.path());
  h.start();
  // The API v2 endpoint answers `add` with the daemon's order id: `show` takes it.
  const auto by_api_id = history(h.eng(), std::to_string(order_id));
  ASSERT_TRUE(by_api_id.order.has_value()) << by_api_id.error;
  EXPECT_EQ(by_api_id.order->panel_order_id, "sh");
  EXPECT_EQ(by_api_id.order->sent_at, sent_at);
  EXPECT_EQ(by_api_id.order->provider_service_id, "1");
  const auto page = list(h.eng(), order_state::pending);
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.orders[0].link, "https://instagram.com/bob");
  EXPECT_EQ(page.orders[0].provider, "alpha");
  EXPECT_EQ(page.orders[0].provider_service_id, "1");
  EXPECT_EQ(page.orders[0].sent_at, sent_at);
  // A queued order was never sent: no sent-at, no provider service.
  ASSERT_TRUE(h.eng().set_provider_paused("alpha", true, ""));
  ASSERT_EQ(h.add_one(followers("sq", "sq")).status, add_status::accepted);
  const auto queued = list(h.eng(), order_state::queued);
  ASSERT_EQ(queued.orders.size(), 1u);
  EXPECT_FALSE(queued.orders[0].sent_at.has_value());
  EXPECT_TRUE(queued.orders[0].provider_service_id.empty());
  EXPECT_EQ(queued.orders[0].link, "https://instagram.com/sq");
}

}  // namespace
}  // namespace smm::daemon::test
