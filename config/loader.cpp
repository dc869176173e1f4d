#include "config/loader.hpp"

#include <grp.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config/limits_loader.hpp"
#include "config/secret_scrubber.hpp"
#include "config/table_reader.hpp"
#include "config/value_parsers.hpp"
#include "dispatch/retention.hpp"

namespace smm {
namespace {

namespace fs = std::filesystem;

/// What the loader knows while it walks one file.
struct load_context {
  diagnostics diag;
  fs::path base_dir;
  bool inline_keys = false;  ///< a `key = "..."` is written in the file itself

  fs::path resolve(const std::string& p) const {
    const fs::path path{p};
    if (path.is_absolute() || base_dir.empty()) return path.lexically_normal();
    return (base_dir / path).lexically_normal();
  }
};

std::string money_error_text(const std::string& text, money_error e) {
  switch (e) {
    case money_error::too_many_decimals:
      return "'" + text + "' has more than 6 decimals; money is exact to 1e-6 of a unit";
    case money_error::overflow:
      return "'" + text + "' is too large";
    case money_error::negative:
      return "must not be negative";
    default:
      return "'" + text + "' is not a decimal number (expected e.g. \"0.90\" or \"95200\")";
  }
}

/// A non-negative exact amount from a decimal key, or nullopt (reported).
std::optional<money> read_money(table_reader& r, std::string_view key) {
  const auto text = r.get_string(key);
  if (!text) return std::nullopt;
  const money_result m = parse_money(*text, excess_decimals::reject);
  if (!m) {
    r.error(key, money_error_text(*text, m.error));
    return std::nullopt;
  }
  if (m.value.is_negative()) {
    r.error(key, money_error_text(*text, money_error::negative));
    return std::nullopt;
  }
  return m.value;
}

/// The names a credential may be given under: inline, in a file, in the environment.
struct secret_keys {
  std::string_view inline_key, file_key, env_key;
  std::string one_of() const {
    return std::string(inline_key) + ", " + std::string(file_key) + ", " + std::string(env_key);
  }
};

/// A credential given under exactly one of `keys`; nullopt (reported) when none or several.
std::optional<secret> read_secret_source(table_reader& r, load_context& ctx, const secret_keys& keys) {
  std::vector<std::string_view> given;
  for (std::string_view k : {keys.inline_key, keys.file_key, keys.env_key})
    if (r.has(k)) given.push_back(k);
  if (given.empty()) {
    r.error(keys.inline_key, "missing: give exactly one of " + keys.one_of());
    return std::nullopt;
  }
  if (given.size() > 1) {
    r.error(given[1], "'" + std::string(given[0]) + "' is given too: use exactly one of " + keys.one_of());
    return std::nullopt;
  }
  const std::string_view source = given[0];
  const auto text = r.get_string(source);
  if (!text) return std::nullopt;
  if (source == keys.inline_key) {
    ctx.inline_keys = true;
    return secret{*text};
  }
  if (source == keys.file_key) {
    const fs::path file = ctx.resolve(*text);
    auto content = read_key_file(file);
    if (!content.value) {
      r.error(source, content.error);
      return std::nullopt;
    }
    if (auto w = key_file_mode_warning(file)) r.warning(source, *w);
    return secret{std::move(*content.value)};
  }
  if (!is_env_name(*text)) {
    r.error(source, "'" + *text + "' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
    return std::nullopt;
  }
  const char* value = std::getenv(text->c_str());
  if (value == nullptr) {
    r.error(source, "environment variable " + *text + " is not set");
    return std::nullopt;
  }
  if (*value == '\0') {
    r.error(source, "environment variable " + *text + " is empty");
    return std::nullopt;
  }
  return secret{value};
}

/// The credential of a provider or a panel: exactly one of key, key_file, key_env.
std::optional<secret> read_key_source(table_reader& r, load_context& ctx) {
  return read_secret_source(r, ctx, secret_keys{"key", "key_file", "key_env"});
}

/// [journal]: the backend, and for postgresql its connection string (exactly one of dsn,
/// dsn_file, dsn_env); a DSN given to the sqlite backend is an error, not silently unused.
journal_config load_journal(const toml::table* t, load_context& ctx) {
  static const toml::table empty;
  table_reader r(t != nullptr ? *t : empty, "journal", "journal", ctx.diag);
  journal_config j;
  if (auto b = r.get_string("backend"))
    j.backend = *b == "postgresql" ? journal_backend::postgresql : journal_backend::sqlite;
  if (j.backend == journal_backend::postgresql) {
    if (auto dsn = read_secret_source(r, ctx, secret_keys{"dsn", "dsn_file", "dsn_env"}))
      j.dsn = std::move(*dsn);
    return j;
  }
  for (std::string_view k : {"dsn", "dsn_file", "dsn_env"})
    if (r.has(k))
      r.error(k,
              "is set but journal.backend is \"sqlite\" (the journal is daemon.journal_path): set "
              "backend = \"postgresql\" or remove it");
  return j;
}

/// A name of [a-z0-9_-], unique among `seen` (name -> line of first use).
std::optional<std::string> read_unique_name(table_reader& r, std::map<std::string, std::uint32_t>& seen,
                                            std::string_view what) {
  auto name = r.get_string("name");
  if (!name) return std::nullopt;
  if (!is_valid_name(*name)) {
    r.error("name", "'" + *name + "' is not a valid name (expected 1 to 64 of a-z, 0-9, _ and -)");
    return std::nullopt;
  }
  const auto line = r.where("name").begin.line;
  auto [it, inserted] = seen.emplace(*name, line);
  if (!inserted) {
    r.error("name", "duplicate " + std::string(what) + " name '" + *name + "' (first defined at line " +
                        std::to_string(it->second) + ")");
    return std::nullopt;
  }
  return name;
}

/// A unix socket path; sun_path holds 108 bytes with the terminating NUL.
std::optional<fs::path> read_socket_path(table_reader& r, load_context& ctx, std::string_view key) {
  const auto text = r.get_string(key);
  if (!text) return std::nullopt;
  fs::path p = ctx.resolve(*text);
  if (p.native().size() > 107) {
    r.error(key, "unix socket path is " + std::to_string(p.native().size()) +
                     " bytes once resolved; the limit is 107");
    return std::nullopt;
  }
  return p;
}

std::optional<listen_address> read_address(table_reader& r, std::string_view key) {
  const auto text = r.get_string(key);
  if (!text || text->empty()) return std::nullopt;
  auto a = parse_listen_address(*text);
  if (!a.value) r.error(key, "'" + *text + "' " + a.error);
  return a.value;
}

/// The id of the group called `name`, or nullopt when there is none.
std::optional<std::uint32_t> group_id(const std::string& name) {
  std::vector<char> buffer(4096);
  for (;;) {
    group g{};
    group* found = nullptr;
    const int rc = ::getgrnam_r(name.c_str(), &g, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < (1u << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return std::nullopt;
    return static_cast<std::uint32_t>(found->gr_gid);
  }
}

/// daemon.admin_socket_path (default: admin.sock next to socket_path) and daemon.admin_group.
void read_admin_socket(table_reader& r, load_context& ctx, daemon_config& d) {
  const bool given = r.has("admin_socket_path");
  if (given) {
    if (auto p = read_socket_path(r, ctx, "admin_socket_path")) d.admin_socket_path = *p;
  } else if (!d.socket_path.empty()) {
    const fs::path p = d.socket_path.parent_path() / "admin.sock";
    if (p.native().size() > 107)
      r.error("admin_socket_path", "its default, admin.sock next to socket_path, is " +
                                       std::to_string(p.native().size()) +
                                       " bytes; the limit is 107: set admin_socket_path");
    else
      d.admin_socket_path = p;
  }
  if (!d.admin_socket_path.empty()) {
    const std::string why = given ? "" : " (unset, it is admin.sock next to socket_path: set it)";
    if (d.admin_socket_path == d.socket_path)
      r.error("admin_socket_path", "must differ from socket_path" + why);
    else if (d.admin_socket_path == d.api_socket_path)
      r.error("admin_socket_path", "must differ from api_socket_path" + why);
  }
  if (auto g = r.get_string("admin_group")) {
    if (auto gid = group_id(*g)) {
      d.admin_group = *g;
      d.admin_gid = gid;
    } else {
      r.error("admin_group",
              "no group named '" + *g + "' on this system (create it first: addgroup --system " + *g + ")");
    }
  }
}

spdlog::level::level_enum to_log_level(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical") return spdlog::level::critical;
  if (name == "off") return spdlog::level::off;
  return spdlog::level::info;
}

daemon_config load_daemon(const toml::table* t, load_context& ctx) {
  static const toml::table empty;
  table_reader r(t != nullptr ? *t : empty, "daemon", "daemon", ctx.diag);
  daemon_config d;
  if (auto p = read_socket_path(r, ctx, "socket_path")) d.socket_path = *p;
  if (auto p = read_socket_path(r, ctx, "api_socket_path")) d.api_socket_path = *p;
  if (!d.socket_path.empty() && d.socket_path == d.api_socket_path)
    r.error("api_socket_path", "must differ from socket_path");
  read_admin_socket(r, ctx, d);
  d.http_listen = read_address(r, "http_listen");
  // API v2 over TCP carries panel keys in clear text: keep it on this machine.
  if (d.http_listen && !is_loopback(d.http_listen->host)) {
    r.error("http_listen", "'" + d.http_listen->to_string() +
                               "' is not a loopback address (expected 127.0.0.0/8, ::1 or localhost: "
                               "API v2 over TCP has no TLS)");
    d.http_listen.reset();
  }
  d.metrics_listen = read_address(r, "metrics_listen");
  if (auto p = r.get_string("journal_path")) d.journal_path = ctx.resolve(*p);
  if (auto l = r.get_string("log_level")) d.log_level = to_log_level(*l);
  if (auto days = r.get_integer("retention_days")) d.retention_days = static_cast<std::int32_t>(*days);
  if (auto v = r.get_integer("reconcile_interval_s")) d.reconcile_interval = std::chrono::seconds{*v};
  load_connection_limits(r, ctx.diag, d);

  if (auto c = r.get_string("api_currency")) {
    if (is_currency_code(*c))
      d.api_currency = *c;
    else
      r.error("api_currency", "'" + *c + "' is not a currency code (expected three capitals, e.g. \"USD\")");
  }

  std::map<std::string, std::uint32_t> names;
  for (const auto& entry : r.get_table_array("panel_keys")) {
    table_reader pk(*entry.table, "daemon.panel_keys", entry.path, ctx.diag);
    auto name = read_unique_name(pk, names, "panel key");
    auto key = read_key_source(pk, ctx);
    if (name && key) d.panel_keys.push_back(panel_key{std::move(*name), std::move(*key)});
  }
  if (auto v = r.get_boolean("require_panel_hello")) {
    d.require_panel_hello = *v;
    if (*v && d.panel_keys.empty())
      r.error("require_panel_hello", "is true but no panel_keys are configured: no panel could say hello");
  }
  if (d.http_listen && t != nullptr && !t->contains("panel_keys"))
    r.warning("http_listen",
              "API v2 is served on TCP but no panel_keys are configured: every request will be refused");
  return d;
}

std::optional<provider_config> load_provider(const table_entry& entry, load_context& ctx,
                                             std::map<std::string, std::uint32_t>& names) {
  table_reader r(*entry.table, "providers", entry.path, ctx.diag);
  const std::size_t errors_before = ctx.diag.errors().size();
  provider_config p;
  if (auto name = read_unique_name(r, names, "provider")) p.name = *name;
  if (auto url = r.get_string("api_url")) {
    auto parts = parse_url(*url);
    if (!parts.value) {
      r.error("api_url", "'" + scrub_fragments(*url) + "' " + parts.error);  // user:pass@, ?key=: masked
    } else {
      p.api_url = *url;
      p.https = parts.value->https;
      p.host = parts.value->host;
      p.port = parts.value->port;
      p.target = parts.value->target;
      if (!p.https && !is_loopback(p.host))
        r.warning("api_url", "plain http:// to a remote host: the API key travels unencrypted");
    }
  }
  if (auto key = read_key_source(r, ctx)) p.key = std::move(*key);
  if (auto s = r.get_string("request_style"))
    p.style = *s == "get" ? request_style::get : *s == "json" ? request_style::json : request_style::form;
  if (auto s = r.get_string("key_in"))
    p.key_in = *s == "header" ? key_placement::header : key_placement::body;
  if (auto v = r.get_boolean("tls_verify")) p.tls_verify = *v;
  if (!p.tls_verify)
    r.warning("tls_verify", "TLS certificate verification is off for provider '" + p.name + "'");
  if (auto ca = r.get_string("ca_file")) {
    const fs::path file = ctx.resolve(*ca);
    if (std::ifstream in(file); !in)
      r.error("ca_file", "cannot read CA file '" + file.string() + "': " + std::strerror(errno));
    else
      p.ca_file = file;
  }
  if (auto v = r.get_integer("max_in_flight")) p.max_in_flight = static_cast<std::int32_t>(*v);
  if (auto v = r.get_number("requests_per_second")) p.requests_per_second = *v;
  if (auto v = r.get_integer("connect_timeout_ms")) p.connect_timeout = std::chrono::milliseconds{*v};
  if (auto v = r.get_integer("request_timeout_ms")) p.request_timeout = std::chrono::milliseconds{*v};
  if (auto v = r.get_integer("call_deadline_ms")) p.call_deadline = std::chrono::milliseconds{*v};
  if (p.call_deadline < p.request_timeout)
    r.error("call_deadline_ms", "must be >= request_timeout_ms (" +
                                    std::to_string(p.request_timeout.count()) + "), got " +
                                    std::to_string(p.call_deadline.count()));
  if (auto v = r.get_integer("max_retries")) p.max_retries = static_cast<std::int32_t>(*v);
  if (auto v = r.get_integer("status_poll_interval_s")) p.status_poll_interval = std::chrono::seconds{*v};
  if (auto v = r.get_boolean("idempotency_key")) p.idempotency_key = *v;
  if (auto v = r.get_boolean("order_ids_increasing")) p.order_ids_increasing = *v;
  if (auto v = r.get_boolean("status_own_orders_only")) p.status_own_orders_only = *v;
  if (auto v = r.get_integer("reconcile_max_gap")) p.reconcile_max_gap = static_cast<std::int32_t>(*v);
  if (auto c = r.get_string("currency")) {
    if (is_currency_code(*c))
      p.currency = *c;
    else
      r.error("currency", "'" + *c + "' is not a currency code (expected three capitals, e.g. \"USD\")");
  }
  if (r.has("balance_warn_below")) p.balance_warn_below = read_money(r, "balance_warn_below");
  if (ctx.diag.errors().size() != errors_before) return std::nullopt;
  return p;
}

/// refill_days: an integer in range, or "none" (any case).
std::optional<std::optional<std::int32_t>> read_refill_days(table_reader& r) {
  const key_spec& s = *find_key_spec("services", "refill_days");
  const toml::node* n = r.node("refill_days");
  if (n == nullptr) return std::optional<std::int32_t>{};
  const std::string expected = "expected " + describe_type(s);
  if (const auto* str = n->as_string()) {
    if (fold_name(str->get()) == "none") return std::optional<std::int32_t>{};
    r.error("refill_days", "'" + str->get() + "' is not a number of days; " + expected);
    return std::nullopt;
  }
  if (const auto* i = n->as_integer()) {
    if (i->get() >= s.min && i->get() <= s.max)
      return std::optional<std::int32_t>{static_cast<std::int32_t>(i->get())};
    r.error("refill_days", "must be in 1..3650 days or \"none\", got " + std::to_string(i->get()));
    return std::nullopt;
  }
  r.error("refill_days", expected);
  return std::nullopt;
}

std::optional<service_def> load_service(const table_entry& entry, load_context& ctx,
                                        std::map<std::int64_t, std::uint32_t>& ids,
                                        const std::set<std::string, std::less<>>& providers) {
  table_reader r(*entry.table, "services", entry.path, ctx.diag);
  const std::size_t errors_before = ctx.diag.errors().size();
  service_def s;
  if (auto id = r.get_integer("id")) {
    auto [it, inserted] = ids.emplace(*id, r.where("id").begin.line);
    if (!inserted)
      r.error("id", "duplicate service id " + std::to_string(*id) + " (first defined at line " +
                        std::to_string(it->second) + ")");
    s.id = *id;
  }
  if (auto name = r.get_string("name")) s.name = *name;
  if (auto category = r.get_string("category")) s.category = *category;
  if (auto type = r.get_string("type")) s.type = parse_service_type(*type).value_or(service_type::default_);
  if (auto rate = read_money(r, "rate")) s.rate_per_1000 = *rate;
  const auto min = r.get_integer("min");
  const auto max = r.get_integer("max");
  if (min) s.min_quantity = *min;
  if (max) s.max_quantity = *max;
  if (min && max && *min > *max)
    r.error(r.has("max") ? "max" : "min",
            "max (" + std::to_string(*max) + ") is less than min (" + std::to_string(*min) + ")");
  if (auto days = read_refill_days(r)) s.refill_days = *days;
  if (auto v = r.get_boolean("cancel")) s.cancel_allowed = *v;
  if (auto v = r.get_boolean("slow")) s.slow = *v;
  if (auto v = r.get_boolean("dripfeed")) s.dripfeed = *v;

  const std::vector<std::string_view> provider_names(providers.begin(), providers.end());
  for (const auto& hop_entry : r.get_table_array("route")) {
    table_reader h(*hop_entry.table, "services.route", hop_entry.path, ctx.diag);
    route_hop hop;
    if (auto p = h.get_string("provider")) {
      if (providers.contains(*p)) {
        hop.provider = *p;
      } else {
        std::string message = "unknown provider '" + *p + "'";
        if (auto near = closest_key(*p, provider_names))
          message += " (did you mean '" + std::string(*near) + "'?)";
        std::string known;
        for (auto n : provider_names) known += (known.empty() ? "" : ", ") + std::string(n);
        message += "; expected a [[providers]] name: " + known;
        h.error("provider", std::move(message));
      }
    }
    if (auto id = h.get_string("service")) hop.provider_service_id = *id;
    if (hop.provider.empty() || hop.provider_service_id.empty()) continue;
    if (s.route.size() == max_route_hops) {  // the order book keeps hop numbers in 16 bits
      h.error("provider", "a route has at most " + std::to_string(max_route_hops) + " hops");
      break;
    }
    for (const auto& earlier : s.route)
      if (earlier.provider == hop.provider && earlier.provider_service_id == hop.provider_service_id)
        h.error("service", "the same provider and service appear twice in this route");
    s.route.push_back(std::move(hop));
  }
  if (ctx.diag.errors().size() != errors_before) return std::nullopt;
  return s;
}

policy_def load_policy(const toml::table* t, load_context& ctx) {
  static const toml::table empty;
  table_reader r(t != nullptr ? *t : empty, "policy", "policy", ctx.diag);
  policy_def p;
  if (auto v = r.get_string("duplicate_link"))
    p.duplicate_link = *v == "hold"    ? duplicate_link_policy::hold
                       : *v == "allow" ? duplicate_link_policy::allow
                                       : duplicate_link_policy::reject;
  // Ranges in the schema keep every product below 2^40: no overflow.
  if (auto v = r.get_integer("refill_max_start_count")) p.refill_max_start_count = *v;
  if (auto v = r.get_integer("refill_in_progress_hours")) p.refill_in_progress_s = *v * 3600;
  if (auto v = r.get_integer("claim_window_days")) p.claim_window_s = *v * 86400;
  if (auto v = r.get_integer("speedup_stuck_after_hours")) p.speedup_stuck_after_s = *v * 3600;
  if (auto v = r.get_integer("speedup_min_interval_hours")) p.speedup_min_interval_s = *v * 3600;
  if (auto v = r.get_integer("forgotten_after_s")) p.forgotten_after_s = *v;
  return p;
}

/// Retention must outlast the longest keep window of any order (dispatch/retention.hpp):
/// the journal never purges an order a customer can still claim about or have refilled.
void check_retention(const config& c, const toml::table* daemon, const toml::table* policy,
                     const std::vector<table_entry>& service_entries, load_context& ctx) {
  const std::string key = "daemon.retention_days";
  // A value refused already (type, range) was reported once; its default stands in here.
  for (const auto& e : ctx.diag.errors())
    if (e.key == key || e.key == "policy.claim_window_days") return;
  const longest_keep need = longest_keep_after_final(c.services, c.policy);
  if (std::int64_t{c.daemon.retention_days} * 86400 >= need.seconds) return;

  const std::string need_days = std::to_string(need.seconds / 86400);
  const std::string claim_days = std::to_string(c.policy.claim_window_s / 86400);
  // What needs the longer retention, and where it is written.
  std::string why;
  std::string cause_key;
  const toml::node* cause = nullptr;
  if (need.service != nullptr) {
    const table_entry& entry = service_entries[static_cast<std::size_t>(need.service - c.services.data())];
    why = "service " + std::to_string(need.service->id) + " (\"" + need.service->name + "\", " + entry.path +
          ") keeps its orders " + need_days + " days: refill_days " +
          std::to_string(*need.service->refill_days) + " + policy.claim_window_days " + claim_days;
    cause_key = entry.path + ".refill_days";
    cause = entry.table->get("refill_days");
  } else {
    why = "every order is kept policy.claim_window_days (" + claim_days + ") after it ended";
    cause_key = "policy.claim_window_days";
    cause = policy != nullptr ? policy->get("claim_window_days") : nullptr;
  }
  if (need.seconds > std::int64_t{3650} * 86400)
    why += "; that is above retention_days' maximum (3650): shorten the refill guarantee or the claim window";
  const toml::node* written = daemon != nullptr ? daemon->get("retention_days") : nullptr;
  if (written == nullptr && cause != nullptr) {
    // The default retention is what is too short: point at the key that made it so.
    ctx.diag.error(cause->source(), cause_key,
                   "needs " + key + " of at least " + need_days + " days; it is " +
                       std::to_string(c.daemon.retention_days) + " (the default): " + why);
    return;
  }
  ctx.diag.error(written != nullptr ? written->source() : toml::source_region{}, key,
                 std::to_string(c.daemon.retention_days) + " days is shorter than the longest keep window (" +
                     need_days + " days): " + why + "; expected at least " + need_days +
                     ", retention never purges an order inside its window");
}

// toml++ quotes the character it choked on; on a line holding a credential that character
// belongs to the secret, so quotes are masked there.
std::string syntax_error_text(std::string_view text, const toml::parse_error& e) {
  std::string description{e.description()};
  std::uint32_t line = 1;
  std::size_t start = 0;
  while (line < e.source().begin.line && start < text.size()) {
    const auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
    ++line;
  }
  std::string_view l = text.substr(start, text.find('\n', start) - start);
  l.remove_prefix(std::min(l.size(), l.find_first_not_of(" \t")));
  if (l.starts_with("key") && l.substr(3).find_first_not_of(" \t") != std::string_view::npos &&
      l[l.find_first_not_of(" \t", 3)] == '=') {
    for (std::size_t q = description.find('\''); q != std::string::npos; q = description.find('\'', q)) {
      const auto close = description.find('\'', q + 1);
      if (close == std::string::npos) break;
      description.replace(q, close - q + 1, "'***'");
      q += 5;
    }
  }
  return "TOML syntax error: " + description;
}

// A second line of defence: no message names a key the file gave, or a credential fragment.
void scrub_messages(config_result& result, const config& c) {
  const secret_scrubber scrubber(c.secrets());
  for (auto* list : {&result.errors, &result.warnings})
    for (auto& e : *list) scrubber.scrub_in_place(e.message);
}

// A config that holds keys itself must be as private as a key file.
std::optional<std::string> config_mode_warning(const fs::path& file) {
  std::error_code ec;
  const fs::perms p = fs::status(file, ec).permissions();
  constexpr fs::perms shared = fs::perms::group_read | fs::perms::others_read;
  if (ec || (p & shared) == fs::perms::none) return std::nullopt;
  return "the config file holds keys (key = ...) and is readable by group or others; chmod 600 it, "
         "or move the keys to key_file or key_env";
}

config_result load(std::string_view text, std::string_view name, fs::path base_dir,
                   const fs::path* file = nullptr) {
  config_result result;
  toml::table root;
  try {
    root = toml::parse(text, std::string_view{name});
  } catch (const toml::parse_error& e) {
    result.errors.push_back(config_error{std::string(name), e.source().begin.line, e.source().begin.column,
                                         "", syntax_error_text(text, e)});
    return result;
  }
  load_context ctx{diagnostics{std::string(name)}, std::move(base_dir)};
  table_reader top(root, "", "", ctx.diag);

  config c;
  const toml::table* daemon_table = top.get_table("daemon");
  c.daemon = load_daemon(daemon_table, ctx);

  const auto provider_entries = top.get_table_array("providers");
  // Every name written, valid entry or not, so a route to a provider that has another
  // error is not reported a second time as unknown.
  std::set<std::string, std::less<>> provider_names;
  for (const auto& e : provider_entries)
    if (const auto* n = e.table->get_as<std::string>("name")) provider_names.insert(n->get());
  std::map<std::string, std::uint32_t> seen_names;
  for (const auto& e : provider_entries) {
    if (c.providers.size() == max_providers) {  // the order book keeps provider indexes in 16 bits
      table_reader(*e.table, "providers", e.path, ctx.diag)
          .error("name", "at most " + std::to_string(max_providers) + " providers are supported");
      break;
    }
    if (auto p = load_provider(e, ctx, seen_names)) c.providers.push_back(std::move(*p));
  }

  std::map<std::int64_t, std::uint32_t> ids;
  std::vector<table_entry> service_entries;  // parallel to c.services
  for (const auto& e : top.get_table_array("services")) {
    if (auto s = load_service(e, ctx, ids, provider_names)) {
      c.services.push_back(std::move(*s));
      service_entries.push_back(e);
    }
  }

  c.journal = load_journal(top.get_table("journal"), ctx);

  const toml::table* policy_table = top.get_table("policy");
  c.policy = load_policy(policy_table, ctx);
  check_retention(c, daemon_table, policy_table, service_entries, ctx);

  result.errors = std::move(ctx.diag.errors());
  result.warnings = std::move(ctx.diag.warnings());
  if (file != nullptr && ctx.inline_keys)
    if (auto w = config_mode_warning(*file))
      result.warnings.push_back(config_error{std::string(name), 0, 0, "", *w});
  scrub_messages(result, c);
  // Sections are checked in dependency order (providers before the routes naming them);
  // the operator reads the file top to bottom.
  auto by_place = [](const config_error& a, const config_error& b) {
    return std::pair{a.line, a.column} < std::pair{b.line, b.column};
  };
  std::stable_sort(result.errors.begin(), result.errors.end(), by_place);
  std::stable_sort(result.warnings.begin(), result.warnings.end(), by_place);
  if (result.errors.empty()) result.value = std::move(c);
  return result;
}

}  // namespace

config_result load_config_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    config_result r;
    r.errors.push_back(
        config_error{file.string(), 0, 0, "", std::string("cannot read: ") + std::strerror(errno)});
    return r;
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::error_code ec;
  fs::path dir = fs::absolute(file, ec).parent_path();
  config_result r = load(content.view(), file.string(), std::move(dir), &file);
  if (r.value) r.value->source = file;
  return r;
}

config_result load_config_string(std::string_view text, std::string_view name, const fs::path& base_dir) {
  return load(text, name, base_dir.empty() ? fs::current_path() : base_dir);
}

}  // namespace smm
