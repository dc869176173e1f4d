// Orders flow to final states with exact refunds; the event feed is in seq order without
// gaps or duplicates across a reconnect, and carries each refund exactly once.
#include <algorithm>
#include <set>

#include "dispatch/money.hpp"
#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

// A rate with six significant decimals, so charge * remains / quantity is rarely whole.
constexpr const char* odd_rate = "0.123457";

config_spec one_provider(unsigned short port) {
  config_spec c;
  c.providers.push_back({.name = "a", .port = port});
  c.services.push_back({.id = 1, .rate = odd_rate, .min = 50, .max = 10000, .route = {{"a", 1}}});
  return c;
}

money m(const std::string& text) {
  const money_result r = parse_money(text);
  EXPECT_TRUE(r) << "not money: '" << text << "'";
  return r.value;
}

using flow = daemon_env;

TEST_F(flow, partial_orders_refund_charge_times_remains_over_quantity_rounded_down) {
  mock_process mock({"--partial-prob", "1", "--pending-ms", "100", "--speed", "2000", "--seed", "7"});
  write_config(one_provider(mock.port()));
  start_daemon();

  const money rate = m(odd_rate);
  std::vector<std::string> ids;
  std::map<std::string, std::int64_t> quantity;
  for (int i = 0; i < 12; ++i) {
    const std::string id = "p" + std::to_string(i);
    const std::int64_t q = 101 + 37 * i;
    const add_reply a = add(id, 1, "https://instagram.com/partial_" + std::to_string(i), q);
    ASSERT_EQ(a.status, "accepted") << a.raw;
    EXPECT_EQ(m(a.charge), charge_for(rate, q).value) << a.raw;
    ids.push_back(id);
    quantity[id] = q;
  }
  const auto settled = wait_settled(ids, 30s);
  ASSERT_EQ(settled.size(), ids.size());
  int inexact = 0;  // orders whose share is not a whole micro-unit: rounding is exercised
  for (const auto& [id, s] : settled) {
    SCOPED_TRACE(id);
    ASSERT_EQ(s.state, "partial");
    ASSERT_TRUE(s.remains.has_value());
    // The daemon's remains are the provider's.
    const mock_order truth = mock_status(mock.port(), s.provider_order_id);
    ASSERT_EQ(truth.remains, s.remains);
    ASSERT_EQ(s.quantity, quantity[id]);
    const money charge = charge_for(rate, s.quantity).value;
    EXPECT_EQ(m(s.charge), charge);
    ASSERT_TRUE(s.refund.has_value());
    const money expected = prorate_down(charge, *s.remains, s.quantity).value;
    EXPECT_EQ(m(*s.refund), expected)
        << "charge " << s.charge << " remains " << *s.remains << " of " << s.quantity;
    EXPECT_EQ(s.refund_reason, "partial");
    const std::int64_t exact = charge.micros() * *s.remains;  // small figures: no overflow
    if (exact % s.quantity != 0) ++inexact;
  }
  EXPECT_GT(inexact, 0) << "no order exercised rounding; change the quantities";
}

TEST_F(flow, canceled_orders_refund_the_whole_charge) {
  mock_process mock({"--cancel-prob", "1", "--pending-ms", "100", "--speed", "2000", "--seed", "3"});
  write_config(one_provider(mock.port()));
  start_daemon();

  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "c" + std::to_string(i);
    ASSERT_EQ(add(id, 1, "https://instagram.com/cancel_" + std::to_string(i), 77 + 50 * i).status,
              "accepted");
    ids.push_back(id);
  }
  const auto settled = wait_settled(ids, 30s);
  ASSERT_EQ(settled.size(), ids.size());
  for (const auto& [id, s] : settled) {
    SCOPED_TRACE(id);
    ASSERT_EQ(s.state, "canceled");
    ASSERT_TRUE(s.refund.has_value());
    EXPECT_EQ(m(*s.refund), charge_for(m(odd_rate), s.quantity).value);
    EXPECT_EQ(s.refund_reason, "canceled");
  }
}

// Reads events from `c` until `done` says so or `timeout` passes; appends to `out`.
void read_events(unix_client& c, std::vector<event_line>& out, const std::function<bool()>& done,
                 std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    const std::string line = c.read_line(500ms);
    if (line.empty()) continue;
    if (auto e = parse_event(line)) out.push_back(*e);
  }
}

TEST_F(flow, events_resume_after_reconnect_without_gap_or_duplicate_and_refunds_once) {
  mock_process mock({"--partial-prob", "0.5", "--cancel-prob", "0.2", "--pending-ms", "300", "--speed", "500",
                     "--seed", "11"});
  write_config(one_provider(mock.port()));
  start_daemon();

  auto sub = connect();
  const std::string answer = sub->call("{\"id\":\"s1\",\"op\":\"subscribe\",\"after_seq\":0}");
  ASSERT_NE(answer.find("\"subscribed\":true"), std::string::npos) << answer;

  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    const std::string id = "e" + std::to_string(i);
    ASSERT_EQ(add(id, 1, "https://instagram.com/events_" + std::to_string(i), 100 + 13 * i).status,
              "accepted");
    ids.push_back(id);
  }

  // First connection: a handful of events, then it goes away mid-stream.
  std::vector<event_line> first;
  read_events(
      *sub, first, [&] { return first.size() >= 8; }, 15s);
  ASSERT_GE(first.size(), 8u);
  EXPECT_EQ(first.front().seq, 1) << "a fresh journal's feed starts at seq 1";
  sub.reset();
  const std::int64_t last_seen = first.back().seq;

  // Orders keep moving while nobody listens; then all settle.
  const auto settled = wait_settled(ids, 40s);
  ASSERT_EQ(settled.size(), ids.size());

  auto sub2 = connect();
  const std::string answer2 =
      sub2->call("{\"id\":\"s2\",\"op\":\"subscribe\",\"after_seq\":" + std::to_string(last_seen) + "}");
  ASSERT_NE(answer2.find("\"subscribed\":true"), std::string::npos) << answer2;
  std::vector<event_line> second;
  auto all_final_seen = [&] {
    std::set<std::string> finals;
    for (const auto* list : {&first, &second})
      for (const auto& e : *list)
        if (is_final_state(e.new_state)) finals.insert(e.panel_order_id);
    return finals.size() == ids.size();
  };
  read_events(*sub2, second, all_final_seen, 20s);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second.front().seq, last_seen + 1) << "gap or duplicate at the reconnect";

  std::vector<event_line> all = first;
  all.insert(all.end(), second.begin(), second.end());
  std::map<std::string, std::vector<event_line>> per_order;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_EQ(all[i].seq, all[i - 1].seq + 1) << "events out of order or with a gap at " << i;
    }
    per_order[all[i].panel_order_id].push_back(all[i]);
  }
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    const auto& evs = per_order[id];
    ASSERT_FALSE(evs.empty());
    // Each order's events chain: every transition starts where the previous one ended.
    for (std::size_t i = 1; i < evs.size(); ++i) EXPECT_EQ(evs[i].old_state, evs[i - 1].new_state);
    EXPECT_EQ(evs.back().new_state, settled.at(id).state);
    int with_refund = 0;
    for (const auto& e : evs)
      if (e.refund) {
        ++with_refund;
        ASSERT_TRUE(settled.at(id).refund.has_value());
        EXPECT_EQ(m(*e.refund), m(*settled.at(id).refund));
      }
    const auto& s = settled.at(id);
    if (s.refund && !m(*s.refund).is_zero()) {
      EXPECT_EQ(with_refund, 1) << "a refunded order must have exactly one event with its refund";
    } else {
      EXPECT_LE(with_refund, 1);
    }
  }
}

}  // namespace
}  // namespace smm::test
