// Reconciliation of unknown orders (docs/rules.md "Unknown orders", issue 9 item 11) against
// real mock providers: an add whose answer is lost becomes `unknown`, and is settled from
// evidence where the provider allows it: the add sent again with its request_id, or the ids
// between our own orders asked with multi-status. Every wait is bounded; nothing is timed.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "daemon/engine/reconciler.hpp"
#include "tests/daemon_engine/engine_fixture.hpp"

namespace smm::daemon::test {
namespace {

using smm::test::mock_process;

/// One add of the mock's audit, with the idempotency fields.
struct add_entry {
  std::string link;
  std::string order;  ///< empty: none
  std::string request_id;
  bool created = false;
  bool replayed = false;
};

std::vector<add_entry> adds_of(const mock_process& m, const std::string& link_part) {
  const std::string body = m.request("GET", "/admin/audit");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(body);
  std::vector<add_entry> out;
  for (simdjson::dom::element add : doc["adds"].get_array()) {
    add_entry a;
    if (auto l = add["link"].get_string(); !l.error()) a.link = std::string(l.value());
    if (a.link.find(link_part) == std::string::npos) continue;
    if (auto o = add["order"].get_string(); !o.error()) a.order = std::string(o.value());
    if (auto r = add["request_id"].get_string(); !r.error()) a.request_id = std::string(r.value());
    a.created = add["created"].get_bool().value_unsafe();
    a.replayed = add["replayed"].get_bool().value_unsafe();
    out.push_back(std::move(a));
  }
  return out;
}

int created_on(const mock_process& m, const std::string& link_part) {
  int n = 0;
  for (const auto& a : adds_of(m, link_part)) n += a.created ? 1 : 0;
  return n;
}

/// Ids of orders of another key (another customer of the provider), taken between ours.
std::string foreign_orders(const mock_process& m, int count) {
  return m.request("POST", "/admin/foreign_add", "count=" + std::to_string(count));
}

/// One provider `alpha` with `flags` (TOML lines), a 1 s call deadline, reconciliation every
/// `interval_s`, and service 1 routed to it.
std::string reconcile_config(const mock_process& m, const std::string& flags,
                             const std::filesystem::path& dir, int interval_s = 1) {
  return "[daemon]\nsocket_path = \"" + (dir / "panel.sock").string() + "\"\napi_socket_path = \"" +
         (dir / "api.sock").string() + "\"\njournal_path = \"" + (dir / "journal.sqlite").string() +
         "\"\nreconcile_interval_s = " + std::to_string(interval_s) +
         "\n\n[policy]\nduplicate_link = \"allow\"\n\n"
         "[[providers]]\nname = \"alpha\"\napi_url = \"" +
         m.url() +
         "\"\nkey = \"test-key\"\nmax_in_flight = 8\nrequests_per_second = 1000\nstatus_poll_interval_s = 1\n"
         "connect_timeout_ms = 1000\nrequest_timeout_ms = 1000\ncall_deadline_ms = 1000\nmax_retries = 0\n" +
         flags +
         "\n[[services]]\nid = 1\nname = \"Followers\"\ntype = \"Default\"\nrate = \"0.90\"\nmin = 50\nmax = "
         "10000\nroute = [{ provider = \"alpha\", service = \"1\" }]\n";
}

/// The client keeps the config's deadlines (the bracket's upper bound is computed from them).
void short_backoff(engine_options& o) {
  o.tune_client = [](const provider_config&, providers::provider_client_options& c) {
    c.backoff.base = 10ms;
    c.backoff.cap = 50ms;
  };
}

constexpr const char* bracketing = "order_ids_increasing = true\nstatus_own_orders_only = true\n";

order_history history_of(engine_harness& h, const std::string& id) {
  std::promise<order_history> p;
  auto f = p.get_future();
  h.eng().history(id, [&p](order_history hist) { p.set_value(std::move(hist)); });
  if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("history: no answer");
  return f.get();
}

int events_into(engine_harness& h, const std::string& id, order_state state) {
  int n = 0;
  for (const auto& e : history_of(h, id).events) n += e.new_state == state ? 1 : 0;
  return n;
}

int events_with(engine_harness& h, const std::string& id, const std::string& text) {
  int n = 0;
  for (const auto& e : history_of(h, id).events) n += e.note.find(text) != std::string::npos ? 1 : 0;
  return n;
}

bool is_placed(const order_view& v) { return !v.provider_order_id.empty(); }
bool is_unknown(const order_view& v) { return v.state == order_state::unknown; }

// An order placed and then a second passed: its placement is strictly before any later add's
// send time (both are journaled in whole seconds).
void place_lower(engine_harness& h, const std::string& id, const std::string& link) {
  ASSERT_EQ(h.add_one(followers(id, link)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for(id, is_placed)) << describe(h.status(id));
  std::this_thread::sleep_for(1100ms);
}

// An order sent more than the call deadline (1 s) after the unknown ones, in whole seconds:
// it closes their bracket.
void place_upper(engine_harness& h, const std::string& id, const std::string& link) {
  std::this_thread::sleep_for(2100ms);
  ASSERT_EQ(h.add_one(followers(id, link)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for(id, is_placed)) << describe(h.status(id));
}

TEST(engine_reconcile, an_idempotent_provider_gets_the_add_again_and_answers_the_original_order) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--idempotency"});
  engine_harness h(reconcile_config(alpha, "idempotency_key = true\n", dir.path()), dir.path(),
                   short_backoff);
  h.start();
  // The order is created, then the connection drops before the answer: unknown.
  alpha.fault("kind=reset&action=add&count=1&apply=after");
  ASSERT_EQ(h.add_one(followers("idem-1", "recon-idem")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("idem-1", is_placed)) << describe(h.status("idem-1"));

  const auto adds = adds_of(alpha, "recon-idem");
  ASSERT_EQ(adds.size(), 2u);  // the add whose answer was lost, and the one sent again
  EXPECT_TRUE(adds[0].created);
  EXPECT_TRUE(adds[1].replayed);
  EXPECT_FALSE(adds[1].created);
  EXPECT_FALSE(adds[0].request_id.empty());
  EXPECT_EQ(adds[0].request_id, adds[1].request_id);  // stable across attempts
  EXPECT_EQ(adds[0].request_id.rfind("smm-1-", 0), 0u) << adds[0].request_id;
  EXPECT_EQ(created_on(alpha, "recon-idem"), 1);  // exactly one order on the link

  const auto v = *h.status("idem-1");
  EXPECT_EQ(v.state, order_state::placed);
  EXPECT_EQ(v.provider_order_id, adds[0].order);
  EXPECT_NE(v.note.find("request_id " + adds[0].request_id), std::string::npos) << v.note;
  EXPECT_EQ(events_into(h, "idem-1", order_state::unknown), 1);  // it was unknown first
  EXPECT_EQ(h.eng().figures().reconciled_found, 1u);
  // Placed orders are followed: the poller asks about it like any other.
  ASSERT_TRUE(h.wait_for("idem-1", [](const order_view& o) { return o.raw_status == "Pending"; }));
}

TEST(engine_reconcile, an_order_recovered_unknown_is_sent_again_with_the_same_request_id) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--idempotency"});
  const std::string text = reconcile_config(alpha, "idempotency_key = true\n", dir.path());
  std::string request_id;
  {
    // The first run: the add goes out and its answer is lost; the order stays unknown (this
    // run reconciles once an hour).
    engine_harness h(reconcile_config(alpha, "idempotency_key = true\n", dir.path(), 3600), dir.path(),
                     short_backoff);
    h.start();
    alpha.fault("kind=black_hole&action=add&count=1&apply=after");
    ASSERT_EQ(h.add_one(followers("idem-r", "recon-restart")).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("idem-r", is_unknown)) << describe(h.status("idem-r"));
    const auto adds = adds_of(alpha, "recon-restart");
    ASSERT_EQ(adds.size(), 1u);
    request_id = adds[0].request_id;
  }
  // The next run recovers it unknown and reconciles it with the same request_id.
  engine_harness h(text, dir.path(), short_backoff);
  EXPECT_EQ(h.start().unknown, 1);
  ASSERT_TRUE(h.wait_for("idem-r", is_placed)) << describe(h.status("idem-r"));
  const auto adds = adds_of(alpha, "recon-restart");
  ASSERT_EQ(adds.size(), 2u);
  EXPECT_EQ(adds[1].request_id, request_id);
  EXPECT_TRUE(adds[1].replayed);
  EXPECT_EQ(created_on(alpha, "recon-restart"), 1);
  EXPECT_EQ(h.status("idem-r")->provider_order_id, adds[0].order);
}

TEST(engine_reconcile, an_add_sent_before_idempotency_was_set_is_never_sent_again) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--idempotency"});
  {
    // The provider is not yet marked idempotent: the add carries no request_id and is lost.
    engine_harness h(reconcile_config(alpha, "", dir.path(), 3600), dir.path(), short_backoff);
    h.start();
    alpha.fault("kind=black_hole&action=add&count=1&apply=after");
    ASSERT_EQ(h.add_one(followers("idem-late", "recon-late")).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("idem-late", is_unknown)) << describe(h.status("idem-late"));
  }
  // The operator then sets idempotency_key: a resend would create a second order upstream.
  engine_harness h(reconcile_config(alpha, "idempotency_key = true\n", dir.path()), dir.path(),
                   short_backoff);
  EXPECT_EQ(h.start().unknown, 1);
  ASSERT_TRUE(h.wait_for("idem-late", [](const order_view& v) {
    return v.note.find("without a request_id") != std::string::npos;
  })) << describe(h.status("idem-late"));
  EXPECT_EQ(h.status("idem-late")->state, order_state::unknown);
  EXPECT_EQ(adds_of(alpha, "recon-late").size(), 1u);  // never sent again
  EXPECT_EQ(created_on(alpha, "recon-late"), 1);
}

TEST(engine_reconcile, bracketing_finds_the_one_orphan_between_our_orders_among_foreign_ones) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--status-own-orders-only"});
  engine_harness h(reconcile_config(alpha, bracketing, dir.path()), dir.path(), short_backoff);
  h.start();
  place_lower(h, "b-low", "recon-b-low");
  foreign_orders(alpha, 2);
  alpha.fault("kind=reset&action=add&count=1&apply=after");
  ASSERT_EQ(h.add_one(followers("b-u", "recon-b-u")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("b-u", is_unknown)) << describe(h.status("b-u"));
  foreign_orders(alpha, 2);
  place_upper(h, "b-high", "recon-b-high");
  ASSERT_TRUE(h.wait_for("b-u", is_placed)) << describe(h.status("b-u"));

  // Ids 1 (ours), 2-3 (foreign), 4 (created by the lost add), 5-6 (foreign), 7 (ours).
  EXPECT_EQ(h.status("b-low")->provider_order_id, "1");
  EXPECT_EQ(h.status("b-high")->provider_order_id, "7");
  const auto lost = adds_of(alpha, "recon-b-u");
  ASSERT_EQ(lost.size(), 1u);  // never sent again
  EXPECT_EQ(lost[0].order, "4");
  const auto v = *h.status("b-u");
  EXPECT_EQ(v.state, order_state::placed);
  EXPECT_EQ(v.provider_order_id, "4");  // the foreign ids answered "Incorrect order ID" and were not taken
  EXPECT_NE(v.note.find("asked ids 2..6 (5)"), std::string::npos) << v.note;
  EXPECT_NE(v.note.find("placed as 4"), std::string::npos) << v.note;
  EXPECT_NE(v.note.find("4 unknown to our key"), std::string::npos) << v.note;
  EXPECT_EQ(created_on(alpha, "recon-b-u"), 1);
  EXPECT_EQ(h.eng().figures().reconciled_found, 1u);
}

TEST(engine_reconcile, bracketing_proves_an_add_dropped_before_creation_absent_and_it_is_placed_once) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--status-own-orders-only"});
  engine_harness h(reconcile_config(alpha, bracketing, dir.path()), dir.path(), short_backoff);
  h.start();
  place_lower(h, "a-low", "recon-a-low");
  foreign_orders(alpha, 1);
  // The connection drops after the request was read, before the provider ran it.
  alpha.fault("kind=reset&action=add&count=1&apply=before");
  ASSERT_EQ(h.add_one(followers("a-u", "recon-a-u")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("a-u", is_unknown)) << describe(h.status("a-u"));
  foreign_orders(alpha, 1);
  place_upper(h, "a-high", "recon-a-high");
  ASSERT_TRUE(h.wait_for("a-u", is_placed)) << describe(h.status("a-u"));

  const auto adds = adds_of(alpha, "recon-a-u");
  ASSERT_EQ(adds.size(), 2u);  // the dropped one, and the one sent after the proof
  EXPECT_FALSE(adds[0].created);
  EXPECT_TRUE(adds[1].created);
  EXPECT_EQ(created_on(alpha, "recon-a-u"), 1);  // placed exactly once
  EXPECT_EQ(h.status("a-u")->provider_order_id, adds[1].order);
  EXPECT_EQ(events_with(h, "a-u", "proven absent; queued again"), 1);
  EXPECT_EQ(h.eng().figures().reconciled_absent, 1u);
}

TEST(engine_reconcile, two_unknown_orders_with_two_orphans_in_one_bracket_go_to_an_operator_once) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--status-own-orders-only"});
  engine_harness h(reconcile_config(alpha, bracketing, dir.path()), dir.path(), short_backoff);
  h.start();
  place_lower(h, "t-low", "recon-t-low");
  alpha.fault("kind=reset&action=add&count=2&apply=after");
  ASSERT_EQ(h.add_one(followers("t-u1", "recon-t-u1")).status, add_status::accepted);
  ASSERT_EQ(h.add_one(followers("t-u2", "recon-t-u2")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("t-u1", is_unknown)) << describe(h.status("t-u1"));
  ASSERT_TRUE(h.wait_for("t-u2", is_unknown)) << describe(h.status("t-u2"));
  foreign_orders(alpha, 1);
  place_upper(h, "t-high", "recon-t-high");
  for (const char* id : {"t-u1", "t-u2"})
    ASSERT_TRUE(h.wait_for(id, [](const order_view& v) {
      return v.note.find("inconclusive") != std::string::npos;
    })) << describe(h.status(id));
  // More passes find the same: the note is journaled once per order, not once per pass.
  std::this_thread::sleep_for(3s);
  for (const char* id : {"t-u1", "t-u2"}) {
    const auto v = *h.status(id);
    EXPECT_EQ(v.state, order_state::unknown);
    EXPECT_NE(v.note.find("candidates: 2, 3"), std::string::npos) << v.note;
    EXPECT_NE(v.note.find("#2, #3"), std::string::npos) << v.note;
    EXPECT_EQ(events_with(h, id, "inconclusive"), 1) << id;
  }
  EXPECT_EQ(h.eng().figures().reconcile_inconclusive, 2u);
  EXPECT_EQ(h.eng().figures().reconciled_found + h.eng().figures().reconciled_absent, 0u);
  EXPECT_EQ(created_on(alpha, "recon-t-u"), 2);  // nothing sent again
  EXPECT_EQ(adds_of(alpha, "recon-t-u").size(), 2u);
}

TEST(engine_reconcile, overlapping_brackets_are_untangled_when_only_one_order_can_have_created_an_orphan) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--status-own-orders-only"});
  engine_harness h(reconcile_config(alpha, bracketing, dir.path()), dir.path(), short_backoff);
  h.start();
  place_lower(h, "c-low", "recon-c-low");  // 1
  alpha.fault("kind=reset&action=add&count=1&apply=after");
  ASSERT_EQ(h.add_one(followers("c-u1", "recon-c-u1")).status, add_status::accepted);  // creates 2
  ASSERT_TRUE(h.wait_for("c-u1", is_unknown)) << describe(h.status("c-u1"));
  // 3: placed before the second unknown add, sent too soon after the first to close its bracket.
  place_lower(h, "c-mid", "recon-c-mid");
  alpha.fault("kind=reset&action=add&count=1&apply=after");
  ASSERT_EQ(h.add_one(followers("c-u2", "recon-c-u2")).status, add_status::accepted);  // creates 4
  ASSERT_TRUE(h.wait_for("c-u2", is_unknown)) << describe(h.status("c-u2"));
  place_upper(h, "c-high", "recon-c-high");  // 5
  // Ranges: c-u1 (1,5), c-u2 (3,5). Orphan 2 can only be c-u1's; then 4 can only be c-u2's.
  ASSERT_TRUE(h.wait_for("c-u1", is_placed)) << describe(h.status("c-u1"));
  ASSERT_TRUE(h.wait_for("c-u2", is_placed)) << describe(h.status("c-u2"));
  EXPECT_EQ(h.status("c-mid")->provider_order_id, "3");
  EXPECT_EQ(h.status("c-u1")->provider_order_id, "2");
  EXPECT_EQ(h.status("c-u2")->provider_order_id, "4");
  EXPECT_EQ(created_on(alpha, "recon-c-u"), 2);
  EXPECT_EQ(adds_of(alpha, "recon-c-u").size(), 2u);
  EXPECT_EQ(h.eng().figures().reconciled_found, 2u);
}

TEST(engine_reconcile, a_provider_without_the_flags_leaves_the_order_to_an_operator) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000", "--status-own-orders-only", "--idempotency"});
  // The mock could do both; the config does not say so, so nothing automatic happens.
  engine_harness h(reconcile_config(alpha, "", dir.path()), dir.path(), short_backoff);
  h.start();
  place_lower(h, "n-low", "recon-n-low");
  alpha.fault("kind=reset&action=add&count=1&apply=after");
  ASSERT_EQ(h.add_one(followers("n-u", "recon-n-u")).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("n-u", [](const order_view& v) {
    return v.note.find("nothing automatic") != std::string::npos;
  })) << describe(h.status("n-u"));
  place_upper(h, "n-high", "recon-n-high");
  std::this_thread::sleep_for(3s);
  const auto v = *h.status("n-u");
  EXPECT_EQ(v.state, order_state::unknown);
  EXPECT_TRUE(v.provider_order_id.empty());
  EXPECT_NE(v.note.find("resolve --placed ID, --not-placed or --canceled"), std::string::npos) << v.note;
  EXPECT_EQ(events_with(h, "n-u", "nothing automatic"), 1);
  const auto adds = adds_of(alpha, "recon-n-u");
  ASSERT_EQ(adds.size(), 1u);
  EXPECT_TRUE(adds[0].request_id.empty());  // no request_id for a provider not known to honour it
}

TEST(engine_reconcile, overlapping_ranges_form_one_group) {
  using r = bracket_range;
  constexpr auto open_hi = std::numeric_limits<std::int64_t>::max();
  // (1,4) and (1,4) share ids; (4,9) touches them at our own order 4 only; (20,22) is alone.
  const auto closed = overlapping_groups({r{10, 1, 4}, r{11, 4, 9}, r{12, 1, 4}, r{14, 20, 22}});
  ASSERT_EQ(closed.size(), 3u);
  EXPECT_EQ(closed[0], (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(closed[1], (std::vector<std::size_t>{1}));
  EXPECT_EQ(closed[2], (std::vector<std::size_t>{3}));
  // A bracket not closed yet (7, open) shares 8 with (4,9) and every id above: one group.
  const auto open = overlapping_groups({r{10, 1, 4}, r{11, 4, 9}, r{13, 7, open_hi}, r{14, 20, 22}});
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[1], (std::vector<std::size_t>{1, 2, 3}));
  // No lower bound: every id below its upper one, 2 here.
  const auto unbounded =
      overlapping_groups({r{10, 1, 4}, r{11, std::numeric_limits<std::int64_t>::min(), 3}});
  ASSERT_EQ(unbounded.size(), 1u);
}

TEST(engine_reconcile, orphans_go_to_the_only_order_that_can_have_created_them) {
  using c = std::vector<std::vector<std::size_t>>;
  // One orphan, one order: found. No orphan: absent.
  auto a = attribute_orphans(1, c{{0}}, {1});
  EXPECT_EQ(a.found, (std::vector<int>{0}));
  a = attribute_orphans(2, c{}, {1, 1});
  EXPECT_EQ(a.absent, (std::vector<char>{1, 1}));
  // Two orders, two orphans both could have created: nothing is proven.
  a = attribute_orphans(2, c{{0, 1}, {0, 1}}, {1, 1});
  EXPECT_EQ(a.found, (std::vector<int>{-1, -1}));
  EXPECT_EQ(a.absent, (std::vector<char>{0, 0}));
  EXPECT_EQ(a.unexplained, -1);
  // Orphan 0 lies only in order 0's range; orphan 1 in both: once order 0 has its own, orphan 1
  // is order 1's (a chain across overlapping ranges).
  a = attribute_orphans(2, c{{0}, {0, 1}}, {1, 1});
  EXPECT_EQ(a.found, (std::vector<int>{0, 1}));
  // One orphan that only order 1 fits: order 1 found, order 0 absent.
  a = attribute_orphans(2, c{{1}}, {1, 1});
  EXPECT_EQ(a.found, (std::vector<int>{-1, 0}));
  EXPECT_EQ(a.absent, (std::vector<char>{1, 0}));
  // An order whose range was not fully asked (no lower bound) is never proven absent.
  a = attribute_orphans(2, c{{1}}, {0, 1});
  EXPECT_EQ(a.absent, (std::vector<char>{0, 0}));
  // Two orphans only one order can have created: the second is unexplained.
  a = attribute_orphans(1, c{{0}, {0}}, {1});
  EXPECT_EQ(a.unexplained, 1);
  // An orphan no order can have created.
  a = attribute_orphans(1, c{{}}, {1});
  EXPECT_EQ(a.unexplained, 0);
}

}  // namespace
}  // namespace smm::daemon::test
