// The domain hot path per order: map the provider's raw status, apply the transition,
// compute the refund, check refill eligibility. Run over 1M orders with a realistic mix
// of spellings and states; a baseline that only walks the orders gives the ratio.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/lifecycle.hpp"
#include "dispatch/link.hpp"
#include "dispatch/link_index.hpp"
#include "dispatch/order.hpp"
#include "dispatch/provider_status.hpp"
#include "dispatch/refill.hpp"
#include "dispatch/refund.hpp"
#include "dispatch/service.hpp"

namespace {

using namespace smm;

constexpr std::size_t order_count = 1'000'000;
constexpr std::int64_t now = 1'700'000'000;
constexpr std::int64_t day = 86400;

// Status spellings weighted roughly as a busy panel's poll results (api-v2.md §4.2).
struct weighted {
  std::string_view raw;
  int weight;
};
constexpr std::array<weighted, 16> spellings{{
    {"In progress", 280},
    {"Completed", 330},
    {"Partial", 80},
    {"Canceled", 60},
    {"Pending", 70},
    {"Processing", 50},
    {"Inprogress", 20},
    {"Partially Completed", 15},
    {"Cancelled", 20},
    {"Refunded", 15},
    {"IN PROGRESS", 15},
    {"completed", 15},
    {"Fail", 5},
    {"Error", 5},
    {"", 5},
    {"Awaiting moderation", 15},
}};

struct world {
  std::vector<order> orders;
  std::vector<std::string_view> raw;  // the poll response's status text, per order
  std::vector<service_def> services;  // indexed by service_id
  policy_def policy;
  link_index links;
  std::size_t heap_bytes_orders = 0;
  std::size_t heap_bytes_links = 0;
};

// Bytes handed out by malloc, including large blocks it served with mmap.
std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

world build_world() {
  world w;
  std::mt19937_64 rng(42);  // fixed seed: the same mix every run
  w.services.resize(200);
  for (std::size_t i = 0; i < w.services.size(); ++i) {
    auto& s = w.services[i];
    s.id = static_cast<std::int64_t>(i);
    if (i % 3 != 0) s.refill_days = static_cast<std::int32_t>(30 + i % 60);
    s.rate_per_1000 = money::from_micros(static_cast<std::int64_t>(1'000 + i * 7'919));
  }
  int total_weight = 0;
  for (const auto& s : spellings) total_weight += s.weight;

  w.raw.reserve(order_count);
  const std::size_t before = heap_in_use();
  w.orders.reserve(order_count);
  for (std::size_t i = 0; i < order_count; ++i) {
    order o;
    o.panel_order_id = static_cast<std::int64_t>(i + 1);
    o.service_id = static_cast<std::int64_t>(rng() % w.services.size());
    o.quantity = static_cast<std::int64_t>(100 + rng() % 50'000);
    o.charge = charge_for(w.services[static_cast<std::size_t>(o.service_id)].rate_per_1000, o.quantity).value;
    // ~700k distinct links: some links carry several orders over time.
    o.link_hash = link_hash(std::to_string(rng() % 700'000));
    o.start_count = rng() % 10 == 0 ? no_value : static_cast<std::int64_t>(rng() % 150'000);
    o.remains = rng() % 20 == 0 ? no_value : static_cast<std::int64_t>(rng() % (o.quantity + 50)) - 20;
    o.received_at = now - static_cast<std::int64_t>(rng() % (40 * day));
    o.placed_at = o.received_at + 5;
    o.last_status_change_at = o.placed_at;
    o.state = rng() % 4 == 0 ? order_state::pending : order_state::in_progress;
    if (rng() % 8 == 0) {
      o.refill = refill_state::in_progress;
      o.last_refill_at = now - static_cast<std::int64_t>(rng() % (5 * day));
    }
    w.orders.push_back(o);
    int pick = static_cast<int>(rng() % static_cast<std::uint64_t>(total_weight));
    std::string_view raw = spellings.back().raw;
    for (const auto& s : spellings) {
      if (pick < s.weight) {
        raw = s.raw;
        break;
      }
      pick -= s.weight;
    }
    w.raw.push_back(raw);
  }
  w.heap_bytes_orders = heap_in_use() - before;

  const std::size_t before_links = heap_in_use();
  for (const auto& o : w.orders) {
    w.links.record_placement(o.link_hash, o.panel_order_id, o.placed_at);
    w.links.add_running(o.link_hash, o.panel_order_id);
  }
  w.heap_bytes_links = heap_in_use() - before_links;
  return w;
}

world& the_world() {
  static world w = build_world();
  return w;
}

void add_memory_counters(benchmark::State& state, const world& w) {
  state.counters["sizeof_order"] = static_cast<double>(sizeof(order));
  state.counters["order_bytes_per_order"] =
      static_cast<double>(w.heap_bytes_orders) / static_cast<double>(w.orders.size());
  state.counters["link_index_bytes_per_order"] =
      static_cast<double>(w.heap_bytes_links) / static_cast<double>(w.orders.size());
}

// Baseline: touch every order and sum one field; the floor of any per-order pass.
void BM_baseline_sum(benchmark::State& state) {
  const auto& w = the_world();
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (const auto& o : w.orders) sum += o.quantity;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(w.orders.size()));
  add_memory_counters(state, w);
}
BENCHMARK(BM_baseline_sum)->Unit(benchmark::kMillisecond);

// Status mapping alone, from the raw strings.
void BM_status_mapping(benchmark::State& state) {
  const auto& w = the_world();
  for (auto _ : state) {
    std::uint64_t acc = 0;
    for (const auto raw : w.raw) acc += static_cast<std::uint64_t>(map_provider_status(raw));
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(w.raw.size()));
}
BENCHMARK(BM_status_mapping)->Unit(benchmark::kMillisecond);

// One status answer per order through plan_for; sums what it decided so nothing is elided.
void plan_every_order(const world& w, lifecycle_rules& rules) {
  std::int64_t refunded = 0;
  std::uint64_t eligible = 0;
  for (std::size_t i = 0; i < w.orders.size(); ++i) {
    const order& o = w.orders[i];
    order_event e;
    e.kind = event_kind::status_report;
    e.status = map_provider_status(w.raw[i]);
    e.remains = o.remains;
    rules.service = &w.services[static_cast<std::size_t>(o.service_id)];
    const order_plan p = plan_for(o, e, rules);
    refunded += p.refund.amount.micros();
    eligible += p.refill_eligible ? 1 : 0;
  }
  benchmark::DoNotOptimize(refunded);
  benchmark::DoNotOptimize(eligible);
}

// The hot path as the daemon runs it: each status answer goes through the lifecycle's
// plan_for (status -> transition -> refund -> refill eligibility, with the link index probe
// rule 5 needs, done only for orders that pass rules 1-4), the one function the engine's
// poller calls (daemon/engine/poller.cpp apply_status).
void BM_hot_path(benchmark::State& state) {
  auto& w = the_world();
  lifecycle_rules rules;
  rules.now = now + 2 * day;
  rules.policy = &w.policy;
  rules.links = &w.links;
  for (auto _ : state) plan_every_order(w, rules);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(w.orders.size()));
  add_memory_counters(state, w);
}
BENCHMARK(BM_hot_path)->Unit(benchmark::kMillisecond);

// The same without the link history (rule 5 passes trivially), to show what the
// index probe costs.
void BM_hot_path_no_index(benchmark::State& state) {
  auto& w = the_world();
  lifecycle_rules rules;
  rules.now = now + 2 * day;
  rules.policy = &w.policy;
  for (auto _ : state) plan_every_order(w, rules);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(w.orders.size()));
}
BENCHMARK(BM_hot_path_no_index)->Unit(benchmark::kMillisecond);

}  // namespace
