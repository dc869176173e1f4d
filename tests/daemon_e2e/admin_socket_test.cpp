// The admin socket of the real daemon: the file's mode and owner (0600; 0660 and the group with
// daemon.admin_group), the panel socket refusing every admin op with `forbidden` naming the
// admin socket, the admin socket serving them, the peer's uid and pid in the log for each
// admin op, and both socket files gone after a clean stop.
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

class admin_socket : public daemon_env {
 protected:
  /// One provider "alpha" on `mock`, service 1; `daemon_lines` go into [daemon].
  void start_with(const mock_process& mock, const std::string& daemon_lines = {}) {
    config_spec c;
    c.providers.push_back({.name = "alpha", .port = mock.port()});
    c.services.push_back({.id = 1, .rate = "0.90", .min = 10, .max = 10000, .route = {{"alpha", 1}}});
    write_config(c);
    if (!daemon_lines.empty()) {
      std::ifstream in(config_path_);
      std::stringstream text;
      text << in.rdbuf();
      std::string s = text.str();
      s.insert(s.find("[daemon]\n") + 9, daemon_lines);
      std::ofstream(config_path_) << s;
    }
    start_daemon();
    // start_daemon() waits for the panel socket; the admin socket comes up after it. Its
    // first connect succeeds once it listens, which is after its group and mode are set.
    admin();
  }
  struct stat stat_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st;
  }
};

TEST_F(admin_socket, panel_socket_refuses_admin_ops_the_admin_socket_serves_them_and_logs_who) {
  mock_process mock({"--pending-ms", "60000"});
  start_with(mock);
  const struct stat st = stat_of(admin_socket_path_);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  ASSERT_EQ(add("a1", 1, "https://instagram.com/admin_e2e", 100).status, "accepted");

  const std::vector<std::pair<std::string, std::string>> admin_ops{
      {"overview", R"({"id":101,"op":"overview"})"},
      {"orders", R"({"id":102,"op":"orders","state":"queued"})"},
      {"history", R"({"id":103,"op":"history","order":"a1"})"},
      {"pause", R"({"id":104,"op":"pause","provider":"alpha","reason":"checking"})"},
      {"resume", R"({"id":105,"op":"resume","provider":"alpha"})"},
      {"resolve", R"({"id":106,"op":"resolve","order":"a1","placed":false})"},
      {"reload", R"({"id":107,"op":"reload"})"},
  };
  for (const auto& [op, line] : admin_ops) {
    const error_reply e = parse_error(panel_->call(line));
    EXPECT_EQ(e.code, "forbidden") << op;
    EXPECT_EQ(e.message, "op \"" + op + "\" is served only on the admin socket " + admin_socket_path_) << op;
  }
  // The refused pause changed nothing.
  const std::string providers = panel_->call(R"({"id":108,"op":"providers"})");
  EXPECT_NE(providers.find("\"paused\":false"), std::string::npos) << providers;

  // The admin socket serves each of them (resolve answers for the order's state: not unknown).
  for (const auto& [op, line] : admin_ops) {
    std::string answer = admin().call(line);
    if (op == "resolve") {
      // Right after the resume the order's add is being journaled: `busy` until that lands
      // (a moment, longer under a sanitizer), then the answer for its state.
      eventually(
          [&] {
            if (parse_error(answer).code != "busy") return true;
            answer = admin().call(line);
            return false;
          },
          10s);
      EXPECT_EQ(parse_error(answer).code, "rejected") << answer;
    } else {
      EXPECT_NE(answer.find("\"ok\":true"), std::string::npos) << op << ": " << answer;
    }
  }
  // Each admin op is in the log with the peer's uid and pid (this process), and what it names.
  const std::string who =
      "admin: uid " + std::to_string(::getuid()) + " pid " + std::to_string(::getpid()) + ": ";
  for (const std::string expected :
       {"overview", "orders state queued after 0 limit 100", "history order \"a1\"",
        "pause provider \"alpha\" reason \"checking\"", "resume provider \"alpha\"",
        "resolve order \"a1\" not placed", "reload"})
    EXPECT_TRUE(eventually([&] { return daemon_log().find(who + expected) != std::string::npos; }, 10s))
        << "missing: " << who << expected;

  const int status = stop_daemon(SIGTERM, 15s);
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(std::filesystem::exists(admin_socket_path_)) << "the admin socket file was left behind";
}

TEST_F(admin_socket, with_admin_group_the_file_is_0660_in_that_group) {
  const group* g = ::getgrgid(::getgid());
  ASSERT_NE(g, nullptr) << "this process's group has no name";
  mock_process mock;
  start_with(mock, "admin_group = \"" + std::string(g->gr_name) + "\"\n");
  const struct stat st = stat_of(admin_socket_path_);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_EQ(st.st_gid, ::getgid());
  EXPECT_NE(admin().call(R"({"id":1,"op":"overview"})").find("\"ok\":true"), std::string::npos);
}

}  // namespace
}  // namespace smm::test
