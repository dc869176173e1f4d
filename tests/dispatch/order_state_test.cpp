#include "dispatch/order_state.hpp"

#include <gtest/gtest.h>

#include "dispatch/order.hpp"

namespace smm {
namespace {

using st = order_state;
using tr = transition_result;

constexpr st all_states[] = {st::received, st::queued,   st::sending,     st::placed,    st::unknown,
                             st::rejected, st::pending,  st::in_progress, st::completed, st::partial,
                             st::canceled, st::refunded, st::failed};

TEST(order_state, happy_path_applies) {
  st s = st::received;
  for (const st next : {st::queued, st::sending, st::placed, st::pending, st::in_progress, st::completed}) {
    EXPECT_EQ(apply_transition(s, next), tr::applied) << to_string(next);
    EXPECT_EQ(s, next);
  }
}

TEST(order_state, daemon_side_paths) {
  EXPECT_EQ(check_transition(st::sending, st::queued), tr::applied);   // never left: retry
  EXPECT_EQ(check_transition(st::sending, st::unknown), tr::applied);  // may have left
  EXPECT_EQ(check_transition(st::sending, st::rejected), tr::applied);
  EXPECT_EQ(check_transition(st::unknown, st::placed), tr::applied);  // proved present
  EXPECT_EQ(check_transition(st::unknown, st::queued), tr::applied);  // proved absent
  EXPECT_EQ(check_transition(st::received, st::rejected), tr::applied);
  // An unknown order is never resent automatically.
  EXPECT_EQ(check_transition(st::unknown, st::sending), tr::anomaly);
  EXPECT_EQ(check_transition(st::received, st::sending), tr::anomaly);
  EXPECT_EQ(check_transition(st::queued, st::placed), tr::anomaly);
  EXPECT_EQ(check_transition(st::placed, st::queued), tr::anomaly);
}

TEST(order_state, provider_may_jump_straight_to_a_final_state) {
  for (const st from : {st::placed, st::pending, st::in_progress}) {
    for (const st to : {st::completed, st::partial, st::canceled, st::refunded, st::failed}) {
      EXPECT_EQ(check_transition(from, to), tr::applied) << to_string(from) << "->" << to_string(to);
    }
  }
}

TEST(order_state, impossible_provider_transitions_are_anomalies) {
  EXPECT_EQ(check_transition(st::in_progress, st::pending), tr::anomaly);
  EXPECT_EQ(check_transition(st::queued, st::in_progress), tr::anomaly);  // no provider yet
  EXPECT_EQ(check_transition(st::sending, st::completed), tr::anomaly);
  EXPECT_EQ(check_transition(st::unknown, st::completed), tr::anomaly);
  st s = st::completed;
  EXPECT_EQ(apply_transition(s, st::in_progress), tr::anomaly);
  EXPECT_EQ(s, st::completed);  // not applied
}

TEST(order_state, final_states_are_sticky) {
  for (const st from : all_states) {
    if (!is_final(from)) continue;
    for (const st to : all_states) {
      const tr r = check_transition(from, to);
      EXPECT_NE(r, tr::applied) << to_string(from) << "->" << to_string(to);
    }
  }
}

TEST(order_state, repeats_are_duplicates) {
  for (const st s : all_states) EXPECT_EQ(check_transition(s, s), tr::duplicate) << to_string(s);
  // Canceled and refunded mean the same money: flipping spelling is not an anomaly.
  EXPECT_EQ(check_transition(st::canceled, st::refunded), tr::duplicate);
  EXPECT_EQ(check_transition(st::refunded, st::canceled), tr::duplicate);
  EXPECT_EQ(check_transition(st::completed, st::partial), tr::anomaly);
}

TEST(order_state, provider_statuses_drive_transitions) {
  st s = st::placed;
  EXPECT_EQ(apply_transition(s, provider_status::processing), tr::applied);
  EXPECT_EQ(s, st::in_progress);
  EXPECT_EQ(apply_transition(s, provider_status::in_progress), tr::duplicate);
  EXPECT_EQ(apply_transition(s, provider_status::unknown), tr::anomaly);
  EXPECT_EQ(s, st::in_progress);
  EXPECT_EQ(apply_transition(s, provider_status::partial), tr::applied);
  EXPECT_EQ(s, st::partial);
}

TEST(order_state, out_of_range_bytes_are_anomalies) {
  EXPECT_EQ(check_transition(static_cast<st>(200), st::queued), tr::anomaly);
  EXPECT_EQ(check_transition(st::queued, static_cast<st>(13)), tr::anomaly);
}

TEST(order_record, a_committed_change_stamps_its_times) {
  order o;
  stamp_transition(o, st::queued, st::sending, 101);
  EXPECT_EQ(o.last_status_change_at, 101);
  EXPECT_EQ(o.placed_at, no_value);
  stamp_transition(o, st::sending, st::placed, 102);
  EXPECT_EQ(o.placed_at, 102);
  stamp_transition(o, st::placed, st::in_progress, 200);
  EXPECT_EQ(o.last_status_change_at, 200);
  stamp_transition(o, st::in_progress, st::in_progress, 300);
  EXPECT_EQ(o.last_status_change_at, 200);  // a repeat is not a change
  EXPECT_EQ(o.completed_at, no_value);
  stamp_transition(o, st::in_progress, st::completed, 400);
  EXPECT_EQ(o.completed_at, 400);
  order refused;
  stamp_transition(refused, st::sending, st::rejected, 500);  // never delivered: no end of delivery
  EXPECT_EQ(refused.completed_at, no_value);
  EXPECT_EQ(refused.last_status_change_at, 500);
}

TEST(order_record, stays_compact) {
  // 1M open orders must stay far below 1 GiB; this catches an accidental std::string.
  EXPECT_LE(sizeof(order), 128u);
}

}  // namespace
}  // namespace smm
