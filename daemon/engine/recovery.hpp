#pragma once
// Recovery at start (design.md "Nothing lost, nothing ordered twice", rule 4): every
// `sending` order becomes `unknown` (its add may have reached the provider, so it is never
// resent on a guess), then the open orders are loaded: queued ones queued again (held
// ones held again), placed/pending/in_progress ones polled, unknown ones kept for
// reconciliation. Refills follow (docs/rules.md "Refill"): requests that were on the wire
// become unknown, those the provider runs are followed again, and the placements refill
// rule 5 compares are loaded.
// Thread safety: runs before the engine's loops start, on the caller's thread.
#include <cstdint>
#include <vector>

#include "daemon/engine/engine_context.hpp"

namespace smm::daemon {

/// What recovery found.
struct recovery_report {
  std::int64_t open_orders = 0;
  std::int64_t queued = 0;   ///< handed to the dispatcher again
  std::int64_t held = 0;     ///< queued behind a running order on their link
  std::int64_t running = 0;  ///< placed, pending or in progress: polling resumes
  std::int64_t unknown = 0;  ///< waiting for reconciliation (including those just moved)
  std::int64_t next_order_id = 0;
  std::int64_t refills_followed = 0;  ///< refills the provider runs: followed again
  std::int64_t refills_unknown = 0;   ///< refill requests on the wire at the stop: now unknown
  std::int64_t placements = 0;        ///< placements of earlier runs loaded for refill rule 5
};

/// Moves sending -> unknown, loads the open orders into the book, and returns the ids
/// to dispatch (in id order) through `to_dispatch`. Throws std::runtime_error when the
/// journal cannot commit the move.
recovery_report recover(engine_context& ctx, std::vector<std::int64_t>& to_dispatch);

}  // namespace smm::daemon
