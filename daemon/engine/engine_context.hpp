#pragma once
// What the engine's parts share: the config, the strand that owns the order book, the
// journal, the provider clients, the counters, and the one way an order's state changes
// (journal first, then memory). Internal to daemon/engine.
// Thread safety: members are strand-only unless marked; counters are atomics.
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "config/config.hpp"
#include "daemon/engine/engine_options.hpp"
#include "daemon/engine/order_book.hpp"
#include "daemon/engine/provider_set.hpp"
#include "dispatch/lifecycle.hpp"
#include "store/store.hpp"

namespace smm::daemon {

class dispatcher;
class poller;
class reconciler;
class event_feed;

/// A duration_histogram filled from any thread.
class atomic_histogram {
 public:
  /// `times` observations of `us` microseconds (one per order of a batch).
  void record(std::int64_t us, std::uint64_t times = 1) {
    std::size_t i = 0;
    while (i < duration_histogram::bounds_us.size() && us > duration_histogram::bounds_us[i]) ++i;
    buckets_[i].fetch_add(times, std::memory_order_relaxed);
    sum_us_.fetch_add(static_cast<std::uint64_t>(us < 0 ? 0 : us) * times, std::memory_order_relaxed);
  }
  duration_histogram snapshot() const {
    duration_histogram h;
    for (std::size_t i = 0; i < h.buckets.size(); ++i)
      h.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    h.sum_us = sum_us_.load(std::memory_order_relaxed);
    return h;
  }

 private:
  std::array<std::atomic<std::uint64_t>, duration_histogram::bounds_us.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_us_{0};
};

/// Counters readable from any thread.
struct engine_counters {
  std::array<std::atomic<std::int64_t>, order_state_count> by_state{};
  std::atomic<std::int64_t> held{0};
  std::atomic<std::uint64_t> intake_accepted{0}, intake_replayed{0}, intake_conflicts{0}, intake_invalid{0},
      intake_duplicate_link{0}, intake_unavailable{0}, adds_sent{0}, placed{0}, rejected{0}, unknown{0},
      requeued{0}, finals{0}, anomalies{0}, status_polls{0};
  /// Unknown orders settled by reconciliation (found, proven absent) and inconclusive notes journaled.
  std::atomic<std::uint64_t> reconciled_found{0}, reconciled_absent{0}, reconcile_inconclusive{0};
  std::atomic<std::int64_t> refunds_micros{0};
  atomic_histogram intake_ack, placement;
};

/// What a plan's journal row carries besides what the lifecycle decided: the provider's own
/// words and ids, which the lifecycle never reads.
struct plan_detail {
  std::optional<std::string> provider;           ///< set when the order gets (or changes) provider
  std::optional<std::string> provider_order_id;  ///< set when the order is placed
  std::optional<std::string> raw_status;         ///< a status answer's text, verbatim
  std::string note;                              ///< the order's note, composed by the caller
};

/// The shared state of one engine.
class engine_context : public std::enable_shared_from_this<engine_context> {
 public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  engine_context(boost::asio::io_context& io, config cfg, store::order_store& journal, engine_options opts);
  ~engine_context();

  /// Journals one change of `r` (built by make_change), then applies it in memory on the
  /// strand and calls `then(record or null if gone, committed)`. Marks `r` busy meanwhile.
  /// `urgent`: written ahead of waiting intake (store::order_store::submit_urgent).
  void change(order_record& r, store::state_change c, std::function<void(order_record*, bool)> then,
              bool urgent = false);
  /// The same for several orders in one journal batch; `then(committed)` after all applied.
  void change_batch(std::vector<store::state_change> changes, std::function<void(bool)> then);
  /// The rules the lifecycle reads for `r` (its service, the policy, the link history, now).
  lifecycle_rules rules_for(const order_record& r) const;
  /// What the lifecycle decides for `e` on `r` (dispatch/lifecycle.hpp): the only place an
  /// order's next state, refund and flags are decided.
  order_plan plan(const order_record& r, const order_event& e) const;
  /// Journals a `change` plan (with `d`) and applies it once committed; `then(record or null,
  /// committed)`. Any other plan kind changes nothing and calls `then(&r, true)` at once.
  void carry_out(order_record& r, const order_plan& p, const order_event& e, plan_detail d,
                 std::function<void(order_record*, bool)> then);

  /// A change of `r` to `next` with ids, states, time and the final flag filled in; a change
  /// that makes the order final carries its keep_until (dispatch/retention.hpp).
  store::state_change make_change(const order_record& r, order_state next) const;

  /// The order with this panel id: from memory, else loaded from the journal (final orders
  /// of earlier runs), else null.
  order_record* lookup(const std::string& panel_order_id);
  /// A record rebuilt from its journal row (recovery, lookups). Only an order that may still be
  /// sent (may_be_sent) keeps its add's fields.
  std::unique_ptr<order_record> record_from_row(const store::order_row& row);
  /// The add's fields of `r`, read back from the journal's `params` when memory no longer has
  /// them (a placed order sent again: forgotten by its provider, then resolved --not-placed).
  /// Unreadable params are logged and give empty fields, as recovery always did.
  pending_add& pending_of(order_record& r);
  /// The link as the panel sent it (the username for types without a link): from memory while
  /// the order may be sent, else from its journal row (`row` when the caller has it).
  std::string link_of(const order_record& r, const store::order_row* row = nullptr);
  /// Fills a record rebuilt from the journal with its refund and last note (from its events)
  /// and its latest refill request.
  void load_outcome(order_record& r);
  /// Copies the book's per-state counts into the atomic counters.
  void sync_counts();
  /// Wakes the event feed: new events were committed.
  void events_committed();
  /// Journals a note on an order's history (an event, its state unchanged; a speed-up
  /// request's time too), then on the strand sets its note and calls `then(record or null,
  /// committed)`.
  void note(store::order_note n, std::function<void(order_record*, bool)> then);
  /// Counts `r` in the `queued` figure of provider `provider` (a provider_set index; -1: of
  /// none), taking it out of the one that counted it before. For orders that wait only
  /// because their route's providers are paused.
  void count_waiting(order_record& r, int provider);
  /// The provider's service id of the hop `r` was sent on (empty when never sent).
  std::string provider_service_id(const order_record& r) const;

  /// The longest refill guarantee of any service, in seconds (0: no service refills, so no
  /// placement needs remembering for refill rule 5).
  static std::int64_t longest_refill_s(const config& cfg);
  /// Where the link index may forget placements: before every placement a refill check can
  /// still meet (the oldest of: the guarantee's start, the earliest placement of an order that
  /// ended Completed or Partial inside it, the placement of every running order). Reads the
  /// journal: maintenance only.
  std::int64_t placements_needed_since(std::int64_t now);

  /// The hash journal_only_panel_ids keeps.
  static std::uint64_t panel_id_hash(std::string_view panel_order_id);
  /// Unix seconds.
  static std::int64_t now_s();
  /// The next order id for intake (strand only), from the block the store handed out; a used-up
  /// block is replaced by a new one (on PostgreSQL one round trip per block, so several
  /// daemons never hand out the same id). Nothing (logged) when the store cannot give one.
  std::optional<std::int64_t> take_order_id();
  /// Steady-clock milliseconds (timers, poll schedule).
  static std::int64_t steady_ms();
  /// Steady-clock microseconds (latency figures).
  static std::int64_t steady_us();

  boost::asio::io_context& io;
  const config cfg;
  const engine_options opts;
  strand_type strand;
  store::order_store& journal;                  ///< the store, whichever backend
  std::unique_ptr<store::store_reader> reader;  ///< strand only
  order_book book;
  /// Hashes of the panel ids that are in the journal but not in the book (final orders of
  /// earlier runs, evicted ones; purged ones may linger, costing one needless read). An id
  /// whose hash is absent is new for sure, so intake never reads the journal for it.
  /// 8 bytes of hash (~10 in the flat set) per final order kept by retention.
  boost::unordered_flat_set<std::uint64_t> journal_only_panel_ids;
  /// Orders that became final (or were reloaded final), oldest first, with that wall time:
  /// eviction pops what is due, so its work follows what ends, not what the book holds.
  std::deque<std::pair<std::int64_t, std::int64_t>> finals_by_time;
  provider_set providers;
  std::unique_ptr<event_feed> feed;
  std::unique_ptr<dispatcher> disp;
  std::unique_ptr<poller> poll;
  std::unique_ptr<reconciler> recon;
  engine_counters counters;
  std::int64_t next_id = 1;      ///< strand only: the next id of the block intake holds
  std::int64_t next_id_end = 1;  ///< strand only: the end of that block (exclusive)
  const std::int64_t refill_window_s = longest_refill_s(cfg);
  std::size_t changes_in_flight = 0;  ///< journal batches of changes not yet applied
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  std::shared_ptr<spdlog::logger> log;

 private:
  void apply(order_record& r, const store::state_change& c, store::op_outcome outcome);
};

}  // namespace smm::daemon
