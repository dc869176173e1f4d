#pragma once
// The durable journal: SQLite in WAL mode with synchronous=FULL, written by one thread
// that group-commits. Producers submit batches of ops from any thread; the writer takes
// everything queued while the previous commit was on disk and writes it in one
// transaction, so throughput grows with load while each batch still waits for exactly
// one fsync. A batch's completion runs only after the commit that holds it: that is
// the moment the daemon may acknowledge an order to a panel.
//
// A group is written without savepoints, since nearly every batch applies; when one fails (a
// constraint, a bug) the group is rolled back and written again with each batch isolated by
// a savepoint, so the failed batch alone is reported and the others still commit.
// Checkpoints run on a thread of their own, never inside a commit.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/records.hpp"

namespace smm::store {

/// Settings of the journal.
struct journal_options {
  std::string path;                          ///< database file; created if missing
  std::size_t max_batches_per_commit = 512;  ///< how many submitted batches one transaction takes
  /// How many ops one transaction takes (a single larger batch still goes whole): bounds how
  /// long an urgent batch can wait behind a group already being written.
  std::size_t max_ops_per_commit = 4096;
  /// How many normal ops a transaction with urgent batches takes besides them: the urgent ones
  /// wait for its commit (an add holds its provider slot meanwhile).
  std::size_t max_ops_beside_urgent = 256;
};

/// Counters of the writer, readable from any thread.
struct journal_stats {
  std::uint64_t commits = 0;  ///< transactions committed
  std::uint64_t batches = 0;  ///< submitted batches committed
  std::uint64_t ops = 0;      ///< ops committed
  std::uint64_t failed_batches = 0;
  std::uint64_t queued = 0;  ///< batches waiting for the writer now (approximate)
};

/// Thread safety: submit() and stats() from any thread; completions run on the writer thread
/// and must not block (post the answer to the connection's executor).
class journal {
 public:
  using completion = std::function<void(commit_result)>;

  /// Opens (creating and migrating as needed) and starts the writer thread.
  /// Throws sqlite_error with the path and SQLite's reason when the file cannot be used.
  explicit journal(journal_options options);
  /// Commits everything already submitted, then stops the writer.
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// Queues a batch; `done` runs once it is committed or has failed.
  void submit(std::vector<journal_op> ops, completion done);
  /// The same, written in the next group ahead of every normal batch waiting: for a change
  /// something waits on (an add holds its provider slot until its `sending` is durable).
  void submit_urgent(std::vector<journal_op> ops, completion done);
  /// submit() and wait for the result (recovery, admin commands, tests).
  commit_result submit_and_wait(std::vector<journal_op> ops);

  journal_stats stats() const;
  /// The highest event seq committed so far (0: none). Any thread.
  std::int64_t last_event_seq() const;

  /// Receives, on the writer thread right after each commit and before its completions, the
  /// events that commit wrote, in seq order, while collect_events(true) (a live subscriber
  /// needs them: no read-back). Replaces the previous sink (any thread); must not block.
  using event_sink = std::function<void(std::vector<event_row>)>;
  void set_event_sink(event_sink sink);
  /// Any thread; takes effect from the next group (one before it may pass no events).
  void collect_events(bool on);
  const std::string& path() const;

  /// State codes orders_by_state() covers (the daemon uses fewer).
  static constexpr std::size_t state_codes = 32;
  /// Orders in the whole journal per state code, as of the last commit (schema v4's
  /// order_counts, kept by the writer: read at open, then moved by each commit). Any thread.
  std::array<std::int64_t, state_codes> orders_by_state() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Read-only queries on its own connection (WAL lets it read while the writer writes).
/// Thread safety: one thread at a time per reader; open one reader per thread.
class journal_reader {
 public:
  explicit journal_reader(const std::string& path);
  ~journal_reader();
  journal_reader(const journal_reader&) = delete;
  journal_reader& operator=(const journal_reader&) = delete;

  /// Every order not yet final, in id order (recovery at start).
  std::vector<order_row> open_orders();
  /// One order by the panel's id.
  std::optional<order_row> find_order(const std::string& panel_order_id);
  /// The daemon id of the order placed with `provider` under `provider_order_id`, if any
  /// (the orders_provider_order index, schema v4).
  std::optional<std::int64_t> find_by_provider_order(const std::string& provider,
                                                     const std::string& provider_order_id);
  /// What is left of an order retention purged, by the panel's id (its panel id stays taken).
  std::optional<purged_order> find_purged(const std::string& panel_order_id);
  /// Calls `f(panel_order_id)` for every final order (the engine keeps only their hashes).
  void for_each_final_panel_id(const std::function<void(std::string_view)>& f);
  /// One order by the daemon's id.
  std::optional<order_row> find_order(std::int64_t order_id);
  /// Orders in one state with id > after_id, ascending, at most `limit` (admin listing: the
  /// orders_state_id index, schema v5).
  std::vector<order_row> orders_in_state(std::uint8_t state, std::int64_t after_id, std::size_t limit);
  /// Events with seq > after_seq, oldest first, at most `limit`.
  std::vector<event_row> events_since(std::int64_t after_seq, std::size_t limit);
  /// Events of one order, oldest first.
  std::vector<event_row> order_events(std::int64_t order_id);
  /// The highest event seq ever written (0 if none).
  std::int64_t last_event_seq();
  /// The highest order id ever written (0 if none): intake continues after it.
  std::int64_t last_order_id();
  /// Number of orders per state code, from the counts the journal keeps (no table scan);
  /// states without orders are left out.
  std::vector<std::pair<std::uint8_t, std::int64_t>> count_by_state();
  /// Every provider pause row (schema v4), paused or resumed, by provider name.
  std::vector<provider_pause_row> provider_pauses();

  /// The order's latest refill request (highest attempt), if it ever had one.
  std::optional<refill_row> latest_refill(std::int64_t order_id);
  /// The latest refill request of every order whose latest one is in one of `states`
  /// (refill_state codes), in order id order (recovery: refills to follow or settle).
  std::vector<refill_row> latest_refills_in(const std::vector<std::uint8_t>& states);
  /// The earliest placement time of the orders that ended in one of `states` at or after
  /// `final_since` (recovery: where the placements refill rule 5 may compare start).
  std::optional<std::int64_t> earliest_placement_of_final(std::int64_t final_since,
                                                          const std::vector<std::uint8_t>& states);
  /// Calls `f` for every order placed at or after `since` (by the orders_placed_at index).
  void for_each_placement_since(std::int64_t since, const std::function<void(const placement_row&)>& f);

  /// One of our orders at a provider, as reconciliation brackets an unknown add with it
  /// (docs/rules.md "Unknown orders").
  struct bracket_order {
    std::int64_t order_id = 0;
    std::string provider_order_id;
    std::int64_t placed_at = 0;
    std::optional<std::int64_t> sent_at;
  };
  /// Where first_sent_after() goes on: a placement (placed_at, order id) already walked.
  struct placement_cursor {
    std::int64_t placed_at = 0;
    std::int64_t order_id = 0;
  };
  /// Our order at `provider` with a provider order id and the latest placement strictly before
  /// `placed_before` (unix seconds), walking the orders_placed_at index down from there.
  std::optional<bracket_order> last_placed_before(const std::string& provider, std::int64_t placed_before);
  /// Walks at most `max_rows` placements (any provider) after `*from`, in (placed_at, id) order
  /// (the orders_placed_at index), for the first order at `provider` with a provider order id
  /// and a sent_at after `sent_after`. `*from` moves to the last placement walked, so a later
  /// call goes on from there: the cost is bounded per call, whatever the journal holds.
  std::optional<bracket_order> first_sent_after(const std::string& provider, std::int64_t sent_after,
                                                placement_cursor* from, std::size_t max_rows);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace smm::store
