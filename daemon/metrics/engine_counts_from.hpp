#pragma once
// Copies daemon::engine_figures into metrics::engine_counts. Header-only so the pure metrics
// library does not depend on the engine (whose header pulls in asio); include it where both
// are at hand (daemon.cpp). Keep the field list in step with engine_figures.
#include "daemon/engine/engine_options.hpp"
#include "daemon/metrics/metrics_snapshot.hpp"

namespace smm::daemon::metrics {

/// The engine's figures as the metrics renderer takes them.
inline engine_counts engine_counts_from(const engine_figures& f) {
  engine_counts c;
  c.orders_by_state = f.orders_by_state;
  c.held = f.held;
  c.intake_accepted = f.intake_accepted;
  c.intake_replayed = f.intake_replayed;
  c.intake_conflicts = f.intake_conflicts;
  c.intake_invalid = f.intake_invalid;
  c.intake_duplicate_link = f.intake_duplicate_link;
  c.intake_unavailable = f.intake_unavailable;
  c.adds_sent = f.adds_sent;
  c.placed = f.placed;
  c.rejected = f.rejected;
  c.unknown = f.unknown;
  c.requeued = f.requeued;
  c.finals = f.finals;
  c.refunds_micros = f.refunds_micros;
  c.anomalies = f.anomalies;
  c.status_polls = f.status_polls;
  return c;
}

}  // namespace smm::daemon::metrics
