#pragma once
// The PostgreSQL backend of order_store: one writer thread that group-commits, like the SQLite
// journal (store/journal.hpp), over one connection in libpq's pipeline mode. A group (every
// batch queued while the previous commit was in flight, up to the same bounds) goes out as
// BEGIN, the event_clock lock, one prepared statement per op, the count and clock updates and
// COMMIT, followed by one sync: one round trip per group, whatever its size. The completions
// run after the commit's result came back.
//
// Failure isolation: when an op fails, the group is rolled back and written again with each
// batch under a savepoint (a round trip per batch), so only the bad batch fails.
// Connection loss: the group in flight fails with an error naming the server (never the
// password), nothing of it acknowledged. The next group reconnects first (at once after a drop,
// then after a backoff of full jitter doubling from 50 ms to 5 s between failed attempts); a
// group whose attempt fails fails the same way, so while the database is unreachable batches
// fail at most one backoff late instead of queueing without bound.
//
// Several daemons may write one database: seqs come from the locked event_clock (gap-free, in
// commit order), order ids from a sequence, counts by commuting deltas; last_event_seq() and
// orders_by_state() are read back at each commit, so they include the other writers' commits.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace smm::store::pg {

/// Settings of the PostgreSQL store.
struct pg_options {
  std::string dsn;                           ///< libpq connection string (may hold the password)
  std::size_t max_batches_per_commit = 512;  ///< batches one transaction takes
  std::size_t max_ops_per_commit = 4096;     ///< ops one transaction takes (a larger batch goes whole)
  /// Hold the database's writer lock (a session advisory lock) for as long as the writer is
  /// connected: a second exclusive writer is refused. The daemon sets it: until several
  /// daemons claim work with leases (issue 12), a second one would dispatch the same orders.
  bool exclusive = false;
  /// How long an exclusive writer waits for the lock: a daemon killed a moment ago holds it
  /// until its server session notices the connection is gone.
  std::chrono::milliseconds lock_wait{10'000};
};

/// Key of the session advisory lock an exclusive writer holds ("smm-disp").
constexpr std::int64_t writer_lock_key = 0x736d6d2d64697370;

/// Counters of the pipeline, for benchmarks: what the writer sent and how often it waited.
struct pg_wire_stats {
  std::uint64_t statements = 0;   ///< statements sent (ops, frame, savepoints)
  std::uint64_t round_trips = 0;  ///< syncs waited for
  std::uint64_t reconnects = 0;   ///< connections opened after the first
};

/// Thread safety: as order_store.
class pg_store final : public order_store {
 public:
  /// Connects, migrates and starts the writer. Throws pg_error naming the server when the
  /// database cannot be reached, is newer than this build, or a migration fails.
  explicit pg_store(pg_options options);
  /// Commits everything already submitted (or fails it, when the database is gone), then stops.
  ~pg_store() override;
  pg_store(const pg_store&) = delete;
  pg_store& operator=(const pg_store&) = delete;

  void submit(std::vector<journal_op> ops, completion done) override;
  void submit_urgent(std::vector<journal_op> ops, completion done) override;
  journal_stats stats() const override;
  std::int64_t last_event_seq() const override;
  void set_event_sink(event_sink sink) override;
  void collect_events(bool on) override;
  std::array<std::int64_t, state_codes> orders_by_state() const override;
  /// A pg_reader on its own connection.
  std::unique_ptr<store_reader> open_reader() const override;
  /// One nextval of the order_ids sequence (on a connection of its own): a block no other
  /// daemon on the database gets.
  id_block allocate_order_ids() override;
  std::string describe() const override;
  pg_wire_stats wire_stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace smm::store::pg
