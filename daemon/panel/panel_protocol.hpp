#pragma once
// The panel socket's request side: one newline-delimited JSON line in, one typed request out,
// or a precise error (what was wrong, which field, what was expected). Pure: no I/O, no asio.
//
// Line shape: {"id": <string or number, echoed verbatim>, "op": "<name>", ...op fields}.
// Unknown fields are errors; so are wrong types, NUL bytes, invalid UTF-8 and lines over the
// size cap. Field paths in messages follow the JSON: `orders[3].quantity: expected an integer`.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/order_service.hpp"

namespace smm::daemon::panel {

/// The default cap on one request line, newline excluded (1 MiB).
inline constexpr std::size_t default_max_line_bytes = std::size_t{1} << 20;

/// `orders`: page size when not given, and the most one page may hold.
inline constexpr std::size_t default_page_limit = 100;
inline constexpr std::size_t max_page_limit = 1000;
/// `pause`: the longest reason taken, and the one recorded when none is given.
inline constexpr std::size_t max_pause_reason_bytes = 200;
inline constexpr std::string_view default_pause_reason = "paused by an operator";

/// Operations of the protocol.
enum class op : std::uint8_t {
  add,
  status,
  cancel,
  refill,
  refill_status,
  speedup,
  subscribe,
  unsubscribe,
  resolve,
  services,
  providers,
  ping,
  // Admin operations (smm-dispatchctl).
  overview,  ///< engine figures, version, uptime
  orders,    ///< a page of orders in one state
  history,   ///< one order and all its events
  pause,     ///< stop sending to a provider
  resume,    ///< send to a paused provider again
  reload,    ///< re-read the config file (the daemon's hook)
  // Panel identity.
  hello,  ///< a panel names itself with its key; its orders are then scoped to it
};

/// The last op (for iterating over all of them).
inline constexpr op last_op = op::hello;

/// Wire name ("refill_status").
std::string_view to_string(op o);

/// Error codes of a failed request (the "code" of an error response).
enum class failure_code : std::uint8_t {
  bad_request,       ///< malformed JSON, wrong type, unknown or missing field, NUL, invalid UTF-8
  unknown_op,        ///< "op" names no operation
  too_large,         ///< the line exceeds the cap
  conflict,          ///< the request contradicts the state (same panel id, other content; second subscribe)
  invalid,           ///< the engine refused the order's content; reload: the config file is bad
  duplicate_link,    ///< policy: a running order on the same link
  unavailable,       ///< nothing changed, it may work later (journal, provider unreachable or unsure)
  not_found,         ///< no such order (for this panel), provider, or refill of the order
  rejected,          ///< an action the order is not eligible for (the message names the rule)
  not_supported,     ///< this daemon does not offer the op (reload without a reload hook)
  forbidden,         ///< the op is not served on this socket (the message names the one that serves it)
  internal,          ///< a bug on our side, contained to this request
  output_limit,      ///< the client left more unsent output than the cap: the connection closes
  timeout,           ///< a request line was not finished in time: the connection closes
  busy,              ///< the order is changing state, or a request for it is on its way: retry shortly
  provider_refused,  ///< the provider said no (the message is its text)
  hello_required,    ///< this connection must say hello (with a panel key) before this op
  unauthorized,      ///< hello with a key that is no panel's
  throttled,         ///< hello refused: too many wrong keys from this client; try again later
};

/// Wire name ("bad_request").
std::string_view to_string(failure_code c);

/// A parsed request. Which members are set depends on `kind`.
struct request {
  op kind = op::ping;
  /// add: the orders, in line order. `single` says the line used "order" (not "orders"),
  /// which shapes the answer.
  std::vector<panel_order> orders;
  /// status, cancel: panel order ids; refill, refill_status, speedup, resolve: exactly one.
  std::vector<std::string> ids;
  bool single = false;
  std::optional<std::int64_t> current_count;  ///< refill
  std::int64_t after_seq = 0;                 ///< subscribe
  bool placed = false;                        ///< resolve
  std::string provider_order_id;              ///< resolve, when placed
  bool canceled = false;                      ///< resolve, not placed: give up, whole charge back
  order_state state = order_state::received;  ///< orders (required)
  std::int64_t after_id = 0;                  ///< orders: daemon ids above this one
  std::size_t limit = default_page_limit;     ///< orders: 1..max_page_limit
  std::string provider;                       ///< pause, resume
  std::string reason;                         ///< pause (a default when not given)
  /// hello: the panel key as presented. A secret: never logged, echoed or put in a message.
  std::string key;
};

/// The outcome of parsing one line.
struct parse_result {
  std::string id_json;         ///< the correlation id as JSON text; empty when it could not be read
  std::optional<request> req;  ///< set on success
  failure_code code = failure_code::bad_request;  ///< on failure
  std::string message;                            ///< on failure: names the field and the expectation
  explicit operator bool() const { return req.has_value(); }
};

/// Parses one request line (without its '\n'; a trailing '\r' is tolerated). Never throws on
/// bad input. `max_line_bytes` caps the line (too_large beyond it).
/// Thread safety: reentrant (a parser per thread).
parse_result parse_request(std::string_view line, std::size_t max_line_bytes = default_max_line_bytes);

}  // namespace smm::daemon::panel
