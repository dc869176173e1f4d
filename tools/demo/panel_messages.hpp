#pragma once
// What the demo and the load generator say on the panel socket, and how they read the answers
// (daemon/panel/panel_protocol.hpp and panel_response.hpp are the daemon's side of the same
// shapes). Requests use a numeric "id"; lists always use the "orders" form, so every answer's
// result is {"orders":[...]}. Pure: no I/O.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/order_state.hpp"
#include "tools/demo/synthetic_orders.hpp"

namespace smm::demo {

/// {"id":ID,"op":"add","orders":[...]}\n
std::string add_line(std::int64_t id, std::span<const demo_order> orders);

/// {"id":ID,"op":"status","orders":["a","b"]}\n
std::string status_line(std::int64_t id, std::span<const std::string> panel_order_ids);

/// {"id":ID,"op":"subscribe","after_seq":N}\n
std::string subscribe_line(std::int64_t id, std::int64_t after_seq);

/// {"id":ID,"op":"hello","key":"<key>"}\n: the connection speaks for the panel with this key.
std::string hello_line(std::int64_t id, std::string_view key);

/// {"id":ID,"op":"<op>"}\n for ops without fields (ping, providers, services, unsubscribe).
std::string bare_line(std::int64_t id, std::string_view op);

/// One order's answer to `add`.
struct add_item {
  std::string panel_order_id;
  std::string status;  ///< accepted, held, replayed, conflict, invalid, duplicate_link, unavailable
  std::string error;   ///< set when not taken
  /// accepted, held or replayed: the daemon has the order.
  bool taken() const { return status == "accepted" || status == "held" || status == "replayed"; }
};

/// One order's answer to `status`.
struct status_item {
  std::string panel_order_id;
  std::optional<order_state> state;  ///< nullopt: not found (see error)
  std::string provider;
  std::string provider_order_id;
  std::string charge;  ///< exact decimal string
  std::string refund;  ///< exact decimal string; empty while none is owed
  std::string note;
  std::string error;
};

/// One event of the subscription feed.
struct event_item {
  std::int64_t seq = 0;
  std::string panel_order_id;
  order_state new_state = order_state::received;
};

/// What one line was.
enum class line_kind : std::uint8_t {
  answer,  ///< {"id":..,"ok":..}
  event,   ///< {"event":{...}}
  bad,     ///< not JSON, or neither shape (`message` says why)
};

/// One parsed line. For an answer, the result's items are read on demand by the kind the
/// caller expects (it knows what its id asked for).
struct parsed_line {
  line_kind kind = line_kind::bad;
  std::int64_t id = -1;  ///< -1 when the answer carries no numeric id
  bool ok = false;
  std::string error_code;  ///< a failed answer's "code"
  std::string message;     ///< a failed answer's "message", or why the line is bad
  event_item event;        ///< kind == event
};

/// Order state by wire name ("in_progress"); nullopt for a name it does not know.
std::optional<order_state> state_from_name(std::string_view name);

/// Reads answer and event lines. Keeps the last line's parsed document for the item readers.
/// Thread safety: none (one reader per connection).
class message_reader {
 public:
  /// Parses `line` (without '\n').
  parsed_line read(std::string_view line);
  /// Items of the last answer read, if it was a successful add answer; empty otherwise.
  std::vector<add_item> add_items();
  /// Items of the last answer read, if it was a successful status answer; empty otherwise.
  std::vector<status_item> status_items();
  /// Number of items in the last answer's result.orders (0 when there is none): cheap, for
  /// the load generator, which only counts.
  std::size_t item_count(std::size_t* taken = nullptr);

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element doc_;
  bool have_result_ = false;
};

}  // namespace smm::demo
