// Refills against real mock providers (docs/rules.md "Refill"): one request at a time even
// when two arrive together, every request journaled (refill_status, rules 5 to 7 and the
// refill poller answer the same after a restart), an unknown outcome recorded and never
// resent, and a refill the provider ended in any spelling of "rejected" no longer blocks.
#include <gtest/gtest.h>

#include <future>

#include "dispatch/order.hpp"
#include "tests/daemon_engine/engine_fixture.hpp"

namespace smm::daemon::test {
namespace {

using smm::test::mock_process;

constexpr auto code(refill_state s) { return static_cast<std::uint8_t>(s); }

bool completed(const order_view& v) { return v.state == order_state::completed; }

// The order's latest refill request as the journal holds it, or none.
std::optional<store::refill_row> journaled_refill(const engine_harness& h, const std::string& panel_id) {
  store::journal_reader reader(h.journal_path());
  const auto row = reader.find_order(panel_id);
  if (!row) return std::nullopt;
  return reader.latest_refill(row->id);
}

// Waits (bounded) until the journal holds the order's latest refill in `state`.
bool wait_refill_state(const engine_harness& h, const std::string& panel_id, refill_state state) {
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    if (const auto r = journaled_refill(h, panel_id); r && r->state == code(state)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

order_history history(engine_harness& h, const std::string& id) {
  std::promise<order_history> p;
  auto f = p.get_future();
  h.eng().history(id, [&p](order_history o) { p.set_value(std::move(o)); });
  if (f.wait_for(30s) != std::future_status::ready) throw std::runtime_error("history: no answer");
  return f.get();
}

std::vector<std::string> refill_notes(const order_history& h) {
  std::vector<std::string> out;
  for (const auto& e : h.events)
    if (e.note.rfind("refill ", 0) == 0) out.push_back(e.note);
  return out;
}

// The mock with drops after completion (so a refill has work) and refills that stay Pending
// for `pending_ms`.
std::vector<std::string> refill_mock_flags(const std::string& pending_ms,
                                           const std::string& drop_prob = "1") {
  return {"--pending-ms",    "50",  "--speed",         "5000", "--drop-prob",         drop_prob,
          "--drop-fraction", "0.5", "--drop-after-ms", "50",   "--refill-pending-ms", pending_ms,
          "--refill-ms",     "100"};
}

TEST(engine_refill, two_requests_at_the_same_moment_send_exactly_one_upstream) {
  temp_dir dir;
  mock_process alpha(refill_mock_flags("60000"));
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("twice", "twice", 200)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("twice", completed));

  constexpr int n = 4;
  std::vector<std::promise<action_answer>> answers(n);
  for (int i = 0; i < n; ++i)
    h.eng().refill("twice", std::nullopt,
                   [&answers, i](action_answer a) { answers[i].set_value(std::move(a)); });
  int ok = 0, in_progress = 0;
  for (auto& p : answers) {
    auto f = p.get_future();
    ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
    const auto a = f.get();
    if (a.ok()) ++ok;
    if (a.error == "refill_in_progress") ++in_progress;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(in_progress, n - 1);
  EXPECT_EQ(alpha.read_audit().count("refill"), 1);
  const auto row = journaled_refill(h, "twice");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->attempt, 1);
  EXPECT_EQ(row->state, code(refill_state::pending));
  EXPECT_TRUE(row->refill_id);
}

TEST(engine_refill, a_refill_is_followed_and_answered_the_same_after_a_restart) {
  temp_dir dir;
  mock_process alpha(refill_mock_flags("4000"));
  const std::string text = config_text({{"alpha", &alpha}}, "allow", dir.path());
  std::string refill_id;
  std::string before;
  {
    engine_harness h(text, dir.path());
    h.start();
    ASSERT_EQ(h.add_one(followers("kept", "kept", 200)).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("kept", completed));
    EXPECT_EQ(h.refill_status("kept").error, "no refill requested");
    const auto r = h.refill("kept");
    ASSERT_TRUE(r.ok()) << r.error;
    refill_id = r.result;
    const auto s = h.refill_status("kept");
    ASSERT_TRUE(s.ok()) << s.error;
    before = s.result;
    EXPECT_EQ(before, "Pending");
    EXPECT_TRUE(h.eng().stop(5s));
  }
  engine_harness h(text, dir.path());
  const auto rep = h.start();
  EXPECT_EQ(rep.refills_followed, 1);
  // Rule 6 and refill_status as before the restart; nothing asked upstream twice.
  const auto s = h.refill_status("kept");
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.result, before);
  EXPECT_EQ(h.refill("kept").error, "refill_in_progress");
  EXPECT_EQ(h.status("kept")->refill, "refill_in_progress");
  EXPECT_EQ(alpha.read_audit().count("refill"), 1);

  // The poller follows it again to its end, without anyone asking.
  ASSERT_TRUE(wait_refill_state(h, "kept", refill_state::completed));
  EXPECT_EQ(journaled_refill(h, "kept")->refill_id, refill_id);
  EXPECT_EQ(h.refill_status("kept").result, "Completed");
  // The refill is in the order's history and event stream: requested, taken, ended.
  const auto notes = refill_notes(history(h, "kept"));
  ASSERT_GE(notes.size(), 3u);
  EXPECT_EQ(notes.front(), "refill 1 requested: asked of alpha");
  EXPECT_NE(notes[1].find("refill 1 pending: refill id " + refill_id), std::string::npos) << notes[1];
  EXPECT_NE(notes.back().find("refill 1 completed"), std::string::npos) << notes.back();
  EXPECT_EQ(h.refill("kept").error, "");  // the ended refill no longer blocks a new one
  EXPECT_EQ(alpha.read_audit().count("refill"), 2);
}

TEST(engine_refill, a_refill_the_provider_ended_cancelled_no_longer_blocks_a_new_request) {
  temp_dir dir;
  // No drop: the provider ends the refill without refilling, spelled "Cancelled" (alt style).
  auto flags = refill_mock_flags("50", "0");
  flags.push_back("--status-style");
  flags.push_back("alt");
  mock_process alpha(flags);
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("ended", "ended", 200)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("ended", completed));
  const auto first = h.refill("ended");
  ASSERT_TRUE(first.ok()) << first.error;
  ASSERT_TRUE(wait_refill_state(h, "ended", refill_state::rejected));
  EXPECT_EQ(journaled_refill(h, "ended")->raw_status, "Cancelled");
  EXPECT_EQ(h.refill_status("ended").result, "Cancelled");
  const auto second = h.refill("ended");
  EXPECT_TRUE(second.ok()) << second.error;
  EXPECT_EQ(alpha.read_audit().count("refill"), 2);
  EXPECT_EQ(journaled_refill(h, "ended")->attempt, 2);
}

TEST(engine_refill, a_refill_whose_answer_is_lost_is_unknown_and_never_resent) {
  temp_dir dir;
  mock_process alpha(refill_mock_flags("60000"));
  const std::string text = config_text({{"alpha", &alpha}}, "allow", dir.path());
  {
    engine_harness h(text, dir.path());
    h.start();
    ASSERT_EQ(h.add_one(followers("lost", "lost-refill", 200)).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("lost", completed));
    // The provider creates the refill, the connection drops before its answer.
    alpha.fault("kind=reset&action=refill&apply=after&count=1");
    const auto r = h.refill("lost");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("refill outcome unknown"), std::string::npos) << r.error;
    const auto row = journaled_refill(h, "lost");
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, code(refill_state::unknown));
    EXPECT_EQ(h.refill("lost").error, "refill_in_progress");
    EXPECT_NE(h.refill_status("lost").error.find("refill outcome unknown"), std::string::npos);
    EXPECT_TRUE(h.eng().stop(5s));
  }
  engine_harness h(text, dir.path());
  h.start();
  EXPECT_EQ(h.refill("lost").error, "refill_in_progress");
  EXPECT_NE(h.refill_status("lost").error.find("refill outcome unknown"), std::string::npos);
  std::this_thread::sleep_for(300ms);  // several refill poll periods: nothing is resent
  EXPECT_EQ(alpha.read_audit().count("refill"), 1);
}

TEST(engine_refill, a_request_on_the_wire_at_a_stop_is_unknown_after_the_restart) {
  temp_dir dir;
  mock_process alpha(refill_mock_flags("60000"));
  const std::string text = config_text({{"alpha", &alpha}}, "allow", dir.path());
  {
    engine_harness h(text, dir.path());
    h.start();
    ASSERT_EQ(h.add_one(followers("wire", "wire", 200)).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("wire", completed));
  }
  {
    // As a crash would leave it: the request journaled, its answer never journaled.
    store::journal j(store::journal_options{(dir.path() / "journal.sqlite").string()});
    store::journal_reader reader((dir.path() / "journal.sqlite").string());
    store::refill_change c;
    c.order_id = reader.find_order("wire")->id;
    c.attempt = 1;
    c.state = code(refill_state::requested);
    c.provider = "alpha";
    c.requested_at = engine_context::now_s();
    c.at = c.requested_at;
    ASSERT_TRUE(j.submit_and_wait({c}).ok);
  }
  engine_harness h(text, dir.path());
  const auto rep = h.start();
  EXPECT_EQ(rep.refills_unknown, 1);
  const auto row = journaled_refill(h, "wire");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, code(refill_state::unknown));
  EXPECT_EQ(h.refill("wire").error, "refill_in_progress");
  EXPECT_EQ(alpha.read_audit().count("refill"), 0);
}

TEST(engine_refill, a_newer_order_on_the_link_still_voids_the_refill_after_a_restart) {
  temp_dir dir;
  mock_process alpha(refill_mock_flags("60000"));
  const std::string text = config_text({{"alpha", &alpha}}, "allow", dir.path());
  {
    engine_harness h(text, dir.path());
    h.start();
    ASSERT_EQ(h.add_one(followers("older", "same-link", 200)).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("older", completed));
    ASSERT_EQ(h.add_one(followers("newer", "same-link", 200)).status, add_status::accepted);
    ASSERT_TRUE(h.wait_for("newer", completed));
    EXPECT_EQ(h.refill("older").error, "newer_order_on_link");
    EXPECT_TRUE(h.eng().stop(5s));
  }
  engine_harness h(text, dir.path());
  const auto rep = h.start();
  EXPECT_GE(rep.placements, 2);
  EXPECT_EQ(h.status("older")->refill, "newer_order_on_link");
  EXPECT_EQ(h.refill("older").error, "newer_order_on_link");
  EXPECT_EQ(h.status("newer")->refill, "eligible");
  EXPECT_EQ(alpha.read_audit().count("refill"), 0);
}

// The provider's refusal of a refill is read once, in providers/ (error_category): a private
// account is rule 7's private_account, "not eligible" the provider's not_eligible; the engine
// journals that category and the panel hears provider_refused with the provider's words.
TEST(engine_refill, a_refusal_is_journaled_with_the_category_of_the_providers_answer) {
  temp_dir dir;
  mock_process alpha(refill_mock_flags("60000"));
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("priv", "priv", 200)).status, add_status::accepted);
  ASSERT_EQ(h.add_one(followers("pub", "pub", 200)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("priv", completed));
  ASSERT_TRUE(h.wait_for("pub", completed));

  // Seed 003's words, as a provider sends them for a private account.
  alpha.fault(
      "kind=error&action=refill&count=1&message=Private%20accounts%20do%20not%20qualify%20for%20refund%21");
  const auto refused = h.refill("priv");
  EXPECT_EQ(refused.code, result_code::provider_refused) << refused.error;
  EXPECT_NE(refused.error.find("Private accounts do not qualify"), std::string::npos) << refused.error;
  ASSERT_TRUE(wait_refill_state(h, "priv", refill_state::refused));
  EXPECT_EQ(journaled_refill(h, "priv")->refusal, static_cast<std::uint8_t>(refill_refusal::private_account));
  // Rule 7 from now on: the daemon refuses it itself, as not_eligible.
  const auto again = h.refill("priv");
  EXPECT_EQ(again.code, result_code::not_eligible) << again.error;
  EXPECT_EQ(h.refill_status("priv").code, result_code::provider_refused);

  alpha.fault("kind=error&action=refill&count=1&message=Order%20not%20eligible%20for%20refill.");
  EXPECT_EQ(h.refill("pub").code, result_code::provider_refused);
  ASSERT_TRUE(wait_refill_state(h, "pub", refill_state::refused));
  EXPECT_EQ(journaled_refill(h, "pub")->refusal, static_cast<std::uint8_t>(refill_refusal::not_eligible));
}

// Every answer of the engine carries the code of what happened, set where it is built; the
// faces map the code (panel_response, api_handler), never the message.
TEST(engine_refill, answers_carry_the_code_of_what_happened) {
  temp_dir dir;
  mock_process alpha(refill_mock_flags("60000"));
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  ASSERT_EQ(h.add_one(followers("done", "done-link", 200)).status, add_status::accepted);
  ASSERT_TRUE(h.wait_for("done", completed));

  EXPECT_FALSE(h.status("nope"));
  EXPECT_EQ(h.refill("nope").code, result_code::not_found);
  EXPECT_EQ(h.refill_status("nope").code, result_code::not_found);
  EXPECT_EQ(h.speedup("nope").code, result_code::not_found);
  EXPECT_EQ(h.cancel({"nope"}).at(0).code, result_code::not_found);
  EXPECT_EQ(h.resolve({"nope", false, ""}).code, result_code::not_found);
  EXPECT_EQ(h.refill_status("done").code, result_code::not_found) << "no refill of it exists";
  EXPECT_EQ(history(h, "nope").code, result_code::not_found);
  EXPECT_EQ(history(h, "done").code, result_code::ok);

  const auto v = *h.status("done");
  const auto no_drop = h.refill("done", *v.start_count + v.quantity);
  EXPECT_EQ(no_drop.code, result_code::not_eligible);
  EXPECT_EQ(no_drop.error, "count_not_dropped");
  EXPECT_EQ(h.cancel({"done"}).at(0).code, result_code::not_eligible);
  EXPECT_EQ(h.resolve({"done", false, ""}).code, result_code::not_eligible);
  EXPECT_EQ(h.resolve({"done", true, ""}).code, result_code::invalid) << "placed needs the provider's id";

  const auto asked = h.refill("done");
  EXPECT_EQ(asked.code, result_code::ok) << asked.error;
  EXPECT_TRUE(asked.ok());
  EXPECT_EQ(h.refill("done").code, result_code::not_eligible);  // refill_in_progress
  EXPECT_EQ(h.refill_status("done").code, result_code::ok);
}

}  // namespace
}  // namespace smm::daemon::test
