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
#include "store/store.hpp"

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

/// The SQLite backend of order_store.
/// Thread safety: every method from any thread; completions run on the writer thread
/// and must not block (post the answer to the connection's executor).
class journal final : public order_store {
 public:
  /// Opens (creating and migrating as needed) and starts the writer thread.
  /// Throws sqlite_error with the path and SQLite's reason when the file cannot be used.
  explicit journal(journal_options options);
  /// Commits everything already submitted, then stops the writer.
  ~journal() override;
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  void submit(std::vector<journal_op> ops, completion done) override;
  void submit_urgent(std::vector<journal_op> ops, completion done) override;
  journal_stats stats() const override;
  std::int64_t last_event_seq() const override;
  void set_event_sink(event_sink sink) override;
  void collect_events(bool on) override;
  /// Kept by the writer (schema v4's order_counts): read at open, then moved by each commit.
  std::array<std::int64_t, state_codes> orders_by_state() const override;
  /// A journal_reader on this file.
  std::unique_ptr<store_reader> open_reader() const override;
  /// In memory: blocks of ids after the highest id the journal holds or has handed out (one
  /// daemon owns an SQLite journal, journal_lock.hpp), so a restart continues after the
  /// last id written, as before.
  id_block allocate_order_ids() override;
  std::string describe() const override;
  const std::string& path() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The SQLite backend of store_reader: read-only queries on its own connection (WAL lets it
/// read while the writer writes).
/// Thread safety: one thread at a time per reader; open one reader per thread.
class journal_reader final : public store_reader {
 public:
  explicit journal_reader(const std::string& path);
  ~journal_reader() override;
  journal_reader(const journal_reader&) = delete;
  journal_reader& operator=(const journal_reader&) = delete;

  std::vector<order_row> open_orders() override;
  std::optional<order_row> find_order(const std::string& panel_order_id) override;
  /// Uses the orders_provider_order index (schema v4).
  std::optional<std::int64_t> find_by_provider_order(const std::string& provider,
                                                     const std::string& provider_order_id) override;
  std::optional<purged_order> find_purged(const std::string& panel_order_id) override;
  void for_each_final_panel_id(const std::function<void(std::string_view)>& f) override;
  std::optional<order_row> find_order(std::int64_t order_id) override;
  /// Walks the orders_state_id index (schema v5).
  std::vector<order_row> orders_in_state(std::uint8_t state, std::int64_t after_id,
                                         std::size_t limit) override;
  std::vector<event_row> events_since(std::int64_t after_seq, std::size_t limit) override;
  std::vector<event_row> order_events(std::int64_t order_id) override;
  std::int64_t last_event_seq() override;
  std::int64_t last_order_id() override;
  std::vector<std::pair<std::uint8_t, std::int64_t>> count_by_state() override;
  std::vector<provider_pause_row> provider_pauses() override;
  std::optional<refill_row> latest_refill(std::int64_t order_id) override;
  std::vector<refill_row> latest_refills_in(const std::vector<std::uint8_t>& states) override;
  std::optional<std::int64_t> earliest_placement_of_final(std::int64_t final_since,
                                                          const std::vector<std::uint8_t>& states) override;
  /// By the orders_placed_at index.
  void for_each_placement_since(std::int64_t since,
                                const std::function<void(const placement_row&)>& f) override;
  /// Walks the orders_placed_at index down from `placed_before`.
  std::optional<bracket_order> last_placed_before(const std::string& provider,
                                                  std::int64_t placed_before) override;
  /// Walks the orders_placed_at index.
  std::optional<bracket_order> first_sent_after(const std::string& provider, std::int64_t sent_after,
                                                placement_cursor* from, std::size_t max_rows) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace smm::store
