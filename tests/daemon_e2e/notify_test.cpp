// systemd integration as the service manager sees it: the daemon under a fake NOTIFY_SOCKET
// with a watchdog sends READY=1 (with a STATUS line) once it serves, pings WATCHDOG=1 from
// its dispatch loop, RELOADING=1 then READY=1 on SIGHUP, and STOPPING=1 on SIGTERM.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

/// A unix datagram socket standing in for systemd's notify socket.
class notify_socket {
 public:
  explicit notify_socket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof(a.sun_path) - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
      throw std::runtime_error("cannot bind " + path);
  }
  ~notify_socket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  /// Reads messages until one contains `needle` or `timeout` passes; every message read is
  /// appended to `seen`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) continue;
      const std::string msg(buf, static_cast<std::size_t>(n));
      seen.push_back(msg);
      if (msg.find(needle) != std::string::npos) return true;
    }
  }
  std::vector<std::string> seen;

 private:
  std::string path_;
  int fd_ = -1;
};

config_spec one_provider(unsigned short port) {
  config_spec c;
  c.providers.push_back({.name = "a", .port = port});
  c.services.push_back({.id = 1, .route = {{"a", 1}}});
  return c;
}

using notify = daemon_env;

TEST_F(notify, ready_watchdog_reload_and_stopping_reach_the_service_manager) {
  mock_process mock;
  write_config(one_provider(mock.port()));
  notify_socket sd(dir_ + "/notify.sock");
  // 300 ms: the daemon pings at most every 150 ms, from its 50 ms dispatch ticks.
  start_daemon({"NOTIFY_SOCKET=" + dir_ + "/notify.sock", "WATCHDOG_USEC=300000"});

  ASSERT_TRUE(sd.wait_for("READY=1", 10s));
  EXPECT_NE(sd.seen.back().find("STATUS=open 0, accepted 0"), std::string::npos) << sd.seen.back();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sd.wait_for("WATCHDOG=1", 10s)) << "ping " << i;

  ::kill(daemon_->pid(), SIGHUP);
  ASSERT_TRUE(sd.wait_for("RELOADING=1", 10s));
  ASSERT_TRUE(sd.wait_for("READY=1", 10s));
  EXPECT_NE(daemon_log().find("reloaded " + config_path_), std::string::npos) << daemon_log();

  ASSERT_TRUE(sd.wait_for("WATCHDOG=1", 10s)) << "pings go on after a reload";
  const int st = stop_daemon(SIGTERM);
  EXPECT_TRUE(sd.wait_for("STOPPING=1", 1s));
  ASSERT_TRUE(WIFEXITED(st)) << st;
  EXPECT_EQ(WEXITSTATUS(st), 0);
  // A whole life (start, reload, stop) never writes the provider key (daemon_env's "test-key").
  EXPECT_EQ(daemon_log().find("test-key"), std::string::npos) << daemon_log();
}

// Every subsystem's logger comes from one factory, so a reload's level reaches them all, those
// made at start (admin, panel, engine) included: nothing below the old level before, all after.
TEST_F(notify, a_reloaded_log_level_reaches_every_subsystem_logger) {
  mock_process mock({"--pending-ms", "200", "--speed", "5000"});
  config_spec spec = one_provider(mock.port());
  spec.duplicate_link = "hold";  // a held order's release is the engine's info line
  spec.log_level = "warn";
  write_config(spec);
  start_daemon();

  // One round of lines at info/debug from three subsystems: admin, panel, engine.
  auto one_round = [&](const std::string& tag) {
    EXPECT_NE(admin().call(R"({"id":1,"op":"overview"})").find("\"ok\":true"), std::string::npos);
    connect().reset();  // the panel logs a closed connection at debug
    const std::string link = "https://instagram.com/reload_" + tag;
    ASSERT_EQ(add(tag + "1", 1, link, 100).status, "accepted");
    ASSERT_EQ(add(tag + "2", 1, link, 100).status, "held");
    const auto settled = wait_settled({tag + "1", tag + "2"}, 30s);
    ASSERT_TRUE(is_final_state(settled.at(tag + "2").state)) << settled.at(tag + "2").state;
  };
  const std::string admin_line = "admin: uid " + std::to_string(::getuid());
  one_round("w");
  EXPECT_EQ(daemon_log().find(admin_line), std::string::npos) << daemon_log();
  EXPECT_EQ(daemon_log().find("panel: panel connection closed"), std::string::npos) << daemon_log();
  EXPECT_EQ(daemon_log().find("engine: order w2 released"), std::string::npos) << daemon_log();

  spec.log_level = "debug";
  write_config(spec);
  ::kill(daemon_->pid(), SIGHUP);
  ASSERT_TRUE(
      eventually([&] { return daemon_log().find("reloaded " + config_path_) != std::string::npos; }, 10s));
  one_round("d");
  for (const std::string& expected :
       {admin_line, std::string("panel: panel connection closed"), std::string("engine: order d2 released")})
    EXPECT_TRUE(eventually([&] { return daemon_log().find(expected) != std::string::npos; }, 10s))
        << "missing after the reload: " << expected << "\n"
        << daemon_log();
}

TEST_F(notify, no_watchdog_pings_when_systemd_asks_for_none) {
  mock_process mock;
  write_config(one_provider(mock.port()));
  notify_socket sd(dir_ + "/notify.sock");
  start_daemon({"NOTIFY_SOCKET=" + dir_ + "/notify.sock"});
  ASSERT_TRUE(sd.wait_for("READY=1", 10s));
  EXPECT_FALSE(sd.wait_for("WATCHDOG=1", 1s));
  EXPECT_EQ(WEXITSTATUS(stop_daemon(SIGTERM)), 0);
}

}  // namespace
}  // namespace smm::test
