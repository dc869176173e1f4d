// Config reload: which changes apply live and which wait for a restart, and that a bad file
// is refused with the reason while the running config stays.
#include "daemon/config_reload.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/loader.hpp"

namespace smm::daemon {
namespace {

namespace fs = std::filesystem;

std::string base_text(const std::string& rate = "0.90", const std::string& level = "info",
                      const std::string& rps = "10", const std::string& panel_key = "panel-secret-1") {
  return "[daemon]\nsocket_path = \"/tmp/x/panel.sock\"\njournal_path = \"/tmp/x/j.sqlite\"\nlog_level = \"" +
         level + "\"\npanel_keys = [{ name = \"main\", key = \"" + panel_key +
         "\" }]\n\n[[providers]]\nname = \"alpha\"\napi_url = \"http://127.0.0.1:9/api/v2\"\nkey = "
         "\"provider-secret\"\nrequests_per_second = " +
         rps +
         "\n\n[[providers]]\nname = \"beta\"\napi_url = \"http://127.0.0.1:10/api/v2\"\nkey = \"k2\"\n\n"
         "[[services]]\nid = 1\nname = \"Followers\"\nrate = \"" +
         rate + "\"\nroute = [{ provider = \"alpha\", service = 1 }]\n";
}

config load(const std::string& text) {
  auto r = load_config_string(text, "t.toml");
  if (!r) throw std::runtime_error(to_string(r.errors));
  return *r.value;
}

TEST(restart_needed, nothing_for_an_identical_or_live_only_change) {
  const config a = load(base_text());
  EXPECT_TRUE(restart_needed(a, load(base_text())).empty());
  EXPECT_TRUE(restart_needed(a, load(base_text("0.90", "debug", "10", "rotated-key"))).empty());
  // Requiring hello on the panel socket applies at once too.
  std::string hello = base_text();
  hello.insert(hello.find("journal_path"), "require_panel_hello = true\n");
  EXPECT_TRUE(load(hello).daemon.require_panel_hello);
  EXPECT_TRUE(restart_needed(a, load(hello)).empty());
}

TEST(restart_needed, names_the_changed_providers_services_and_addresses) {
  const config a = load(base_text());
  EXPECT_EQ(restart_needed(a, load(base_text("0.95"))), std::vector<std::string>{"services"});
  EXPECT_EQ(restart_needed(a, load(base_text("0.90", "info", "20"))),
            std::vector<std::string>{"providers (alpha)"});
  std::string moved = base_text();
  moved.replace(moved.find("/tmp/x/panel.sock"), 17, "/tmp/y/panel.sock");
  // The admin socket's default is next to the panel socket: it moves with it.
  EXPECT_EQ(restart_needed(a, load(moved)),
            (std::vector<std::string>{"daemon.socket_path", "daemon.admin_socket_path"}));
  std::string grouped = base_text();
  grouped.insert(grouped.find("journal_path"), "admin_socket_path = \"/tmp/x/ctl.sock\"\n");
  EXPECT_EQ(restart_needed(a, load(grouped)), std::vector<std::string>{"daemon.admin_socket_path"});
  std::string fewer = base_text();
  fewer.erase(fewer.find("[[providers]]\nname = \"beta\""),
              fewer.find("[[services]]") - fewer.find("[[providers]]\nname = \"beta\""));
  EXPECT_EQ(restart_needed(a, load(fewer)), std::vector<std::string>{"providers (beta removed)"});
  // The connection caps are read when the sockets open.
  EXPECT_EQ(
      restart_needed(a, load(base_text() + "\n[daemon.panel_limits]\nmax_output_bytes = 1048576\n"
                                           "\n[daemon.api_limits]\nunauthenticated_timeout_ms = 2000\n")),
      (std::vector<std::string>{"daemon.panel_limits", "daemon.api_limits"}));
}

class reload_file : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("smm-reload-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    file_ = dir_ / "smm.toml";
    write(base_text());
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(file_) << text; }
  fs::path dir_, file_;
};

TEST_F(reload_file, applies_live_parts_and_reports_what_waits_for_a_restart) {
  std::vector<config> applied;
  config_reloader r(file_, load(base_text()), [&](const config& c) { applied.push_back(c); });
  write(base_text("1.50", "debug", "10", "rotated-key"));
  const auto out = r.reload();
  ASSERT_TRUE(out.ok) << out.message;
  ASSERT_EQ(applied.size(), 1U);
  EXPECT_EQ(applied[0].daemon.log_level, spdlog::level::debug);
  EXPECT_EQ(applied[0].daemon.panel_keys.at(0).key.reveal(), "rotated-key");
  EXPECT_NE(out.message.find("log level debug, 1 panel key(s) applied; restart to apply: services"),
            std::string::npos)
      << out.message;
  EXPECT_EQ(out.message.find("rotated-key"), std::string::npos);
  // Applying again changes nothing more; the service change still waits for the restart.
  const auto again = r.reload();
  ASSERT_TRUE(again.ok);
  EXPECT_NE(again.message.find("restart to apply: services"), std::string::npos) << again.message;
}

TEST_F(reload_file, a_bad_file_is_refused_with_its_first_error_and_nothing_applied) {
  int applied = 0;
  config_reloader r(file_, load(base_text()), [&](const config&) { ++applied; });
  write(base_text() + "\n[policy]\nduplicate_link = \"sometimes\"\n");
  const auto out = r.reload();
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(applied, 0);
  EXPECT_NE(out.message.find("refused, the running config is kept: 1 error(s) in " + file_.string()),
            std::string::npos)
      << out.message;
  EXPECT_NE(out.message.find("policy.duplicate_link"), std::string::npos) << out.message;
  EXPECT_EQ(out.message.find("provider-secret"), std::string::npos);
  fs::remove(file_);
  const auto gone = r.reload();
  EXPECT_FALSE(gone.ok);
  EXPECT_NE(gone.message.find(file_.string()), std::string::npos) << gone.message;
}

}  // namespace
}  // namespace smm::daemon
