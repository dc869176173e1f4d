// The engine end to end against real mock providers: orders to final states with exact
// refunds, idempotent add, the duplicate-link policies, route failover, the event feed.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "daemon/engine/event_feed.hpp"
#include "dispatch/money.hpp"
#include "tests/daemon_engine/engine_fixture.hpp"

namespace smm::daemon::test {
namespace {

using smm::test::mock_process;

bool final_view(const order_view& v) { return is_final(v.state); }

// What the refund of a final order must be (domain.md "Refunds"), from its own figures.
std::optional<money> expected_refund(const order_view& v) {
  switch (v.state) {
    case order_state::completed:
      return money{};  // a final order always shows its refund, "0" when nothing is owed
    case order_state::canceled:
    case order_state::refunded:
    case order_state::failed:
    case order_state::rejected:
      return v.charge;
    case order_state::partial: {
      if (!v.remains || v.refund_reason == "needs_review") return money{};
      const std::int64_t r = std::clamp<std::int64_t>(*v.remains, 0, v.quantity);
      return prorate_down(v.charge, r, v.quantity).value;
    }
    default:
      return std::nullopt;
  }
}

std::vector<event_view> all_events(const std::string& journal_path) {
  store::journal_reader reader(journal_path);
  std::vector<event_view> out;
  for (const auto& row : reader.events_since(0, 1'000'000)) {
    event_view v;
    v.seq = row.seq;
    v.panel_order_id = row.panel_order_id;
    v.new_state = static_cast<order_state>(row.new_state);
    if (row.refund_micros) v.refund = money::from_micros(*row.refund_micros);
    out.push_back(v);
  }
  return out;
}

// Every stored event as the feed maps it for a panel (to_view), all fields.
std::vector<event_view> journal_views(const std::string& journal_path) {
  store::journal_reader reader(journal_path);
  std::vector<event_view> out;
  for (const auto& row : reader.events_since(0, 1'000'000)) out.push_back(to_view(row));
  return out;
}

TEST(engine_flow, orders_reach_final_states_with_exact_refunds) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "50", "--speed", "2000", "--partial-prob", "0.3", "--cancel-prob",
                      "0.25", "--seed", "11"});
  engine_harness h(config_text({{"alpha", &alpha}}, "reject", dir.path()), dir.path());
  h.start();
  constexpr int n = 24;
  std::vector<panel_order> batch;
  for (int i = 0; i < n; ++i)
    batch.push_back(followers("f" + std::to_string(i), "flow" + std::to_string(i), 100 + 17 * i));
  const auto answers = h.add(batch);
  ASSERT_EQ(answers.size(), static_cast<std::size_t>(n));
  for (const auto& a : answers) {
    ASSERT_EQ(a.status, add_status::accepted) << a.panel_order_id << ": " << a.error;
    EXPECT_EQ(a.charge, charge_for(parse_money("0.90").value,
                                   *batch[static_cast<std::size_t>(&a - answers.data())].params.quantity)
                            .value);
  }
  std::map<order_state, int> seen;
  money refunds_total;
  for (int i = 0; i < n; ++i) {
    const std::string id = "f" + std::to_string(i);
    ASSERT_TRUE(h.wait_for(id, final_view)) << id << " never reached a final state";
    const auto v = *h.status(id);
    ++seen[v.state];
    EXPECT_EQ(v.refund, expected_refund(v)) << id << " " << to_string(v.state);
    EXPECT_FALSE(v.provider_order_id.empty());
    if (v.refund) refunds_total = checked_add(refunds_total, *v.refund).value;
  }
  // The mock's probabilities make every outcome occur with this seed; the rules above
  // are only meaningful if they did.
  EXPECT_GT(seen[order_state::completed], 0);
  EXPECT_GT(seen[order_state::partial] + seen[order_state::canceled], 0);

  // Each refund is on exactly one event, and they add up to the orders' refunds.
  std::map<std::string, int> refund_events;
  money events_total;
  for (const auto& e : all_events(h.journal_path())) {
    if (!e.refund) continue;
    ++refund_events[e.panel_order_id];
    events_total = checked_add(events_total, *e.refund).value;
  }
  for (const auto& [id, count] : refund_events) EXPECT_EQ(count, 1) << id;
  EXPECT_EQ(events_total, refunds_total);
  EXPECT_EQ(h.eng().figures().refunds_micros, refunds_total.micros());
  // Every order was sent exactly once.
  EXPECT_EQ(audit_adds(alpha).size(), static_cast<std::size_t>(n));
}

TEST(engine_flow, add_is_idempotent_by_panel_id_and_conflicts_on_other_content) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  const auto first = h.add_one(followers("idem-1", "idem", 100));
  ASSERT_EQ(first.status, add_status::accepted) << first.error;
  const auto again = h.add_one(followers("idem-1", "idem", 100));
  EXPECT_EQ(again.status, add_status::replayed);
  EXPECT_EQ(again.order_id, first.order_id);
  EXPECT_EQ(again.charge, first.charge);
  const auto other = h.add_one(followers("idem-1", "idem", 200));
  EXPECT_EQ(other.status, add_status::conflict);
  EXPECT_NE(other.error.find("idem-1"), std::string::npos);
  // Twice in one call: one order, the second answer replays the first.
  const auto pair = h.add({followers("idem-2", "idem2", 100), followers("idem-2", "idem2", 100)});
  EXPECT_EQ(pair[0].status, add_status::accepted);
  EXPECT_EQ(pair[1].status, add_status::replayed);
  EXPECT_EQ(pair[1].order_id, pair[0].order_id);
  // Invalid orders store nothing and do not disturb the others of the call.
  const auto mixed = h.add({followers("idem-3", "idem3", 10), followers("idem-4", "idem4", 100)});
  EXPECT_EQ(mixed[0].status, add_status::invalid);
  EXPECT_EQ(mixed[1].status, add_status::accepted);
  EXPECT_FALSE(h.status("idem-3"));
  ASSERT_TRUE(h.wait_for("idem-1", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  ASSERT_TRUE(h.wait_for("idem-2", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  ASSERT_TRUE(h.wait_for("idem-4", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  EXPECT_EQ(audit_adds(alpha).size(), 3u);
  const auto fig = h.eng().figures();
  EXPECT_EQ(fig.intake_accepted, 3u);
  EXPECT_EQ(fig.intake_replayed, 2u);
  EXPECT_EQ(fig.intake_conflicts, 1u);
}

TEST(engine_flow, duplicate_link_reject_names_the_running_order_and_frees_the_link_when_final) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}}, "reject", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("dup-a", "p/abc", 100)).status, add_status::accepted);
  panel_order b = followers("dup-b", "p/abc", 100);
  b.params.link = "https://www.instagram.com/p/abc/?utm_source=ig";  // another spelling, same target
  const auto rb = h.add_one(b);
  EXPECT_EQ(rb.status, add_status::duplicate_link);
  EXPECT_NE(rb.error.find("dup-a"), std::string::npos) << rb.error;
  EXPECT_FALSE(h.status("dup-b"));
  // Cancel the running one at the provider; once final, the link takes a new order.
  ASSERT_TRUE(h.wait_for("dup-a", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  const auto c = h.cancel({"dup-a"});
  ASSERT_TRUE(c[0].ok()) << c[0].error;
  EXPECT_EQ(c[0].result, "cancel requested");
  ASSERT_TRUE(h.wait_for("dup-a", final_view));
  const auto va = *h.status("dup-a");
  EXPECT_EQ(va.state, order_state::canceled);
  EXPECT_EQ(va.refund, va.charge);
  EXPECT_EQ(h.add_one(b).status, add_status::accepted);
}

TEST(engine_flow, duplicate_link_hold_sends_the_second_only_after_the_first_is_final) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "1500", "--speed", "5000"});
  engine_harness h(config_text({{"alpha", &alpha}}, "hold", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("hold-a", "holdlink", 100)).status, add_status::accepted);
  const auto rb = h.add_one(followers("hold-b", "holdlink/", 100));
  ASSERT_EQ(rb.status, add_status::held) << rb.error;
  EXPECT_TRUE(h.status("hold-b")->held);
  ASSERT_TRUE(h.wait_for("hold-b", final_view));
  ASSERT_TRUE(is_final(h.status("hold-a")->state));
  // The held order's send (its `sending` event) comes after the first order's final event.
  std::int64_t a_final = 0, b_sending = 0;
  store::journal_reader reader(h.journal_path());
  for (const auto& e : reader.events_since(0, 100000)) {
    if (e.panel_order_id == "hold-a" && is_final(static_cast<order_state>(e.new_state))) a_final = e.seq;
    if (e.panel_order_id == "hold-b" && static_cast<order_state>(e.new_state) == order_state::sending &&
        !b_sending)
      b_sending = e.seq;
  }
  ASSERT_GT(a_final, 0);
  EXPECT_GT(b_sending, a_final);
  const auto adds = audit_adds(alpha);
  ASSERT_EQ(adds.size(), 2u);  // never rejected by the provider for an active order: it waited
  EXPECT_TRUE(adds[0].placed && adds[1].placed);
}

TEST(engine_flow, duplicate_link_allow_accepts_both) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "300", "--speed", "5000"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  EXPECT_EQ(h.add_one(followers("allow-a", "same", 100)).status, add_status::accepted);
  EXPECT_EQ(h.add_one(followers("allow-b", "same", 100)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("allow-a", final_view));
  ASSERT_TRUE(h.wait_for("allow-b", final_view)) << describe(h.status("allow-b"));
  // The provider itself refuses a second active order on the link: the engine waits and
  // retries (retry later), it does not fail the order. Both were placed once each.
  int placed = 0;
  for (const auto& a : audit_adds(alpha)) placed += a.placed ? 1 : 0;
  EXPECT_EQ(placed, 2);
}

TEST(engine_flow, route_fails_over_when_a_provider_runs_out_of_funds) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--balance", "1.00"});
  mock_process beta({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}, {"beta", &beta}}, "allow", dir.path()), dir.path());
  h.start();
  constexpr int n = 5;
  std::vector<panel_order> batch;
  for (int i = 0; i < n; ++i)
    batch.push_back(followers("fo" + std::to_string(i), "fo" + std::to_string(i), 1000));
  for (const auto& a : h.add(batch)) ASSERT_EQ(a.status, add_status::accepted) << a.error;
  std::map<std::string, int> by_provider;
  for (int i = 0; i < n; ++i) {
    const std::string id = "fo" + std::to_string(i);
    ASSERT_TRUE(h.wait_for(id, [](const order_view& v) { return !v.provider_order_id.empty(); })) << id;
    ++by_provider[h.status(id)->provider];
  }
  // 1.00 of funds pays for one 0.90 order at alpha; beta takes the rest.
  EXPECT_EQ(by_provider["alpha"], 1);
  EXPECT_EQ(by_provider["beta"], n - 1);
  int alpha_placed = 0, alpha_funds = 0, beta_placed = 0;
  for (const auto& a : audit_adds(alpha)) {
    alpha_placed += a.placed ? 1 : 0;
    alpha_funds += a.error.find("funds") != std::string::npos ? 1 : 0;
  }
  for (const auto& a : audit_adds(beta)) beta_placed += a.placed ? 1 : 0;
  EXPECT_EQ(alpha_placed, 1);
  EXPECT_GE(alpha_funds, 1);
  EXPECT_EQ(beta_placed, n - 1);  // nothing placed twice
}

TEST(engine_flow, route_fails_over_while_a_providers_breaker_is_open) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  mock_process beta({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}, {"beta", &beta}}, "allow", dir.path()), dir.path(),
                   [](engine_options& o) {
                     auto inner = o.tune_client;
                     o.tune_client = [inner](const provider_config& p,
                                             providers::provider_client_options& c) {
                       inner(p, c);
                       c.breaker.consecutive_failures = 3;
                       c.breaker.cool_down = std::chrono::minutes(5);  // stays open for the test
                       c.breaker.max_cool_down = std::chrono::minutes(5);
                       c.max_attempts = 1;
                     };
                   });
  h.start();
  ASSERT_EQ(h.add_one(followers("br-0", "br0")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("br-0", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  ASSERT_EQ(h.status("br-0")->provider, "alpha");
  // alpha's status answers fail (idempotent calls, so no order is at risk) until its breaker opens.
  alpha.fault("kind=http_5xx&action=status&status=503");
  const auto end = std::chrono::steady_clock::now() + 30s;
  auto alpha_open = [&] {
    for (const auto& p : h.eng().providers())
      if (p.name == "alpha") return p.breaker == "open";
    return false;
  };
  while (!alpha_open() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(alpha_open());
  ASSERT_EQ(h.add_one(followers("br-1", "br1")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("br-1", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  EXPECT_EQ(h.status("br-1")->provider, "beta");
  EXPECT_EQ(audit_adds(alpha).size(), 1u);  // nothing more went to alpha
}

TEST(engine_flow, a_partial_end_without_remains_needs_review_and_never_refunds_from_an_older_poll) {
  temp_dir dir;
  // In progress answers carry remains; the Partial answer does not.
  mock_process alpha({"--pending-ms", "50", "--speed", "150", "--partial-prob", "1",
                      "--final-without-remains", "--seed", "5"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("nr", "nr", 1000)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("nr", final_view));
  const auto v = *h.status("nr");
  ASSERT_EQ(v.state, order_state::partial);
  // Precondition: a poll saw the order running with remains, so a stale figure existed.
  ASSERT_TRUE(v.remains.has_value()) << "no In progress poll reported remains";
  EXPECT_EQ(v.refund_reason, "needs_review");
  EXPECT_EQ(v.refund, money{}) << "refunded from remains that the final answer did not report";
  // Every face shows a final order's refund as a figure: the final event carries "0".
  bool final_event = false;
  for (const auto& e : all_events(h.journal_path()))
    if (e.panel_order_id == "nr" && e.new_state == order_state::partial) final_event = true;
  EXPECT_TRUE(final_event);
}

// An add answered {"error":"low balance","order":N} (ipanel style): the daemon asks `status`
// for N before failing over. It exists and is no other order of ours: placed with it, never
// sent again.
TEST(engine_flow, an_error_beside_a_real_order_id_places_the_order_and_never_sends_it_again) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--fault",
                      "error_with_order,action=add,count=1,apply=after,message=low balance"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path(),
                   [](engine_options& o) { o.paused_recheck = 200ms; });
  h.start();
  ASSERT_EQ(h.add_one(followers("ewo", "ewo")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("ewo", [](const order_view& v) { return !v.provider_order_id.empty(); }))
      << describe(h.status("ewo"));
  std::this_thread::sleep_for(600ms);  // a resumed provider would have had the add again by now
  const auto adds = audit_adds(alpha);
  ASSERT_EQ(adds.size(), 1u) << "the order was sent twice";
  const auto v = *h.status("ewo");
  EXPECT_EQ(v.provider, "alpha");
  EXPECT_NE(v.note.find("exists upstream"), std::string::npos) << v.note;
}

// The same answer with an id the provider never gave out: nothing was created, so the refusal
// stands (a pause for funds), and the order goes out again once the provider is usable.
TEST(engine_flow, an_error_beside_an_unknown_order_id_is_a_refusal) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--fault",
                      "error_with_order,action=add,count=1,apply=before,message=low balance"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path(),
                   [](engine_options& o) { o.paused_recheck = 200ms; });
  h.start();
  ASSERT_EQ(h.add_one(followers("ewu", "ewu")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("ewu", [](const order_view& v) { return !v.provider_order_id.empty(); }))
      << describe(h.status("ewu"));
  const auto adds = audit_adds(alpha);
  ASSERT_EQ(adds.size(), 2u);
  EXPECT_FALSE(adds[0].placed);
  EXPECT_TRUE(adds[1].placed);
  EXPECT_NE(h.status("ewu")->provider_order_id, "987654321");
}

// A provider whose key is refused is paused ("invalid key") by the balance check at start,
// before any add is sent to it; its orders go to the next hop.
TEST(engine_flow, a_provider_with_a_refused_key_is_paused_before_any_add_reaches_it) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  mock_process beta({"--pending-ms", "600000"});
  std::string cfg = config_text({{"alpha", &alpha}, {"beta", &beta}}, "allow", dir.path());
  cfg.replace(cfg.find("key = \"test-key\""), 16, "key = \"bad-key!\"");  // alpha's entry comes first
  engine_harness h(cfg, dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("kk", "kk")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("kk", [](const order_view& v) { return !v.provider_order_id.empty(); }))
      << describe(h.status("kk"));
  EXPECT_EQ(h.status("kk")->provider, "beta");
  EXPECT_TRUE(audit_adds(alpha).empty()) << "an add went to a provider whose key is refused";
  bool paused = false;
  for (const auto& v : h.eng().providers())
    if (v.name == "alpha") paused = v.paused && v.pause_reason.find("invalid key") != std::string::npos;
  EXPECT_TRUE(paused);
}

// Out of funds: the provider stays paused until a balance check shows enough for the order
// it refused, not merely a positive balance.
TEST(engine_flow, a_provider_out_of_funds_resumes_only_when_the_balance_covers_the_refused_order) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--balance", "1.00"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path(),
                   [](engine_options& o) { o.paused_recheck = 100ms; });
  h.start();
  ASSERT_EQ(h.add_one(followers("fa", "fa", 1000)).status, add_status::accepted);  // 0.90 of 1.00
  ASSERT_TRUE(h.wait_for("fa", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  ASSERT_EQ(h.add_one(followers("fb", "fb", 1000)).status, add_status::accepted);  // 0.90 > 0.10 left
  for (int i = 0; i < 100 && audit_adds(alpha).size() < 2; ++i) std::this_thread::sleep_for(100ms);
  ASSERT_EQ(audit_adds(alpha).size(), 2u);
  alpha.request("POST", "/admin/balance", "amount=0.50");  // positive, still short of 0.90
  std::this_thread::sleep_for(1500ms);                     // several rechecks with backoff
  EXPECT_EQ(audit_adds(alpha).size(), 2u) << "resumed on a balance that cannot pay the order";
  EXPECT_TRUE(h.status("fb")->provider_order_id.empty());
  alpha.request("POST", "/admin/balance", "amount=5.00");
  ASSERT_TRUE(h.wait_for("fb", [](const order_view& v) { return !v.provider_order_id.empty(); }))
      << describe(h.status("fb"));
  EXPECT_EQ(audit_adds(alpha).size(), 3u);
}

// A provider that forgets an order it accepted ("Incorrect order ID" poll after poll): after
// policy.forgotten_after_s the order is an anomaly, `unknown`, for an operator to resolve.
TEST(engine_flow, an_order_the_provider_forgets_becomes_unknown_once_for_an_operator) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  std::string cfg = config_text({{"alpha", &alpha}}, "allow", dir.path());
  cfg.replace(cfg.find("duplicate_link = \"allow\""), 24,
              "duplicate_link = \"allow\"\nforgotten_after_s = 1");
  engine_harness h(cfg, dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("fg", "fg")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("fg", [](const order_view& v) { return v.state == order_state::pending; }))
      << describe(h.status("fg"));
  alpha.request("POST", "/admin/reset");  // the provider loses every order
  ASSERT_TRUE(h.wait_for("fg", [](const order_view& v) { return v.state == order_state::unknown; }))
      << describe(h.status("fg"));
  const auto v = *h.status("fg");
  EXPECT_NE(v.note.find("no longer knows order"), std::string::npos) << v.note;
  EXPECT_EQ(h.eng().figures().anomalies, 1u);
  EXPECT_TRUE(audit_adds(alpha).empty()) << "never sent again on a guess";
}

// A placed order keeps no add fields in memory (order_book.hpp): when it has to be sent again
// (forgotten by its provider, then resolved --not-placed), they come back from the journal.
TEST(engine_flow, a_placed_order_sent_again_gets_its_fields_back_from_the_journal) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  std::string cfg = config_text({{"alpha", &alpha}}, "allow", dir.path());
  cfg.replace(cfg.find("duplicate_link = \"allow\""), 24,
              "duplicate_link = \"allow\"\nforgotten_after_s = 1");
  engine_harness h(cfg, dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("fr", "again_link", 250)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("fr", [](const order_view& v) { return v.state == order_state::pending; }))
      << describe(h.status("fr"));
  EXPECT_EQ(h.status("fr")->link, "https://instagram.com/again_link");  // read from the journal
  alpha.request("POST", "/admin/reset");                                // the provider loses every order
  ASSERT_TRUE(h.wait_for("fr", [](const order_view& v) { return v.state == order_state::unknown; }))
      << describe(h.status("fr"));
  resolution res;
  res.panel_order_id = "fr";
  ASSERT_EQ(h.resolve(res).code, result_code::ok);
  ASSERT_TRUE(h.wait_for("fr", [](const order_view& v) {
    return v.state == order_state::pending || v.state == order_state::placed;
  })) << describe(h.status("fr"));
  const auto adds = audit_adds(alpha);
  ASSERT_EQ(adds.size(), 1u);  // the reset emptied the audit: this is the add sent again
  EXPECT_EQ(adds[0].link, "https://instagram.com/again_link");
  EXPECT_TRUE(adds[0].placed);
  EXPECT_EQ(h.status("fr")->link, "https://instagram.com/again_link");
}

TEST(engine_flow, events_arrive_in_order_without_gaps_across_a_resubscribe) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "50", "--speed", "5000", "--partial-prob", "0.3", "--seed", "3"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  event_sink first;
  auto sub = h.eng().subscribe(0, first.callback());
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(h.add_one(followers("ev" + std::to_string(i), "ev" + std::to_string(i))).status,
              add_status::accepted);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(h.wait_for("ev" + std::to_string(i), final_view));
  auto wait_sink = [&](event_sink& s) {
    const auto end = std::chrono::steady_clock::now() + 30s;
    store::journal_reader reader(h.journal_path());
    while (std::chrono::steady_clock::now() < end) {
      const auto ev = s.snapshot();
      if (!ev.empty() && ev.back().seq == reader.last_event_seq()) return ev;
      std::this_thread::sleep_for(10ms);
    }
    return s.snapshot();
  };
  const auto got = wait_sink(first);
  const auto stored = all_events(h.journal_path());
  ASSERT_EQ(got.size(), stored.size());
  // Live events come from the journal's writer, not read back: each must equal the stored one.
  const auto full = journal_views(h.journal_path());
  ASSERT_EQ(full.size(), got.size());
  auto same_event = [](const event_view& a, const event_view& b) {
    return a.seq == b.seq && a.panel_order_id == b.panel_order_id && a.order_id == b.order_id &&
           a.old_state == b.old_state && a.new_state == b.new_state && a.raw_status == b.raw_status &&
           a.charge == b.charge && a.remains == b.remains && a.refund == b.refund &&
           a.refill_eligible == b.refill_eligible && a.note == b.note && a.at == b.at;
  };
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, stored[i].seq);
    EXPECT_TRUE(same_event(got[i], full[i])) << "event " << got[i].seq << " differs from the journal's";
    if (i > 0) {
      EXPECT_EQ(got[i].seq, got[i - 1].seq + 1) << "gap or duplicate at " << i;
    }
  }
  sub->cancel();

  // A panel reconnects from the middle while new orders flow: replay then live, no gap.
  const std::int64_t from = got[got.size() / 2].seq;
  event_sink second;
  auto sub2 = h.eng().subscribe(from, second.callback());
  for (int i = 6; i < 10; ++i)
    ASSERT_EQ(h.add_one(followers("ev" + std::to_string(i), "ev" + std::to_string(i))).status,
              add_status::accepted);
  for (int i = 6; i < 10; ++i) ASSERT_TRUE(h.wait_for("ev" + std::to_string(i), final_view));
  const auto got2 = wait_sink(second);
  ASSERT_FALSE(got2.empty());
  EXPECT_EQ(got2.front().seq, from + 1);
  for (std::size_t i = 1; i < got2.size(); ++i) EXPECT_EQ(got2[i].seq, got2[i - 1].seq + 1) << "at " << i;
  const auto stored2 = journal_views(h.journal_path());
  for (const auto& e : got2)
    EXPECT_TRUE(same_event(e, stored2[static_cast<std::size_t>(e.seq - stored2.front().seq)])) << e.seq;
  EXPECT_EQ(got2.back().seq, all_events(h.journal_path()).back().seq);
  // The cancelled first subscription received nothing after its cancel.
  EXPECT_EQ(first.snapshot().size(), got.size());
}

TEST(engine_flow, refill_goes_to_the_provider_only_when_the_rules_allow_it) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "50", "--speed", "5000", "--drop-prob", "1", "--drop-fraction", "0.5",
                      "--drop-after-ms", "50", "--refill-pending-ms", "50", "--refill-ms", "50"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("rf", "rf", 200)).status, add_status::accepted);
  panel_order comments;
  comments.panel_order_id = "rf-c";
  comments.service_id = 2;
  comments.params.link = "https://instagram.com/p/rfc";
  comments.params.comments = {"one", "two"};
  ASSERT_EQ(h.add_one(comments).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("rf", [](const order_view& v) { return v.state == order_state::completed; }));
  ASSERT_TRUE(h.wait_for("rf-c", final_view));
  EXPECT_EQ(h.refill("rf-c").error, "no_refill_guarantee");  // service 2 has no refill period
  EXPECT_EQ(h.speedup("rf").error, "not_running");
  const auto v = *h.status("rf");
  ASSERT_TRUE(v.start_count);
  // The panel's count shows no drop: not eligible (rule 3), and nothing is asked upstream.
  EXPECT_EQ(h.refill("rf", *v.start_count + v.quantity).error, "count_not_dropped");
  EXPECT_EQ(alpha.read_audit().count("refill"), 0);
  const auto r = h.refill("rf");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_FALSE(r.result.empty());
  EXPECT_EQ(h.refill("rf").error, "refill_in_progress");  // rule 6: one at a time
  EXPECT_EQ(alpha.read_audit().count("refill"), 1);
  const auto end = std::chrono::steady_clock::now() + 30s;
  std::string status;
  while (std::chrono::steady_clock::now() < end && status != "Completed" && status != "Rejected") {
    status = h.refill_status("rf").result;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, "Completed");
}

}  // namespace
}  // namespace smm::daemon::test
