#pragma once
// The contract between the panel-facing side (the NDJSON socket today, the API v2
// endpoint later) and the engine that owns orders (journal, dispatcher, poller).
// Callers hand over parsed, typed requests; the engine validates them against the
// config, journals, and answers through a callback.
//
// Thread safety: every method may be called from any thread. Callbacks run on the
// engine's strand: they must not block, and a session posts the answer to its own
// strand before writing it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/engine_figures.hpp"
#include "dispatch/money.hpp"
#include "dispatch/order_state.hpp"
#include "providers/request_builder.hpp"

namespace smm::daemon {

/// What an answer means, set by the engine where it builds the answer. Faces map it onto their
/// own protocol (the NDJSON `code`, API v2's template texts) and never read `error` to decide:
/// the message is for people and may change wording.
enum class result_code : std::uint8_t {
  ok,                ///< done (or, for a lookup, found)
  not_found,         ///< no such order, or no such refill of it
  not_eligible,      ///< the order exists, but a rule forbids this now (`error` names the rule or state)
  busy,              ///< the order is changing state or a request for it is on its way: retry shortly
  invalid,           ///< the request itself is wrong (a missing or malformed value)
  conflict,          ///< contradicts what exists (the same panel id with other content)
  unavailable,       ///< could not be done or known now (journal, provider unreachable, outcome
                     ///< unknown): nothing changed here; retry later
  provider_refused,  ///< the provider answered no (`error` is its message)
  internal,          ///< a bug on our side, contained to this request
};

/// Wire name ("not_found", "provider_refused").
constexpr std::string_view to_string(result_code c) {
  switch (c) {
    case result_code::ok:
      return "ok";
    case result_code::not_found:
      return "not_found";
    case result_code::not_eligible:
      return "not_eligible";
    case result_code::busy:
      return "busy";
    case result_code::invalid:
      return "invalid";
    case result_code::conflict:
      return "conflict";
    case result_code::unavailable:
      return "unavailable";
    case result_code::provider_refused:
      return "provider_refused";
    case result_code::internal:
      return "internal";
  }
  return "internal";
}

/// Every result code, in enum order (table tests walk it).
inline constexpr result_code all_result_codes[] = {
    result_code::ok,          result_code::not_found,        result_code::not_eligible,
    result_code::busy,        result_code::invalid,          result_code::conflict,
    result_code::unavailable, result_code::provider_refused, result_code::internal,
};

/// One order as a panel submits it. `params.service` and `params.type` are filled by the
/// engine from the service's route; the panel gives link, quantity and type-specific fields.
struct panel_order {
  /// The panel's id: the idempotency key (1..128 bytes as the panel gives it; an identified
  /// panel's id is kept under its prefix, see daemon/auth/panel_scope.hpp).
  std::string panel_order_id;
  std::int64_t service_id = 0;
  providers::add_order params;
};

/// What happened to one submitted order.
enum class add_status : std::uint8_t {
  accepted,        ///< new, durable (committed) and queued
  held,            ///< new, durable, held until the running order on its link is final
  replayed,        ///< the same order was accepted before: this is its current answer
  conflict,        ///< the panel id exists with different content: nothing changed
  invalid,         ///< failed validation (`error` names the field): nothing stored
  duplicate_link,  ///< policy reject: a running order on the same link (`error` says which)
  unavailable,     ///< the journal could not commit: nothing stored, safe to retry
};
constexpr std::string_view to_string(add_status s) {
  switch (s) {
    case add_status::accepted:
      return "accepted";
    case add_status::held:
      return "held";
    case add_status::replayed:
      return "replayed";
    case add_status::conflict:
      return "conflict";
    case add_status::invalid:
      return "invalid";
    case add_status::duplicate_link:
      return "duplicate_link";
    case add_status::unavailable:
      return "unavailable";
  }
  return "invalid";
}

/// Which rule an `invalid` order broke, for faces that word it their own way (API v2's
/// "Missing required parameter: quantity", "Incorrect service ID").
enum class invalid_reason : std::uint8_t {
  none,             ///< not invalid
  missing_field,    ///< `field` is required (for this service type) and was not given
  unknown_service,  ///< no service has the order's id (`field` is "service")
  bad_value,        ///< `field` was given and is not acceptable (range, shape, length)
};

/// The answer to one submitted order.
struct add_answer {
  std::string panel_order_id;
  add_status status = add_status::invalid;
  std::string error;  ///< for conflict/invalid/duplicate_link/unavailable; never holds a secret
  invalid_reason reason = invalid_reason::none;  ///< invalid: which rule
  std::string field;                             ///< invalid: the field the rule is about
  /// duplicate_link: the panel order id of the running order on the same link (`error` names it
  /// too); a face that scopes ids per panel words it for the panel that asked.
  std::string running_panel_order_id;
  std::int64_t order_id = 0;  ///< daemon order id (accepted/held/replayed)
  order_state state = order_state::received;
  money charge;  ///< rate * quantity / 1000 (accepted/held/replayed)
};

/// Everything a panel may ask about one order.
struct order_view {
  std::string panel_order_id;
  std::int64_t order_id = 0;
  std::int64_t service_id = 0;
  order_state state = order_state::received;
  bool held = false;                    ///< waiting for a running order on the same link
  std::string link;                     ///< as the panel sent it (the username for username types)
  std::string provider;                 ///< empty until it is sent
  std::string provider_service_id;      ///< the provider's service id of its route hop (empty until sent)
  std::string provider_order_id;        ///< empty until placed
  std::optional<std::int64_t> sent_at;  ///< unix seconds of its latest `sending` change, from the journal
  std::string raw_status;               ///< the provider's last status text, verbatim
  std::int64_t quantity = 0;
  money charge;
  std::optional<std::int64_t> start_count;
  std::optional<std::int64_t> remains;
  std::optional<money> refund;  ///< owed to the customer, once final
  std::string refund_reason;    ///< canceled, partial, needs_review, ...
  std::string refill;           ///< "eligible" or the first failing rule's name
  std::string speedup;          ///< "eligible" or why not
  std::string note;             ///< e.g. why an order is unknown
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// The answer to a status lookup: the order, or why there is none.
struct lookup_answer {
  std::string panel_order_id;
  std::optional<order_view> order;
  result_code code = result_code::internal;  ///< ok with `order`; not_found without it
  std::string error;                         ///< "order not found"
};

/// The answer to an action on one order (cancel, refill, refill_status, speedup, resolve).
struct action_answer {
  std::string panel_order_id;
  result_code code = result_code::internal;  ///< ok: `result` holds the outcome; else `error` says why
  std::string result;                        ///< e.g. "cancel requested", refill id, "eligible"
  std::string error;                         ///< why not: a named rule, or the provider's message
  bool ok() const { return code == result_code::ok; }
};

/// One event of the panel's feed (journal seq order, no gaps).
struct event_view {
  std::int64_t seq = 0;
  std::string panel_order_id;
  std::int64_t order_id = 0;
  order_state old_state = order_state::received;
  order_state new_state = order_state::received;
  std::string raw_status;
  money charge;
  std::optional<std::int64_t> remains;
  std::optional<money> refund;  ///< present on exactly one event per refunded order
  bool refill_eligible = false;
  std::string note;
  std::int64_t at = 0;
};

/// A provider as the panel and the admin see it.
struct provider_view {
  std::string name;
  std::string breaker;  ///< closed, open, half_open
  bool paused = false;  ///< out of funds, bad key, or paused by an operator
  std::string pause_reason;
  std::int64_t in_flight = 0;
  std::int64_t max_in_flight = 0;  ///< configured cap of requests open at once
  double requests_per_second = 0;  ///< configured rate limit (a rate, not money)
  /// Orders waiting for this provider: routed here and waiting for a slot, and, while it is
  /// paused, those whose route has no usable provider and whose first paused hop is this one.
  std::int64_t queued = 0;
  std::optional<money> balance;
  std::string currency;
};

/// How an operator settles an `unknown` order.
struct resolution {
  std::string panel_order_id;
  bool placed = false;            ///< true: the provider has it, as provider_order_id
  std::string provider_order_id;  ///< required when placed
  bool canceled = false;          ///< not placed, and not sent again: canceled, the whole charge back
};

/// One order with its whole history (admin: `smm-dispatchctl show`).
struct order_history {
  std::string panel_order_id;
  std::optional<order_view> order;           ///< unset: no such order (`error` says so)
  std::vector<event_view> events;            ///< oldest first
  result_code code = result_code::internal;  ///< ok with `order`; not_found without it
  std::string error;
};

/// A page of orders in one state (admin: `smm-dispatchctl orders`), ascending daemon id.
struct order_page {
  std::vector<order_view> orders;
  std::int64_t next_after_id = 0;  ///< pass as after_id for the next page; 0 = no more
};

/// A live feed; destroying it (or calling cancel) stops the callbacks.
class subscription {
 public:
  virtual ~subscription() = default;
  virtual void cancel() = 0;
};

/// The engine, as the panel side sees it.
class order_service {
 public:
  virtual ~order_service() = default;

  /// Validates and journals; `done` runs after the commit holding the accepted ones,
  /// with one answer per order in the same order.
  virtual void add(std::vector<panel_order> orders, std::function<void(std::vector<add_answer>)> done) = 0;
  virtual void status(std::vector<std::string> panel_order_ids,
                      std::function<void(std::vector<lookup_answer>)> done) = 0;
  /// Asks the provider to cancel (only for services with cancel allowed); a held or queued
  /// order is canceled locally with a full refund.
  virtual void cancel(std::vector<std::string> panel_order_ids,
                      std::function<void(std::vector<action_answer>)> done) = 0;
  /// Checks refill eligibility (with the panel's current count if known) and, if eligible,
  /// asks the provider.
  virtual void refill(std::string panel_order_id, std::optional<std::int64_t> current_count,
                      std::function<void(action_answer)> done) = 0;
  virtual void refill_status(std::string panel_order_id, std::function<void(action_answer)> done) = 0;
  /// Answers with speed-up eligibility (and records the request when eligible).
  virtual void speedup(std::string panel_order_id, std::function<void(action_answer)> done) = 0;
  virtual void resolve(resolution r, std::function<void(action_answer)> done) = 0;
  /// Events with seq > after_seq, then live ones as they are committed, in order, no gaps.
  virtual std::unique_ptr<subscription> subscribe(std::int64_t after_seq,
                                                  std::function<void(std::vector<event_view>)> on_events) = 0;
  virtual std::vector<provider_view> providers() = 0;
  /// Services as configured (for the panel's `services` call).
  virtual std::vector<service_def> services() = 0;

  /// Panel ids of daemon order ids (API v2 panels know only the daemon's id), in the same
  /// order; nullopt where no such order exists.
  virtual void panel_ids(std::vector<std::int64_t> order_ids,
                         std::function<void(std::vector<std::optional<std::string>>)> done) = 0;

  // Admin operations (smm-dispatchctl through the panel socket).
  /// A snapshot of the engine's counters.
  virtual engine_figures figures() const = 0;
  /// Orders in `state` with daemon id > after_id, ascending, at most `limit` (1..1000),
  /// read from the journal (the truth, including final orders of earlier runs).
  virtual void list_orders(order_state state, std::int64_t after_id, std::size_t limit,
                           std::function<void(order_page)> done) = 0;
  /// One order and every event of it.
  virtual void history(std::string panel_order_id, std::function<void(order_history)> done) = 0;
  /// Pauses (true) or resumes (false) sending to a provider; `reason` is shown in views.
  /// False when no provider has this name.
  virtual bool set_provider_paused(const std::string& name, bool paused, std::string reason) = 0;
};

}  // namespace smm::daemon
