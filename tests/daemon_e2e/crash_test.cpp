// Durability across process death: kill -9 while adds are on the wire loses no acknowledged
// order and places none twice (checked against the mock's audit); SIGTERM drains, exits 0,
// removes the socket, and a restart resumes the open orders; SIGHUP with a broken config keeps
// the running one.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

config_spec one_provider(unsigned short port, int max_in_flight) {
  config_spec c;
  c.providers.push_back({.name = "a", .port = port, .max_in_flight = max_in_flight});
  c.services.push_back({.id = 1, .rate = "0.90", .min = 50, .max = 10000, .route = {{"a", 1}}});
  return c;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// An order whose only provider refuses connections: queued, or sending while a call is tried
// (refused, so provably not created: never unknown, never final).
bool waiting_for_a_route(const order_status& s) {
  return s.found && (s.state == "queued" || s.state == "sending") && s.provider_order_id.empty();
}

using crash = daemon_env;

TEST_F(crash, kill_9_during_dispatch_loses_nothing_and_places_nothing_twice) {
  // Every answer takes 300 ms: with 8 in flight, 200 adds take ~7.5 s, so the kill lands mid-way.
  mock_process mock({"--latency", "fixed:300", "--pending-ms", "50", "--speed", "100000"});
  constexpr int max_in_flight = 8;
  write_config(one_provider(mock.port(), max_in_flight));
  start_daemon();

  constexpr int n = 200;
  std::vector<std::string> ids, links;
  for (int i = 0; i < n; ++i) {
    ids.push_back("k" + std::to_string(i));
    links.push_back("https://instagram.com/crash_" + std::to_string(i));
  }
  const auto acks = add_pipelined(ids, 1, links, 100);
  ASSERT_EQ(acks.size(), ids.size());
  for (const auto& r : acks) ASSERT_EQ(r.status, "accepted") << r.raw;

  // Kill once adds are flowing, well before the last one.
  ASSERT_TRUE(eventually([&] { return read_audit_links(mock.port()).total >= 3 * max_in_flight; }, 20s));
  const int status = stop_daemon(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const int adds_at_kill = read_audit_links(mock.port()).total;
  ASSERT_LT(adds_at_kill, n) << "dispatch was over before the kill: nothing was in flight";

  start_daemon();
  // Every acknowledged order is there.
  const auto after = status_many(ids);
  ASSERT_EQ(after.size(), ids.size()) << "an acknowledged order was lost";

  const auto settled = wait_settled(ids, 60s, /*unknown_ok=*/true);
  ASSERT_EQ(settled.size(), ids.size());
  const audit_by_link audit = read_audit_links(mock.port());
  int unknown = 0, completed = 0;
  for (int i = 0; i < n; ++i) {
    const auto& s = settled.at(ids[i]);
    SCOPED_TRACE(ids[i] + " " + s.state + " note: " + s.note);
    // Never sent twice.
    const auto seen = audit.adds.find(links[i]);
    const int adds = seen == audit.adds.end() ? 0 : seen->second;
    EXPECT_LE(adds, 1) << "placed twice";
    if (s.state == "unknown") {
      ++unknown;
      continue;
    }
    ASSERT_TRUE(is_final_state(s.state)) << "not settled";
    EXPECT_EQ(s.state, "completed");
    ++completed;
    // Placed where the audit says, with that id.
    ASSERT_EQ(adds, 1);
    ASSERT_EQ(audit.orders.count(links[i]), 1u);
    EXPECT_EQ(audit.orders.at(links[i]).front(), s.provider_order_id);
  }
  // Every add the provider saw is one of ours (no stray resend under another link).
  int ours = 0;
  for (const auto& link : links) ours += audit.adds.count(link) ? audit.adds.at(link) : 0;
  EXPECT_EQ(audit.total, ours);
  // `sending` is journaled only once an add holds an in-flight slot and is about to be written:
  // at most max_in_flight orders are unknown (before, twice that: the send window). A kill
  // inside the fsync of that journal write may leave one commit's worth not yet written.
  EXPECT_LE(unknown, max_in_flight);
  int unknown_sent = 0;
  for (int i = 0; i < n; ++i)
    if (settled.at(ids[i]).state == "unknown" && audit.adds.count(links[i])) ++unknown_sent;
  std::printf(
      "kill -9: %d adds at the kill, %d completed, %d unknown after restart (%d of them reached the mock)\n",
      adds_at_kill, completed, unknown, unknown_sent);
}

TEST_F(crash, sigterm_exits_0_removes_the_socket_and_a_restart_resumes_open_orders) {
  // Orders stay Pending 4 s: they are open (placed, polled) when SIGTERM comes.
  mock_process mock({"--pending-ms", "4000", "--speed", "100000"});
  // Service 2's only provider refuses connections: its orders must stay queued, never failed.
  config_spec c = one_provider(mock.port(), 8);
  c.providers.push_back({.name = "dead", .port = closed_loopback_port()});
  c.services.push_back({.id = 2, .rate = "0.90", .min = 50, .max = 10000, .route = {{"dead", 1}}});
  write_config(c);
  start_daemon();

  std::vector<std::string> ids, links;
  for (int i = 0; i < 6; ++i) {
    ids.push_back("t" + std::to_string(i));
    links.push_back("https://instagram.com/term_" + std::to_string(i));
  }
  const auto acks = add_pipelined(ids, 1, links, 100);
  ASSERT_EQ(acks.size(), ids.size());
  for (const auto& r : acks) ASSERT_EQ(r.status, "accepted") << r.raw;
  const std::vector<std::string> stuck{"q0", "q1"};
  for (const auto& id : stuck)
    ASSERT_EQ(add(id, 2, "https://instagram.com/stuck_" + id, 100).status, "accepted");

  std::map<std::string, order_status> before;
  ASSERT_TRUE(eventually(
      [&] {
        before = status_many(ids);
        if (before.size() != ids.size()) return false;
        for (const auto& [id, s] : before)
          if (s.provider_order_id.empty()) return false;
        return true;
      },
      15s));
  for (const auto& [id, s] : before) ASSERT_FALSE(is_final_state(s.state)) << id << " finished too soon";
  for (const auto& id : stuck) EXPECT_TRUE(waiting_for_a_route(status(id))) << id;

  const int status = stop_daemon(SIGTERM, 15s);
  ASSERT_NE(status, -1) << "no exit within 15 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(file_exists(socket_path_)) << "the socket file was left behind";

  start_daemon();
  const auto recovered = status_many(ids);
  ASSERT_EQ(recovered.size(), ids.size());
  for (const auto& [id, s] : recovered) EXPECT_EQ(s.provider_order_id, before.at(id).provider_order_id) << id;
  // Polling resumed: they complete, and nothing was sent again.
  const auto settled = wait_settled(ids, 30s);
  for (const auto& id : ids) EXPECT_EQ(settled.at(id).state, "completed") << id;
  EXPECT_EQ(read_audit_links(mock.port()).total, static_cast<int>(ids.size()));
  // The unroutable orders came back, still waiting.
  for (const auto& id : stuck) {
    const order_status s = this->status(id);
    ASSERT_TRUE(s.found) << id;
    EXPECT_TRUE(waiting_for_a_route(s)) << id << " " << s.state << " note: " << s.note;
  }
}

TEST_F(crash, sighup_with_a_broken_config_keeps_the_running_one) {
  mock_process mock({"--pending-ms", "200", "--speed", "5000"});
  write_config(one_provider(mock.port(), 8));
  start_daemon();
  ASSERT_EQ(add("before", 1, "https://instagram.com/hup", 100).status, "accepted");

  const std::string good = [&] {
    std::ifstream in(config_path_);
    std::ostringstream o;
    o << in.rdbuf();
    return o.str();
  }();
  std::ofstream(config_path_) << good << "\n[policy\nthis is not toml\n";
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return daemon_log().find("reload refused") != std::string::npos; }, 10s))
      << "a broken config on SIGHUP must be refused, and say so";
  ASSERT_TRUE(daemon_->running());
  EXPECT_TRUE(is_pong(panel_->call("{\"id\":1,\"op\":\"ping\"}")));
  EXPECT_TRUE(status("before").found);
  // Still takes orders on the running config.
  EXPECT_EQ(add("after", 1, "https://instagram.com/hup2", 100).status, "accepted");

  std::ofstream(config_path_) << good;
  ASSERT_EQ(::kill(daemon_->pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return daemon_log().find("reloaded ") != std::string::npos; }, 10s));
  const auto settled = wait_settled({"before", "after"}, 20s);
  EXPECT_EQ(settled.at("before").state, "completed");
  EXPECT_EQ(settled.at("after").state, "completed");
}

}  // namespace
}  // namespace smm::test

namespace smm::test {
namespace {

TEST_F(crash, sigterm_with_adds_on_the_wire_waits_for_their_answers_before_exiting) {
  // Every add takes 1.5 s to answer, so SIGTERM comes while they are on the wire.
  mock_process mock({"--latency", "fixed:1500", "--pending-ms", "600000"});
  write_config(one_provider(mock.port(), 8));
  start_daemon();
  std::vector<std::string> ids, links;
  for (int i = 0; i < 6; ++i) {
    ids.push_back("w" + std::to_string(i));
    links.push_back("https://instagram.com/wire_" + std::to_string(i));
  }
  for (const auto& r : add_pipelined(ids, 1, links, 100)) ASSERT_EQ(r.status, "accepted") << r.raw;
  ASSERT_TRUE(eventually(
      [&] { return mock.request("GET", "/admin/stats").find("\"in_flight\":0,") == std::string::npos; }, 10s))
      << "no add reached the mock";

  const int status = stop_daemon(SIGTERM, 15s);
  ASSERT_NE(status, -1) << "no exit within 15 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const std::string log = daemon_log();
  EXPECT_EQ(log.find("still on the wire"), std::string::npos) << log;

  // The drain journaled every answer: after a restart no order is unknown, each add that
  // reached the mock is placed with the mock's id, and nothing is sent twice.
  start_daemon();
  const auto audit = read_audit_links(mock.port());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const order_status s = this->status(ids[i]);
    ASSERT_TRUE(s.found) << ids[i];
    EXPECT_NE(s.state, "unknown") << ids[i] << " note: " << s.note;
    if (audit.adds.count(links[i]) != 0) {
      EXPECT_EQ(audit.adds.at(links[i]), 1) << links[i];
      ASSERT_EQ(audit.orders.at(links[i]).size(), 1U);
      EXPECT_EQ(s.provider_order_id, audit.orders.at(links[i]).front()) << ids[i];
    }
  }
}

TEST_F(crash, a_second_daemon_on_the_same_journal_exits_1_naming_the_holder_and_touches_nothing) {
  // Slow answers keep adds in flight: a second daemon running recovery would turn them unknown.
  mock_process mock({"--latency", "fixed:500", "--pending-ms", "50", "--speed", "100000"});
  write_config(one_provider(mock.port(), 4));
  start_daemon();
  std::vector<std::string> ids, links;
  for (int i = 0; i < 40; ++i) {
    ids.push_back("s" + std::to_string(i));
    links.push_back("https://instagram.com/second_" + std::to_string(i));
  }
  for (const auto& r : add_pipelined(ids, 1, links, 100)) ASSERT_EQ(r.status, "accepted") << r.raw;
  ASSERT_TRUE(eventually([&] { return read_audit_links(mock.port()).total >= 4; }, 10s));

  const std::string second_log = dir_ + "/second.log";
  daemon_process second(config_path_, second_log);
  ASSERT_TRUE(eventually([&] { return !second.running(); }, 10s)) << "the second daemon kept running";
  const int st = second.stop(0);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 1);
  std::ifstream in(second_log);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("pid " + std::to_string(daemon_->pid())), std::string::npos) << text.str();

  // The first daemon is untouched: its socket answers, nothing became unknown, nothing doubled.
  const auto settled = wait_settled(ids, 60s, /*unknown_ok=*/true);
  ASSERT_EQ(settled.size(), ids.size());
  const audit_by_link audit = read_audit_links(mock.port());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_NE(settled.at(ids[i]).state, "unknown") << ids[i] << " " << settled.at(ids[i]).note;
    EXPECT_EQ(audit.adds.count(links[i]) == 0 ? 0 : audit.adds.at(links[i]), 1) << links[i];
  }
}

}  // namespace
}  // namespace smm::test
