// Recovery at start: an order found `sending` becomes `unknown` and is never sent; queued
// orders are sent; placed orders resume polling without a second add; replays survive a
// restart.
#include <gtest/gtest.h>

#include "daemon/engine/intake_rules.hpp"
#include "tests/daemon_engine/engine_fixture.hpp"

namespace smm::daemon::test {
namespace {

using smm::test::mock_process;

int adds_on(const mock_process& m, const std::string& link_part) {
  int n = 0;
  for (const auto& a : audit_adds(m)) n += a.link.find(link_part) != std::string::npos ? 1 : 0;
  return n;
}

// The insert intake would have written for `o` (same hash, params and charge).
store::order_insert insert_for(const panel_order& o, const config& cfg, std::int64_t id) {
  const auto p = prepare_order(o, cfg);
  if (!p.error.empty()) throw std::runtime_error(p.error);
  store::order_insert ins;
  ins.id = id;
  ins.panel_order_id = o.panel_order_id;
  ins.request_hash = p.request_hash;
  ins.service_id = o.service_id;
  ins.link = p.params.link;
  ins.link_key = p.link.text;
  ins.quantity = p.quantity;
  ins.params = p.encoded;
  ins.charge_micros = p.charge.micros();
  ins.state = static_cast<std::uint8_t>(order_state::queued);
  ins.at = 1'700'000'000;
  return ins;
}

TEST(engine_recovery, a_sending_order_becomes_unknown_and_is_never_sent) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  const std::string text = config_text({{"alpha", &alpha}}, "allow", dir.path());
  const auto cfg = *load_config_string(text, "t.toml", dir.path().string()).value;
  const auto sending = followers("r-send", "recov-send");
  const auto queued = followers("r-queued", "recov-queued");
  {
    // A previous run: both accepted, the first was on the wire when the process died.
    store::journal j(store::journal_options{(dir.path() / "journal.sqlite").string()});
    store::state_change c;
    c.order_id = 1;
    c.old_state = static_cast<std::uint8_t>(order_state::queued);
    c.new_state = static_cast<std::uint8_t>(order_state::sending);
    c.provider = "alpha";
    c.attempt = 1;
    c.at = 1'700'000'001;
    const auto res = j.submit_and_wait({insert_for(sending, cfg, 1), insert_for(queued, cfg, 2), c});
    ASSERT_TRUE(res.ok) << res.error;
  }
  engine_harness h(text, dir.path());
  const auto rep = h.start();
  EXPECT_EQ(rep.unknown, 1);
  EXPECT_EQ(rep.queued, 1);
  EXPECT_EQ(rep.next_order_id, 3);

  ASSERT_TRUE(h.wait_for("r-queued", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  const auto v = *h.status("r-send");
  EXPECT_EQ(v.state, order_state::unknown);
  EXPECT_FALSE(v.note.empty());
  // A fresh order placed after recovery is the barrier: anything the engine would have
  // sent for r-send would have gone before it.
  const auto fresh = h.add_one(followers("r-new", "recov-new"));
  ASSERT_EQ(fresh.status, add_status::accepted);
  EXPECT_EQ(fresh.order_id, 3);
  ASSERT_TRUE(h.wait_for("r-new", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  EXPECT_EQ(adds_on(alpha, "recov-send"), 0);
  EXPECT_EQ(adds_on(alpha, "recov-queued"), 1);
  EXPECT_EQ(h.eng().figures().orders_by_state[static_cast<std::size_t>(order_state::unknown)], 1);

  // The replay of a recovered order still answers with its id; other content conflicts.
  const auto replay = h.add_one(queued);
  EXPECT_EQ(replay.status, add_status::replayed);
  EXPECT_EQ(replay.order_id, 2);
  EXPECT_EQ(h.add_one(followers("r-queued", "recov-queued", 500)).status, add_status::conflict);

  // Only an operator sends it again: proven absent -> queued -> placed, exactly once.
  EXPECT_FALSE(h.resolve({"r-queued", false, ""}).ok());  // not unknown
  const auto r = h.resolve({"r-send", false, ""});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_TRUE(h.wait_for("r-send", [](const order_view& v) { return !v.provider_order_id.empty(); }));
  EXPECT_EQ(adds_on(alpha, "recov-send"), 1);
}

TEST(engine_recovery, resolve_placed_takes_the_operators_provider_order_id) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "50", "--speed", "5000"});
  const std::string text = config_text({{"alpha", &alpha}}, "allow", dir.path());
  const auto cfg = *load_config_string(text, "t.toml", dir.path().string()).value;
  // Really create the order upstream, as a lost answer would have.
  const std::string body =
      alpha.request("POST", "/api/v2",
                    "key=test-key&action=add&service=1&link=https%3A%2F%2Finstagram.com%2Flost&quantity=100");
  const auto at = body.find("\"order\":");
  ASSERT_NE(at, std::string::npos) << body;
  std::string upstream_id;
  for (std::size_t i = at + 8; i < body.size() && body[i] != '}' && body[i] != ','; ++i)
    if (body[i] != '"' && body[i] != ' ') upstream_id += body[i];
  {
    store::journal j(store::journal_options{(dir.path() / "journal.sqlite").string()});
    store::state_change c;
    c.order_id = 1;
    c.old_state = static_cast<std::uint8_t>(order_state::queued);
    c.new_state = static_cast<std::uint8_t>(order_state::sending);
    c.provider = "alpha";
    c.attempt = 1;
    c.at = 1'700'000'001;
    ASSERT_TRUE(j.submit_and_wait({insert_for(followers("lost", "lost"), cfg, 1), c}).ok);
  }
  engine_harness h(text, dir.path());
  h.start();
  EXPECT_FALSE(h.resolve({"lost", true, ""}).ok());  // placed needs the provider's id
  const auto r = h.resolve({"lost", true, upstream_id});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_TRUE(h.wait_for("lost", [](const order_view& v) { return v.state == order_state::completed; }));
  EXPECT_EQ(h.status("lost")->provider_order_id, upstream_id);
  EXPECT_EQ(audit_adds(alpha).size(), 1u);  // only the one made by hand above
}

TEST(engine_recovery, placed_orders_resume_polling_after_a_restart_without_a_second_add) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "1500", "--speed", "5000"});
  const std::string text = config_text({{"alpha", &alpha}}, "allow", dir.path());
  {
    engine_harness h(text, dir.path());
    h.start();
    for (int i = 0; i < 4; ++i)
      ASSERT_EQ(h.add_one(followers("rs" + std::to_string(i), "rs" + std::to_string(i))).status,
                add_status::accepted);
    for (int i = 0; i < 4; ++i)
      ASSERT_TRUE(h.wait_for("rs" + std::to_string(i),
                             [](const order_view& v) { return !v.provider_order_id.empty(); }));
    EXPECT_TRUE(h.eng().stop(5s));
  }
  engine_harness h(text, dir.path());
  const auto rep = h.start();
  EXPECT_EQ(rep.running + static_cast<std::int64_t>(0), 4);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(h.wait_for("rs" + std::to_string(i), [](const order_view& v) { return is_final(v.state); }));
  EXPECT_EQ(audit_adds(alpha).size(), 4u);
  // A final order of the earlier run still replays (answered from the journal).
  const auto again = h.add_one(followers("rs0", "rs0"));
  EXPECT_EQ(again.status, add_status::replayed);
  EXPECT_TRUE(is_final(again.state));
}

}  // namespace
}  // namespace smm::daemon::test
