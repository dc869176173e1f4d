#include "dispatch/lifecycle.hpp"

#include <algorithm>

#include "dispatch/link_index.hpp"
#include "dispatch/refill.hpp"
#include "dispatch/service.hpp"
#include "dispatch/speedup.hpp"

namespace smm {
namespace {

order_plan change_to(order_state next, plan_note note) {
  order_plan p;
  p.kind = plan_kind::change;
  p.next = next;
  p.note = note;
  return p;
}

order_plan refuse(plan_note why) {
  order_plan p;
  p.kind = plan_kind::refuse;
  p.note = why;
  return p;
}

order_plan requeue(plan_note note, std::int64_t delay_ms) {
  order_plan p = change_to(order_state::queued, note);
  p.requeue_delay_ms = std::max<std::int64_t>(0, delay_ms);
  return p;
}

// Entering a final state the daemon decided (never sent, refused, given up): the refund
// follows from the state alone, nothing was delivered (docs/rules.md "Refunds").
order_plan end_without_delivery(const order& o, order_state next, plan_note note) {
  order_plan p = change_to(next, note);
  order ended = o;
  ended.state = next;
  p.refund = compute_refund(ended);
  return p;
}

// docs/rules.md "Reading an add answer": only the answer's class decides; a written request
// with no definitive answer is unknown and is never refunded nor resent.
order_plan on_add(const order& o, const order_event& e, const lifecycle_rules& rules) {
  if (!e.written) {
    // Still `queued` in the journal (never written): nothing to record, it is routed again.
    order_plan p;
    p.requeue_delay_ms = e.add == add_answer::not_now     ? std::max(e.retry_after_ms, rules.retry_delay_ms)
                         : e.add == add_answer::withdrawn ? 0
                                                          : rules.retry_delay_ms;
    if (e.add == add_answer::out_of_funds) p.pause = pause_kind::funds;
    if (e.add == add_answer::key_refused) p.pause = pause_kind::invalid_key;
    if (e.add == add_answer::provider_refused) p.pause = pause_kind::other;
    if (p.pause != pause_kind::none) p.requeue_delay_ms = 0;  // the next hop may take it at once
    return p;
  }
  if (o.state != order_state::sending) return {};  // a stale answer: the journal moved on
  switch (e.add) {
    case add_answer::created:
      return change_to(order_state::placed, plan_note::placed);
    case add_answer::service_not_offered:
      if (e.has_next_hop) {
        order_plan p = requeue(plan_note::service_not_offered, 0);
        p.next_hop = true;
        return p;
      }
      return end_without_delivery(o, order_state::rejected, plan_note::service_not_offered);
    case add_answer::refused:
      return end_without_delivery(o, order_state::rejected, plan_note::refused);
    case add_answer::not_now:
      return requeue(plan_note::not_now, std::max(e.retry_after_ms, rules.retry_delay_ms));
    case add_answer::link_busy: {
      order_plan p = requeue(plan_note::link_busy, rules.retry_delay_ms);
      p.behind_link = true;
      return p;
    }
    case add_answer::out_of_funds:
    case add_answer::key_refused:
    case add_answer::provider_refused: {
      order_plan p = requeue(plan_note::provider_paused, 0);  // the next hop may take it at once
      p.pause = e.add == add_answer::out_of_funds  ? pause_kind::funds
                : e.add == add_answer::key_refused ? pause_kind::invalid_key
                                                   : pause_kind::other;
      return p;
    }
    case add_answer::outcome_unknown:
      return change_to(order_state::unknown, plan_note::may_exist);
    case add_answer::not_delivered:
    case add_answer::withdrawn:
      return requeue(plan_note::not_delivered, rules.retry_delay_ms);
  }
  return change_to(order_state::unknown, plan_note::may_exist);  // never guessed
}

bool figures_changed(const order& o, const order_event& e) {
  return (e.start_count != no_value && e.start_count != o.start_count) ||
         (e.remains != no_value && e.remains != o.remains);
}

// docs/rules.md "Statuses" and "Refunds": the provider's word moves the order only along
// the state table; a final answer's own remains decide a partial refund.
order_plan on_status(const order& o, const order_event& e, const lifecycle_rules& rules) {
  if (!is_running_upstream(o.state)) return {};
  const auto next = state_for(e.status);
  const transition_result verdict = next ? check_transition(o.state, *next) : transition_result::anomaly;
  if (verdict == transition_result::anomaly) {
    if (e.repeat_anomaly) return {};  // one record per new anomaly, not one per poll
    order_plan p = change_to(o.state, plan_note::status_anomaly);
    p.anomaly = true;
    return p;
  }
  const bool same = verdict == transition_result::duplicate;
  order_plan p = change_to(same ? o.state : *next, plan_note::none);
  p.keep_figures = true;
  // Only new figures make a repeat worth a journal row (refill rule 4 reads start_count).
  if (same && !figures_changed(o, e)) p.kind = plan_kind::nothing;
  order after = o;
  after.state = p.next;
  if (!same) after.last_status_change_at = rules.now;
  if (e.start_count != no_value) after.start_count = e.start_count;
  if (is_final(after.state)) {
    after.completed_at = rules.now;
    after.remains = e.remains;  // this answer's remains or none: never an older figure
    p.refund = compute_refund(after);
    if (p.refund.needs_review()) p.note = plan_note::refund_needs_review;
    if (rules.service != nullptr) {
      refill_reason why;
      if (rules.links != nullptr) {
        why = check_refill(after, *rules.service, *rules.policy, rules.now, std::nullopt, *rules.links);
      } else {
        refill_query q;
        q.now = rules.now;
        why = check_refill(after, *rules.service, *rules.policy, q);
      }
      p.refill_eligible = why == refill_reason::eligible;
    }
    return p;
  }
  if (e.remains != no_value) after.remains = e.remains;
  if (rules.service != nullptr)
    p.speedup_eligible =
        check_speedup(after, *rules.service, *rules.policy, rules.now) == speedup_reason::eligible;
  return p;
}

order_plan on_panel_cancel(const order& o, const order_event& e, const lifecycle_rules& rules) {
  if (o.state == order_state::queued)
    return end_without_delivery(o, order_state::canceled,
                                e.held ? plan_note::canceled_while_held : plan_note::canceled_before_sent);
  if (is_final(o.state)) return refuse(plan_note::is_final);
  if (!is_running_upstream(o.state)) return refuse(plan_note::cannot_cancel_now);
  if (rules.service == nullptr || !rules.service->cancel_allowed)
    return refuse(plan_note::cancel_not_allowed);
  order_plan p;
  p.kind = plan_kind::ask_provider;
  return p;
}

// docs/rules.md "Unknown orders": only evidence or an operator settles one.
order_plan on_settle(const order& o, const order_event& e) {
  if (o.state != order_state::unknown)
    return e.kind == event_kind::reconciled ? order_plan{} : refuse(plan_note::not_unknown);
  switch (e.kind) {
    case event_kind::resolve_placed:
      return change_to(order_state::placed, plan_note::resolved_placed);
    case event_kind::resolve_absent:
      return requeue(plan_note::resolved_absent, 0);
    case event_kind::resolve_cancel:
      return end_without_delivery(o, order_state::canceled, plan_note::resolved_canceled);
    default:
      break;
  }
  switch (e.finding) {
    case reconcile_finding::found:
      return change_to(order_state::placed, plan_note::reconciled_found);
    case reconcile_finding::absent:
      return requeue(plan_note::reconciled_absent, 0);
    case reconcile_finding::inconclusive:
      break;
  }
  return change_to(order_state::unknown, plan_note::reconcile_inconclusive);
}

}  // namespace

order_plan plan_for(const order& o, const order_event& e, const lifecycle_rules& rules) noexcept {
  switch (e.kind) {
    case event_kind::add_result:
      return on_add(o, e, rules);
    case event_kind::status_report:
      return on_status(o, e, rules);
    case event_kind::missing: {
      // The provider forgot an order it accepted: never guessed (it may still deliver); an
      // operator settles it, once (docs/rules.md "Forgotten orders").
      if (!is_running_upstream(o.state) || e.missing_for_s < rules.policy->forgotten_after_s) return {};
      order_plan p = change_to(order_state::unknown, plan_note::forgotten);
      p.anomaly = true;
      return p;
    }
    case event_kind::panel_cancel:
      return on_panel_cancel(o, e, rules);
    case event_kind::resolve_placed:
    case event_kind::resolve_absent:
    case event_kind::resolve_cancel:
    case event_kind::reconciled:
      return on_settle(o, e);
  }
  return {};
}

const char* lifecycle_note_text(plan_note n) noexcept {
  switch (n) {
    case plan_note::none:
      return "";
    case plan_note::placed:
      return "placed";
    case plan_note::refused:
      return "refused: not created";
    case plan_note::service_not_offered:
      return "does not offer the service";
    case plan_note::not_now:
      return "said not now: retried later";
    case plan_note::link_busy:
      return "has a running order on the link: waits for it";
    case plan_note::provider_paused:
      return "paused: order not created there";
    case plan_note::may_exist:
      return "may have created an order";
    case plan_note::not_delivered:
      return "not delivered: retried later";
    case plan_note::status_anomaly:
      return "anomaly: not applied";
    case plan_note::refund_needs_review:
      return "refund needs review: remains unknown or figures inconsistent";
    case plan_note::forgotten:
      return "no longer knows order";
    case plan_note::canceled_before_sent:
      return "canceled by the panel before it was sent";
    case plan_note::canceled_while_held:
      return "canceled by the panel while held";
    case plan_note::resolved_placed:
      return "resolved by an operator: placed";
    case plan_note::resolved_absent:
      return "resolved by an operator: proven absent upstream; queued again";
    case plan_note::resolved_canceled:
      return "resolved by an operator: canceled, the whole charge refunded";
    case plan_note::reconciled_found:
      return "reconciled: found upstream";
    case plan_note::reconciled_absent:
      return "reconciled: proven absent upstream; queued again";
    case plan_note::reconcile_inconclusive:
      return "reconciliation inconclusive: an operator decides";
    case plan_note::is_final:
      return "order is final";
    case plan_note::cannot_cancel_now:
      return "it cannot be canceled now";
    case plan_note::cancel_not_allowed:
      return "cancel is not allowed for this service";
    case plan_note::not_unknown:
      return "not unknown";
  }
  return "";
}

}  // namespace smm
