// Every kind of config error: located at the exact line, named by its full key path, all
// reported in one run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "tests/config/test_util.hpp"

namespace smm {
namespace {

using test::error_for;
using test::line_of;
using test::load;
using test::minimal_config;
using test::minimal_providers;
using test::minimal_services;
using ::testing::HasSubstr;

/// Asserts one error about `key` on the line holding `needle`, whose message has `text`.
void expect_error(const config_result& r, const std::string& config_text, std::string_view key,
                  std::string_view needle, std::string_view text) {
  ASSERT_FALSE(r) << "config loaded but should not";
  const config_error* e = error_for(r, key);
  ASSERT_NE(e, nullptr) << "no error for " << key << "; got:\n" << to_string(r.errors);
  EXPECT_EQ(e->file, "test.toml");
  EXPECT_EQ(e->line, line_of(config_text, needle)) << to_string(*e);
  EXPECT_GT(e->column, 0u);
  EXPECT_THAT(e->message, HasSubstr(std::string(text))) << to_string(*e);
}

TEST(ConfigErrors, MisspelledKeyIsNamedWithTheClosestKnownKey) {
  const std::string text = minimal_config() + R"(
[[providers]]
name = "beta"
api_url = "http://127.0.0.1:18082/"
key = "k"
max_in_fligth = 4
)";
  const auto r = load(text);
  expect_error(r, text, "providers[1].max_in_fligth", "max_in_fligth", "unknown key 'max_in_fligth'");
  EXPECT_THAT(error_for(r, "providers[1].max_in_fligth")->message,
              HasSubstr("did you mean 'max_in_flight'?"));
  EXPECT_EQ(r.errors.size(), 1u) << to_string(r.errors);
}

// The engine keeps provider indexes and route hops in 16 bits: a config beyond the documented
// caps is refused with an error, never wrapped around.
TEST(ConfigErrors, RoutesAndProvidersBeyondTheirCapsAreRefused) {
  std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "Long route"
rate = "0.90"
route = [)";
  for (std::size_t i = 0; i <= max_route_hops; ++i)
    text += R"({ provider = "alpha", service = ")" + std::to_string(i) + "\" }, ";
  text += "]\n";
  auto r = load(text);
  ASSERT_FALSE(r);
  EXPECT_THAT(to_string(r.errors), HasSubstr("a route has at most 64 hops"));

  std::string many = minimal_config();
  for (std::size_t i = 1; i <= max_providers; ++i)
    many += "[[providers]]\nname = \"p" + std::to_string(i) +
            "\"\napi_url = \"http://127.0.0.1:18081/\"\nkey = \"k\"\n";
  r = load(many);
  ASSERT_FALSE(r);
  EXPECT_THAT(to_string(r.errors), HasSubstr("at most 1000 providers are supported"));
  EXPECT_EQ(r.errors.size(), 1u) << to_string(r.errors);
}

TEST(ConfigErrors, UnknownKeysInEveryKindOfTable) {
  const std::string text = R"(
typo_section = 1
[daemon]
log_levl = "info"
panel_keys = [{ name = "p", key = "x", nmae = "q" }]
[policy]
duplicate_links = "hold"
[[providers]]
name = "alpha"
api_url = "http://127.0.0.1:1/"
key = "k"
[[services]]
id = 1
name = "s"
rate = "1"
route = [{ provider = "alpha", service = "1", weight = 2 }]
zzzzzz = true
)";
  const auto r = load(text);
  expect_error(r, text, "typo_section", "typo_section", "unknown key");
  expect_error(r, text, "daemon.log_levl", "log_levl", "did you mean 'log_level'?");
  expect_error(r, text, "daemon.panel_keys[0].nmae", "nmae", "did you mean 'name'?");
  expect_error(r, text, "policy.duplicate_links", "duplicate_links", "did you mean 'duplicate_link'?");
  expect_error(r, text, "services[0].route[0].weight", "weight", "unknown key 'weight'");
  // Nothing close: the known keys are listed instead.
  expect_error(r, text, "services[0].zzzzzz", "zzzzzz", "known keys: id, name, type, rate");
  EXPECT_EQ(r.errors.size(), 6u) << to_string(r.errors);
}

TEST(ConfigErrors, WrongTypesSayWhatWasExpected) {
  const std::string text = minimal_providers.data() + std::string(R"(
[[services]]
id = "7"
name = "s"
rate = "1"
cancel = "yes"
min = 1.5
route = [{ provider = "alpha", service = "1" }]
)");
  const auto r = load(text);
  expect_error(r, text, "services[0].id", "id = \"7\"", "expected integer 1..1000000000000000, got a string");
  expect_error(r, text, "services[0].cancel", "cancel", "expected boolean, got a string");
  expect_error(r, text, "services[0].min", "min = 1.5", "expected integer 1..1000000000000, got a float");
  EXPECT_EQ(r.errors.size(), 3u) << to_string(r.errors);
}

TEST(ConfigErrors, OutOfRangeValues) {
  const std::string text = minimal_config() + R"(
[[providers]]
name = "beta"
api_url = "http://127.0.0.1:18082/"
key = "k"
max_in_flight = 0
max_retries = 11
requests_per_second = 0
reconcile_max_gap = 0
idempotency_key = "yes"
[daemon]
retention_days = 0
reconcile_interval_s = 0
)";
  const auto r = load(text);
  expect_error(r, text, "providers[1].max_in_flight", "max_in_flight", "must be in 1..1024, got 0");
  expect_error(r, text, "providers[1].reconcile_max_gap", "reconcile_max_gap", "must be in 1..100000, got 0");
  expect_error(r, text, "providers[1].idempotency_key", "idempotency_key", "expected boolean");
  expect_error(r, text, "daemon.reconcile_interval_s", "reconcile_interval_s", "must be in 1..86400, got 0");
  expect_error(r, text, "providers[1].max_retries", "max_retries", "must be in 0..10, got 11");
  expect_error(r, text, "providers[1].requests_per_second", "requests_per_second", "must be in 0.01..10000");
  expect_error(r, text, "daemon.retention_days", "retention_days", "must be in 1..3650, got 0");
}

TEST(ConfigErrors, ConnectionLimitsOutOfRangeOrInconsistent) {
  const std::string text = minimal_config() + R"(
[daemon.panel_limits]
max_line_bytes = 2097152
max_input_bytes = 1048576
max_output_bytes = 10
partial_line_timeout = 5

[daemon.api_limits]
max_connections = 16
max_unauthenticated_connections = 17
unauthenticated_timeout_ms = 0
)";
  const auto r = load(text);
  expect_error(r, text, "daemon.panel_limits.max_input_bytes", "max_input_bytes",
               "max_input_bytes (1048576) must be at least max_line_bytes (2097152)");
  expect_error(r, text, "daemon.panel_limits.max_output_bytes", "max_output_bytes",
               "must be in 65536..1073741824, got 10");
  expect_error(r, text, "daemon.panel_limits.partial_line_timeout", "partial_line_timeout",
               "did you mean 'partial_line_timeout_ms'?");
  expect_error(r, text, "daemon.api_limits.max_unauthenticated_connections",
               "max_unauthenticated_connections", "must be at most max_connections (16), got 17");
  expect_error(r, text, "daemon.api_limits.unauthenticated_timeout_ms", "unauthenticated_timeout_ms",
               "must be in 100..600000, got 0");
}

TEST(ConfigErrors, ChoiceNotOfferedSuggestsTheClosest) {
  const std::string text = minimal_config() + R"(
[policy]
duplicate_link = "hodl"
)";
  const auto r = load(text);
  expect_error(r, text, "policy.duplicate_link", "hodl",
               "'hodl' is not one of reject, hold, allow (did you mean 'hold'?)");
}

TEST(ConfigErrors, RateAsFloatOrIntegerIsRejectedWithHowToQuoteIt) {
  for (auto [value, hint] : {std::pair{"0.9", "rate = \"0.9\""}, std::pair{"8", "rate = \"8\""}}) {
    const std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "s"
rate = )" + value + R"(
route = [{ provider = "alpha", service = "1" }]
)";
    const auto r = load(text);
    expect_error(r, text, "services[0].rate", "rate =", "expected a quoted decimal string");
    EXPECT_THAT(error_for(r, "services[0].rate")->message, HasSubstr(hint));
  }
}

TEST(ConfigErrors, RateWithElevenDecimalsIsRejected) {
  const std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "s"
rate = "0.12345678901"
route = [{ provider = "alpha", service = "1" }]
)";
  const auto r = load(text);
  expect_error(r, text, "services[0].rate", "rate =", "more than 6 decimals");
}

TEST(ConfigErrors, RateNegativeOrGarbageIsRejected) {
  for (std::string_view rate : {"-1", "1,5", "1e3", "abc", " 1"}) {
    const std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "s"
rate = ")" + std::string(rate) +
                             R"("
route = [{ provider = "alpha", service = "1" }]
)";
    EXPECT_NE(error_for(load(text), "services[0].rate"), nullptr) << rate;
  }
  // Six decimals is exact and fine.
  EXPECT_TRUE(load(std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "s"
rate = "0.123456"
route = [{ provider = "alpha", service = "1" }]
)"));
}

TEST(ConfigErrors, DuplicateProviderNamesAndServiceIds) {
  const std::string text = minimal_config() + R"(
[[providers]]
name = "alpha"
api_url = "http://127.0.0.1:2/"
key = "k2"

[[services]]
id = 1
name = "again"
rate = "1"
route = [{ provider = "alpha", service = "1" }]
)";
  const auto r = load(text);
  ASSERT_FALSE(r);
  const config_error* name = error_for(r, "providers[1].name");
  ASSERT_NE(name, nullptr) << to_string(r.errors);
  EXPECT_EQ(name->line, line_of(text, "k2") - 2);
  EXPECT_THAT(name->message, HasSubstr("duplicate provider name 'alpha' (first defined at line " +
                                       std::to_string(line_of(text, "name = \"alpha\"")) + ")"));
  const config_error* id = error_for(r, "services[1].id");
  ASSERT_NE(id, nullptr) << to_string(r.errors);
  EXPECT_THAT(id->message, HasSubstr("duplicate service id 1 (first defined at line " +
                                     std::to_string(line_of(text, "id = 1")) + ")"));
}

TEST(ConfigErrors, BadProviderNames) {
  for (std::string_view name : {"Alpha", "a b", "a.b", ""}) {
    const std::string text = R"(
[[providers]]
name = ")" + std::string(name) +
                             R"("
api_url = "http://127.0.0.1:1/"
key = "k"
)" + std::string(minimal_services);
    EXPECT_NE(error_for(load(text), "providers[0].name"), nullptr) << name;
  }
}

TEST(ConfigErrors, BadUrlsAreNamedWithWhatWasExpected) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"ftp://h/api", "must start with http:// or https://"},
      {"127.0.0.1:8080/api", "must start with http:// or https://"},
      {"https:///api", "has no host"},
      {"https://", "has no host"},
      {"https://user:pw@h.example/api", "must not contain credentials"},
      {"https://h.example:0/api", "invalid port"},
      {"https://h.example:99999/", "invalid port"},
      {"https://h.example:/", "invalid port"},
      {"https://h example/", "spaces"},
      {"https://h.example/api#x", "fragment"},
      {"https://h_ex!ample/", "invalid host name"},
  };
  for (auto [url, why] : cases) {
    const std::string text = R"(
[[providers]]
name = "alpha"
api_url = ")" + std::string(url) +
                             R"("
key = "k"
)" + std::string(minimal_services);
    const auto r = load(text);
    expect_error(r, text, "providers[0].api_url", "api_url", why);
  }
}

TEST(ConfigErrors, MissingRequiredKeysPointAtTheirTable) {
  const std::string text = R"(
[[providers]]
name = "alpha"
key = "k"

[[services]]
name = "s"
route = [{ provider = "alpha" }]
)";
  const auto r = load(text);
  expect_error(r, text, "providers[0].api_url", "[[providers]]", "missing required key (expected URL");
  expect_error(r, text, "services[0].id", "[[services]]", "missing required key");
  expect_error(r, text, "services[0].rate", "[[services]]", "missing required key (expected decimal string)");
  expect_error(r, text, "services[0].route[0].service", "route = [", "missing required key");
}

TEST(ConfigErrors, ProvidersAndServicesAreRequired) {
  const std::string text = "[daemon]\nlog_level = \"info\"\n";
  const auto r = load(text);
  ASSERT_FALSE(r);
  EXPECT_NE(error_for(r, "providers"), nullptr) << to_string(r.errors);
  EXPECT_NE(error_for(r, "services"), nullptr) << to_string(r.errors);
}

TEST(ConfigErrors, TableWhereAnArrayOfTablesBelongs) {
  const std::string text = std::string(minimal_services) + R"(
[providers]
name = "alpha"
)";
  const auto r = load(text);
  expect_error(r, text, "providers", "[providers]", "expected an array of tables ([[providers]]");
}

TEST(ConfigErrors, UnknownProviderInRouteSuggestsTheClosestName) {
  const std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "s"
rate = "1"
route = [
  { provider = "alpha", service = "1" },
  { provider = "alpah", service = "2" },
  { provider = "nobody", service = "3" },
]
)";
  const auto r = load(text);
  expect_error(r, text, "services[0].route[1].provider", "alpah",
               "unknown provider 'alpah' (did you mean 'alpha'?)");
  expect_error(r, text, "services[0].route[2].provider", "nobody",
               "unknown provider 'nobody'; expected a [[providers]] name: alpha");
  EXPECT_EQ(r.errors.size(), 2u) << to_string(r.errors);
}

TEST(ConfigErrors, EmptyOrRepeatedRoute) {
  const std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "s"
rate = "1"
route = []

[[services]]
id = 2
name = "t"
rate = "1"
route = [{ provider = "alpha", service = "5" }, { provider = "alpha", service = 5 }]
)";
  const auto r = load(text);
  expect_error(r, text, "services[0].route", "route = []", "must not be empty");
  expect_error(r, text, "services[1].route[1].service", "service = 5 }]", "appear twice");
}

TEST(ConfigErrors, MinAboveMax) {
  const std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 1
name = "s"
rate = "1"
min = 500
max = 100
route = [{ provider = "alpha", service = "1" }]
)";
  expect_error(load(text), text, "services[0].max", "max = 100", "max (100) is less than min (500)");
}

TEST(ConfigErrors, CallDeadlineShorterThanRequestTimeout) {
  const std::string text = minimal_config() + R"(
[[providers]]
name = "beta"
api_url = "http://127.0.0.1:2/"
key = "k"
request_timeout_ms = 5000
call_deadline_ms = 4000
)";
  expect_error(load(text), text, "providers[1].call_deadline_ms", "call_deadline_ms",
               "must be >= request_timeout_ms (5000), got 4000");
}

TEST(ConfigErrors, RetentionShorterThanARefillGuaranteePlusClaimWindowNamesTheService) {
  const std::string text = std::string(minimal_providers) + R"(
[daemon]
retention_days = 30
[[services]]
id = 1
name = "Likes"
rate = "0.10"
route = [{ provider = "alpha", service = "1" }]
[[services]]
id = 7
name = "Followers [Refill 60d]"
rate = "0.90"
refill_days = 60
route = [{ provider = "alpha", service = "101" }]
[[services]]
id = 8
name = "Views [Refill 30d]"
rate = "0.01"
refill_days = 30
route = [{ provider = "alpha", service = "5" }]
)";
  const auto r = load(text);
  expect_error(r, text, "daemon.retention_days", "retention_days = 30",
               "30 days is shorter than the longest keep window (74 days): service 7 "
               "(\"Followers [Refill 60d]\", services[1]) keeps its orders 74 days: refill_days 60 + "
               "policy.claim_window_days 14; expected at least 74");
  EXPECT_EQ(r.errors.size(), 1u) << to_string(r.errors);
  EXPECT_THAT(to_string(r.errors[0]),
              HasSubstr("test.toml:" + std::to_string(line_of(text, "retention_days")) +
                        ":18: daemon.retention_days: 30 days"));
}

TEST(ConfigErrors, RetentionFollowsTheClaimWindowAndEqualIsEnough) {
  const std::string short_claim = minimal_config() + R"(
[daemon]
retention_days = 20
[policy]
claim_window_days = 30
)";
  expect_error(load(short_claim), short_claim, "daemon.retention_days", "retention_days = 20",
               "20 days is shorter than the longest keep window (30 days): every order is kept "
               "policy.claim_window_days (30) after it ended");

  const std::string exact = std::string(minimal_providers) + R"(
[daemon]
retention_days = 74
[[services]]
id = 7
name = "f"
rate = "0.90"
refill_days = 60
route = [{ provider = "alpha", service = "101" }]
)";
  EXPECT_TRUE(load(exact)) << to_string(load(exact).errors);
}

TEST(ConfigErrors, DefaultRetentionTooShortPointsAtTheRefillDays) {
  const std::string text = std::string(minimal_providers) + R"(
[[services]]
id = 7
name = "Followers [Refill 80d]"
rate = "0.90"
refill_days = 80
route = [{ provider = "alpha", service = "101" }]
)";
  const auto r = load(text);
  expect_error(r, text, "services[0].refill_days", "refill_days = 80",
               "needs daemon.retention_days of at least 94 days; it is 90 (the default): service 7");
  EXPECT_EQ(r.errors.size(), 1u) << to_string(r.errors);
}

TEST(ConfigErrors, RetentionOutOfRangeIsReportedOnce) {
  const std::string text = std::string(minimal_providers) + R"(
[daemon]
retention_days = 0
[[services]]
id = 7
name = "f"
rate = "0.90"
refill_days = 100
route = [{ provider = "alpha", service = "101" }]
)";
  const auto r = load(text);
  expect_error(r, text, "daemon.retention_days", "retention_days", "must be in 1..3650, got 0");
  EXPECT_EQ(r.errors.size(), 1u) << to_string(r.errors);
}

TEST(ConfigErrors, BadCurrencyAndBalance) {
  const std::string text = minimal_config() + R"(
[[providers]]
name = "beta"
api_url = "http://127.0.0.1:2/"
key = "k"
currency = "usd"
balance_warn_below = 5
)";
  const auto r = load(text);
  expect_error(r, text, "providers[1].currency", "currency", "not a currency code");
  expect_error(r, text, "providers[1].balance_warn_below", "balance_warn_below", "quoted decimal string");
}

TEST(ConfigErrors, HttpListenMustBeLoopbackAndAddressesWellFormed) {
  const std::string text = minimal_config() + R"(
[daemon]
http_listen = "0.0.0.0:8080"
metrics_listen = "127.0.0.1"
api_socket_path = "/run/smm-dispatchd/panel.sock"
)";
  const auto r = load(text);
  expect_error(r, text, "daemon.http_listen", "http_listen", "not a loopback address");
  expect_error(r, text, "daemon.metrics_listen", "metrics_listen", "has no port");
  expect_error(r, text, "daemon.api_socket_path", "api_socket_path", "must differ from socket_path");
}

TEST(ConfigErrors, AdminGroupMustExistAndTheAdminSocketBeItsOwn) {
  const std::string text = minimal_config() + R"(
[daemon]
admin_group = "smm-no-such-group-x"
admin_socket_path = "/run/smm-dispatchd/api.sock"
)";
  const auto r = load(text);
  expect_error(r, text, "daemon.admin_group", "admin_group", "no group named 'smm-no-such-group-x'");
  expect_error(r, text, "daemon.admin_socket_path", "admin_socket_path", "must differ from api_socket_path");
  EXPECT_EQ(r.errors.size(), 2u) << to_string(r.errors);
}

TEST(ConfigErrors, SocketPathTooLongForSunPath) {
  const std::string text = minimal_config() + "[daemon]\nsocket_path = \"/" + std::string(120, 's') + "\"\n";
  expect_error(load(text), text, "daemon.socket_path", "socket_path", "the limit is 107");
}

TEST(ConfigErrors, SeveralErrorsAreAllReportedInFileOrder) {
  const std::string text = R"(
[daemon]
log_level = "verbose"
http_listen = "0.0.0.0:80"

[[providers]]
name = "alpha"
api_url = "gopher://x"
key = "k"
max_in_flight = -1

[[services]]
id = 0
name = "s"
rate = 0.5
route = [{ provider = "beta", service = "1" }]

[policy]
claim_window_days = "14"
)";
  const auto r = load(text);
  ASSERT_FALSE(r);
  const std::vector<std::pair<std::string, std::string_view>> want = {
      {"daemon.log_level", "verbose"},
      {"daemon.http_listen", "http_listen"},
      {"providers[0].api_url", "gopher"},
      {"providers[0].max_in_flight", "max_in_flight"},
      {"services[0].id", "id = 0"},
      {"services[0].rate", "rate = 0.5"},
      {"services[0].route[0].provider", "beta"},
      {"policy.claim_window_days", "claim_window_days"},
  };
  ASSERT_EQ(r.errors.size(), want.size()) << to_string(r.errors);
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r.errors[i].key, want[i].first);
    EXPECT_EQ(r.errors[i].line, line_of(text, want[i].second)) << to_string(r.errors[i]);
  }
}

TEST(ConfigErrors, SyntaxErrorIsFatalAloneWithLineAndColumn) {
  const std::string text = "[daemon]\nlog_level = \"info\"\nretention_days = = 3\n[[providers]]\nbogus = 1\n";
  const auto r = load(text);
  ASSERT_EQ(r.errors.size(), 1u) << to_string(r.errors);
  EXPECT_EQ(r.errors[0].file, "test.toml");
  EXPECT_EQ(r.errors[0].line, 3u);
  EXPECT_EQ(r.errors[0].column, 18u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("TOML syntax error"));
  EXPECT_THAT(to_string(r.errors[0]), ::testing::StartsWith("test.toml:3:18: TOML syntax error"));
}

TEST(ConfigErrors, UnreadableFileNamesIt) {
  const auto r = load_config_file("/nonexistent/smm/config.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(to_string(r.errors[0]), "/nonexistent/smm/config.toml: cannot read: No such file or directory");
}

TEST(ConfigErrorFormat, FileLineColumnKeyMessage) {
  EXPECT_EQ(
      to_string(config_error{"a.toml", 12, 5, "providers[2].max_in_flight", "must be in 1..1024, got 0"}),
      "a.toml:12:5: providers[2].max_in_flight: must be in 1..1024, got 0");
  EXPECT_EQ(to_string(config_error{"a.toml", 12, 0, "x", "m"}), "a.toml:12: x: m");
  EXPECT_EQ(to_string(config_error{"a.toml", 0, 0, "", "m"}), "a.toml: m");
}

TEST(ConfigErrors, BadApiCurrencyAndEmptyCategory) {
  const std::string text = R"(
[daemon]
api_currency = "dollars"
)" + std::string(test::minimal_providers) +
                           R"(
[[services]]
id = 1
name = "Followers"
category = ""
rate = "0.90"
route = [{ provider = "alpha", service = "101" }]
)";
  const auto r = load(text);
  expect_error(r, text, "daemon.api_currency", "api_currency", "not a currency code");
  expect_error(r, text, "services[0].category", "category", "");
}

}  // namespace
}  // namespace smm

namespace smm {
namespace {

// [journal]: the PostgreSQL backend needs its connection string, given one way; the SQLite
// backend refuses one it would silently ignore; a backend that does not exist is named.
TEST(ConfigErrors, JournalBackendAndItsConnectionString) {
  const std::string missing = test::minimal_config() + "\n[journal]\nbackend = \"postgresql\"\n";
  auto r = test::load(missing);
  ASSERT_FALSE(r);
  ASSERT_NE(test::error_for(r, "journal.dsn"), nullptr) << to_string(r.errors);
  EXPECT_THAT(test::error_for(r, "journal.dsn")->message, HasSubstr("exactly one of dsn, dsn_file, dsn_env"));

  const std::string twice = test::minimal_config() +
                            "\n[journal]\nbackend = \"postgresql\"\ndsn = \"host=/run/pg dbname=smm\"\n"
                            "dsn_env = \"SMM_TEST_DSN_NOT_SET\"\n";
  expect_error(test::load(twice), twice, "journal.dsn_env", "dsn_env", "'dsn' is given too");

  const std::string unused = test::minimal_config() + "\n[journal]\ndsn = \"host=/run/pg dbname=smm\"\n";
  expect_error(test::load(unused), unused, "journal.dsn", "dsn =", "journal.backend is \"sqlite\"");

  const std::string unset_env =
      test::minimal_config() + "\n[journal]\nbackend = \"postgresql\"\ndsn_env = \"SMM_TEST_DSN_NOT_SET\"\n";
  expect_error(test::load(unset_env), unset_env, "journal.dsn_env", "dsn_env",
               "environment variable SMM_TEST_DSN_NOT_SET is not set");

  const std::string bad = test::minimal_config() + "\n[journal]\nbackend = \"mysql\"\n";
  expect_error(test::load(bad), bad, "journal.backend", "backend", "mysql");
}

// A DSN with a password never shows in an error about it, nor in the loaded config's printing.
TEST(ConfigErrors, TheJournalPasswordNeverAppearsInAnError) {
  const std::string text =
      test::minimal_config() +
      "\n[journal]\nbackend = \"postgresql\"\n"
      "dsn = \"host=db dbname=smm user=smm password=Sekr1tPw\"\ndsn_file = \"/nonexistent\"\n";
  const auto r = test::load(text);
  ASSERT_FALSE(r);
  EXPECT_THAT(to_string(r.errors), ::testing::Not(HasSubstr("Sekr1tPw")));
  const std::string ok =
      test::minimal_config() +
      "\n[journal]\nbackend = \"postgresql\"\ndsn = \"host=db dbname=smm password=Sekr1tPw\"\n";
  const auto loaded = test::load(ok);
  ASSERT_TRUE(loaded) << to_string(loaded.errors);
  EXPECT_EQ(loaded.value->journal.backend, journal_backend::postgresql);
  EXPECT_EQ(loaded.value->journal.dsn.reveal(), "host=db dbname=smm password=Sekr1tPw");
  EXPECT_EQ(fmt::format("{}", loaded.value->journal.dsn), "***");
}

}  // namespace
}  // namespace smm
