#pragma once
// The order lifecycle: the one place that decides what happens to an order when something
// happens to it (docs/rules.md "The lifecycle"). Pure: given the order and an event it returns
// a plan (next state, refund, refill/speed-up flags, requeue delay, note); the engine journals
// the plan and applies it once committed, and formats the note with the provider's own words.
// No strings, no allocation: it runs once per status answer on the hot path.
#include <cstdint>

#include "dispatch/order.hpp"
#include "dispatch/refund.hpp"

namespace smm {

struct service_def;
struct policy_def;
class link_index;

/// What an `add` request's answer proved, as the provider client classified it.
enum class add_answer : std::uint8_t {
  created,              ///< an order id came back (or evidence proved one was created)
  refused,              ///< a definitive no of a known not-created class: nothing exists
  service_not_offered,  ///< the provider does not offer the service: the next hop may
  not_now,              ///< "not now" (rate limited, busy): nothing exists, try again later
  link_busy,            ///< an order on this link still runs there: nothing exists, wait for it
  out_of_funds,         ///< our balance there ran out: nothing exists, pause the provider
  key_refused,          ///< our key is refused: nothing exists, pause the provider
  provider_refused,     ///< another answer that pauses the provider: nothing exists
  outcome_unknown,      ///< written, no definitive answer: it may exist (never resent)
  not_delivered,        ///< written never, or provably not delivered: nothing exists
  withdrawn,            ///< never written: the order changed or the call was given up; route again now
};

/// What reconciliation found for an `unknown` order.
enum class reconcile_finding : std::uint8_t {
  found,         ///< exactly one orphan upstream fits it: it was created
  absent,        ///< proven absent: nothing of ours was created in its window
  inconclusive,  ///< candidates or gaps: an operator decides
};

/// What happened to the order.
enum class event_kind : std::uint8_t {
  add_result,      ///< the answer to its `add` (add, written, has_next_hop)
  status_report,   ///< a status answer (status, start_count, remains, repeat_anomaly)
  missing,         ///< status says the provider does not know it (missing_for_s)
  panel_cancel,    ///< the panel asks to cancel it (held)
  resolve_placed,  ///< an operator: it exists upstream
  resolve_absent,  ///< an operator: proven absent, send it again
  resolve_cancel,  ///< an operator: give up, canceled with the whole charge back
  reconciled,      ///< reconciliation evidence (finding)
};

/// One event; only the fields of its kind are read.
struct order_event {
  event_kind kind = event_kind::status_report;
  add_answer add = add_answer::outcome_unknown;
  bool written = true;              ///< add_result: the request was journaled `sending` and written
  bool has_next_hop = false;        ///< add_result: the route has a hop after this one
  std::int64_t retry_after_ms = 0;  ///< add_result not_now: what the provider asked for (0: none)
  provider_status status = provider_status::unknown;  ///< status_report, normalized
  std::int64_t start_count = no_value;                ///< status_report: as answered (no_value: absent)
  std::int64_t remains = no_value;                    ///< status_report: as answered, raw (no_value: absent)
  bool repeat_anomaly = false;     ///< status_report: the same unmappable answer as last time
  std::int64_t missing_for_s = 0;  ///< missing: how long it has answered "unknown order"
  bool held = false;               ///< panel_cancel: the order waits behind its link
  reconcile_finding finding = reconcile_finding::inconclusive;  ///< reconciled
};

/// What the rules need besides the order. `service` may be null (it left the config);
/// `policy` must not be.
struct lifecycle_rules {
  std::int64_t now = 0;  ///< Unix seconds
  const service_def* service = nullptr;
  const policy_def* policy = nullptr;
  const link_index* links = nullptr;   ///< refill rule 5 (null: no newer order is known)
  std::int64_t retry_delay_ms = 5000;  ///< the least wait before sending an order again
};

/// What the engine does with the plan.
enum class plan_kind : std::uint8_t {
  nothing,       ///< nothing to journal (a repeat, an unsent add, a short absence)
  change,        ///< journal a change to `next` (== the current state for a note or anomaly)
  refuse,        ///< the request is refused (why: `note`); nothing changes
  ask_provider,  ///< the request goes to the provider (a cancel of a running order)
};

/// Why, as a code the engine renders with the provider's words (lifecycle_note_text).
enum class plan_note : std::uint8_t {
  none,
  placed,
  refused,
  service_not_offered,
  not_now,
  link_busy,
  provider_paused,
  may_exist,
  not_delivered,
  status_anomaly,
  refund_needs_review,
  forgotten,
  canceled_before_sent,
  canceled_while_held,
  resolved_placed,
  resolved_absent,
  resolved_canceled,
  reconciled_found,
  reconciled_absent,
  reconcile_inconclusive,
  // refusals
  is_final,
  cannot_cancel_now,
  cancel_not_allowed,
  not_unknown,
};

/// Why the provider is paused by this answer.
enum class pause_kind : std::uint8_t { none, funds, invalid_key, other };

/// The decision.
struct order_plan {
  plan_kind kind = plan_kind::nothing;
  order_state next = order_state::received;  ///< change: the state to journal
  plan_note note = plan_note::none;
  refund_decision refund;         ///< entering a final state: what goes back and why
  bool refill_eligible = false;   ///< entering a final state: refill may be asked later
  bool speedup_eligible = false;  ///< after the change: a speed-up may be asked now
  bool keep_figures = false;      ///< journal the report's start_count/remains
  bool anomaly = false;           ///< count an anomaly
  bool next_hop = false;          ///< queued again for the route's next hop
  bool behind_link = false;       ///< queued again behind the running order on its link
  pause_kind pause = pause_kind::none;
  std::int64_t requeue_delay_ms = -1;  ///< next == queued: wait this long first (-1: not requeued)
};

/// The lifecycle function. Pure and total: every (state, event) pair has a plan.
order_plan plan_for(const order& o, const order_event& e, const lifecycle_rules& rules) noexcept;

/// A short English fragment for the note (the engine adds provider name and message).
const char* lifecycle_note_text(plan_note n) noexcept;

}  // namespace smm
