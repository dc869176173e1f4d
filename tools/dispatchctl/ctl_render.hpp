#pragma once
// Human-readable text for the daemon's answers (the "result" object of an ok answer). Pure:
// JSON in, text out; fields the daemon did not send show as empty, never a crash.
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

namespace smm::dispatchctl {

/// "2024-05-01 12:00:00" (UTC) for unix seconds; "" for 0.
std::string format_time(std::int64_t unix_s);
/// "3d 04h 05m 06s", "1h 02m 03s", "5m 03s", "42s".
std::string format_duration(std::int64_t seconds);

/// status: the overview.
std::string render_overview(simdjson::dom::element result);
/// providers: one row per provider.
std::string render_providers(simdjson::dom::element result);
/// orders: one row per order (from one or several pages). `next_after_id` != 0 adds a line
/// saying how to get the next page.
std::string render_orders(const std::string& state, const std::vector<simdjson::dom::element>& orders,
                          std::int64_t next_after_id);
/// show: every field of the order, then its events as a timeline.
std::string render_history(simdjson::dom::element result);
/// resolve: "a1: resolved as placed (provider order 123)".
std::string render_action(simdjson::dom::element result);
/// pause, resume: "alpha: paused (maintenance)" / "alpha: resumed".
std::string render_paused(simdjson::dom::element result);
/// reload: "reloaded: <message>".
std::string render_reloaded(simdjson::dom::element result);

}  // namespace smm::dispatchctl
