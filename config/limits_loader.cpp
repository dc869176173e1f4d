#include "config/limits_loader.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace smm {
namespace {

std::size_t to_size(std::int64_t v) { return static_cast<std::size_t>(v); }

void load_panel_limits(const toml::table& t, diagnostics& diag, panel_limits_config& p) {
  table_reader r(t, "daemon.panel_limits", "daemon.panel_limits", diag);
  if (auto v = r.get_integer("max_connections")) p.max_connections = to_size(*v);
  if (auto v = r.get_integer("max_line_bytes")) p.max_line_bytes = to_size(*v);
  if (auto v = r.get_integer("max_input_bytes")) p.max_input_bytes = to_size(*v);
  if (auto v = r.get_integer("max_output_bytes")) p.max_output_bytes = to_size(*v);
  if (auto v = r.get_integer("partial_line_timeout_ms"))
    p.partial_line_timeout = std::chrono::milliseconds{*v};
  // A whole line must fit in what the daemon reads ahead.
  if (p.max_input_bytes < p.max_line_bytes)
    r.error(r.has("max_input_bytes") ? "max_input_bytes" : "max_line_bytes",
            "max_input_bytes (" + std::to_string(p.max_input_bytes) + ") must be at least max_line_bytes (" +
                std::to_string(p.max_line_bytes) + ")");
}

void load_api_limits(const toml::table& t, diagnostics& diag, api_limits_config& a) {
  table_reader r(t, "daemon.api_limits", "daemon.api_limits", diag);
  if (auto v = r.get_integer("max_connections")) a.max_connections = to_size(*v);
  if (auto v = r.get_integer("unauthenticated_timeout_ms"))
    a.unauthenticated_timeout = std::chrono::milliseconds{*v};
  if (auto v = r.get_integer("idle_timeout_ms")) a.idle_timeout = std::chrono::milliseconds{*v};
  if (auto v = r.get_integer("request_timeout_ms")) a.request_timeout = std::chrono::milliseconds{*v};
  if (auto v = r.get_integer("max_header_bytes")) a.max_header_bytes = to_size(*v);
  if (auto v = r.get_integer("max_body_bytes")) a.max_body_bytes = to_size(*v);
  a.max_unauthenticated_connections = std::max<std::size_t>(1, a.max_connections / 8);
  if (auto v = r.get_integer("max_unauthenticated_connections")) {
    if (to_size(*v) > a.max_connections)
      r.error("max_unauthenticated_connections", "must be at most max_connections (" +
                                                     std::to_string(a.max_connections) + "), got " +
                                                     std::to_string(*v));
    else
      a.max_unauthenticated_connections = to_size(*v);
  }
}

}  // namespace

void load_connection_limits(table_reader& daemon, diagnostics& diag, daemon_config& d) {
  if (const toml::table* t = daemon.get_table("panel_limits")) load_panel_limits(*t, diag, d.panel_limits);
  if (const toml::table* t = daemon.get_table("api_limits")) load_api_limits(*t, diag, d.api_limits);
}

}  // namespace smm
