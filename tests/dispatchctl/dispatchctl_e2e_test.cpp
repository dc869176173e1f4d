// smm-dispatchctl end to end: the real binary against the real daemon and a real mock
// provider on loopback, each test in its own temp dir. Every wait is bounded; the ctl itself
// runs with its own --timeout and is killed if it ever outlives a safety net.
#include <fcntl.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

extern char** environ;

namespace smm::test {
namespace {

struct ctl_result {
  int exit_code = -1;  ///< -1: did not exit (killed)
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The line number of the first line of `text` whose words include `words` in a row (tables are
// aligned with any number of blanks), or -1.
int row_with(const std::string& text, const std::vector<std::string>& words) {
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    std::istringstream in(line);
    std::vector<std::string> tokens;
    for (std::string w; in >> w;) tokens.push_back(w);
    for (std::size_t i = 0; i + words.size() <= tokens.size(); ++i)
      if (std::equal(words.begin(), words.end(), tokens.begin() + static_cast<std::ptrdiff_t>(i))) return n;
  }
  return -1;
}

class dispatchctl : public daemon_env {
 protected:
  /// Runs smm-dispatchctl --socket <our admin socket> --timeout 10 <args>; stdout and stderr to
  /// files. `socket` overrides the admin socket.
  ctl_result ctl(std::vector<std::string> args, bool with_socket = true, const std::string& socket = {}) {
    std::vector<std::string> argv_text{SMM_DISPATCHCTL};
    if (with_socket)
      argv_text.insert(argv_text.end(),
                       {"--socket", socket.empty() ? admin_socket_path_ : socket, "--timeout", "10"});
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out_path = dir_ + "/ctl.out", err_path = dir_ + "/ctl.err";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_text[0]);
    ctl_result r;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;  // safety net over its own 10 s
    for (;;) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    return r;
  }

  /// One provider "alpha" on `mock`, service 1 routed to it.
  void start_with(const mock_process& mock) {
    config_spec c;
    c.providers.push_back({.name = "alpha", .port = mock.port()});
    c.services.push_back({.id = 1, .rate = "0.90", .min = 10, .max = 10000, .route = {{"alpha", 1}}});
    write_config(c);
    start_daemon();
  }

  bool wait_state(const std::string& id, const std::string& state, std::chrono::milliseconds timeout = 20s) {
    return eventually([&] { return status(id).state == state; }, timeout);
  }
};

// Parses `text` as one JSON document; fails the test when it is not.
simdjson::dom::element parse_json(simdjson::dom::parser& p, const std::string& text) {
  simdjson::dom::element doc;
  EXPECT_EQ(p.parse(text).get(doc), simdjson::SUCCESS) << text;
  return doc;
}

std::int64_t int_at(simdjson::dom::element doc, std::string_view pointer) {
  std::int64_t v = -1;
  if (doc.at_pointer(pointer).get_int64().get(v) != simdjson::SUCCESS) return -1;
  return v;
}

std::string string_at(simdjson::dom::element doc, std::string_view pointer) {
  std::string_view v;
  if (doc.at_pointer(pointer).get_string().get(v) != simdjson::SUCCESS) return "<missing>";
  return std::string(v);
}

TEST_F(dispatchctl, status_providers_orders_and_show_against_a_running_daemon) {
  // Orders stay pending upstream for a minute: the states the ctl lists do not move under it.
  mock_process mock({"--pending-ms", "60000"});
  start_with(mock);
  const std::vector<std::string> ids{"s1", "s2", "s3"};
  for (std::size_t i = 0; i < ids.size(); ++i)
    ASSERT_EQ(add(ids[i], 1, "https://instagram.com/ctl_" + std::to_string(i), 100).status, "accepted");
  for (const auto& id : ids) ASSERT_TRUE(wait_state(id, "pending")) << id << " is " << status(id).state;

  auto r = ctl({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("smm-dispatchd ", 0), 0u) << r.out;
  EXPECT_GE(row_with(r.out, {"pending", "3"}), 0) << r.out;
  EXPECT_GE(row_with(r.out, {"accepted", "3"}), 0) << r.out;
  EXPECT_NE(r.out.find("open 3 (held 0)"), std::string::npos) << r.out;

  r = ctl({"providers"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PROVIDER  BREAKER  PAUSED"), std::string::npos) << r.out;
  EXPECT_GE(row_with(r.out, {"alpha", "closed", "no", "0/8", "1000", "0"}), 0) << r.out;

  r = ctl({"orders", "--state", "pending"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& id : ids)
    EXPECT_GE(row_with(r.out, {id, "1", "pending", "alpha"}), 0) << id << "\n" << r.out;
  EXPECT_NE(r.out.find("\n3 orders\n"), std::string::npos) << r.out;

  r = ctl({"orders", "--state", "pending", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 orders; more follow: --after "), std::string::npos) << r.out;
  EXPECT_EQ(row_with(r.out, {"s3"}), -1) << r.out;

  r = ctl({"orders", "--state", "pending", "--limit", "1", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\n3 orders\n"), std::string::npos) << r.out;

  r = ctl({"orders", "--state", "completed"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no orders in state completed\n");

  // --json: the daemon's answer, one document; pages merged into one.
  r = ctl({"--json", "orders", "--state", "pending", "--limit", "1", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    simdjson::dom::parser p;
    const auto doc = parse_json(p, r.out);
    simdjson::dom::array orders;
    ASSERT_EQ(doc["result"]["orders"].get_array().get(orders), simdjson::SUCCESS) << r.out;
    std::vector<std::string> listed;
    for (auto o : orders) listed.emplace_back(o["panel_order_id"].get_string().value());
    EXPECT_EQ(listed, ids);
  }
  r = ctl({"status", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    simdjson::dom::parser p;
    const auto doc = parse_json(p, r.out);
    EXPECT_EQ(int_at(doc, "/result/orders/by_state/pending"), 3) << r.out;
    EXPECT_EQ(int_at(doc, "/result/intake/accepted"), 3) << r.out;
  }

  const order_status s1 = status("s1");
  r = ctl({"show", "s1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(row_with(r.out, {"provider", "order", "id", s1.provider_order_id}), 0) << r.out;
  EXPECT_GE(row_with(r.out, {"state", "pending"}), 0) << r.out;
  // The timeline: every step from intake to pending, in order.
  const int received = row_with(r.out, {"received", "queued", "accepted"});
  const int queued = row_with(r.out, {"queued", "sending"});
  const int sending = row_with(r.out, {"sending", "placed"});
  const int placed = row_with(r.out, {"placed", "pending", "Pending"});
  EXPECT_GE(received, 0) << r.out;
  EXPECT_GT(queued, received) << r.out;
  EXPECT_GT(sending, queued) << r.out;
  EXPECT_GT(placed, sending) << r.out;

  r = ctl({"show", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "smm-dispatchctl: the daemon refused: not_found: order not found\n");
  r = ctl({"--json", "show", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  {
    simdjson::dom::parser p;
    const auto doc = parse_json(p, r.out);
    EXPECT_EQ(string_at(doc, "/error/code"), "not_found") << r.out;
  }
}

TEST_F(dispatchctl, usage_errors_exit_2_and_an_absent_daemon_exits_1) {
  auto r = ctl({"orders"}, /*with_socket=*/false);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--state is required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Usage:"), std::string::npos) << r.err;
  r = ctl({"explode"}, false);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command \"explode\""), std::string::npos) << r.err;
  r = ctl({"--help"}, false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("reload"), std::string::npos) << r.out;
  r = ctl({"show", "--help"}, false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("timeline"), std::string::npos) << r.out;
  // No daemon started: the socket path and the errno text.
  r = ctl({"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "smm-dispatchctl: cannot connect to the daemon at " + admin_socket_path_ +
                       ": No such file or directory\n");
}

TEST_F(dispatchctl, the_panel_socket_refuses_every_admin_command_naming_the_admin_socket) {
  mock_process mock({"--pending-ms", "60000"});
  start_with(mock);
  ASSERT_EQ(add("f1", 1, "https://instagram.com/forbidden", 100).status, "accepted");
  const std::string forbidden_prefix = "smm-dispatchctl: the daemon refused: forbidden: op \"";
  const std::string where = "\" is served only on the admin socket " + admin_socket_path_ + "\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> commands{
      {{"status"}, "overview"},        {{"orders", "--state", "pending"}, "orders"},
      {{"show", "f1"}, "history"},     {{"pause", "alpha"}, "pause"},
      {{"resume", "alpha"}, "resume"}, {{"resolve", "f1", "--not-placed"}, "resolve"},
      {{"reload"}, "reload"},
  };
  for (const auto& [args, op] : commands) {
    auto r = ctl(args, true, socket_path_);
    EXPECT_EQ(r.exit_code, 1) << op << ": " << r.out;
    EXPECT_EQ(r.err, forbidden_prefix + op + where) << op;
  }
  // Nothing was paused or reloaded; the same commands work on the admin socket.
  auto r = ctl({"providers"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("paused by an operator"), std::string::npos) << r.out;
  r = ctl({"status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = ctl({"pause", "alpha"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = ctl({"resume", "alpha"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(daemon_log().find("reloaded "), std::string::npos);
}

TEST_F(dispatchctl, pause_keeps_new_orders_queued_until_resume) {
  mock_process mock({"--pending-ms", "100", "--speed", "5000"});
  start_with(mock);
  auto r = ctl({"pause", "alpha", "--reason", "maintenance window"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "alpha: paused (maintenance window)\n");
  r = ctl({"providers"});
  EXPECT_NE(r.out.find("yes: maintenance window"), std::string::npos) << r.out;
  r = ctl({"pause", "ghost"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "smm-dispatchctl: the daemon refused: not_found: no provider named \"ghost\"\n");

  ASSERT_EQ(add("p1", 1, "https://instagram.com/paused_1", 100).status, "accepted");
  // Several dispatch rounds pass (status round trips through the engine); it must not leave.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(status("p1").state, "queued");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(read_audit_links(mock.port()).total, 0) << "an add reached a paused provider";
  r = ctl({"orders", "--state", "queued"});
  EXPECT_GE(row_with(r.out, {"p1", "1", "queued"}), 0) << r.out;

  r = ctl({"resume", "alpha"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "alpha: resumed\n");
  r = ctl({"providers"});
  EXPECT_GE(row_with(r.out, {"alpha", "closed", "no"}), 0) << r.out;
  const auto settled = wait_settled({"p1"}, 30s);
  ASSERT_EQ(settled.count("p1"), 1u);
  EXPECT_EQ(settled.at("p1").state, "completed");
  EXPECT_EQ(read_audit_links(mock.port()).adds["https://instagram.com/paused_1"], 1);
}

TEST_F(dispatchctl, resolve_settles_unknown_orders) {
  // The first three adds are created upstream but their answers are lost: all become unknown.
  mock_process mock({"--pending-ms", "100", "--speed", "5000", "--fault", "reset,action=add,count=3"});
  start_with(mock);
  const std::string link1 = "https://instagram.com/unknown_1", link2 = "https://instagram.com/unknown_2";
  ASSERT_EQ(add("u1", 1, link1, 100).status, "accepted");
  ASSERT_TRUE(wait_state("u1", "unknown")) << status("u1").state;
  ASSERT_EQ(add("u2", 1, link2, 100).status, "accepted");
  ASSERT_TRUE(wait_state("u2", "unknown")) << status("u2").state;
  // u3: the operator gives up on it: canceled here with the whole charge back, never resent.
  const std::string link3 = "https://instagram.com/unknown_3";
  ASSERT_EQ(add("u3", 1, link3, 100).status, "accepted");
  ASSERT_TRUE(wait_state("u3", "unknown")) << status("u3").state;

  auto r = ctl({"orders", "--state", "unknown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(row_with(r.out, {"u1", "1", "unknown", "alpha"}), 0) << r.out;
  EXPECT_GE(row_with(r.out, {"u2", "1", "unknown", "alpha"}), 0) << r.out;
  r = ctl({"status"});
  EXPECT_GE(row_with(r.out, {"unknown", "3"}), 0) << r.out;
  r = ctl({"show", "u1"});
  EXPECT_GE(
      row_with(r.out, {"sending", "unknown", "add", "to", "alpha", "may", "have", "created", "an", "order"}),
      0)
      << r.out;

  // The admin checks with the provider: u1 exists there under this id.
  const auto audit = read_audit_links(mock.port());
  ASSERT_EQ(audit.orders.count(link1), 1u);
  const std::string upstream_id = audit.orders.at(link1).front();
  r = ctl({"resolve", "u1", "--placed", upstream_id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "u1: placed\n");
  const auto s1 = wait_settled({"u1"}, 30s);
  ASSERT_EQ(s1.count("u1"), 1u);
  EXPECT_EQ(s1.at("u1").state, "completed");
  EXPECT_EQ(s1.at("u1").provider_order_id, upstream_id);
  r = ctl({"resolve", "u1", "--placed", upstream_id});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "smm-dispatchctl: the daemon refused: rejected: order is completed, not unknown\n");

  // u2: declared absent, so the daemon sends it again, once.
  r = ctl({"resolve", "u2", "--not-placed"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "u2: queued\n");
  const auto s2 = wait_settled({"u2"}, 30s);
  ASSERT_EQ(s2.count("u2"), 1u);
  EXPECT_EQ(s2.at("u2").state, "completed");
  EXPECT_EQ(read_audit_links(mock.port()).adds[link2], 2);

  r = ctl({"show", "u2"});
  EXPECT_GE(row_with(r.out, {"unknown", "queued", "resolved", "by", "an", "operator:"}), 0) << r.out;
  EXPECT_GE(row_with(r.out, {"note", "resolved", "by", "an", "operator:"}), 0) << r.out;

  r = ctl({"resolve", "u3", "--canceled"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "u3: canceled\n");
  const auto s3 = status("u3");
  EXPECT_EQ(s3.state, "canceled");
  EXPECT_EQ(s3.refund.value_or("none"), s3.charge);
  EXPECT_EQ(s3.refund_reason, "canceled");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(read_audit_links(mock.port()).adds[link3], 1);
  r = ctl({"resolve", "u3", "--not-placed"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(dispatchctl, reload_applies_a_good_config_and_refuses_a_bad_one) {
  mock_process mock({"--pending-ms", "100", "--speed", "5000"});
  start_with(mock);
  auto r = ctl({"reload"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("reloaded: ", 0), 0u) << r.out;

  // A broken file: refused with the reason, the daemon keeps serving on the running config.
  const std::string good = slurp(config_path_);
  std::string bad = good;
  const auto at = bad.find("log_level = \"info\"");
  ASSERT_NE(at, std::string::npos) << bad;
  bad.replace(at, std::string("log_level = \"info\"").size(), "log_level = \"loud\"");
  std::ofstream(config_path_) << bad;
  r = ctl({"reload"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("smm-dispatchctl: the daemon refused: invalid: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("config.toml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("daemon.log_level: 'loud' is not one of"), std::string::npos) << r.err;
  r = ctl({"--json", "reload"});
  EXPECT_EQ(r.exit_code, 1);
  {
    simdjson::dom::parser p;
    const auto doc = parse_json(p, r.out);
    EXPECT_EQ(string_at(doc, "/error/code"), "invalid") << r.out;
  }
  r = ctl({"status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(add("after", 1, "https://instagram.com/after_reload", 100).status, "accepted");

  std::ofstream(config_path_) << good;
  r = ctl({"reload"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace smm::test
