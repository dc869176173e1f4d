#pragma once
// The daemon's configuration once loaded and validated (config/loader.hpp builds it).
// Every value here already passed the schema (config/schema.hpp): ranges, cross-key rules
// and references (a route names only configured providers) hold, so users need no checks.
#include <spdlog/common.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/secret.hpp"
#include "dispatch/money.hpp"
#include "dispatch/service.hpp"

namespace smm {

/// Most providers a config may list, and most hops a service's route may have (the engine's
/// order record keeps both as 16-bit numbers).
inline constexpr std::size_t max_providers = 1000;
inline constexpr std::size_t max_route_hops = 64;

/// A TCP listen address; the host is an IPv4 literal, an IPv6 literal (without brackets)
/// or "localhost".
struct listen_address {
  std::string host;
  std::uint16_t port = 0;
  /// "127.0.0.1:8080", "[::1]:8080".
  std::string to_string() const;
  friend bool operator==(const listen_address&, const listen_address&) = default;
};

/// A panel allowed to use the API v2 endpoint and to say hello on the panel socket, with its own key.
struct panel_key {
  std::string name;
  secret key;
  friend bool operator==(const panel_key&, const panel_key&) = default;
};

/// [daemon.panel_limits]: each connection of the panel socket (and of the admin socket, whose
/// connection cap stays 64) may hold this much; see README "Limits".
struct panel_limits_config {
  std::size_t max_connections = 1024;        ///< open connections on the panel socket
  std::size_t max_line_bytes = 1u << 20;     ///< one request line; longer: a too_large answer
  std::size_t max_input_bytes = 4u << 20;    ///< read, not yet handed to the engine: reading pauses
  std::size_t max_output_bytes = 16u << 20;  ///< unsent answers and events: over it, closed
  std::chrono::milliseconds partial_line_timeout{60000};  ///< a half line older than this: closed
  friend bool operator==(const panel_limits_config&, const panel_limits_config&) = default;
};

/// [daemon.api_limits]: the API v2 endpoint's connections (unix socket and TCP together).
struct api_limits_config {
  std::size_t max_connections = 256;
  /// Connections that have not yet presented a valid key; the oldest of them makes room for
  /// a new one. Unset in the file: max_connections / 8 (at least 1).
  std::size_t max_unauthenticated_connections = 32;
  /// How long such a connection has for a whole request (its idle time included).
  std::chrono::milliseconds unauthenticated_timeout{5000};
  std::chrono::milliseconds idle_timeout{60000};     ///< keep-alive wait, once authenticated
  std::chrono::milliseconds request_timeout{10000};  ///< one whole request, once authenticated
  std::size_t max_header_bytes = 8u << 10;           ///< larger: 431
  std::size_t max_body_bytes = 1u << 20;             ///< larger: 413
  friend bool operator==(const api_limits_config&, const api_limits_config&) = default;
};

/// [daemon]
struct daemon_config {
  std::filesystem::path socket_path;             ///< panel NDJSON unix socket
  std::filesystem::path api_socket_path;         ///< API v2 over a unix socket
  std::filesystem::path admin_socket_path;       ///< admin NDJSON unix socket (smm-dispatchctl)
  std::string admin_group;                       ///< the admin socket's group (mode 0660); empty: none (0600)
  std::optional<std::uint32_t> admin_gid;        ///< admin_group's id, looked up when the config was loaded
  std::optional<listen_address> http_listen;     ///< API v2 over loopback TCP, if set
  std::optional<listen_address> metrics_listen;  ///< Prometheus endpoint, if set
  std::filesystem::path journal_path;
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::int32_t retention_days = 90;  ///< final orders older than this are pruned
  std::vector<panel_key> panel_keys;
  /// Connections of the panel socket must say hello with a panel key before any op but ping
  /// (their orders are then scoped to their panel, as on API v2). Applies at once on a reload.
  bool require_panel_hello = false;
  std::string api_currency = "USD";  ///< named in API v2 status and balance answers
  /// How often unknown orders are reconciled with their providers (docs/rules.md "Unknown orders").
  std::chrono::seconds reconcile_interval{60};
  panel_limits_config panel_limits;  ///< [daemon.panel_limits]
  api_limits_config api_limits;      ///< [daemon.api_limits]
  friend bool operator==(const daemon_config&, const daemon_config&) = default;
};

/// Which database journals the orders.
enum class journal_backend : std::uint8_t { sqlite, postgresql };

/// [journal]
struct journal_config {
  journal_backend backend = journal_backend::sqlite;
  secret dsn;  ///< postgresql: libpq connection string (may hold a password)
  friend bool operator==(const journal_config&, const journal_config&) = default;
};

/// How a provider wants its API v2 parameters.
enum class request_style : std::uint8_t {
  form,  ///< POST application/x-www-form-urlencoded (the PHP template)
  get,   ///< GET with a query string
  json,  ///< POST application/json
};

/// Where the provider key travels.
enum class key_placement : std::uint8_t { body, header };

/// One [[providers]] entry.
struct provider_config {
  std::string name;          ///< unique, [a-z0-9_-]
  std::string api_url;       ///< as written, e.g. "https://panel.example/api/v2"
  bool https = true;         ///< scheme of api_url
  std::string host;          ///< host of api_url (no brackets for IPv6)
  std::uint16_t port = 443;  ///< explicit port, or 443/80 from the scheme
  std::string target = "/";  ///< path (and query) of api_url, "/" when empty
  secret key;
  request_style style = request_style::form;
  key_placement key_in = key_placement::body;
  bool tls_verify = true;
  std::optional<std::filesystem::path> ca_file;
  std::int32_t max_in_flight = 16;
  double requests_per_second = 10;  ///< token bucket rate; not money, a float is fine
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{15000};
  std::chrono::milliseconds call_deadline{30000};
  std::int32_t max_retries = 2;
  std::chrono::seconds status_poll_interval{60};
  std::string currency = "USD";
  std::optional<money> balance_warn_below;
  // Reconciliation of unknown orders (docs/rules.md "Unknown orders"): what the provider promises.
  bool order_ids_increasing = false;     ///< its order ids are integers given out in increasing order
  bool status_own_orders_only = false;   ///< its `status` answers only for the orders of the key asking
  bool idempotency_key = false;          ///< it honours `request_id` on `add` (a repeat returns the original)
  std::int32_t reconcile_max_gap = 500;  ///< most ids asked between two of our orders (bracketing)
  friend bool operator==(const provider_config&, const provider_config&) = default;
};

/// The whole configuration.
struct config {
  std::filesystem::path source;  ///< file it was loaded from (empty for a string)
  daemon_config daemon;
  journal_config journal;                  ///< [journal]
  std::vector<provider_config> providers;  ///< in file order
  std::vector<service_def> services;       ///< in file order
  policy_def policy;

  /// The provider called `name`, or nullptr.
  const provider_config* find_provider(std::string_view name) const;
  /// The service with panel id `id`, or nullptr.
  const service_def* find_service(std::int64_t id) const;
  /// The panel key whose secret equals `key`, or nullptr (compares in constant time per key).
  const panel_key* find_panel_key(std::string_view key) const;
  /// Every credential (provider keys, panel keys, the journal's DSN) as text: only for a
  /// secret_scrubber.
  std::vector<std::string> secrets() const;
};

/// Canonical snake_case name of a service type ("custom_comments").
std::string_view to_string(service_type t);

/// Parses a service type case- and separator-insensitively ("Custom Comments",
/// "custom_comments", "CUSTOM-COMMENTS"); nullopt when no type matches.
std::optional<service_type> parse_service_type(std::string_view text);

/// Every service type, in enum order.
const std::vector<service_type>& all_service_types();

std::string_view to_string(request_style s);
std::string_view to_string(key_placement k);
std::string_view to_string(duplicate_link_policy p);

}  // namespace smm
