// The per-provider poll schedule: nothing polled before it may be, everything by its due
// time, full chunks, about ceil(N / 100) calls per interval, and work that follows what is
// due (not what exists).
#include "daemon/engine/poll_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace smm::daemon {
namespace {

constexpr std::size_t chunk = 100;

TEST(poll_schedule, a_new_order_is_first_polled_one_interval_after_placement_not_before) {
  poll_schedule s;
  std::map<std::int64_t, std::int64_t> due{{1, 1000}, {2, 1500}};
  const auto live = [&](std::int64_t id, std::int64_t d) { return due.at(id) == d; };
  s.add_first(1, 1000);
  s.add_first(2, 1500);
  EXPECT_TRUE(s.take_chunk(999, chunk, live).empty());
  // Order 2 is not due and new: it does not ride along with order 1.
  EXPECT_EQ(s.take_chunk(1000, chunk, live), std::vector<std::int64_t>{1});
  EXPECT_TRUE(s.take_chunk(1499, chunk, live).empty());
  EXPECT_EQ(s.take_chunk(1500, chunk, live), std::vector<std::int64_t>{2});
}

TEST(poll_schedule, stale_entries_are_dropped_and_never_returned) {
  poll_schedule s;
  std::map<std::int64_t, std::int64_t> due;
  const auto live = [&](std::int64_t id, std::int64_t d) { return due.count(id) != 0 && due.at(id) == d; };
  for (std::int64_t id = 1; id <= 5; ++id) {
    s.add(id, 100 * id, 0);
    due[id] = 100 * id;
  }
  due.erase(2);  // final
  due[3] = 900;  // rescheduled: the old entry is stale
  s.add(3, 900, 800);
  const auto ids = s.take_chunk(1000, chunk, live);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 4, 5, 3}));
  EXPECT_EQ(s.size(), 0U);
}

TEST(poll_schedule, a_call_takes_every_due_order_and_fills_up_with_those_that_may_ride_along) {
  poll_schedule s;
  std::map<std::int64_t, std::int64_t> due;
  const auto live = [&](std::int64_t id, std::int64_t d) { return due.at(id) == d; };
  // 150 orders due at 1000..1149, each may ride along from 500 ms before.
  for (std::int64_t id = 0; id < 150; ++id) {
    due[id] = 1000 + id;
    s.add(id, due[id], due[id] - 500);
  }
  EXPECT_TRUE(s.take_chunk(999, chunk, live).empty()) << "nothing is due yet";
  const auto first = s.take_chunk(1000, chunk, live);
  ASSERT_EQ(first.size(), chunk) << "one order due fills the call";
  for (std::int64_t id = 0; id < 100; ++id) EXPECT_EQ(first[static_cast<std::size_t>(id)], id);
  // The 50 left are not due: no partial call until the oldest of them is.
  EXPECT_TRUE(s.take_chunk(1099, chunk, live).empty());
  EXPECT_EQ(s.take_chunk(1100, chunk, live).size(), 50U);
}

// Simulates a provider with `n` running orders polled every `interval` ms for `rounds`
// intervals, ticking every `tick` ms; returns (calls in the last 5 intervals, the largest gap
// between two polls of one order, the share of calls that were not full).
struct sim_result {
  std::int64_t calls_last_5 = 0;
  std::int64_t max_gap = 0;
  double partial_share = 0;
};

sim_result simulate(std::int64_t n, std::int64_t interval, std::int64_t tick, int rounds) {
  poll_schedule s;
  std::map<std::int64_t, std::int64_t> due, last;
  const auto live = [&](std::int64_t id, std::int64_t d) { return due.at(id) == d; };
  // Placed over the first interval, as orders arrive.
  for (std::int64_t id = 0; id < n; ++id) {
    const std::int64_t placed = id * interval / n;
    last[id] = placed;
    due[id] = placed + interval;
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t id = 0; id < n; ++id) order[static_cast<std::size_t>(id)] = id;
  std::size_t next_new = 0;
  sim_result out;
  std::int64_t calls = 0, partial = 0;
  const std::int64_t end = interval * rounds;
  for (std::int64_t now = 0; now <= end; now += tick) {
    while (next_new < order.size() && last[order[next_new]] <= now) {
      s.add_first(order[next_new], due[order[next_new]]);
      ++next_new;
    }
    for (;;) {
      const auto ids = s.take_chunk(now + tick, chunk, live);  // horizon: the next tick
      if (ids.empty()) break;
      ++calls;
      if (ids.size() < chunk) ++partial;
      if (now >= end - 5 * interval) ++out.calls_last_5;
      for (const auto id : ids) {
        out.max_gap = std::max(out.max_gap, now - last[id]);
        last[id] = now;
        due[id] = now + interval;
        s.add(id, due[id], now + interval / 2);
      }
    }
  }
  // Nobody was forgotten: every order was polled within the last interval.
  for (const auto& [id, t] : last) out.max_gap = std::max(out.max_gap, end - t);
  out.partial_share = calls == 0 ? 0 : static_cast<double>(partial) / static_cast<double>(calls);
  return out;
}

TEST(poll_schedule, twenty_thousand_orders_are_all_polled_within_their_interval_in_full_chunks) {
  const sim_result r = simulate(20'000, 2000, 200, 20);
  EXPECT_LE(r.max_gap, 2000) << "an order waited longer than its interval";
  // ceil(20000 / 100) = 200 calls per interval; riding along early costs a little more.
  EXPECT_GE(r.calls_last_5, 5 * 200);
  EXPECT_LE(r.calls_last_5, 5 * 200 * 3 / 2) << "calls are not carrying full chunks";
  EXPECT_LT(r.partial_share, 0.1);
}

TEST(poll_schedule, a_few_orders_get_one_call_per_interval) {
  const sim_result r = simulate(7, 1000, 100, 10);
  EXPECT_LE(r.max_gap, 1000);
  EXPECT_LE(r.calls_last_5, 5 * 2) << "seven orders need one call per interval, not one each";
}

TEST(poll_schedule, a_pass_with_nothing_due_looks_at_the_front_only) {
  poll_schedule s;
  for (std::int64_t id = 0; id < 1'000'000; ++id) s.add(id, 10'000 + id, 5'000 + id);
  std::int64_t looked = 0;
  const auto live = [&](std::int64_t, std::int64_t) {
    ++looked;
    return true;
  };
  EXPECT_TRUE(s.take_chunk(4'999, chunk, live).empty());
  EXPECT_LE(looked, 2);
  looked = 0;
  EXPECT_EQ(s.take_chunk(10'000, chunk, live).size(), chunk);
  EXPECT_LE(looked, 2 + static_cast<std::int64_t>(chunk));
}

}  // namespace
}  // namespace smm::daemon
