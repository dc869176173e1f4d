#include "config/schema.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace smm {
namespace {

using k = value_kind;

// Each entry names only the fields it sets; the rest keep their defaults on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

// Order matters only for the printed documentation: tables first, then their keys.
constexpr std::array specs{
    // ---- top level
    key_spec{.table = "",
             .key = "daemon",
             .kind = k::table,
             .description = "Sockets, listen addresses, journal and logging of the daemon."},
    key_spec{.table = "",
             .key = "providers",
             .kind = k::table_array,
             .required = true,
             .description = "Upstream SMM panels the daemon forwards orders to (at least one)."},
    key_spec{.table = "",
             .key = "services",
             .kind = k::table_array,
             .required = true,
             .description = "Services the panel sells, each with its route to providers (at least one)."},
    key_spec{.table = "",
             .key = "journal",
             .kind = k::table,
             .description = "Where orders are journaled: the SQLite file (default) or a PostgreSQL database "
                            "several daemons may share."},
    key_spec{.table = "",
             .key = "policy",
             .kind = k::table,
             .description = "Business rules: duplicate links, refill and speed-up windows."},
    // ---- [daemon]
    key_spec{.table = "daemon",
             .key = "socket_path",
             .kind = k::path,
             .default_value = "/run/smm-dispatchd/panel.sock",
             .description = "Unix socket where the panel sends NDJSON requests."},
    key_spec{.table = "daemon",
             .key = "api_socket_path",
             .kind = k::path,
             .default_value = "/run/smm-dispatchd/api.sock",
             .description = "Unix socket serving API v2 over HTTP."},
    key_spec{.table = "daemon",
             .key = "admin_socket_path",
             .kind = k::path,
             .description =
                 "Unix socket of the admin operations (smm-dispatchctl: overview, orders, history, "
                 "pause, resume, resolve, reload), which the panel socket refuses. Mode 0600, owned "
                 "by the daemon's user (0660 with admin_group). Unset: admin.sock next to "
                 "socket_path (/run/smm-dispatchd/admin.sock)."},
    key_spec{.table = "daemon",
             .key = "admin_group",
             .kind = k::string,
             .description = "Group given access to the admin socket (mode 0660); it must exist and the "
                            "daemon must be a member of it. Unset: owner only (mode 0600; root reaches it)."},
    key_spec{
        .table = "daemon",
        .key = "http_listen",
        .kind = k::address,
        .description = "Loopback TCP address serving API v2 too (e.g. \"127.0.0.1:8080\"); unset = off."},
    key_spec{.table = "daemon",
             .key = "metrics_listen",
             .kind = k::address,
             .default_value = "127.0.0.1:9464",
             .description = "Address of the Prometheus /metrics endpoint; \"\" = off."},
    key_spec{.table = "daemon",
             .key = "journal_path",
             .kind = k::path,
             .default_value = "/var/lib/smm-dispatchd/journal.sqlite",
             .description = "SQLite journal: every order transition is written here first."},
    key_spec{.table = "daemon",
             .key = "log_level",
             .kind = k::choice,
             .default_value = "info",
             .choices = "trace|debug|info|warn|error|critical|off",
             .description = "Minimum level of log lines."},
    key_spec{.table = "daemon",
             .key = "retention_days",
             .kind = k::integer,
             .default_value = "90",
             .min = 1,
             .max = 3650,
             .description = "Orders in a final state are pruned from the journal this many days after they "
                            "ended, never inside their own keep window (the service's refill_days, for a "
                            "Completed or Partial order, + policy.claim_window_days). At least the longest "
                            "refill_days of any service + claim_window_days. A pruned order's panel id stays "
                            "taken: a later add with it is never placed again."},
    key_spec{.table = "daemon",
             .key = "api_currency",
             .kind = k::string,
             .default_value = "USD",
             .description = "Currency code the API v2 endpoint names in status and balance answers (the "
                            "currency of the services' rates); three capitals."},
    key_spec{.table = "daemon",
             .key = "reconcile_interval_s",
             .kind = k::integer,
             .default_value = "60",
             .min = 1,
             .max = 86400,
             .description = "How often unknown orders are reconciled with providers that allow it (see the "
                            "providers' idempotency_key, order_ids_increasing and status_own_orders_only; "
                            "docs/rules.md \"Unknown orders\")."},
    key_spec{.table = "daemon",
             .key = "panel_keys",
             .kind = k::table_array,
             .description = "Panels allowed on the API v2 endpoints, each with its own key; the same keys "
                            "identify panels on the panel socket (op hello)."},
    key_spec{.table = "daemon",
             .key = "require_panel_hello",
             .kind = k::boolean,
             .default_value = "false",
             .description =
                 "Every connection of the panel socket must say hello with a panel key "
                 "({\"op\":\"hello\",\"key\":...}) before any op but ping; others are refused "
                 "with hello_required. After a hello a connection reaches only its panel's orders, "
                 "as on API v2 (with or without this switch). Needs panel_keys. Applies at once on "
                 "a reload."},
    key_spec{.table = "daemon",
             .key = "panel_limits",
             .kind = k::table,
             .description = "What one connection of the panel socket (NDJSON) may hold; the admin socket "
                            "has the same per-connection caps and at most 64 connections."},
    key_spec{
        .table = "daemon",
        .key = "api_limits",
        .kind = k::table,
        .description = "Connections and requests of the API v2 endpoint (unix socket and TCP together)."},
    // ---- [daemon.panel_limits]
    key_spec{.table = "daemon.panel_limits",
             .key = "max_connections",
             .kind = k::integer,
             .default_value = "1024",
             .min = 1,
             .max = 65536,
             .description = "Open connections on the panel socket; one more is closed at once."},
    key_spec{.table = "daemon.panel_limits",
             .key = "max_line_bytes",
             .kind = k::integer,
             .default_value = "1048576",
             .min = 1024,
             .max = 67108864,
             .description = "Longest request line; a longer one is answered too_large and skipped (the "
                            "connection stays)."},
    key_spec{.table = "daemon.panel_limits",
             .key = "max_input_bytes",
             .kind = k::integer,
             .default_value = "4194304",
             .min = 1024,
             .max = 1073741824,
             .description = "Request bytes read and not yet handed to the engine, per connection; at this "
                            "much the daemon stops reading until the engine catches up. At least "
                            "max_line_bytes."},
    key_spec{.table = "daemon.panel_limits",
             .key = "max_output_bytes",
             .kind = k::integer,
             .default_value = "16777216",
             .min = 65536,
             .max = 1073741824,
             .description = "Answers and events not yet taken by the client, per connection. Above a quarter "
                            "of it the daemon stops reading and starting requests; above it the client gets "
                            "one output_limit error line and is disconnected (a subscriber resumes by seq)."},
    key_spec{.table = "daemon.panel_limits",
             .key = "partial_line_timeout_ms",
             .kind = k::integer,
             .default_value = "60000",
             .min = 100,
             .max = 3600000,
             .description = "A request line not finished this long after its first byte: one timeout error "
                            "line, then the connection is closed. Idle connections are never cut."},
    // ---- [daemon.api_limits]
    key_spec{.table = "daemon.api_limits",
             .key = "max_connections",
             .kind = k::integer,
             .default_value = "256",
             .min = 1,
             .max = 65536,
             .description = "Open API v2 connections, both listeners together; one more is closed at once."},
    key_spec{.table = "daemon.api_limits",
             .key = "max_unauthenticated_connections",
             .kind = k::integer,
             .min = 1,
             .max = 65536,
             .description =
                 "Connections that have not yet presented a valid key, at most max_connections. "
                 "When they are all taken, a new connection closes the oldest of them (after the "
                 "answer it is writing, if any). Unset: max_connections / 8 (32 with the default 256)."},
    key_spec{.table = "daemon.api_limits",
             .key = "unauthenticated_timeout_ms",
             .kind = k::integer,
             .default_value = "5000",
             .min = 100,
             .max = 600000,
             .description = "How long a connection not yet served with a valid key has for a whole request, "
                            "from its connect (or its last answer): a started request gets 408, an idle "
                            "connection is closed."},
    key_spec{.table = "daemon.api_limits",
             .key = "idle_timeout_ms",
             .kind = k::integer,
             .default_value = "60000",
             .min = 100,
             .max = 3600000,
             .description = "Keep-alive wait between requests on a connection served with a valid key."},
    key_spec{.table = "daemon.api_limits",
             .key = "request_timeout_ms",
             .kind = k::integer,
             .default_value = "10000",
             .min = 100,
             .max = 600000,
             .description = "On a connection served with a valid key: a request not complete this long "
                            "after its first byte gets 408 and the connection is closed."},
    key_spec{.table = "daemon.api_limits",
             .key = "max_header_bytes",
             .kind = k::integer,
             .default_value = "8192",
             .min = 1024,
             .max = 1048576,
             .description = "Request line and headers; larger: 431 and the connection is closed."},
    key_spec{.table = "daemon.api_limits",
             .key = "max_body_bytes",
             .kind = k::integer,
             .default_value = "1048576",
             .min = 1024,
             .max = 67108864,
             .description = "Request body; larger: 413 and the connection is closed."},
    // ---- [[daemon.panel_keys]]
    key_spec{.table = "daemon.panel_keys",
             .key = "name",
             .kind = k::string,
             .required = true,
             .description = "Name of the panel, unique, [a-z0-9_-] (used in logs)."},
    key_spec{.table = "daemon.panel_keys",
             .key = "key",
             .kind = k::secret,
             .description = "The key inline. Exactly one of key, key_file, key_env."},
    key_spec{
        .table = "daemon.panel_keys",
        .key = "key_file",
        .kind = k::path,
        .description = "File whose content (trimmed) is the key. Exactly one of key, key_file, key_env."},
    key_spec{.table = "daemon.panel_keys",
             .key = "key_env",
             .kind = k::env_name,
             .description = "Environment variable holding the key. Exactly one of key, key_file, key_env."},
    // ---- [[providers]]
    key_spec{.table = "providers",
             .key = "name",
             .kind = k::string,
             .required = true,
             .description = "Unique provider name, [a-z0-9_-], used by routes and in logs."},
    key_spec{.table = "providers",
             .key = "api_url",
             .kind = k::url,
             .required = true,
             .description = "API v2 endpoint, http:// or https:// with a host."},
    key_spec{.table = "providers",
             .key = "key",
             .kind = k::secret,
             .description = "API key inline. Exactly one of key, key_file, key_env."},
    key_spec{
        .table = "providers",
        .key = "key_file",
        .kind = k::path,
        .description = "File whose content (trimmed) is the API key. Exactly one of key, key_file, key_env."},
    key_spec{
        .table = "providers",
        .key = "key_env",
        .kind = k::env_name,
        .description = "Environment variable holding the API key. Exactly one of key, key_file, key_env."},
    key_spec{.table = "providers",
             .key = "request_style",
             .kind = k::choice,
             .default_value = "form",
             .choices = "form|get|json",
             .description = "POST form (PHP template), GET query string, or POST JSON."},
    key_spec{.table = "providers",
             .key = "key_in",
             .kind = k::choice,
             .default_value = "body",
             .choices = "body|header",
             .description = "Send the key as a request parameter or in an HTTP header."},
    key_spec{.table = "providers",
             .key = "tls_verify",
             .kind = k::boolean,
             .default_value = "true",
             .description = "Verify the provider's TLS certificate; false is logged as a warning."},
    key_spec{.table = "providers",
             .key = "ca_file",
             .kind = k::path,
             .description = "PEM file of CA certificates to trust instead of the system store."},
    key_spec{.table = "providers",
             .key = "max_in_flight",
             .kind = k::integer,
             .default_value = "16",
             .min = 1,
             .max = 1024,
             .description = "Most requests open to this provider at once."},
    key_spec{.table = "providers",
             .key = "requests_per_second",
             .kind = k::number,
             .default_value = "10",
             .min = 0.01,
             .max = 10000,
             .description = "Sustained request rate limit (token bucket)."},
    key_spec{.table = "providers",
             .key = "connect_timeout_ms",
             .kind = k::integer,
             .default_value = "3000",
             .min = 1,
             .max = 600000,
             .description = "Deadline for DNS, TCP connect and TLS handshake."},
    key_spec{.table = "providers",
             .key = "request_timeout_ms",
             .kind = k::integer,
             .default_value = "15000",
             .min = 1,
             .max = 600000,
             .description = "Deadline for one HTTP request/response."},
    key_spec{.table = "providers",
             .key = "call_deadline_ms",
             .kind = k::integer,
             .default_value = "30000",
             .min = 1,
             .max = 3600000,
             .description = "Deadline for a whole call including retries; >= request_timeout_ms."},
    key_spec{.table = "providers",
             .key = "max_retries",
             .kind = k::integer,
             .default_value = "2",
             .min = 0,
             .max = 10,
             .description = "Retries of a call that provably did not reach the provider."},
    key_spec{.table = "providers",
             .key = "status_poll_interval_s",
             .kind = k::integer,
             .default_value = "60",
             .min = 1,
             .max = 86400,
             .description =
                 "Base interval of status polls of a running order: half of it (at least 0.25 s) "
                 "for the first 10 minutes after placement, the value up to 6 hours, twice it up to "
                 "2 days, four times it after. Every running order is polled within its interval, "
                 "in calls of up to 100 ids (docs/rules.md)."},
    key_spec{.table = "providers",
             .key = "idempotency_key",
             .kind = k::boolean,
             .default_value = "false",
             .description = "The provider honours `request_id` on add (a repeat with the same value returns "
                            "the original order, never a second one): every add carries one, and an unknown "
                            "add is sent again with it to settle it. Set it only for a provider that "
                            "documents this."},
    key_spec{.table = "providers",
             .key = "order_ids_increasing",
             .kind = k::boolean,
             .default_value = "false",
             .description = "The provider's order ids are integers given out in increasing order. With "
                            "status_own_orders_only, an unknown add is reconciled by asking every id between "
                            "our nearest orders before and after it."},
    key_spec{.table = "providers",
             .key = "status_own_orders_only",
             .kind = k::boolean,
             .default_value = "false",
             .description = "The provider's status answers only for orders created with the key asking "
                            "(others get an error such as \"Incorrect order ID\"), and this key is used by "
                            "this daemon only."},
    key_spec{.table = "providers",
             .key = "reconcile_max_gap",
             .kind = k::integer,
             .default_value = "500",
             .min = 1,
             .max = 100000,
             .description = "Most ids asked between two of our orders when bracketing an unknown add; a "
                            "wider gap leaves the order to an operator."},
    key_spec{.table = "providers",
             .key = "currency",
             .kind = k::string,
             .default_value = "USD",
             .description = "ISO 4217 code of the provider's prices and balance, three capitals."},
    key_spec{.table = "providers",
             .key = "balance_warn_below",
             .kind = k::decimal,
             .description = "Warn when the provider balance falls below this amount; unset = never."},
    // ---- [[services]]
    key_spec{.table = "services",
             .key = "id",
             .kind = k::integer,
             .required = true,
             .min = 1,
             .max = 1e15,
             .description = "Panel service id, unique."},
    key_spec{.table = "services",
             .key = "name",
             .kind = k::string,
             .required = true,
             .description = "Name shown to customers."},
    key_spec{.table = "services",
             .key = "type",
             .kind = k::choice,
             .default_value = "default",
             .choices = "default|package|custom_comments|custom_comments_package|mentions|"
                        "mentions_with_hashtags|mentions_custom_list|mentions_hashtag|"
                        "mentions_user_followers|mentions_media_likers|comment_likes|poll|seo|"
                        "subscriptions|invites_from_groups",
             .description = "API v2 service type; case and separators ignored (\"Custom Comments\")."},
    key_spec{.table = "services",
             .key = "rate",
             .kind = k::decimal,
             .required = true,
             .description = "Price per 1000 units as a quoted decimal string, at most 6 decimals."},
    key_spec{.table = "services",
             .key = "min",
             .kind = k::integer,
             .default_value = "1",
             .min = 1,
             .max = 1e12,
             .description = "Smallest quantity accepted."},
    key_spec{.table = "services",
             .key = "max",
             .kind = k::integer,
             .default_value = "1000000",
             .min = 1,
             .max = 1e12,
             .description = "Largest quantity accepted; >= min."},
    key_spec{.table = "services",
             .key = "refill_days",
             .kind = k::days_or_none,
             .default_value = "none",
             .min = 1,
             .max = 3650,
             .description = "Refill guarantee period in days, or \"none\" for no refill."},
    key_spec{.table = "services",
             .key = "cancel",
             .kind = k::boolean,
             .default_value = "false",
             .description = "Customers may ask to cancel a running order."},
    key_spec{.table = "services",
             .key = "slow",
             .kind = k::boolean,
             .default_value = "false",
             .description = "A slow service never gets a speed-up request."},
    key_spec{.table = "services",
             .key = "dripfeed",
             .kind = k::boolean,
             .default_value = "false",
             .description = "Orders may carry runs and interval (quantity is per run)."},
    key_spec{.table = "services",
             .key = "category",
             .kind = k::string,
             .default_value = "General",
             .description = "Category shown to API v2 panels in the services list."},
    key_spec{.table = "services",
             .key = "route",
             .kind = k::table_array,
             .required = true,
             .description = "Ordered providers for this service; the first usable one takes the order."},
    // ---- services[].route[]
    key_spec{.table = "services.route",
             .key = "provider",
             .kind = k::string,
             .required = true,
             .description = "Name of a [[providers]] entry."},
    key_spec{.table = "services.route",
             .key = "service",
             .kind = k::id,
             .required = true,
             .description = "The provider's own service id (string or integer)."},
    // ---- [journal]
    key_spec{.table = "journal",
             .key = "backend",
             .kind = k::choice,
             .default_value = "sqlite",
             .choices = "sqlite|postgresql",
             .description =
                 "sqlite: the file daemon.journal_path, one daemon. postgresql: the database "
                 "journal.dsn names (PostgreSQL 14 or later), migrated at start; needs exactly one "
                 "of dsn, dsn_file, dsn_env."},
    key_spec{.table = "journal",
             .key = "dsn",
             .kind = k::secret,
             .description = "libpq connection string inline (\"host=/run/postgresql dbname=smm user=smm\" or "
                            "\"postgresql://smm@db.example/smm\"). It may hold a password, so it is never "
                            "printed. Exactly one of dsn, dsn_file, dsn_env (postgresql only)."},
    key_spec{.table = "journal",
             .key = "dsn_file",
             .kind = k::path,
             .description = "File whose content (trimmed) is the connection string. Exactly one of dsn, "
                            "dsn_file, dsn_env."},
    key_spec{.table = "journal",
             .key = "dsn_env",
             .kind = k::env_name,
             .description = "Environment variable holding the connection string. Exactly one of dsn, "
                            "dsn_file, dsn_env."},
    // ---- [policy]
    key_spec{.table = "policy",
             .key = "duplicate_link",
             .kind = k::choice,
             .default_value = "reject",
             .choices = "reject|hold|allow",
             .description = "New order on a link that already has a running order: reject, hold or allow."},
    key_spec{.table = "policy",
             .key = "refill_max_start_count",
             .kind = k::integer,
             .default_value = "100000",
             .min = 1,
             .max = 1e12,
             .description = "No refill guarantee when the start count was at least this."},
    key_spec{.table = "policy",
             .key = "refill_in_progress_hours",
             .kind = k::integer,
             .default_value = "72",
             .min = 1,
             .max = 8760,
             .description = "A refill request counts as running for this long."},
    key_spec{.table = "policy",
             .key = "claim_window_days",
             .kind = k::integer,
             .default_value = "14",
             .min = 1,
             .max = 3650,
             .description = "Claims are accepted this long after Completed/Partial."},
    key_spec{.table = "policy",
             .key = "forgotten_after_s",
             .kind = k::integer,
             .default_value = "3600",
             .min = 1,
             .max = 30 * 86400,
             .description = "A placed order the provider answers 'Incorrect order ID' about for this long "
                            "becomes unknown (an anomaly for an operator to resolve)."},
    key_spec{.table = "policy",
             .key = "speedup_stuck_after_hours",
             .kind = k::integer,
             .default_value = "72",
             .min = 1,
             .max = 8760,
             .description = "An order is stuck when its status has not changed for longer."},
    key_spec{.table = "policy",
             .key = "speedup_min_interval_hours",
             .kind = k::integer,
             .default_value = "24",
             .min = 1,
             .max = 8760,
             .description = "At most one speed-up request per order per this interval."},
};
#pragma GCC diagnostic pop

bool is_quoted_kind(value_kind kind) {
  switch (kind) {
    case k::integer:
    case k::number:
    case k::boolean:
    case k::table:
    case k::table_array:
      return false;
    default:
      return true;
  }
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, so
// "max_in_fligth" is one edit from "max_in_flight".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

}  // namespace

std::optional<std::string_view> closest_key(std::string_view word,
                                            const std::vector<std::string_view>& candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (auto c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (!best || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // Close enough to be a typo: two edits, or a third of the word for long keys.
  if (best && (best_distance <= 2 || best_distance * 3 <= word.size())) return best;
  return std::nullopt;
}

std::string format_number(double v) {
  // Integral values print in full ("1000000000000000", not "1e+15").
  if (v > -1e18 && v < 1e18 && v == static_cast<double>(static_cast<std::int64_t>(v)))
    return std::to_string(static_cast<std::int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string key_spec::display_path() const {
  std::string out;
  std::string_view rest = table;
  // Every table but daemon, policy and daemon's limits is an array of tables:
  // "services.route" is shown as "services[].route[]".
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    if (!out.empty()) out += '.';
    out += part;
    if (part != "daemon" && part != "policy" && part != "panel_limits" && part != "api_limits") out += "[]";
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (!out.empty()) out += '.';
  out += key;
  if (table.empty() && kind == k::table_array) out += "[]";
  return out;
}

std::span<const key_spec> config_schema() { return specs; }

const key_spec* find_key_spec(std::string_view table, std::string_view key) {
  for (const auto& s : specs)
    if (s.table == table && s.key == key) return &s;
  return nullptr;
}

std::vector<std::string_view> keys_of(std::string_view table) {
  std::vector<std::string_view> out;
  for (const auto& s : specs)
    if (s.table == table) out.push_back(s.key);
  return out;
}

std::vector<std::string_view> split_choices(std::string_view choices) {
  std::vector<std::string_view> out;
  while (!choices.empty()) {
    const auto bar = choices.find('|');
    out.push_back(choices.substr(0, bar));
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return out;
}

std::string fold_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
  }
  return out;
}

std::string_view match_choice(const key_spec& spec, std::string_view value) {
  const std::string folded = fold_name(value);
  if (folded.empty()) return {};
  for (auto c : split_choices(spec.choices))
    if (fold_name(c) == folded) return c;
  return {};
}

std::string describe_type(const key_spec& spec) {
  std::string range;
  if (spec.has_range()) range = ' ' + format_number(spec.min) + ".." + format_number(spec.max);
  switch (spec.kind) {
    case k::table:
      return "table";
    case k::table_array:
      return "array of tables";
    case k::string:
      return "string";
    case k::integer:
      return "integer" + range;
    case k::number:
      return "number" + range;
    case k::boolean:
      return "boolean";
    case k::choice: {
      std::string out = "one of ";
      bool first = true;
      for (auto c : split_choices(spec.choices)) {
        if (!first) out += ", ";
        out += c;
        first = false;
      }
      return out;
    }
    case k::decimal:
      return "decimal string";
    case k::url:
      return "URL (http/https)";
    case k::address:
      return "host:port";
    case k::path:
      return "path";
    case k::secret:
      return "secret string";
    case k::env_name:
      return "environment variable name";
    case k::id:
      return "string or integer";
    case k::days_or_none:
      return "integer" + range + " or \"none\"";
  }
  return "?";
}

std::string schema_markdown() {
  std::string out = "| Key | Type | Default | Description |\n|---|---|---|---|\n";
  for (const auto& s : specs) {
    std::string def;
    if (s.required)
      def = "required";
    else if (s.default_value.empty())
      def = "unset";
    else if (is_quoted_kind(s.kind))
      def = "`\"" + std::string(s.default_value) + "\"`";
    else
      def = '`' + std::string(s.default_value) + '`';
    std::string type = describe_type(s);
    std::string desc{s.description};
    // A '|' inside a cell would split it.
    for (auto* cell : {&type, &desc})
      for (std::size_t p = 0; (p = cell->find('|', p)) != std::string::npos; p += 2)
        cell->replace(p, 1, "\\|");
    out += "| `" + s.display_path() + "` | " + type + " | " + def + " | " + desc + " |\n";
  }
  return out;
}

}  // namespace smm
