// Group-commit intake on each store backend in the same run: orders/s committed durably by
// the SQLite journal (WAL, synchronous=FULL) and by the PostgreSQL store (a throwaway server
// with fsync on, on the same disk, over its unix socket), with what each order costs the
// database: orders per commit, and for PostgreSQL statements and round trips per order.
// Four producer threads submit one-order batches as intake does; the writer groups them.
//   build/release/bench/store/store_backends_bench
// The SQLite file lives in $SMM_BENCH_DIR (default: the current directory).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "store/open_store.hpp"
#include "store/postgresql/pg_store.hpp"
#include "tests/support/pg_server.hpp"

namespace fs = std::filesystem;
using namespace smm::store;

namespace {

constexpr int producers = 4;
constexpr int orders_per_producer = 5000;

order_insert make_order(std::int64_t id) {
  order_insert o;
  o.id = id;
  o.panel_order_id = std::to_string(id);
  o.request_hash = id;
  o.service_id = 1 + id % 7;
  o.link = "https://instagram.com/user" + std::to_string(id % 100000);
  o.link_key = o.link;
  o.quantity = 1000;
  o.charge_micros = 900000;
  o.state = 1;
  o.at = 1700000000;
  return o;
}

// Every producer submits its orders one batch each; returns when all have committed.
void run_intake(order_store& s, std::int64_t first_id) {
  std::atomic<int> left{producers * orders_per_producer};
  std::promise<void> all_done;
  std::vector<std::thread> threads;
  for (int t = 0; t < producers; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < orders_per_producer; ++i)
        s.submit({make_order(first_id + t * orders_per_producer + i)}, [&](commit_result r) {
          if (!r.ok) std::abort();  // a benchmark of failures measures nothing
          if (left.fetch_sub(1) == 1) all_done.set_value();
        });
    });
  for (auto& t : threads) t.join();
  all_done.get_future().get();
}

void report(benchmark::State& state, const order_store& s, std::int64_t orders) {
  state.SetItemsProcessed(orders);
  const auto st = s.stats();
  state.counters["orders_per_commit"] = benchmark::Counter(
      static_cast<double>(st.ops) / static_cast<double>(std::max<std::uint64_t>(1, st.commits)));
  state.counters["orders_per_s"] =
      benchmark::Counter(static_cast<double>(orders), benchmark::Counter::kIsRate);
}

void BM_group_commit_sqlite(benchmark::State& state) {
  const char* dir = std::getenv("SMM_BENCH_DIR");
  const fs::path path = fs::path(dir ? dir : ".") / ("bench-backends-" + std::to_string(::getpid()) + ".db");
  std::int64_t orders = 0;
  {
    store_options o;
    o.path = path.string();
    auto s = open_store(o);
    for (auto _ : state) {
      run_intake(*s, orders + 1);
      orders += producers * orders_per_producer;
    }
    report(state, *s, orders);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
}

void BM_group_commit_postgresql(benchmark::State& state) {
  smm::test::pg_server server(true);  // fsync on: as durable as SQLite's synchronous=FULL
  store_options o;
  o.backend = backend_kind::postgresql;
  o.dsn = server.create_database("bench");
  std::int64_t orders = 0;
  auto s = open_store(o);
  for (auto _ : state) {
    run_intake(*s, orders + 1);
    orders += producers * orders_per_producer;
  }
  report(state, *s, orders);
  const auto wire = dynamic_cast<const pg::pg_store&>(*s).wire_stats();
  state.counters["statements_per_order"] =
      benchmark::Counter(static_cast<double>(wire.statements) / static_cast<double>(orders));
  state.counters["round_trips_per_order"] =
      benchmark::Counter(static_cast<double>(wire.round_trips) / static_cast<double>(orders));
}

BENCHMARK(BM_group_commit_sqlite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_group_commit_postgresql)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
