#pragma once
// What the engine needs of a durable store, whichever database holds it: the writer side
// (order_store: batches of ops group-committed by one writer thread, a completion after the
// commit that holds them) and the query side (store_reader: one per thread). The SQLite
// journal (store/journal.hpp) and the PostgreSQL store (store/postgresql/) implement them;
// store/open_store.hpp opens either from store_options, so nothing above store/ knows which
// one it runs on.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/records.hpp"

namespace smm::store {

/// Counters of the writer, readable from any thread.
struct journal_stats {
  std::uint64_t commits = 0;  ///< transactions committed
  std::uint64_t batches = 0;  ///< submitted batches committed
  std::uint64_t ops = 0;      ///< ops committed
  std::uint64_t failed_batches = 0;
  std::uint64_t queued = 0;  ///< batches waiting for the writer now (approximate)
};

/// A block of order ids no other writer of the same store is handed: [first, first + count).
struct id_block {
  std::int64_t first = 0;
  std::int64_t count = 0;
};

class store_reader;

/// The writer side of a store.
/// Thread safety: every method from any thread; completions run on the writer thread and must
/// not block (post the answer to the connection's executor).
class order_store {
 public:
  using completion = std::function<void(commit_result)>;
  /// Receives the events one commit wrote (see set_event_sink).
  using event_sink = std::function<void(std::vector<event_row>)>;
  /// State codes orders_by_state() covers (the daemon uses fewer).
  static constexpr std::size_t state_codes = 32;

  virtual ~order_store() = default;

  /// Queues a batch; `done` runs once it is committed or has failed.
  virtual void submit(std::vector<journal_op> ops, completion done) = 0;
  /// The same, written in the next group ahead of every normal batch waiting: for a change
  /// something waits on (an add holds its provider slot until its `sending` is durable).
  virtual void submit_urgent(std::vector<journal_op> ops, completion done) = 0;
  /// submit() and wait for the result (recovery, admin commands, tests).
  commit_result submit_and_wait(std::vector<journal_op> ops);

  virtual journal_stats stats() const = 0;
  /// The highest event seq committed so far (0: none). Any thread.
  virtual std::int64_t last_event_seq() const = 0;
  /// Receives, on the writer thread right after each commit and before its completions, the
  /// events that commit wrote, in seq order, while collect_events(true) (a live subscriber
  /// needs them: no read-back). Replaces the previous sink (any thread); must not block.
  virtual void set_event_sink(event_sink sink) = 0;
  /// Any thread; takes effect from the next group (one before it may pass no events).
  virtual void collect_events(bool on) = 0;
  /// Orders in the whole store per state code, as of the last commit. Any thread.
  virtual std::array<std::int64_t, state_codes> orders_by_state() const = 0;

  /// A new reader on its own connection, for one thread at a time.
  virtual std::unique_ptr<store_reader> open_reader() const = 0;
  /// Fresh order ids for intake: never handed out before, by this writer or any other of
  /// the same store, and above every id already written. Blocks on the database where the
  /// ids come from it (PostgreSQL: a sequence, one round trip per block).
  virtual id_block allocate_order_ids() = 0;
  /// Where the store lives, for logs and errors: a file, or host and database (no password).
  virtual std::string describe() const = 0;
};

/// Read-only queries on their own connection.
/// Thread safety: one thread at a time per reader; open one reader per thread.
class store_reader {
 public:
  virtual ~store_reader() = default;

  /// Every order not yet final, in id order (recovery at start).
  virtual std::vector<order_row> open_orders() = 0;
  /// One order by the panel's id.
  virtual std::optional<order_row> find_order(const std::string& panel_order_id) = 0;
  /// One order by the daemon's id.
  virtual std::optional<order_row> find_order(std::int64_t order_id) = 0;
  /// The daemon id of the order placed with `provider` under `provider_order_id`, if any.
  virtual std::optional<std::int64_t> find_by_provider_order(const std::string& provider,
                                                             const std::string& provider_order_id) = 0;
  /// What is left of an order retention purged, by the panel's id (its panel id stays taken).
  virtual std::optional<purged_order> find_purged(const std::string& panel_order_id) = 0;
  /// Calls `f(panel_order_id)` for every final order (the engine keeps only their hashes).
  virtual void for_each_final_panel_id(const std::function<void(std::string_view)>& f) = 0;
  /// Orders in one state with id > after_id, ascending, at most `limit` (admin listing).
  virtual std::vector<order_row> orders_in_state(std::uint8_t state, std::int64_t after_id,
                                                 std::size_t limit) = 0;
  /// Events with seq > after_seq, oldest first, at most `limit`.
  virtual std::vector<event_row> events_since(std::int64_t after_seq, std::size_t limit) = 0;
  /// Events of one order, oldest first.
  virtual std::vector<event_row> order_events(std::int64_t order_id) = 0;
  /// The highest event seq ever committed (0 if none).
  virtual std::int64_t last_event_seq() = 0;
  /// The highest order id ever written (0 if none).
  virtual std::int64_t last_order_id() = 0;
  /// Number of orders per state code, from the counts the store keeps (no table scan);
  /// states without orders are left out.
  virtual std::vector<std::pair<std::uint8_t, std::int64_t>> count_by_state() = 0;
  /// Every provider pause row, paused or resumed, by provider name then source.
  virtual std::vector<provider_pause_row> provider_pauses() = 0;

  /// The order's latest refill request (highest attempt), if it ever had one.
  virtual std::optional<refill_row> latest_refill(std::int64_t order_id) = 0;
  /// The latest refill request of every order whose latest one is in one of `states`
  /// (refill_state codes), in order id order (recovery: refills to follow or settle).
  virtual std::vector<refill_row> latest_refills_in(const std::vector<std::uint8_t>& states) = 0;
  /// The earliest placement time of the orders that ended in one of `states` at or after
  /// `final_since` (recovery: where the placements refill rule 5 may compare start).
  virtual std::optional<std::int64_t> earliest_placement_of_final(
      std::int64_t final_since, const std::vector<std::uint8_t>& states) = 0;
  /// Calls `f` for every order placed at or after `since`.
  virtual void for_each_placement_since(std::int64_t since,
                                        const std::function<void(const placement_row&)>& f) = 0;

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
  /// `placed_before` (unix seconds).
  virtual std::optional<bracket_order> last_placed_before(const std::string& provider,
                                                          std::int64_t placed_before) = 0;
  /// Walks at most `max_rows` placements (any provider) after `*from`, in (placed_at, id) order,
  /// for the first order at `provider` with a provider order id and a sent_at after
  /// `sent_after`. `*from` moves to the last placement walked, so a later call goes on from
  /// there: the cost is bounded per call, whatever the store holds.
  virtual std::optional<bracket_order> first_sent_after(const std::string& provider, std::int64_t sent_after,
                                                        placement_cursor* from, std::size_t max_rows) = 0;
};

}  // namespace smm::store
