// Durable intake through the journal: orders/s committed with synchronous=FULL.
// Baselines (same run, same disk): one transaction per order, the way a naive daemon
// would write; and raw SQLite at its best (BM_raw_sqlite_rows: 6-column rows, WAL,
// synchronous=FULL, 1000-row transactions, one prepared insert), the ceiling the daemon's
// durable intake is compared with (scripts/bench.sh, bench/RESULTS.md row 1).
//   build/release/bench/store/store_journal_bench --benchmark_min_time=2
// The journal file lives in $SMM_BENCH_DIR (default: the current directory), so the
// figure is for a real disk, not tmpfs.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "store/journal.hpp"
#include "store/sqlite.hpp"

namespace fs = std::filesystem;
using namespace smm::store;

namespace {

std::string fresh_path(const char* name) {
  const char* dir = std::getenv("SMM_BENCH_DIR");
  fs::path p = fs::path(dir ? dir : ".") / (std::string(name) + "-" + std::to_string(::getpid()) + ".db");
  fs::remove(p);
  fs::remove(p.string() + "-wal");
  fs::remove(p.string() + "-shm");
  return p.string();
}

void remove_db(const std::string& p) {
  fs::remove(p);
  fs::remove(p + "-wal");
  fs::remove(p + "-shm");
}

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

// Baseline: every order its own transaction and fsync.
void BM_commit_per_order(benchmark::State& state) {
  const auto path = fresh_path("bench-single");
  std::int64_t id = 0;
  {
    journal j({path});
    for (auto _ : state) {
      auto r = j.submit_and_wait({make_order(++id)});
      if (!r.ok) state.SkipWithError(r.error.c_str());
    }
  }
  state.SetItemsProcessed(id);
  remove_db(path);
}
BENCHMARK(BM_commit_per_order)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Raw SQLite, no journal: 6-column rows (as many columns as an order's essentials), WAL,
// synchronous=FULL, 1000 rows per transaction through one prepared statement.
void BM_raw_sqlite_rows(benchmark::State& state) {
  constexpr int rows_per_transaction = 1000;
  const auto path = fresh_path("bench-raw");
  std::int64_t id = 0;
  {
    sqlite_db db(path);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec(
        "CREATE TABLE rows (id INTEGER PRIMARY KEY, panel_order_id TEXT NOT NULL, "
        "service_id INTEGER NOT NULL, link TEXT NOT NULL, quantity INTEGER NOT NULL, "
        "charge_micros INTEGER NOT NULL)");
    sqlite_stmt insert(db, "INSERT INTO rows VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (auto _ : state) {
      db.exec("BEGIN");
      for (int k = 0; k < rows_per_transaction; ++k) {
        const auto o = make_order(++id);
        insert.bind(1, o.id).bind(2, o.panel_order_id).bind(3, o.service_id).bind(4, o.link);
        insert.bind(5, o.quantity).bind(6, o.charge_micros).run();
      }
      db.exec("COMMIT");
    }
  }
  state.SetItemsProcessed(id);
  remove_db(path);
}
BENCHMARK(BM_raw_sqlite_rows)->UseRealTime()->Unit(benchmark::kMillisecond);

// Intake as it runs: `clients` panel connections each submit batches of `batch` orders
// without waiting; the writer takes whatever queued during the previous fsync.
void BM_group_commit(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const int clients = static_cast<int>(state.range(1));
  const auto path = fresh_path("bench-group");
  std::int64_t total = 0;
  {
    journal j({path});
    std::atomic<std::int64_t> next{0};
    for (auto _ : state) {
      // One iteration: 20000 orders from all clients, waited for until all are committed.
      constexpr int per_iteration = 20000;
      std::atomic<int> outstanding{0};
      std::vector<std::thread> ts;
      for (int c = 0; c < clients; ++c) {
        ts.emplace_back([&] {
          for (int sent = 0; sent < per_iteration / clients; sent += batch) {
            std::vector<journal_op> ops;
            ops.reserve(static_cast<std::size_t>(batch));
            for (int k = 0; k < batch; ++k) ops.emplace_back(make_order(next.fetch_add(1) + 1));
            outstanding.fetch_add(1);
            j.submit(std::move(ops), [&](commit_result) { outstanding.fetch_sub(1); });
          }
        });
      }
      for (auto& t : ts) t.join();
      while (outstanding.load() > 0) std::this_thread::yield();
      total += per_iteration;
    }
    state.counters["orders_per_commit"] = static_cast<double>(j.stats().ops) /
                                          static_cast<double>(std::max<std::uint64_t>(1, j.stats().commits));
  }
  state.SetItemsProcessed(total);
  remove_db(path);
}
BENCHMARK(BM_group_commit)
    ->Args({1, 4})
    ->Args({16, 4})
    ->Args({100, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Placement as the journal sees it: each add journals `sending` and then `placed`, one change
// per batch (as the dispatcher submits them), 64 batches at a time; the writer groups them.
void BM_placement_changes(benchmark::State& state) {
  constexpr int orders = 20000;
  constexpr int in_flight = 64;
  const auto path = fresh_path("bench-changes");
  std::int64_t changes = 0;
  {
    journal j({path});
    std::vector<journal_op> inserts;
    for (int id = 1; id <= orders; ++id) inserts.emplace_back(make_order(id));
    if (!j.submit_and_wait(std::move(inserts)).ok) state.SkipWithError("setup insert failed");
    std::int64_t next = 0;  // the order the next change is for; each one goes sending, then placed
    std::uint8_t to = 2;
    for (auto _ : state) {
      std::atomic<int> outstanding{in_flight};
      for (int k = 0; k < in_flight; ++k) {
        if (++next > orders) {
          next = 1;
          to = to == 2 ? 3 : 2;  // the next round: placed, then sending again (re-sends)
        }
        state_change c;
        c.order_id = next;
        c.old_state = static_cast<std::uint8_t>(to - 1);
        c.new_state = to;
        c.provider = "p" + std::to_string(next % 20);
        c.at = 1700000001;
        if (to == 2) c.sent_at = c.at;
        if (to == 3) {
          c.provider_order_id = std::to_string(1000000 + next);
          c.placed_at = c.at;
        }
        j.submit({std::move(c)}, [&](commit_result) { outstanding.fetch_sub(1); });
      }
      while (outstanding.load() > 0) std::this_thread::yield();
      changes += in_flight;
    }
  }
  state.SetItemsProcessed(changes);
  remove_db(path);
}
BENCHMARK(BM_placement_changes)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
