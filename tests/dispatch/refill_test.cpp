#include "dispatch/refill.hpp"

#include <gtest/gtest.h>

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
