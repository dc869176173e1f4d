#pragma once
// What the API v2 endpoint counts, as plain data for the metrics endpoint (no asio).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "providers/action.hpp"

namespace smm::daemon::apiv2 {

/// How a request ended.
enum class api_outcome : std::uint8_t {
  ok,            ///< answered without a top-level {"error"}
  error,         ///< the template's {"error": ...} (bad parameter, not eligible, unknown id, ...)
  unauthorized,  ///< missing or wrong key
  throttled,     ///< refused by the failed-attempt limit (429)
  bad_request,   ///< unreadable HTTP or request: 400, 405, 413, 431
};
inline constexpr std::size_t api_outcome_count = 5;
inline constexpr std::array<std::string_view, api_outcome_count> api_outcome_names{
    "ok", "error", "unauthorized", "throttled", "bad_request"};

/// Number of action slots: one per API v2 action, plus slot 0 for requests whose action is
/// unknown (rejected before it was read).
inline constexpr std::size_t api_action_slots = 8;
static_assert(static_cast<std::size_t>(providers::action::balance) + 2 == api_action_slots);

/// Slot of an action in api_figures::requests.
constexpr std::size_t api_action_slot(providers::action a) { return static_cast<std::size_t>(a) + 1; }

/// Why the endpoint closed a connection on a limit (a client's own close is not counted).
enum class api_close : std::uint8_t {
  header_limit,     ///< request headers over the cap (431)
  body_limit,       ///< request body over the cap (413)
  bad_http,         ///< unreadable HTTP (400)
  request_timeout,  ///< a request started and was not complete in time (408)
  idle_timeout,     ///< no request started in time (unauthenticated deadline, or keep-alive)
  evicted,          ///< without a valid key yet: the oldest such, closed to make room for a new one
};
inline constexpr std::size_t api_close_count = 6;
inline constexpr std::array<std::string_view, api_close_count> api_close_names{
    "header_limit", "body_limit", "bad_http", "request_timeout", "idle_timeout", "evicted"};

/// A snapshot of the endpoint's counters.
struct api_figures {
  /// requests[slot][outcome], slot 0 = no action (see api_action_slots).
  std::array<std::array<std::uint64_t, api_outcome_count>, api_action_slots> requests{};
  std::uint64_t connections = 0;      ///< open now, both listeners
  std::uint64_t unauthenticated = 0;  ///< of them, not yet presented a valid key (on probation)
  std::array<std::uint64_t, api_close_count> closes{};  ///< closes[api_close], since start
};

}  // namespace smm::daemon::apiv2
