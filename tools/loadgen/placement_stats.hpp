#pragma once
// Placement rate from samples of the daemon's placed-order counter (the admin socket's
// `overview`: placement.placed), taken every few tens of milliseconds. Pure.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace smm::loadgen {

/// The placed counter at one moment, with the daemon's CPU time then (negative: not read).
struct placement_sample {
  std::int64_t at_ns = 0;  ///< steady clock
  std::int64_t placed = 0;
  double cpu_s = -1;
};

/// The samples a placement figure is taken over: [first, last] of the sample list.
struct placement_window {
  std::size_t first = 0;
  std::size_t last = 0;
};

/// Where placement was going on, among samples in time order:
/// - it opens at the last sample before the counter first rose, so a quiet lead-in (providers
///   not yet resumed, a backlog not yet committed) is not counted;
/// - it closes at the first sample by which `target` orders had been placed since the first
///   sample, or at the last sample when `target` is 0 or was never reached.
/// nullopt when there are fewer than two samples or the counter never rose.
std::optional<placement_window> placement_window_of(std::span<const placement_sample> samples,
                                                    std::int64_t target);

/// Placed orders per second over the window (0 when it has no duration).
double placed_per_second(std::span<const placement_sample> samples, placement_window w);

}  // namespace smm::loadgen
