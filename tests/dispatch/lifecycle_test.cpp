// The lifecycle's table: one row per rule of issue 9 and docs/rules.md. Each row is an order
// in a state, an event, and the plan the daemon must follow.
#include "dispatch/lifecycle.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dispatch/link_index.hpp"
#include "dispatch/service.hpp"

namespace smm {
namespace {

constexpr std::int64_t now = 1'700'000'000;
constexpr std::int64_t charge_micros = 1'000'000;  // 1.000000 for 1000 units

using st = order_state;
using pk = plan_kind;
using pn = plan_note;

order make(st s) {
  order o;
  o.panel_order_id = 7;
  o.quantity = 1000;
  o.charge = money::from_micros(charge_micros);
  o.state = s;
  o.placed_at = now - 3600;
  o.last_status_change_at = now - 3600;
  o.start_count = 100;
  return o;
}

order_event add(add_answer a, bool written = true) {
  order_event e;
  e.kind = event_kind::add_result;
  e.add = a;
  e.written = written;
  return e;
}

order_event status(provider_status s, std::int64_t remains = no_value, std::int64_t start = no_value) {
  order_event e;
  e.kind = event_kind::status_report;
  e.status = s;
  e.remains = remains;
  e.start_count = start;
  return e;
}

order_event of_kind(event_kind k) {
  order_event e;
  e.kind = k;
  return e;
}

struct lifecycle : ::testing::Test {
  service_def svc;
  policy_def policy;
  lifecycle_rules rules;
  lifecycle() {
    svc.refill_days = 30;
    svc.cancel_allowed = true;
    rules.now = now;
    rules.service = &svc;
    rules.policy = &policy;
    rules.retry_delay_ms = 5000;
  }
  order_plan plan(const order& o, const order_event& e) const { return plan_for(o, e, rules); }
};

// One row: expected kind, state, refund and requeue delay.
struct row {
  const char* name;
  st from;
  order_event event;
  pk kind;
  st next;
  std::int64_t refund_micros;  // -1: no refund decided
  std::int64_t requeue_ms;     // -1: not requeued
  pn note;
};

TEST_F(lifecycle, every_row_of_the_table) {
  order_event cancel = of_kind(event_kind::panel_cancel);
  order_event cancel_held = cancel;
  cancel_held.held = true;
  order_event not_now = add(add_answer::not_now);
  not_now.retry_after_ms = 60'000;
  order_event found = of_kind(event_kind::reconciled);
  found.finding = reconcile_finding::found;
  order_event absent = found;
  absent.finding = reconcile_finding::absent;
  order_event inconclusive = found;
  inconclusive.finding = reconcile_finding::inconclusive;
  order_event service_gone_next = add(add_answer::service_not_offered);
  service_gone_next.has_next_hop = true;
  order_event missing_long = of_kind(event_kind::missing);
  missing_long.missing_for_s = policy.forgotten_after_s;
  order_event missing_short = missing_long;
  missing_short.missing_for_s = policy.forgotten_after_s - 1;

  const std::vector<row> rows = {
      // item 1: only a definitive answer settles an add; the rest is unknown, never refunded
      {"created", st::sending, add(add_answer::created), pk::change, st::placed, -1, -1, pn::placed},
      {"refused", st::sending, add(add_answer::refused), pk::change, st::rejected, charge_micros, -1,
       pn::refused},
      {"unknown answer", st::sending, add(add_answer::outcome_unknown), pk::change, st::unknown, -1, -1,
       pn::may_exist},
      {"not delivered", st::sending, add(add_answer::not_delivered), pk::change, st::queued, -1, 5000,
       pn::not_delivered},
      {"not now waits as asked", st::sending, not_now, pk::change, st::queued, -1, 60'000, pn::not_now},
      {"service gone, next hop", st::sending, service_gone_next, pk::change, st::queued, -1, 0,
       pn::service_not_offered},
      {"service gone, last hop", st::sending, add(add_answer::service_not_offered), pk::change, st::rejected,
       charge_micros, -1, pn::service_not_offered},
      // items 14, 15: the provider is paused, the order goes on at once elsewhere
      {"out of funds", st::sending, add(add_answer::out_of_funds), pk::change, st::queued, -1, 0,
       pn::provider_paused},
      {"key refused", st::sending, add(add_answer::key_refused), pk::change, st::queued, -1, 0,
       pn::provider_paused},
      // item 10: never written, nothing to journal
      {"never written", st::queued, add(add_answer::not_delivered, false), pk::nothing, st::received, -1,
       5000, pn::none},
      {"stale add answer", st::placed, add(add_answer::created), pk::nothing, st::received, -1, -1, pn::none},
      // items 3, 5: refunds from the final answer only
      {"completed pays nothing", st::in_progress, status(provider_status::completed, 0), pk::change,
       st::completed, 0, -1, pn::none},
      {"partial from its remains", st::in_progress, status(provider_status::partial, 400), pk::change,
       st::partial, 400'000, -1, pn::none},
      {"partial remains clamped", st::in_progress, status(provider_status::partial, 5000), pk::change,
       st::partial, charge_micros, -1, pn::none},
      {"partial without remains", st::in_progress, status(provider_status::partial), pk::change, st::partial,
       0, -1, pn::refund_needs_review},
      {"canceled upstream", st::pending, status(provider_status::canceled), pk::change, st::canceled,
       charge_micros, -1, pn::none},
      {"failed upstream", st::placed, status(provider_status::failed), pk::change, st::failed, charge_micros,
       -1, pn::none},
      {"progress", st::pending, status(provider_status::in_progress, 900), pk::change, st::in_progress, -1,
       -1, pn::none},
      {"same status, same figures", st::in_progress, status(provider_status::in_progress), pk::nothing,
       st::in_progress, -1, -1, pn::none},
      {"same status, new start count", st::in_progress, status(provider_status::in_progress, no_value, 250),
       pk::change, st::in_progress, -1, -1, pn::none},
      {"backwards is an anomaly", st::in_progress, status(provider_status::pending), pk::change,
       st::in_progress, -1, -1, pn::status_anomaly},
      {"unmappable is an anomaly", st::placed, status(provider_status::unknown), pk::change, st::placed, -1,
       -1, pn::status_anomaly},
      {"final never moves", st::completed, status(provider_status::in_progress), pk::nothing, st::received,
       -1, -1, pn::none},
      // item 12: a forgotten order goes to an operator once its absence lasted
      {"forgotten", st::in_progress, missing_long, pk::change, st::unknown, -1, -1, pn::forgotten},
      {"briefly missing", st::in_progress, missing_short, pk::nothing, st::received, -1, -1, pn::none},
      // cancels
      {"cancel queued", st::queued, cancel, pk::change, st::canceled, charge_micros, -1,
       pn::canceled_before_sent},
      {"cancel held", st::queued, cancel_held, pk::change, st::canceled, charge_micros, -1,
       pn::canceled_while_held},
      {"cancel running asks", st::in_progress, cancel, pk::ask_provider, st::received, -1, -1, pn::none},
      {"cancel final", st::partial, cancel, pk::refuse, st::received, -1, -1, pn::is_final},
      {"cancel sending", st::sending, cancel, pk::refuse, st::received, -1, -1, pn::cannot_cancel_now},
      {"cancel unknown", st::unknown, cancel, pk::refuse, st::received, -1, -1, pn::cannot_cancel_now},
      // resolve (item 12) and reconciliation (item 11)
      {"resolve placed", st::unknown, of_kind(event_kind::resolve_placed), pk::change, st::placed, -1, -1,
       pn::resolved_placed},
      {"resolve absent", st::unknown, of_kind(event_kind::resolve_absent), pk::change, st::queued, -1, 0,
       pn::resolved_absent},
      {"resolve cancel", st::unknown, of_kind(event_kind::resolve_cancel), pk::change, st::canceled,
       charge_micros, -1, pn::resolved_canceled},
      {"resolve a placed order", st::placed, of_kind(event_kind::resolve_absent), pk::refuse, st::received,
       -1, -1, pn::not_unknown},
      {"reconciled found", st::unknown, found, pk::change, st::placed, -1, -1, pn::reconciled_found},
      {"reconciled absent", st::unknown, absent, pk::change, st::queued, -1, 0, pn::reconciled_absent},
      {"reconciled inconclusive", st::unknown, inconclusive, pk::change, st::unknown, -1, -1,
       pn::reconcile_inconclusive},
      {"reconciled too late", st::placed, found, pk::nothing, st::received, -1, -1, pn::none},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    const order_plan p = plan(make(r.from), r.event);
    EXPECT_EQ(p.kind, r.kind);
    if (r.kind == pk::change) {
      EXPECT_EQ(p.next, r.next);
    }
    EXPECT_EQ(p.note, r.note);
    EXPECT_EQ(p.requeue_delay_ms, r.requeue_ms);
    if (r.refund_micros >= 0) {
      EXPECT_TRUE(is_final(p.next));
      EXPECT_EQ(p.refund.amount.micros(), r.refund_micros);
    } else {
      EXPECT_EQ(p.refund.reason, refund_reason::not_final);
    }
    // Every change the lifecycle plans is one the state table allows.
    if (p.kind == pk::change && p.next != r.from) {
      EXPECT_EQ(check_transition(r.from, p.next), transition_result::applied);
    }
  }
}

TEST_F(lifecycle, a_partial_refund_without_remains_is_left_for_review_never_guessed) {
  order o = make(st::in_progress);
  o.remains = 300;  // an older poll's figure must not be used
  const auto p = plan(o, status(provider_status::partial));
  EXPECT_TRUE(p.refund.needs_review());
  EXPECT_TRUE(p.refund.amount.is_zero());
}

TEST_F(lifecycle, pauses_say_why) {
  EXPECT_EQ(plan(make(st::sending), add(add_answer::out_of_funds)).pause, pause_kind::funds);
  EXPECT_EQ(plan(make(st::sending), add(add_answer::key_refused)).pause, pause_kind::invalid_key);
  EXPECT_EQ(plan(make(st::sending), add(add_answer::provider_refused)).pause, pause_kind::other);
  EXPECT_EQ(plan(make(st::queued), add(add_answer::key_refused, false)).pause, pause_kind::invalid_key);
  EXPECT_EQ(plan(make(st::sending), add(add_answer::refused)).pause, pause_kind::none);
}

TEST_F(lifecycle, a_busy_link_waits_behind_it) {
  const auto p = plan(make(st::sending), add(add_answer::link_busy));
  EXPECT_TRUE(p.behind_link);
  EXPECT_EQ(p.next, st::queued);
}

TEST_F(lifecycle, a_repeated_anomaly_is_recorded_once) {
  order_event e = status(provider_status::pending);
  const auto first = plan(make(st::in_progress), e);
  EXPECT_TRUE(first.anomaly);
  e.repeat_anomaly = true;
  EXPECT_EQ(plan(make(st::in_progress), e).kind, pk::nothing);
}

TEST_F(lifecycle, refill_eligibility_is_decided_with_the_final_state) {
  // Rule 1: a service without a guarantee never allows a refill; with one, a completed order does.
  EXPECT_TRUE(plan(make(st::in_progress), status(provider_status::completed, 0)).refill_eligible);
  svc.refill_days.reset();
  EXPECT_FALSE(plan(make(st::in_progress), status(provider_status::completed, 0)).refill_eligible);
  svc.refill_days = 30;
  // Rule 4: a start count at the policy's limit has no guarantee.
  EXPECT_FALSE(
      plan(make(st::in_progress), status(provider_status::completed, 0, policy.refill_max_start_count))
          .refill_eligible);
  // Rule 5: a newer order placed on the same link takes the guarantee.
  link_index links;
  order o = make(st::in_progress);
  o.link_hash = 42;
  links.record_placement(42, 7, o.placed_at);
  links.record_placement(42, 8, o.placed_at + 60);
  rules.links = &links;
  EXPECT_FALSE(plan(o, status(provider_status::completed, 0)).refill_eligible);
  // A service that left the config: no refill decided.
  rules.links = nullptr;
  rules.service = nullptr;
  EXPECT_FALSE(plan(make(st::in_progress), status(provider_status::completed, 0)).refill_eligible);
}

TEST_F(lifecycle, speedup_is_offered_only_for_a_stuck_running_order) {
  order o = make(st::pending);
  o.last_status_change_at = now - policy.speedup_stuck_after_s - 10;
  // A new start count keeps the order pending: nothing moved, so it is still stuck.
  EXPECT_TRUE(plan(o, status(provider_status::pending, no_value, 300)).speedup_eligible);
  // A move to in_progress is news: not stuck.
  EXPECT_FALSE(plan(o, status(provider_status::in_progress)).speedup_eligible);
  svc.slow = true;
  EXPECT_FALSE(plan(o, status(provider_status::pending, no_value, 300)).speedup_eligible);
}

TEST_F(lifecycle, every_note_has_text) {
  for (int n = static_cast<int>(pn::placed); n <= static_cast<int>(pn::not_unknown); ++n)
    EXPECT_NE(std::string(lifecycle_note_text(static_cast<pn>(n))), "") << n;
}

}  // namespace
}  // namespace smm
