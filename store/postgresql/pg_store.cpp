#include "store/postgresql/pg_store.hpp"

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "store/postgresql/pg_ops.hpp"
#include "store/postgresql/pg_reader.hpp"
#include "store/postgresql/pg_schema.hpp"

namespace smm::store::pg {
namespace {

using clock_type = std::chrono::steady_clock;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::chrono::milliseconds backoff_first{50};
constexpr std::chrono::milliseconds backoff_cap{5000};

// The next result of the pipeline, with the empty result that ends each query's consumed (a
// sync has none). No result at all: the connection broke under us.
pg_result next_result(pg_connection& c) {
  PGresult* raw = PQgetResult(c.get());
  if (raw == nullptr) throw c.failure("reading a pipeline result");
  pg_result r(raw);
  if (r.status() != PGRES_PIPELINE_SYNC)
    while (PGresult* extra = PQgetResult(c.get())) PQclear(extra);
  return r;
}

// Skips what is left of an aborted pipeline, up to and including its sync. One empty result
// ends each aborted query's; two in a row mean nothing more will come (the connection broke).
void drain_to_sync(pg_connection& c) {
  for (bool after_null = false;;) {
    PGresult* raw = PQgetResult(c.get());
    if (raw == nullptr) {
      if (after_null || !c.alive()) throw c.failure("reading a pipeline result");
      after_null = true;
      continue;
    }
    after_null = false;
    const pg_result r(raw);
    if (r.status() == PGRES_PIPELINE_SYNC) return;
  }
}

void sync(pg_connection& c) {
  if (PQpipelineSync(c.get()) == 0) throw c.failure("sending a pipeline sync");
}

// A frame statement's result must be good: else the group fails as a whole.
void expect_ok(pg_connection& c, const pg_result& r, const char* what) {
  if (!r.ok()) throw c.failure(what, r);
}

}  // namespace

struct pg_store::impl {
  struct pending {
    std::vector<journal_op> ops;
    completion done;
    commit_result result;
  };

  explicit impl(pg_options o) : options(std::move(o)), where(describe_dsn(options.dsn)) {
    connect();
    writer = std::thread([this] { run(); });
  }

  ~impl() {
    stopping.store(true, std::memory_order_release);
    queue.enqueue(nullptr);  // wake the writer
    writer.join();
  }

  // A new writer connection: migrated, statements prepared, the counts and clock read, in
  // pipeline mode. Throws pg_error naming the server.
  void connect() {
    auto c = std::make_unique<pg_connection>(options.dsn);
    if (options.exclusive && !take_writer_lock(*c))
      throw pg_error("another smm-dispatchd writes to the PostgreSQL store at " + where +
                         " (it holds the writer lock): one daemon per database until claims and leases"
                         " let several share it",
                     false);
    migrate(*c);
    prepare_writer(*c);
    const auto seq = c->query("SELECT last_seq FROM event_clock WHERE id = 1");
    last_seq.store(seq.integer(0, 0), std::memory_order_release);
    store_counts(c->query("SELECT state, n FROM order_counts"));
    if (PQenterPipelineMode(c->get()) == 0) throw c->failure("entering pipeline mode");
    conn = std::move(c);
  }

  // The writer lock, retried for lock_wait: the session of a daemon killed a moment ago keeps
  // it until the server notices.
  bool take_writer_lock(pg_connection& c) const {
    const std::string sql = "SELECT pg_try_advisory_lock(" + std::to_string(writer_lock_key) + ")";
    const auto give_up = clock_type::now() + options.lock_wait;
    for (;;) {
      if (c.query(sql).text(0, 0) == "t") return true;
      if (clock_type::now() >= give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Before a group: a connection, or one attempt at one once the backoff has passed.
  void ensure_connected() {
    if (conn) return;
    std::this_thread::sleep_until(next_attempt);
    try {
      connect();
      reconnects.fetch_add(1, std::memory_order_relaxed);
      backoff = backoff_first;
    } catch (const pg_error&) {
      // Full jitter, doubling up to the cap: daemons losing one database do not return in step.
      backoff = std::min(backoff * 2, backoff_cap);
      std::uniform_int_distribution<std::int64_t> pick(0, backoff.count());
      next_attempt = clock_type::now() + std::chrono::milliseconds(pick(rng));
      throw;
    }
  }

  void store_counts(const pg_result& r) {
    std::array<std::int64_t, state_codes> counts{};
    for (int i = 0; i < r.rows(); ++i) {
      const auto code = r.integer(i, 0);
      if (code >= 0 && code < static_cast<std::int64_t>(counts.size()))
        counts[static_cast<std::size_t>(code)] = r.integer(i, 1);
    }
    for (std::size_t i = 0; i < counts.size(); ++i) by_state[i].store(counts[i], std::memory_order_relaxed);
  }

  // Each group: urgent batches first, then the others in the order submitted, within the
  // bounds (as the SQLite journal's writer, store/journal.cpp).
  void run() {
    const std::size_t max_batches = std::max<std::size_t>(1, options.max_batches_per_commit);
    std::vector<pending*> buf(max_batches), group;
    std::deque<pending*> urgent_carry, carry;
    group.reserve(max_batches);
    for (;;) {
      group.clear();
      std::size_t ops = 0;
      auto fill = [&](std::deque<pending*>& from) {
        while (!from.empty() && group.size() < max_batches &&
               (group.empty() || ops + from.front()->ops.size() <= options.max_ops_per_commit)) {
          ops += from.front()->ops.size();
          group.push_back(from.front());
          from.pop_front();
        }
      };
      auto drain = [&](auto& q, std::deque<pending*>& to) {
        for (std::size_t n; to.size() < max_batches && (n = q.try_dequeue_bulk(buf.data(), buf.size())) > 0;)
          for (std::size_t i = 0; i < n; ++i)
            if (buf[i]) to.push_back(buf[i]);
      };
      drain(urgent, urgent_carry);
      fill(urgent_carry);
      if (carry.empty()) drain(queue, carry);
      fill(carry);
      if (group.empty()) {
        if (stopping.load(std::memory_order_acquire) && queue.size_approx() == 0 && urgent.size_approx() == 0)
          break;
        const std::size_t n = queue.wait_dequeue_bulk(buf.data(), buf.size());
        for (std::size_t i = 0; i < n; ++i)
          if (buf[i]) carry.push_back(buf[i]);
        continue;
      }
      commit_group(group.data(), group.size());
      queued.fetch_sub(group.size(), std::memory_order_relaxed);
    }
  }

  void commit_group(pending** batches, std::size_t n) {
    std::string group_error;
    group_events.clear();
    std::shared_ptr<const event_sink> group_sink;
    if (collect.load(std::memory_order_acquire)) {
      std::lock_guard lock(sink_mutex);
      group_sink = sink;
    }
    collecting = group_sink != nullptr;
    try {
      ensure_connected();
      if (!write_pipelined(batches, n)) {
        group_events.clear();
        write_isolated(batches, n);
      }
      if (!group_events.empty() && group_sink) (*group_sink)(std::move(group_events));
    } catch (const std::exception& e) {
      group_error = e.what();
      // The pipeline's state is unknown after a throw: a new connection for the next group
      // (at once unless the server went away, then after the backoff).
      const auto* pe = dynamic_cast<const pg_error*>(&e);
      if (pe == nullptr || !pe->connection_lost()) next_attempt = clock_type::now();
      conn.reset();
    }
    group_events.clear();
    std::uint64_t ok_batches = 0, ok_ops = 0, failed = 0;
    for (std::size_t i = 0; i < n; ++i) {
      pending* p = batches[i];
      if (!group_error.empty())
        p->result = commit_result{false, "journal commit failed: " + group_error, {}, {}};
      if (p->result.ok) {
        ++ok_batches;
        ok_ops += p->ops.size();
      } else {
        ++failed;
      }
      if (p->done) p->done(std::move(p->result));
      delete p;
    }
    if (group_error.empty()) commits.fetch_add(1, std::memory_order_relaxed);
    batches_done.fetch_add(ok_batches, std::memory_order_relaxed);
    ops_done.fetch_add(ok_ops, std::memory_order_relaxed);
    failed_batches.fetch_add(failed, std::memory_order_relaxed);
  }

  static void reset_result(pending& p) {
    p.result = commit_result{};
    p.result.outcomes.reserve(p.ops.size());
    p.result.event_seq.reserve(p.ops.size());
  }

  void count_statements(std::size_t k) { statements.fetch_add(k, std::memory_order_relaxed); }
  void count_round_trip() { round_trips.fetch_add(1, std::memory_order_relaxed); }

  // Reads the finish statements and the commit: the new clock and counts.
  void take_finish(pg_connection& c) {
    expect_ok(c, next_result(c), "adding the per-state counts");
    const auto clock = next_result(c);
    expect_ok(c, clock, "advancing the event clock");
    const auto counts = next_result(c);
    expect_ok(c, counts, "reading the per-state counts");
    expect_ok(c, next_result(c), "committing");
    last_seq.store(clock.integer(0, 0), std::memory_order_release);
    store_counts(counts);
  }

  // The whole group in one pipeline, one sync. False when an op failed (the transaction is
  // rolled back then): the caller writes the group again, each batch isolated.
  bool write_pipelined(pending** batches, std::size_t n) {
    pg_connection& c = *conn;
    const std::int64_t now = unix_now();
    std::size_t sent = 0;
    send_begin(c);
    send_lock_clock(c);
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& op : batches[i]->ops) {
        send_op(c, op, now);
        ++sent;
      }
    send_finish(c);
    send_commit(c);
    sync(c);
    count_statements(sent + 3 + finish_statements);
    count_round_trip();

    expect_ok(c, next_result(c), "BEGIN");
    expect_ok(c, next_result(c), "locking the event clock");
    for (std::size_t i = 0; i < n; ++i) {
      pending& p = *batches[i];
      reset_result(p);
      for (const auto& op : p.ops) {
        const auto res = next_result(c);
        if (!res.ok()) {
          if (auto e = c.failure("writing a group", res); e.connection_lost()) throw e;
          drain_to_sync(c);
          rollback(c);
          return false;
        }
        take_op_result(op, res, p.result, collecting ? &group_events : nullptr);
      }
      p.result.ok = true;
    }
    take_finish(c);
    if (next_result(c).status() != PGRES_PIPELINE_SYNC) throw c.failure("ending a group's pipeline");
    return true;
  }

  void rollback(pg_connection& c) {
    send_rollback(c);
    sync(c);
    count_statements(1);
    count_round_trip();
    expect_ok(c, next_result(c), "ROLLBACK");
    if (next_result(c).status() != PGRES_PIPELINE_SYNC) throw c.failure("ending a rollback's pipeline");
  }

  // The group again, each batch under a savepoint in a round trip of its own: a failing
  // batch is rolled back to its savepoint (and the seq counter with it) and fails alone.
  void write_isolated(pending** batches, std::size_t n) {
    pg_connection& c = *conn;
    const std::int64_t now = unix_now();
    send_begin(c);
    send_lock_clock(c);
    sync(c);
    count_statements(2);
    count_round_trip();
    expect_ok(c, next_result(c), "BEGIN");
    const auto base = next_result(c);
    expect_ok(c, base, "locking the event clock");
    std::int64_t mark = base.integer(0, 0);
    if (next_result(c).status() != PGRES_PIPELINE_SYNC) throw c.failure("ending a pipeline");

    for (std::size_t i = 0; i < n; ++i) {
      pending& p = *batches[i];
      reset_result(p);
      send_savepoint(c);
      for (const auto& op : p.ops) send_op(c, op, now);
      send_release(c);
      sync(c);
      count_statements(p.ops.size() + 2);
      count_round_trip();
      const auto events_before = group_events.size();
      std::int64_t batch_mark = mark;
      std::string error;
      expect_ok(c, next_result(c), "SAVEPOINT");
      for (const auto& op : p.ops) {
        const auto res = next_result(c);
        if (!res.ok()) {
          if (auto e = c.failure("writing a batch", res); e.connection_lost()) throw e;
          error = res.error();
          break;
        }
        batch_mark =
            std::max(batch_mark, take_op_result(op, res, p.result, collecting ? &group_events : nullptr));
      }
      if (error.empty()) {
        expect_ok(c, next_result(c), "RELEASE SAVEPOINT");
        if (next_result(c).status() != PGRES_PIPELINE_SYNC) throw c.failure("ending a batch's pipeline");
        p.result.ok = true;
        mark = batch_mark;
        continue;
      }
      drain_to_sync(c);
      group_events.resize(events_before);  // their seqs are written again by the next batches
      send_rollback_to_savepoint(c);
      send_release(c);
      send_reset_seq(c, mark);
      sync(c);
      count_statements(3);
      count_round_trip();
      expect_ok(c, next_result(c), "ROLLBACK TO SAVEPOINT");
      expect_ok(c, next_result(c), "RELEASE SAVEPOINT");
      expect_ok(c, next_result(c), "resetting the event seq");
      if (next_result(c).status() != PGRES_PIPELINE_SYNC) throw c.failure("ending a batch's pipeline");
      p.result = commit_result{false, "journal rejected batch: " + error, {}, {}};
    }
    send_finish(c);
    send_commit(c);
    sync(c);
    count_statements(finish_statements + 1);
    count_round_trip();
    take_finish(c);
    if (next_result(c).status() != PGRES_PIPELINE_SYNC) throw c.failure("ending a group's pipeline");
  }

  pg_options options;
  const std::string where;
  std::unique_ptr<pg_connection> conn;  // writer only; null while the database is unreachable
  clock_type::time_point next_attempt = clock_type::now();  // writer only
  std::chrono::milliseconds backoff = backoff_first;        // writer only
  std::minstd_rand rng{std::random_device{}()};             // writer only
  moodycamel::BlockingConcurrentQueue<pending*> queue;      // normal batches, and wake-ups
  moodycamel::ConcurrentQueue<pending*> urgent;             // written first
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> commits{0}, batches_done{0}, ops_done{0}, failed_batches{0}, queued{0};
  std::atomic<std::uint64_t> statements{0}, round_trips{0}, reconnects{0};
  std::array<std::atomic<std::int64_t>, state_codes> by_state{};
  std::atomic<std::int64_t> last_seq{0};
  std::mutex sink_mutex;
  std::shared_ptr<const event_sink> sink;  // guarded by sink_mutex
  std::atomic<bool> collect{false};
  bool collecting = false;              // writer only: this group's events are collected
  std::vector<event_row> group_events;  // writer only
  std::mutex id_mutex;
  std::unique_ptr<pg_connection> id_conn;  // guarded by id_mutex: allocate_order_ids()'s own
  std::thread writer;
};

pg_store::pg_store(pg_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
pg_store::~pg_store() = default;

void pg_store::submit(std::vector<journal_op> ops, completion done) {
  impl_->queued.fetch_add(1, std::memory_order_relaxed);
  impl_->queue.enqueue(new impl::pending{std::move(ops), std::move(done), {}});
}

void pg_store::submit_urgent(std::vector<journal_op> ops, completion done) {
  impl_->queued.fetch_add(1, std::memory_order_relaxed);
  impl_->urgent.enqueue(new impl::pending{std::move(ops), std::move(done), {}});
  impl_->queue.enqueue(nullptr);  // wake the writer if it sleeps
}

journal_stats pg_store::stats() const {
  return journal_stats{impl_->commits.load(), impl_->batches_done.load(), impl_->ops_done.load(),
                       impl_->failed_batches.load(), impl_->queued.load()};
}

pg_wire_stats pg_store::wire_stats() const {
  return pg_wire_stats{impl_->statements.load(), impl_->round_trips.load(), impl_->reconnects.load()};
}

std::int64_t pg_store::last_event_seq() const { return impl_->last_seq.load(std::memory_order_acquire); }

void pg_store::set_event_sink(event_sink sink) {
  auto s = sink ? std::make_shared<const event_sink>(std::move(sink)) : nullptr;
  std::lock_guard lock(impl_->sink_mutex);
  impl_->sink = std::move(s);
}

void pg_store::collect_events(bool on) { impl_->collect.store(on, std::memory_order_release); }

std::array<std::int64_t, order_store::state_codes> pg_store::orders_by_state() const {
  std::array<std::int64_t, state_codes> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = impl_->by_state[i].load(std::memory_order_relaxed);
  return out;
}

std::unique_ptr<store_reader> pg_store::open_reader() const {
  return std::make_unique<pg_reader>(impl_->options.dsn);
}

id_block pg_store::allocate_order_ids() {
  std::lock_guard lock(impl_->id_mutex);
  // One retry on a fresh connection: the database may have restarted since the last block.
  for (int attempt = 0;; ++attempt) {
    try {
      if (!impl_->id_conn) impl_->id_conn = std::make_unique<pg_connection>(impl_->options.dsn);
      const auto r = impl_->id_conn->query(
          "SELECT nextval('order_ids'), (SELECT increment_by FROM pg_sequences"
          " WHERE schemaname = current_schema() AND sequencename = 'order_ids')");
      return id_block{r.integer(0, 0), r.integer(0, 1)};
    } catch (const pg_error&) {
      impl_->id_conn.reset();
      if (attempt > 0) throw;
    }
  }
}

std::string pg_store::describe() const { return "PostgreSQL store at " + impl_->where; }

}  // namespace smm::store::pg
