#include "dispatch/refill.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <optional>

namespace smm {
namespace {

constexpr std::int64_t day = 86400;
constexpr std::int64_t t0 = 1'700'000'000;  // placement time

struct fixture {
  service_def svc;
  policy_def policy;
  order o;
  refill_query q;

  fixture() {
    svc.refill_days = 30;
    o.panel_order_id = 500;
    o.quantity = 1000;
    o.state = order_state::completed;
    o.placed_at = t0;
    o.completed_at = t0 + day;
    o.start_count = 5000;
    o.remains = 0;
    q.now = t0 + 2 * day;
    q.current_count = 5500;  // dropped from 6000, still above 5000
  }
  refill_reason check() const { return check_refill(o, svc, policy, q); }
};

TEST(refill, eligible_baseline) { EXPECT_EQ(fixture{}.check(), refill_reason::eligible); }

TEST(refill, rule1_service_without_guarantee) {
  fixture f;
  f.svc.refill_days.reset();
  EXPECT_EQ(f.check(), refill_reason::no_refill_guarantee);
  f.svc.refill_days = 0;
  EXPECT_EQ(f.check(), refill_reason::no_refill_guarantee);
}

TEST(refill, rule2_only_completed_or_partial) {
  for (const auto s : {order_state::in_progress, order_state::pending, order_state::canceled,
                       order_state::refunded, order_state::failed, order_state::placed}) {
    fixture f;
    f.o.state = s;
    EXPECT_EQ(f.check(), refill_reason::not_completed) << to_string(s);
  }
}

TEST(refill, rule2_period_end_is_inclusive) {
  fixture f;
  f.q.now = f.o.completed_at + 30 * day;
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.q.now += 1;
  EXPECT_EQ(f.check(), refill_reason::guarantee_expired);
}

TEST(refill, rule2_partial_eligible_for_what_was_delivered) {
  fixture f;
  f.o.state = order_state::partial;
  f.o.remains = 400;  // delivered 600: full level is 5600
  f.q.current_count = 5599;
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.q.current_count = 5600;  // nothing of the delivered 600 dropped
  EXPECT_EQ(f.check(), refill_reason::count_not_dropped);
  f.o.remains = no_value;
  EXPECT_EQ(f.check(), refill_reason::nothing_delivered);
  f.o.remains = 1000;
  EXPECT_EQ(f.check(), refill_reason::nothing_delivered);
}

TEST(refill, rule3_count_must_have_dropped) {
  fixture f;
  f.q.current_count = 6000;  // start 5000 + delivered 1000: no drop
  EXPECT_EQ(f.check(), refill_reason::count_not_dropped);
  f.q.current_count = 5999;
  EXPECT_EQ(f.check(), refill_reason::eligible);
}

TEST(refill, rule3_below_start_count_is_not_refilled) {
  fixture f;
  f.q.current_count = 4999;
  EXPECT_EQ(f.check(), refill_reason::dropped_below_start_count);
  f.q.current_count = 5000;  // exactly back at the start: all delivered dropped
  EXPECT_EQ(f.check(), refill_reason::eligible);
}

TEST(refill, rule3_skipped_without_current_count) {
  fixture f;
  f.q.current_count.reset();
  EXPECT_EQ(f.check(), refill_reason::eligible);
}

TEST(refill, rule4_start_count_limit) {
  fixture f;
  f.q.current_count.reset();
  f.o.start_count = 100'000;
  EXPECT_EQ(f.check(), refill_reason::start_count_too_high);
  f.o.start_count = 99'999;
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.o.start_count = no_value;
  EXPECT_EQ(f.check(), refill_reason::start_count_unknown);
}

TEST(refill, rule5_newer_order_on_same_link) {
  fixture f;
  f.q.newest_on_link = link_placement{t0 + 1, 900};  // one second after
  EXPECT_EQ(f.check(), refill_reason::newer_order_on_link);
  f.q.newest_on_link = link_placement{t0, 900};  // same second, later panel id
  EXPECT_EQ(f.check(), refill_reason::newer_order_on_link);
  f.q.newest_on_link = link_placement{t0, 400};  // same second, earlier id
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.q.newest_on_link = link_placement{t0 - 1, 900};
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.q.newest_on_link = link_placement{t0, 500};  // this order itself
  EXPECT_EQ(f.check(), refill_reason::eligible);
}

TEST(refill, rule5_through_the_link_index) {
  fixture f;
  f.o.link_hash = 77;
  link_index links;
  links.record_placement(77, f.o.panel_order_id, f.o.placed_at);
  links.record_placement(78, 901, t0 + 5);  // another link: irrelevant
  const auto check = [&] { return check_refill(f.o, f.svc, f.policy, f.q.now, f.q.current_count, links); };
  EXPECT_EQ(check(), refill_reason::eligible);
  links.record_placement(77, 900, t0 + 1);  // newer order on the same link, 1 s later
  EXPECT_EQ(check(), refill_reason::newer_order_on_link);
  f.q.current_count.reset();
  f.o.start_count = 100'000;  // rule 4 fails first, whatever the link says
  EXPECT_EQ(check(), refill_reason::start_count_too_high);
}

TEST(refill, rule6_one_refill_at_a_time_within_72h) {
  fixture f;
  f.o.refill = refill_state::in_progress;
  f.o.last_refill_at = f.q.now - 72 * 3600 + 1;
  EXPECT_EQ(f.check(), refill_reason::refill_in_progress);
  f.o.last_refill_at = f.q.now - 72 * 3600;
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.o.last_refill_at = f.q.now;
  f.o.refill = refill_state::completed;
  EXPECT_EQ(f.check(), refill_reason::eligible);
}

TEST(refill, rule6_every_state_a_refill_may_still_run_in_blocks_and_the_others_do_not) {
  struct row {
    refill_state state;
    bool blocks;
  };
  constexpr row table[] = {
      {refill_state::none, false},       {refill_state::requested, true},  {refill_state::pending, true},
      {refill_state::in_progress, true}, {refill_state::completed, false}, {refill_state::rejected, false},
      {refill_state::unknown, true},     {refill_state::refused, false},   {refill_state::failed, false},
  };
  for (const auto& r : table) {
    fixture f;
    f.o.refill = r.state;
    f.o.last_refill_at = f.q.now - 3600;
    EXPECT_EQ(f.check(), r.blocks ? refill_reason::refill_in_progress : refill_reason::eligible)
        << to_string(r.state);
    // Past the in-progress bound a silent request (unknown included) counts as over.
    f.o.last_refill_at = f.q.now - 72 * 3600;
    EXPECT_EQ(f.check(), refill_reason::eligible) << to_string(r.state);
  }
}

TEST(refill, provider_refill_statuses_map_case_and_separator_insensitively) {
  struct row {
    std::string_view text;
    std::optional<refill_state> state;
  };
  const row table[] = {
      {"Pending", refill_state::pending},
      {"PENDING", refill_state::pending},
      {"In progress", refill_state::in_progress},
      {"In Progress", refill_state::in_progress},
      {"Inprogress", refill_state::in_progress},
      {"in_progress", refill_state::in_progress},
      {"IN-PROGRESS", refill_state::in_progress},
      {"Processing", refill_state::in_progress},
      {"Completed", refill_state::completed},
      {"COMPLETE", refill_state::completed},
      {"completed", refill_state::completed},
      {"Done", refill_state::completed},
      {"Rejected", refill_state::rejected},
      {"REJECTED", refill_state::rejected},
      {"rejected", refill_state::rejected},
      {"Canceled", refill_state::rejected},
      {"Cancelled", refill_state::rejected},
      {"CANCELLED", refill_state::rejected},
      {"canceled", refill_state::rejected},
      {"Error", refill_state::rejected},
      {"ERROR", refill_state::rejected},
      {"Fail", refill_state::rejected},
      {"Failed", refill_state::rejected},
      {"fail", refill_state::rejected},
      {"Refunded", refill_state::rejected},
      {"Declined", refill_state::rejected},
      {"  Rejected ", refill_state::rejected},
      {"Not completed", std::nullopt},
      {"Incomplete", std::nullopt},
      {"", std::nullopt},
      {"???", std::nullopt},
      {"Refill request is being reviewed by our team, please wait a few days", std::nullopt},
  };
  for (const auto& r : table) EXPECT_EQ(refill_state_from_status(r.text), r.state) << "'" << r.text << "'";
}

TEST(refill, a_status_answer_moves_only_a_followed_refill) {
  EXPECT_EQ(refill_after_status(refill_state::pending, "In progress"), refill_state::in_progress);
  EXPECT_EQ(refill_after_status(refill_state::in_progress, "Cancelled"), refill_state::rejected);
  EXPECT_EQ(refill_after_status(refill_state::pending, "Completed"), refill_state::completed);
  EXPECT_EQ(refill_after_status(refill_state::pending, "Pending"), std::nullopt);  // no change
  EXPECT_EQ(refill_after_status(refill_state::pending, "???"), std::nullopt);
  // An ended refill is never reopened by a late answer; an unknown one has no id to ask about.
  EXPECT_EQ(refill_after_status(refill_state::completed, "In progress"), std::nullopt);
  EXPECT_EQ(refill_after_status(refill_state::rejected, "Completed"), std::nullopt);
  EXPECT_EQ(refill_after_status(refill_state::unknown, "Completed"), std::nullopt);
}

TEST(refill, a_rejected_canceled_or_error_refill_no_longer_blocks_a_new_request) {
  for (const std::string_view text : {"Rejected", "Canceled", "Cancelled", "Error", "Fail", "ERROR"}) {
    fixture f;
    f.o.refill = refill_state::in_progress;
    f.o.last_refill_at = f.q.now - 60;
    ASSERT_EQ(f.check(), refill_reason::refill_in_progress);
    f.o.refill = refill_after_status(f.o.refill, text).value_or(f.o.refill);
    EXPECT_EQ(f.check(), refill_reason::eligible) << text;
  }
}

TEST(refill, rule3_start_count_plus_delivered_never_overflows) {
  constexpr std::int64_t top = std::numeric_limits<std::int64_t>::max();
  fixture f;
  f.policy.refill_max_start_count = top;  // rule 4 out of the way
  f.o.quantity = 1000;
  f.o.start_count = top - 10;  // the full level is past the int64 range: any count is below it
  f.q.current_count = top;
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.q.current_count = top - 11;
  EXPECT_EQ(f.check(), refill_reason::dropped_below_start_count);
  // A full level that just fits is still compared exactly.
  f.o.start_count = top - 1000;
  f.q.current_count = top;
  EXPECT_EQ(f.check(), refill_reason::count_not_dropped);
  f.q.current_count = top - 1;
  EXPECT_EQ(f.check(), refill_reason::eligible);
  // With the default policy a start count that large fails rule 4, never rule 3 by a wrap.
  f.policy = policy_def{};
  f.o.start_count = top - 10;
  f.q.current_count = top;
  EXPECT_EQ(f.check(), refill_reason::start_count_too_high);
}

TEST(refill, rule2_a_guarantee_end_past_the_int64_range_never_comes) {
  fixture f;
  f.q.current_count.reset();
  f.svc.refill_days = std::numeric_limits<std::int32_t>::max();
  f.o.completed_at = std::numeric_limits<std::int64_t>::max() - day;
  f.q.now = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(f.check(), refill_reason::eligible);
}

TEST(refill, the_claim_window_neither_shortens_nor_extends_the_guarantee) {
  // docs/rules.md "Refill": the guarantee (Refill 9) is the window of a refill request.
  fixture f;
  f.policy.claim_window_s = 14 * day;
  f.q.now = f.o.completed_at + 20 * day;  // past the claim window, inside the 30-day guarantee
  EXPECT_EQ(f.check(), refill_reason::eligible);
  f.svc.refill_days = 7;
  f.q.now = f.o.completed_at + 10 * day;  // inside the claim window, past a 7-day guarantee
  EXPECT_EQ(f.check(), refill_reason::guarantee_expired);
}

TEST(refill, rule7_provider_refusal_stands) {
  fixture f;
  f.o.refill_refused = refill_refusal::private_account;
  EXPECT_EQ(f.check(), refill_reason::provider_refused);
}

TEST(refill, first_failing_rule_wins) {
  fixture f;
  f.svc.refill_days.reset();
  f.o.state = order_state::in_progress;
  f.o.start_count = 200'000;
  f.o.refill_refused = refill_refusal::other;
  EXPECT_EQ(f.check(), refill_reason::no_refill_guarantee);
  f.svc.refill_days = 30;
  EXPECT_EQ(f.check(), refill_reason::not_completed);
  f.o.state = order_state::completed;
  f.q.current_count.reset();
  EXPECT_EQ(f.check(), refill_reason::start_count_too_high);
  f.o.start_count = 10;
  EXPECT_EQ(f.check(), refill_reason::provider_refused);
}

TEST(refill, reason_names) {
  EXPECT_EQ(to_string(refill_reason::newer_order_on_link), "newer_order_on_link");
  EXPECT_EQ(to_string(refill_reason::eligible), "eligible");
}

}  // namespace
}  // namespace smm
