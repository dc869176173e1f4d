#pragma once
// The rows the journal writes and reads. Plain data: states are the domain core's
// numeric codes, money is micro-units (smm::money::micros()).
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace smm::store {

/// A new order, written once at intake (its first event is written with it).
struct order_insert {
  std::int64_t id = 0;  ///< daemon order id, unique, assigned by intake
  std::string panel_order_id;
  std::int64_t request_hash = 0;  ///< hash of the request's content, for conflict detection
  std::int64_t service_id = 0;
  std::string link;
  std::string link_key;
  std::int64_t quantity = 0;
  std::string params;
  std::int64_t charge_micros = 0;
  std::uint8_t state = 0;
  std::int64_t at = 0;  ///< unix seconds
};

/// One state change of an order, with the event the panel will see.
struct state_change {
  std::int64_t order_id = 0;
  std::uint8_t old_state = 0;
  std::uint8_t new_state = 0;
  bool final = false;  ///< sets final_at: the order left the open set
  std::optional<std::string> provider;
  std::optional<std::string> provider_order_id;
  std::optional<std::int32_t> attempt;
  std::optional<std::string> raw_status;
  std::optional<std::int64_t> start_count;
  std::optional<std::int64_t> remains;
  std::optional<std::int64_t> refund_micros;  ///< recorded once in refunds (first one wins)
  std::string refund_reason;
  bool refill_eligible = false;
  std::string note;  ///< anomaly, reconciliation reason, provider message
  std::int64_t at = 0;
  /// Unix seconds until which retention must keep the order (set with `final`: its refill
  /// guarantee plus claim window, dispatch/retention.hpp). A later change never shortens it.
  std::optional<std::int64_t> keep_until;
  /// Set when the order is placed (again): its placement time, which refill rule 5 compares
  /// (schema v3; the latest placement wins).
  std::optional<std::int64_t> placed_at;
  /// Set when the order is journaled `sending`: the time its add was about to be written
  /// (schema v4; the latest attempt wins).
  std::optional<std::int64_t> sent_at;
};

/// A note on an order's history that changes none of its figures (schema v4): an event in
/// its feed with its state unchanged (a cancel asked of the provider and its answer, a
/// speed-up request). `speedup_at` also records a speed-up request's time on the order, so
/// the speed-up interval holds after a restart.
struct order_note {
  std::int64_t order_id = 0;
  std::string note;
  std::int64_t at = 0;
  std::optional<std::int64_t> speedup_at;
};

/// A provider's pause or resume as it stands now (schema v4): one row per provider and
/// source (an operator's pause and the daemon's own are independent), replaced at each
/// change, so a restart restores what `smm-dispatchctl providers` showed.
struct provider_pause_change {
  std::string provider;
  bool by_operator = false;  ///< smm-dispatchctl pause/resume; else out of funds, invalid key ...
  bool paused = false;       ///< false: resumed (the row stays, with the last pause's figures)
  std::string kind;          ///< operator, funds, invalid_key, other
  std::string reason;        ///< as `providers` shows it
  std::int64_t since = 0;    ///< unix seconds of the pause
  std::optional<std::int64_t> funds_needed_micros;  ///< funds: the smallest charge refused
  std::int64_t at = 0;                              ///< unix seconds of this change
};

/// A provider pause as the journal holds it (see provider_pause_change).
struct provider_pause_row {
  std::string provider;
  bool by_operator = false;
  bool paused = false;
  std::string kind;
  std::string reason;
  std::int64_t since = 0;
  std::optional<std::int64_t> funds_needed_micros;
  std::int64_t updated_at = 0;
};

/// One refill request of an order as it stands now (schema v3, docs/rules.md "Refill"). The
/// row of (order_id, attempt) is written when the request is journaled and replaced at each
/// change; each write also adds an event to the order's feed (its state unchanged) carrying
/// `note`, so refills show in the event stream and the order's history.
struct refill_change {
  std::int64_t order_id = 0;
  std::int32_t attempt = 0;  ///< 1 for the order's first refill request, then 2, 3 ...
  std::uint8_t state = 0;    ///< the domain core's refill_state code
  std::uint8_t refusal = 0;  ///< the domain core's refill_refusal code (state refused)
  std::string provider;
  std::optional<std::string> refill_id;   ///< the provider's refill id, once known (kept when unset)
  std::optional<std::string> raw_status;  ///< the provider's last refill status text (kept when unset)
  std::string message;                    ///< the provider's refusal or what failed, verbatim
  std::int64_t requested_at = 0;          ///< unix seconds the request was journaled
  std::int64_t at = 0;                    ///< unix seconds of this change (updated_at, event time)
  std::string note;                       ///< the event's note
};

/// Deletes final orders (and their events and refunds) that ended before `before` and whose
/// keep_until has passed (orders finalized before schema v2 have none: `before` alone).
/// Each purged order leaves a purged_order row, kept for good: its panel id stays taken, so
/// a late replay of the same add is refused as a duplicate instead of placed a second time.
struct purge_final {
  std::int64_t before = 0;
  /// Unix seconds keep_until is compared with; unset = the writer's clock.
  std::optional<std::int64_t> now = std::nullopt;
};

/// Moves every order in state `from` to state `to`, each with an event carrying `note`.
/// Recovery uses it at start: every `sending` order becomes `unknown` (the add may have
/// reached the provider; it is never resent on a guess).
struct move_all_in_state {
  std::uint8_t from = 0;
  std::uint8_t to = 0;
  std::string note;
  std::int64_t at = 0;
};

using journal_op = std::variant<order_insert, state_change, purge_final, move_all_in_state, refill_change,
                                order_note, provider_pause_change>;

/// What the commit did with one op.
enum class op_outcome : std::uint8_t {
  applied,
  duplicate,  ///< order_insert whose panel_order_id (or id) exists or was purged: nothing written
  missing,    ///< state_change, refill_change or order_note for an order that does not exist
  refund_already_recorded,  ///< the state change applied, the refund was recorded earlier
};

/// Result of one submitted batch, delivered after its commit (or failure).
struct commit_result {
  bool ok = false;
  std::string error;                    ///< why the batch was not committed (nothing of it was written)
  std::vector<op_outcome> outcomes;     ///< one per op
  std::vector<std::int64_t> event_seq;  ///< one per op; 0 when no event was written
};

/// An order as the journal holds it (for recovery and queries).
struct order_row {
  std::int64_t id = 0;
  std::string panel_order_id;
  std::int64_t request_hash = 0;
  std::int64_t service_id = 0;
  std::string link;
  std::string link_key;
  std::int64_t quantity = 0;
  std::string params;
  std::int64_t charge_micros = 0;
  std::uint8_t state = 0;
  std::optional<std::string> provider;
  std::optional<std::string> provider_order_id;
  std::int32_t attempt = 0;
  std::optional<std::string> raw_status;
  std::optional<std::int64_t> start_count;
  std::optional<std::int64_t> remains;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> final_at;
  std::optional<std::int64_t> keep_until;  ///< see state_change::keep_until
  std::optional<std::int64_t> placed_at;   ///< see state_change::placed_at (v3; older rows backfilled)
  std::optional<std::int64_t> sent_at;     ///< see state_change::sent_at (v4; older rows backfilled)
  std::optional<std::int64_t> speedup_at;  ///< see order_note::speedup_at (v4)
};

/// A refill request as the journal holds it (see refill_change).
struct refill_row {
  std::int64_t order_id = 0;
  std::int32_t attempt = 0;
  std::uint8_t state = 0;
  std::uint8_t refusal = 0;
  std::string provider;
  std::optional<std::string> refill_id;
  std::optional<std::string> raw_status;
  std::string message;
  std::int64_t requested_at = 0;
  std::int64_t updated_at = 0;
};

/// Where and when an order was placed (refill rule 5 after a restart). `params` is filled
/// only when `link` is empty (the target is a username inside the params).
struct placement_row {
  std::int64_t order_id = 0;
  std::string link;
  std::string link_key;
  std::string params;
  std::int64_t placed_at = 0;
};

/// What the journal keeps of an order retention purged: enough to answer a replay of its
/// panel id (same content: the order's last answer; other content: a conflict).
struct purged_order {
  std::string panel_order_id;
  std::int64_t order_id = 0;
  std::int64_t request_hash = 0;
  std::uint8_t state = 0;  ///< the final state it was purged in
  std::int64_t charge_micros = 0;
  std::optional<std::int64_t> refund_micros;
  std::int64_t final_at = 0;
  std::int64_t purged_at = 0;
};

/// An event as stored, for `subscribe`.
struct event_row {
  std::int64_t seq = 0;
  std::int64_t order_id = 0;
  std::string panel_order_id;
  std::uint8_t old_state = 0;
  std::uint8_t new_state = 0;
  std::optional<std::string> raw_status;
  std::int64_t charge_micros = 0;
  std::optional<std::int64_t> remains;
  std::optional<std::int64_t> refund_micros;
  bool refill_eligible = false;
  std::string note;
  std::int64_t at = 0;
};

}  // namespace smm::store
