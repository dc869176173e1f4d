#pragma once
// The engine's counters as a plain snapshot: shared by the engine, the metrics renderer and
// the admin operations without pulling in asio.
#include <array>
#include <cstdint>

#include "dispatch/order_state.hpp"

namespace smm::daemon {

/// A latency distribution: buckets[i] counts observations <= bounds_us[i] (not cumulative);
/// the last bucket counts the rest.
struct duration_histogram {
  static constexpr std::array<std::int64_t, 18> bounds_us{
      100,     250,     500,     1'000,     2'500,     5'000,     10'000,     25'000,     50'000,
      100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000};
  std::array<std::uint64_t, bounds_us.size() + 1> buckets{};
  std::uint64_t sum_us = 0;
};

/// Counters for the metrics endpoint; a snapshot, copied out.
struct engine_figures {
  std::array<std::int64_t, order_state_count> orders_by_state{};  ///< orders in memory per state
  /// Orders in the whole journal per state (final orders of earlier runs too), as of the last
  /// commit; valid when `journal_counted`.
  std::array<std::int64_t, order_state_count> journal_orders_by_state{};
  bool journal_counted = false;
  std::int64_t held = 0;              ///< queued orders held behind a running one on their link
  std::uint64_t intake_accepted = 0;  ///< new orders committed
  std::uint64_t intake_replayed = 0;
  std::uint64_t intake_conflicts = 0;
  std::uint64_t intake_invalid = 0;
  std::uint64_t intake_duplicate_link = 0;
  std::uint64_t intake_unavailable = 0;
  std::uint64_t adds_sent = 0;  ///< `add` calls that left for a provider
  std::uint64_t placed = 0;     ///< adds answered with a provider order id
  std::uint64_t rejected = 0;
  std::uint64_t unknown = 0;        ///< adds whose outcome is unknown
  std::uint64_t requeued = 0;       ///< adds provably not created, queued again
  std::uint64_t finals = 0;         ///< orders that reached a final state
  std::int64_t refunds_micros = 0;  ///< refunds recorded by this process
  std::uint64_t anomalies = 0;      ///< provider reports not applied
  std::uint64_t status_polls = 0;   ///< multi-status calls made
  /// Reconciliation of unknown orders (docs/rules.md "Unknown orders"): settled as placed with
  /// the order found upstream, proven absent and queued again, inconclusive notes journaled.
  std::uint64_t reconciled_found = 0;
  std::uint64_t reconciled_absent = 0;
  std::uint64_t reconcile_inconclusive = 0;
  /// Panel add call to its answer (the commit that makes the orders durable), per order.
  duration_histogram intake_ack;
  /// Accepted at intake (this process) to placed with a provider, per order.
  duration_histogram placement;
};

}  // namespace smm::daemon
