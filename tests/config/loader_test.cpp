// The loader against good configs: the examples, defaults, spellings, lookups.
#include "config/loader.hpp"

#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "tests/config/test_util.hpp"

namespace smm {
namespace {

using test::load;
using test::minimal_config;

money m(std::string_view text) { return parse_money(text).value; }

TEST(ConfigExamples, DemoLoadsWithItsValues) {
  const auto r = load_config_file(SMM_SOURCE_DIR "/config/examples/demo.toml");
  ASSERT_TRUE(r) << to_string(r.errors);
  const config& c = *r.value;
  ASSERT_EQ(c.providers.size(), 3u);
  ASSERT_EQ(c.services.size(), 6u);
  EXPECT_EQ(c.daemon.http_listen, (listen_address{"127.0.0.1", 8080}));
  EXPECT_EQ(c.daemon.log_level, spdlog::level::debug);
  ASSERT_EQ(c.daemon.panel_keys.size(), 1u);
  EXPECT_EQ(c.daemon.panel_keys[0].key.reveal(), "demo-panel-key");

  const provider_config* beta = c.find_provider("beta");
  ASSERT_NE(beta, nullptr);
  EXPECT_EQ(beta->style, request_style::json);
  EXPECT_EQ(beta->key_in, key_placement::header);
  EXPECT_FALSE(beta->https);
  EXPECT_EQ(beta->host, "127.0.0.1");
  EXPECT_EQ(beta->port, 18082);
  EXPECT_EQ(beta->target, "/api/v2");
  EXPECT_EQ(c.find_provider("alpha")->balance_warn_below, m("10"));

  const service_def* likes = c.find_service(2);
  ASSERT_NE(likes, nullptr);
  EXPECT_EQ(likes->rate_per_1000, m("0.27819"));
  EXPECT_FALSE(likes->refill_days.has_value());
  ASSERT_EQ(likes->route.size(), 3u);
  EXPECT_EQ(likes->route[1].provider, "gamma");
  EXPECT_EQ(likes->route[1].provider_service_id, "33");

  const service_def* followers = c.find_service(1);
  EXPECT_EQ(followers->refill_days, 30);
  EXPECT_TRUE(followers->cancel_allowed);
  EXPECT_EQ(followers->route[0].provider_service_id, "101");  // written as an integer
  EXPECT_EQ(c.find_service(3)->type, service_type::custom_comments);
  EXPECT_EQ(c.find_service(4)->type, service_type::package);
  EXPECT_TRUE(c.find_service(5)->dripfeed);
  EXPECT_TRUE(c.find_service(6)->slow);
  EXPECT_EQ(c.find_service(6)->rate_per_1000, m("95200"));
  EXPECT_EQ(c.find_service(99), nullptr);
}

TEST(ConfigExamples, ProductionLoadsWithKeyFilesAndEnv) {
  test::scratch_dir dir;
  const auto file = dir.path() / "production.toml";
  std::filesystem::copy_file(SMM_SOURCE_DIR "/config/examples/production.toml", file);
  dir.write("keys/main-panel.key", "  panel-secret\n");
  dir.write("keys/upstream-a.key", "a-secret\n");
  ::setenv("SMM_UPSTREAM_B_KEY", "b-secret", 1);
  const auto r = load_config_file(file);
  ::unsetenv("SMM_UPSTREAM_B_KEY");
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << to_string(r.warnings);
  const config& c = *r.value;
  EXPECT_EQ(c.daemon.panel_keys.at(0).key.reveal(), "panel-secret");  // trimmed
  EXPECT_EQ(c.find_provider("upstream-a")->key.reveal(), "a-secret");
  EXPECT_EQ(c.find_provider("upstream-b")->key.reveal(), "b-secret");
  EXPECT_TRUE(c.find_provider("upstream-a")->https);
  EXPECT_EQ(c.find_provider("upstream-a")->port, 443);
  EXPECT_DOUBLE_EQ(c.find_provider("upstream-b")->requests_per_second, 2.5);
  EXPECT_EQ(c.find_service(2)->route[0].provider, "upstream-b");
}

// The schema's default texts are what an absent key becomes; they must agree with the
// domain's own defaults (dispatch/service.hpp) and the struct defaults.
TEST(ConfigDefaults, AbsentKeysTakeSchemaDefaultsEqualToDomainDefaults) {
  const auto r = load(minimal_config());
  ASSERT_TRUE(r) << to_string(r.errors);
  const config& c = *r.value;
  const policy_def want_policy;
  EXPECT_EQ(c.policy.duplicate_link, want_policy.duplicate_link);
  EXPECT_EQ(c.policy.refill_max_start_count, want_policy.refill_max_start_count);
  EXPECT_EQ(c.policy.refill_in_progress_s, want_policy.refill_in_progress_s);
  EXPECT_EQ(c.policy.claim_window_s, want_policy.claim_window_s);
  EXPECT_EQ(c.policy.speedup_stuck_after_s, want_policy.speedup_stuck_after_s);
  EXPECT_EQ(c.policy.speedup_min_interval_s, want_policy.speedup_min_interval_s);

  const provider_config want;
  const provider_config& p = c.providers.at(0);
  EXPECT_EQ(p.style, want.style);
  EXPECT_EQ(p.key_in, want.key_in);
  EXPECT_EQ(p.tls_verify, want.tls_verify);
  EXPECT_EQ(p.max_in_flight, want.max_in_flight);
  EXPECT_DOUBLE_EQ(p.requests_per_second, want.requests_per_second);
  EXPECT_EQ(p.connect_timeout, want.connect_timeout);
  EXPECT_EQ(p.request_timeout, want.request_timeout);
  EXPECT_EQ(p.call_deadline, want.call_deadline);
  EXPECT_EQ(p.max_retries, want.max_retries);
  EXPECT_EQ(p.status_poll_interval, want.status_poll_interval);
  EXPECT_EQ(p.currency, "USD");
  EXPECT_FALSE(p.balance_warn_below.has_value());
  EXPECT_EQ(p.order_ids_increasing, want.order_ids_increasing);
  EXPECT_EQ(p.status_own_orders_only, want.status_own_orders_only);
  EXPECT_EQ(p.idempotency_key, want.idempotency_key);
  EXPECT_EQ(p.reconcile_max_gap, want.reconcile_max_gap);
  EXPECT_FALSE(p.order_ids_increasing || p.status_own_orders_only || p.idempotency_key);
  EXPECT_EQ(p.reconcile_max_gap, 500);

  const service_def want_service;
  const service_def& s = c.services.at(0);
  EXPECT_EQ(s.type, service_type::default_);
  EXPECT_EQ(s.min_quantity, want_service.min_quantity);
  EXPECT_EQ(s.max_quantity, want_service.max_quantity);
  EXPECT_FALSE(s.refill_days.has_value());
  EXPECT_FALSE(s.cancel_allowed || s.slow || s.dripfeed);

  const daemon_config& d = c.daemon;
  EXPECT_EQ(d.socket_path, "/run/smm-dispatchd/panel.sock");
  EXPECT_EQ(d.api_socket_path, "/run/smm-dispatchd/api.sock");
  EXPECT_EQ(d.admin_socket_path, "/run/smm-dispatchd/admin.sock");  // next to socket_path
  EXPECT_TRUE(d.admin_group.empty());
  EXPECT_FALSE(d.admin_gid.has_value());
  EXPECT_FALSE(d.http_listen.has_value());
  EXPECT_EQ(d.metrics_listen, (listen_address{"127.0.0.1", 9464}));
  EXPECT_EQ(d.log_level, spdlog::level::info);
  EXPECT_EQ(d.retention_days, 90);
  EXPECT_EQ(d.reconcile_interval, std::chrono::seconds(60));
  EXPECT_EQ(d.reconcile_interval, daemon_config{}.reconcile_interval);
}

TEST(ConfigLimits, AbsentTablesKeepTheDefaults) {
  const auto r = load(minimal_config());
  ASSERT_TRUE(r) << to_string(r.errors);
  const panel_limits_config& p = r.value->daemon.panel_limits;
  EXPECT_EQ(p, panel_limits_config{});
  EXPECT_EQ(p.max_connections, 1024u);
  EXPECT_EQ(p.max_line_bytes, 1048576u);
  EXPECT_EQ(p.max_input_bytes, 4194304u);
  EXPECT_EQ(p.max_output_bytes, 16777216u);
  EXPECT_EQ(p.partial_line_timeout, std::chrono::milliseconds(60000));
  const api_limits_config& a = r.value->daemon.api_limits;
  EXPECT_EQ(a, api_limits_config{});
  EXPECT_EQ(a.max_connections, 256u);
  EXPECT_EQ(a.max_unauthenticated_connections, 32u);  // an eighth of max_connections
  EXPECT_EQ(a.unauthenticated_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(a.idle_timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(a.request_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(a.max_header_bytes, 8192u);
  EXPECT_EQ(a.max_body_bytes, 1048576u);
}

TEST(ConfigLimits, EveryKeyIsReadAndTheUnauthenticatedShareFollowsTheCap) {
  auto r = load(minimal_config() + R"(
[daemon.panel_limits]
max_connections = 2000
max_line_bytes = 65536
max_input_bytes = 131072
max_output_bytes = 262144
partial_line_timeout_ms = 2500

[daemon.api_limits]
max_connections = 100
unauthenticated_timeout_ms = 1500
idle_timeout_ms = 30000
request_timeout_ms = 4000
max_header_bytes = 4096
max_body_bytes = 65536
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  const panel_limits_config& p = r.value->daemon.panel_limits;
  EXPECT_EQ(p.max_connections, 2000u);
  EXPECT_EQ(p.max_line_bytes, 65536u);
  EXPECT_EQ(p.max_input_bytes, 131072u);
  EXPECT_EQ(p.max_output_bytes, 262144u);
  EXPECT_EQ(p.partial_line_timeout, std::chrono::milliseconds(2500));
  const api_limits_config& a = r.value->daemon.api_limits;
  EXPECT_EQ(a.max_connections, 100u);
  EXPECT_EQ(a.max_unauthenticated_connections, 12u);  // unset: 100 / 8
  EXPECT_EQ(a.unauthenticated_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(a.idle_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(a.request_timeout, std::chrono::milliseconds(4000));
  EXPECT_EQ(a.max_header_bytes, 4096u);
  EXPECT_EQ(a.max_body_bytes, 65536u);

  r = load(minimal_config() +
           "[daemon.api_limits]\nmax_connections = 4\nmax_unauthenticated_connections = 4\n");
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->daemon.api_limits.max_unauthenticated_connections, 4u);
  r = load(minimal_config() + "[daemon.api_limits]\nmax_connections = 7\n");
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->daemon.api_limits.max_unauthenticated_connections, 1u);  // never 0
}

TEST(ConfigReconcile, ProviderFlagsAndTheIntervalAreRead) {
  const auto r = load(minimal_config() + R"(
[[providers]]
name = "beta"
api_url = "http://127.0.0.1:18082/"
key = "k"
order_ids_increasing = true
status_own_orders_only = true
reconcile_max_gap = 2000
[[providers]]
name = "gamma"
api_url = "http://127.0.0.1:18083/"
key = "k"
idempotency_key = true
[daemon]
reconcile_interval_s = 15
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  const provider_config* beta = r.value->find_provider("beta");
  ASSERT_NE(beta, nullptr);
  EXPECT_TRUE(beta->order_ids_increasing);
  EXPECT_TRUE(beta->status_own_orders_only);
  EXPECT_FALSE(beta->idempotency_key);
  EXPECT_EQ(beta->reconcile_max_gap, 2000);
  const provider_config* gamma = r.value->find_provider("gamma");
  ASSERT_NE(gamma, nullptr);
  EXPECT_TRUE(gamma->idempotency_key);
  EXPECT_FALSE(gamma->order_ids_increasing);
  EXPECT_EQ(r.value->daemon.reconcile_interval, std::chrono::seconds(15));
}

TEST(ConfigPolicy, HoursAndDaysBecomeSeconds) {
  const auto r = load(minimal_config() + R"(
[policy]
duplicate_link = "hold"
refill_in_progress_hours = 48
claim_window_days = 7
speedup_stuck_after_hours = 96
speedup_min_interval_hours = 12
refill_max_start_count = 50000
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->policy.duplicate_link, duplicate_link_policy::hold);
  EXPECT_EQ(r.value->policy.refill_in_progress_s, 48 * 3600);
  EXPECT_EQ(r.value->policy.claim_window_s, 7 * 86400);
  EXPECT_EQ(r.value->policy.speedup_stuck_after_s, 96 * 3600);
  EXPECT_EQ(r.value->policy.speedup_min_interval_s, 12 * 3600);
  EXPECT_EQ(r.value->policy.refill_max_start_count, 50000);
}

TEST(ConfigServices, TypeSpellingsAreCaseAndSeparatorInsensitive) {
  for (std::string_view spelling :
       {"Custom Comments", "custom_comments", "CUSTOM-COMMENTS", "customComments"}) {
    const auto r = load(std::string(test::minimal_providers) + R"(
[[services]]
id = 1
name = "c"
type = ")" + std::string(spelling) +
                        R"("
rate = "8"
route = [{ provider = "alpha", service = 1 }]
)");
    ASSERT_TRUE(r) << spelling << ": " << to_string(r.errors);
    EXPECT_EQ(r.value->services[0].type, service_type::custom_comments) << spelling;
  }
  EXPECT_EQ(parse_service_type("Mentions with Hashtags"), service_type::mentions_with_hashtags);
  EXPECT_EQ(parse_service_type("SEO"), service_type::seo);
  EXPECT_EQ(parse_service_type("Default"), service_type::default_);
  EXPECT_FALSE(parse_service_type("Custom Replies").has_value());
  for (service_type t : all_service_types()) EXPECT_EQ(parse_service_type(to_string(t)), t);
}

TEST(ConfigServices, RefillDaysIntegerOrNone) {
  auto with_refill = [](std::string_view value) {
    return load(std::string(test::minimal_providers) + R"(
[[services]]
id = 1
name = "f"
rate = "1"
refill_days = )" +
                std::string(value) + R"(
route = [{ provider = "alpha", service = 1 }]
)");
  };
  EXPECT_EQ(with_refill("30").value->services[0].refill_days, 30);
  EXPECT_FALSE(with_refill("\"none\"").value->services[0].refill_days.has_value());
  EXPECT_FALSE(with_refill("\"None\"").value->services[0].refill_days.has_value());
  EXPECT_FALSE(with_refill("0"));
  EXPECT_FALSE(with_refill("-5"));
  EXPECT_FALSE(with_refill("\"never\""));
  EXPECT_FALSE(with_refill("true"));
}

TEST(ConfigLookup, PanelKeyFoundOnlyByExactKey) {
  const auto r = load(minimal_config() + R"(
[daemon]
panel_keys = [{ name = "a", key = "key-a" }, { name = "b", key = "key-b" }]
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  ASSERT_NE(r.value->find_panel_key("key-b"), nullptr);
  EXPECT_EQ(r.value->find_panel_key("key-b")->name, "b");
  EXPECT_EQ(r.value->find_panel_key("key-"), nullptr);
  EXPECT_EQ(r.value->find_panel_key("key-bb"), nullptr);
  EXPECT_EQ(r.value->find_panel_key(""), nullptr);
}

TEST(ConfigPaths, RelativePathsAreRelativeToTheConfigFile) {
  test::scratch_dir dir;
  const auto r = load(minimal_config() + R"(
[daemon]
socket_path = "run/panel.sock"
journal_path = "/var/tmp/j.sqlite"
)",
                      dir.path());
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->daemon.socket_path, dir.path() / "run/panel.sock");
  EXPECT_EQ(r.value->daemon.admin_socket_path, dir.path() / "run/admin.sock");  // follows socket_path
  EXPECT_EQ(r.value->daemon.journal_path, "/var/tmp/j.sqlite");
}

TEST(ConfigDaemon, AdminSocketPathAndGroupAreRead) {
  const group* g = ::getgrgid(::getgid());
  ASSERT_NE(g, nullptr);
  const auto r = load(minimal_config() + R"(
[daemon]
admin_socket_path = "/run/other/ctl.sock"
admin_group = ")" + std::string(g->gr_name) +
                      "\"\n");
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->daemon.admin_socket_path, "/run/other/ctl.sock");
  EXPECT_EQ(r.value->daemon.admin_group, g->gr_name);
  EXPECT_EQ(r.value->daemon.admin_gid, static_cast<std::uint32_t>(::getgid()));
}

TEST(ConfigDaemon, MetricsCanBeSwitchedOffAndHttpListenTakesIpv6Loopback) {
  const auto r = load(minimal_config() + R"(
[daemon]
metrics_listen = ""
http_listen = "[::1]:8081"
panel_keys = [{ name = "p", key = "x" }]
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_FALSE(r.value->daemon.metrics_listen.has_value());
  EXPECT_EQ(r.value->daemon.http_listen, (listen_address{"::1", 8081}));
  EXPECT_EQ(r.value->daemon.http_listen->to_string(), "[::1]:8081");
}

TEST(ConfigWarnings, TlsVerifyOffWarnsButLoads) {
  const auto r = load(minimal_config() + R"(
[[providers]]
name = "beta"
api_url = "https://127.0.0.1:18082/api/v2"
key = "k"
tls_verify = false
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].key, "providers[1].tls_verify");
  EXPECT_FALSE(r.value->providers[1].tls_verify);
}

TEST(ConfigWarnings, PlainHttpToARemoteHostWarns) {
  const auto r = load(minimal_config() + R"(
[[providers]]
name = "beta"
api_url = "http://provider.example.com/api/v2"
key = "k"
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].key, "providers[1].api_url");
}

// API v2 endpoint keys: a service's category (default "General") and the endpoint's currency.
TEST(ConfigApiV2, CategoryAndApiCurrencyDefaultAndParse) {
  const auto defaults = load(minimal_config());
  ASSERT_TRUE(defaults) << to_string(defaults.errors);
  EXPECT_EQ(defaults.value->services.at(0).category, "General");
  EXPECT_EQ(defaults.value->daemon.api_currency, "USD");

  const auto r = load(R"(
[daemon]
api_currency = "EUR"
)" + std::string(test::minimal_providers) +
                      R"(
[[services]]
id = 1
name = "Followers"
category = "Instagram Followers"
rate = "0.90"
route = [{ provider = "alpha", service = "101" }]
)");
  ASSERT_TRUE(r) << to_string(r.errors);
  EXPECT_EQ(r.value->services.at(0).category, "Instagram Followers");
  EXPECT_EQ(r.value->daemon.api_currency, "EUR");
}

TEST(ConfigDaemon, RequirePanelHelloIsOffByDefaultAndNeedsPanelKeys) {
  const auto defaults = load(minimal_config());
  ASSERT_TRUE(defaults) << to_string(defaults.errors);
  EXPECT_FALSE(defaults.value->daemon.require_panel_hello);
  EXPECT_EQ(defaults.value->daemon.require_panel_hello, daemon_config{}.require_panel_hello);

  const auto on = load(R"(
[daemon]
require_panel_hello = true
panel_keys = [{ name = "shop", key = "key-shop" }]
)" + minimal_config());
  ASSERT_TRUE(on) << to_string(on.errors);
  EXPECT_TRUE(on.value->daemon.require_panel_hello);

  // No panel could ever say hello: refused, naming the key.
  const std::string text = "[daemon]\nrequire_panel_hello = true\n" + minimal_config();
  const auto none = load(text);
  ASSERT_FALSE(none);
  const config_error* e = test::error_for(none, "daemon.require_panel_hello");
  ASSERT_NE(e, nullptr) << to_string(none.errors);
  EXPECT_EQ(e->line, test::line_of(text, "require_panel_hello"));
  EXPECT_NE(e->message.find("no panel_keys"), std::string::npos) << e->message;
}

}  // namespace
}  // namespace smm
