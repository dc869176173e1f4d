// Keys never leave the daemon: the real smm-dispatchd with distinctive keys is driven through
// the error paths that carry outside text (mock providers that echo the request, key and key
// headers included, in JSON errors and HTML pages; a wrong provider key; a panel with a wrong
// API v2 key; kill -9 and an abort, each followed by a restart; config errors naming URLs with
// credentials), then everything it wrote is searched for the keys: its stdout/stderr log, the
// journal's bytes, panel and API v2 answers, the event stream, /metrics, smm-dispatchctl's
// output and --check-config's. Zero hits, and no piece (first or last 10 characters) either,
// which an excerpt cut inside a key would keep.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/daemon_apiv2/http_test_client.hpp"
#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

extern char** environ;

namespace smm::test {
namespace {

namespace fs = std::filesystem;

const std::string key_a = "PROVKEYalpha7Qx9ZmW3";      // provider a: key in the form body
const std::string key_b = "PROVKEYbeta4Hn8Tq2Lk";      // provider b: key headers, from a key file
const std::string key_c = "PROVKEYwrongR5t6Y7u8";      // provider c: a key it refuses
const std::string panel_key = "PANELKEYmainJ2k4L6p8";  // the API v2 panel key
const std::string wrong_panel_key = "PANELKEYwrongZ9x8C7v6";
const std::string url_password = "URLPASSq1w2e3r4t5y6";   // user:pass@ in a bad api_url
const std::string url_query_key = "URLQKEYz1x2c3v4b5n6";  // ?key= in a bad api_url

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct run_result {
  int exit_code = -1;
  std::string output;  ///< stdout then stderr
};

// Runs `args` with stdout and stderr to files in `dir`; killed after 30 s.
run_result run_program(const std::vector<std::string>& args, const std::string& dir) {
  std::vector<std::string> text(args);
  std::vector<char*> argv;
  for (auto& a : text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = dir + "/run.out", err = dir + "/run.err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + text[0]);
  run_result r;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (int status = 0;;) {
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
  r.output = slurp(out) + slurp(err);
  return r;
}

class secrets : public daemon_env {
 protected:
  /// One place everything the daemon wrote is kept, to be searched at the end.
  void keep(const std::string& where, const std::string& text) { written_.emplace_back(where, text); }

  std::string config_text(unsigned short pa, unsigned short pb, unsigned short pc) const {
    std::ostringstream t;
    auto provider = [&t](const std::string& name, unsigned short port, const std::string& key_lines) {
      t << "[[providers]]\nname = \"" << name << "\"\napi_url = \"http://127.0.0.1:" << port << "/api/v2\"\n"
        << key_lines << "connect_timeout_ms = 1000\nrequest_timeout_ms = 3000\ncall_deadline_ms = 5000\n"
        << "status_poll_interval_s = 1\n\n";
    };
    t << "[daemon]\nsocket_path = \"" << socket_path_ << "\"\napi_socket_path = \"" << dir_ << "/api.sock\"\n"
      << "journal_path = \"" << journal_path_ << "\"\nlog_level = \"debug\"\n"
      << "metrics_listen = \"127.0.0.1:" << metrics_port_ << "\"\nhttp_listen = \"127.0.0.1:" << api_port_
      << "\"\npanel_keys = [{ name = \"shop\", key = \"" << panel_key << "\" }]\n\n";
    provider("a", pa, "key = \"" + key_a + "\"\n");
    provider("b", pb, "key_file = \"b.key\"\nkey_in = \"header\"\nrequest_style = \"json\"\n");
    provider("c", pc, "key = \"" + key_c + "\"\n");
    for (int id : {1, 2, 3})
      t << "[[services]]\nid = " << id << "\nname = \"service " << id
        << "\"\ntype = \"Default\"\nrate = \"0.90\"\nmin = 10\nmax = 10000\ncancel = true\nroute = [{ "
           "provider = \""
        << "abc"[id - 1] << "\", service = 1 }]\n\n";
    return t.str();
  }

  // The socket the admin commands go to: the admin socket where the daemon has one.
  std::string admin_socket() const {
    const std::string admin = dir_ + "/admin.sock";
    return fs::exists(admin) ? admin : socket_path_;
  }
  run_result ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{SMM_DISPATCHCTL, "--socket", admin_socket(), "--timeout", "10"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_program(argv, dir_);
    std::string name = "smm-dispatchctl";
    for (const auto& a : args) name += " " + a;
    keep(name, r.output);
    return r;
  }
  std::string panel_call(const std::string& line) {
    const std::string answer = panel_->call(line);
    keep("panel answer to " + line, answer);
    return answer;
  }
  std::string api_call(const std::string& raw) {
    client<asio::ip::tcp> c(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), api_port_));
    const auto res = c.call(raw);
    std::ostringstream s;
    if (res) s << *res;
    keep("API v2 answer", s.str());
    return s.str();
  }
  std::string http_get(unsigned short port, const std::string& target) {
    client<asio::ip::tcp> c(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const auto res = c.call(get(target));
    return res ? res->body() : std::string();
  }
  bool wait_state(const std::string& id, const std::vector<std::string>& states,
                  std::chrono::milliseconds t = 20s) {
    return eventually(
        [&] {
          const auto s = status(id).state;
          return std::find(states.begin(), states.end(), s) != states.end();
        },
        t);
  }
  // Waits until the mock has used up its fault rules.
  static bool faults_used(const mock_process& m) {
    return eventually([&] { return m.request("GET", "/admin/faults").find("\"kind\"") == std::string::npos; },
                      20s);
  }

  unsigned short metrics_port_ = closed_loopback_port();
  unsigned short api_port_ = closed_loopback_port();
  std::vector<std::pair<std::string, std::string>> written_;
};

TEST_F(secrets, no_key_in_anything_the_daemon_writes) {
  mock_process ma({"--pending-ms", "100", "--speed", "1"}, key_a);
  mock_process mb({"--pending-ms", "100", "--speed", "1"}, key_b);
  // c refuses our key and quotes the request (our key in it) while doing so.
  mock_process mc({"--fault", "echo,action=balance,message=Invalid API key"});

  std::ofstream(dir_ + "/b.key") << key_b << "\n";
  fs::permissions(dir_ + "/b.key", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const std::string good = config_text(ma.port(), mb.port(), mc.port());
  std::ofstream(config_path_) << good;
  fs::permissions(config_path_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                    fs::perms::others_read);
  start_daemon();

  // At start: one warning each for the shared config file (it holds keys) and key file.
  const std::string start_log = daemon_log();
  EXPECT_NE(start_log.find("config file holds keys (key = ...) and is readable by group or others"),
            std::string::npos)
      << start_log;
  EXPECT_NE(start_log.find("key file '" + dir_ + "/b.key' is readable"), std::string::npos) << start_log;

  // a: placed, then a cancel refused with an echo, status polls answered with echoes, and adds
  // answered with an echoing error, an HTML page on 200 and one on 500.
  ASSERT_EQ(add("a-ok", 1, "https://instagram.com/secrets_ok", 100).status, "accepted");
  ASSERT_TRUE(wait_state("a-ok", {"pending", "in_progress"})) << status("a-ok").state;
  ma.fault("kind=echo&action=cancel&count=1&message=Cancel%20refused");
  const std::string cancel = panel_call(R"({"id":"c1","op":"cancel","orders":["a-ok"]})");
  EXPECT_NE(cancel.find("Cancel refused"), std::string::npos) << "the cancel never reached a: " << cancel;
  ma.fault("kind=echo&action=status&count=2&message=Status%20failed");
  EXPECT_TRUE(faults_used(ma));
  ma.fault("kind=echo&action=add&count=1&message=Server%20error");
  ASSERT_EQ(add("a-echo", 1, "https://instagram.com/secrets_echo", 100).status, "accepted");
  ASSERT_TRUE(wait_state("a-echo", {"unknown"})) << status("a-echo").state;
  ma.fault("kind=echo_html&action=add&count=1&status=200");
  ASSERT_EQ(add("a-html200", 1, "https://instagram.com/secrets_html200", 100).status, "accepted");
  ASSERT_TRUE(wait_state("a-html200", {"unknown"})) << status("a-html200").state;
  ma.fault("kind=echo_html&action=add&count=1");
  ASSERT_EQ(add("a-html500", 1, "https://instagram.com/secrets_html500", 100).status, "accepted");
  ASSERT_TRUE(wait_state("a-html500", {"unknown"})) << status("a-html500").state;
  EXPECT_NE(status("a-echo").note.find("Server error"), std::string::npos) << status("a-echo").note;

  // b (key in X-Api-Key and Authorization): a definitive refusal quoting the request, then a
  // gateway page quoting it.
  mb.fault("kind=echo&action=add&count=1&status=400&message=Invalid%20link");
  ASSERT_EQ(add("b-rejected", 2, "https://instagram.com/secrets_b1", 100).status, "accepted");
  ASSERT_TRUE(wait_state("b-rejected", {"rejected", "failed"})) << status("b-rejected").state;
  EXPECT_NE(status("b-rejected").note.find("Invalid link"), std::string::npos) << status("b-rejected").note;
  mb.fault("kind=echo_html&action=add&count=1&status=502");
  ASSERT_EQ(add("b-html", 2, "https://instagram.com/secrets_b2", 100).status, "accepted");
  ASSERT_TRUE(wait_state("b-html", {"unknown"})) << status("b-html").state;

  // c: paused for its refused key; the order routed there waits.
  ASSERT_EQ(add("c-wait", 3, "https://instagram.com/secrets_c", 100).status, "accepted");
  const std::string providers = panel_call(R"({"id":"p1","op":"providers"})");
  EXPECT_NE(providers.find("Invalid API key"), std::string::npos) << providers;

  // API v2: a panel with the right key, then one with a wrong key (form and headers).
  const std::string placed = api_call(
      post("key=" + panel_key + "&action=add&service=2&link=https%3A%2F%2Finstagram.com%2Fapi&quantity=100"));
  EXPECT_NE(placed.find("\"order\""), std::string::npos) << placed;
  api_call(post("key=" + panel_key + "&action=status&orders=1,2,3,4,5,6,7"));
  EXPECT_NE(api_call(post("key=" + wrong_panel_key + "&action=balance")).find("error"), std::string::npos);
  api_call(post("action=balance", "X-Api-Key: " + wrong_panel_key + "\r\n"));
  api_call(post("action=balance", "Authorization: Bearer " + wrong_panel_key + "\r\n"));

  // Every event from the start.
  auto sub = connect();
  sub->send_line(R"({"id":"s","op":"subscribe","after_seq":0})");
  std::string events;  // a running order moves every poll: read for 2 s at most
  const auto events_until = std::chrono::steady_clock::now() + 2s;
  for (std::string line;
       std::chrono::steady_clock::now() < events_until && !(line = sub->read_line(500ms)).empty();)
    events += line + "\n";
  EXPECT_NE(events.find("\"event\""), std::string::npos) << events;
  keep("event stream", events);

  const std::vector<std::string> ids{"a-ok",       "a-echo", "a-html200", "a-html500",
                                     "b-rejected", "b-html", "c-wait"};
  std::string statuses = R"({"id":"st","op":"status","orders":[)";
  for (std::size_t i = 0; i < ids.size(); ++i) statuses += (i ? ",\"" : "\"") + ids[i] + "\"";
  panel_call(statuses + "]}");

  keep("/metrics", http_get(metrics_port_, "/metrics"));

  EXPECT_EQ(ctl({"status"}).exit_code, 0);
  EXPECT_EQ(ctl({"providers"}).exit_code, 0);
  ctl({"--json", "providers"});
  for (const std::string state : {"unknown", "rejected", "queued", "pending", "in_progress"}) {
    ctl({"orders", "--state", state, "--all"});
    ctl({"--json", "orders", "--state", state, "--all"});
  }
  for (const auto& id : ids) {
    EXPECT_EQ(ctl({"show", id}).exit_code, 0) << id;
    ctl({"--json", "show", id});
  }

  // Crashes: kill -9 with an add unanswered (a black hole), then a restart whose recovery and
  // reconciliation notes pass the same scrubbing; then an abort (SIGABRT) and another restart.
  ma.fault("kind=black_hole&action=add&count=1");
  ASSERT_EQ(add("a-crash", 1, "https://instagram.com/secrets_crash", 100).status, "accepted");
  ASSERT_TRUE(wait_state("a-crash", {"sending"})) << status("a-crash").state;
  const int killed = stop_daemon(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL) << killed;
  start_daemon();
  EXPECT_TRUE(wait_state("a-crash", {"unknown"})) << status("a-crash").state;
  panel_call(R"({"id":"st2","op":"status","orders":["a-crash","a-echo","a-ok"]})");
  ctl({"--json", "show", "a-crash"});
  ctl({"orders", "--state", "unknown", "--all"});
  const int aborted = stop_daemon(SIGABRT);
  EXPECT_TRUE(WIFSIGNALED(aborted) && WTERMSIG(aborted) == SIGABRT) << aborted;
  start_daemon();
  panel_call(R"({"id":"st3","op":"status","orders":["a-crash"]})");

  // Config errors naming URLs with credentials: --check-config, a start, a reload.
  std::string bad = good;
  const std::string a_url = "http://127.0.0.1:" + std::to_string(ma.port()) + "/api/v2";
  bad.replace(bad.find(a_url), a_url.size(), "https://shop:" + url_password + "@panel.example/api/v2");
  bad += "[[providers]]\nname = \"d\"\napi_url = \"http://127.0.0.1:99999/api/v2?key=" + url_query_key +
         "\"\nkey_env = \"SMM_NO_SUCH_VARIABLE\"\n";
  const std::string bad_path = dir_ + "/bad.toml";
  std::ofstream(bad_path) << bad;
  const auto check = run_program({SMM_BINARY_DIR "/daemon/smm-dispatchd", "--check-config", bad_path}, dir_);
  keep("--check-config", check.output);
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("must not contain credentials"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("invalid port"), std::string::npos) << check.output;
  keep("--config (bad)",
       run_program({SMM_BINARY_DIR "/daemon/smm-dispatchd", "--config", bad_path}, dir_).output);

  std::ofstream(config_path_, std::ios::trunc) << bad;
  const auto reload = ctl({"reload"});
  EXPECT_NE(reload.output.find("credentials"), std::string::npos) << reload.output;
  ::kill(daemon_->pid(), SIGHUP);
  auto refusals = [this] {
    const std::string log = daemon_log();
    int n = 0;
    for (auto at = log.find("reload refused"); at != std::string::npos;
         at = log.find("reload refused", at + 1))
      ++n;
    return n;
  };
  EXPECT_TRUE(eventually([&] { return refusals() >= 2; }, 10s)) << "the SIGHUP reload was not logged";
  std::ofstream(config_path_, std::ios::trunc) << good;

  EXPECT_EQ(stop_daemon(SIGTERM), 0);
  for (const std::string suffix : {"", "-wal", "-shm"})
    if (fs::exists(journal_path_ + suffix)) keep("journal" + suffix, slurp(journal_path_ + suffix));
  const std::string log = daemon_log();
  keep("daemon log", log);
  EXPECT_NE(log.find("***"), std::string::npos) << "nothing was masked: the echoes never reached the daemon";

  int hits = 0;
  for (const std::string& k :
       {key_a, key_b, key_c, panel_key, wrong_panel_key, url_password, url_query_key}) {
    for (const std::string& piece : {k, k.substr(0, 10), k.substr(k.size() - 10)}) {
      for (const auto& [where, text] : written_) {
        const auto at = text.find(piece);
        if (at == std::string::npos) continue;
        ++hits;
        const auto from = at > 120 ? at - 120 : 0;
        ADD_FAILURE() << where << " holds '" << piece << "': ..." << text.substr(from, 240) << "...";
      }
    }
  }
  EXPECT_EQ(hits, 0);
  std::printf(
      "searched %zu outputs (%zu bytes) for 7 keys: %d hits\n", written_.size(),
      [&] {
        std::size_t n = 0;
        for (const auto& w : written_) n += w.second.size();
        return n;
      }(),
      hits);
}

}  // namespace
}  // namespace smm::test
