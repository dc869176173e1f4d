#pragma once
// What the metrics endpoint shows, as plain data copied out of the engine and the provider
// clients at scrape time. No asio: the renderer and its tests stay cheap.
//
// engine_counts mirrors daemon::engine_figures (daemon/engine/engine_options.hpp), which
// lives in a header that pulls in asio; engine_counts_from.hpp copies one into the other.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dispatch/money.hpp"
#include "dispatch/order_state.hpp"
#include "providers/client/client_figures.hpp"

namespace smm::daemon::metrics {

/// The engine's counters (field meanings as in daemon::engine_figures).
struct engine_counts {
  std::array<std::int64_t, order_state_count> orders_by_state{};  ///< orders in memory per state
  std::int64_t held = 0;  ///< queued orders held behind a running one on their link
  std::uint64_t intake_accepted = 0;
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
  std::int64_t refunds_micros = 0;  ///< refunds recorded by this process, micro-units
  std::uint64_t anomalies = 0;      ///< provider reports not applied
  std::uint64_t status_polls = 0;   ///< multi-status calls made
};

/// One provider at scrape time. `name` comes from the config (a bounded set).
struct provider_metrics {
  std::string name;
  providers::client_figures client;
  bool paused = false;
  std::optional<money> balance;  ///< absent until the first balance check answers
};

/// Everything one scrape renders.
struct metrics_snapshot {
  engine_counts engine;
  std::vector<provider_metrics> providers;
};

}  // namespace smm::daemon::metrics
