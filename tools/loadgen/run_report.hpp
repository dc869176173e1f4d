#pragma once
// smm-loadgen's figures and how they are printed: an aligned table for people (stderr) and one
// JSON object for scripts (stdout, --json). Pure: no I/O.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "tools/loadgen/latency_stats.hpp"

namespace smm::loadgen {

/// Placement over the window placement_stats.hpp picked.
struct placement_figures {
  std::int64_t placed = 0;
  double seconds = 0;
  double per_s = 0;
  std::optional<double> daemon_cpu_s;  ///< the daemon's CPU time over the same window
};

/// The daemon's process, when its pid was given.
struct daemon_figures {
  std::optional<double> intake_cpu_s;  ///< CPU time from the first send to the last answer
  std::optional<std::uint64_t> vmhwm_kib;
  std::optional<std::uint64_t> vmrss_kib;
};

/// Everything one run measured.
struct run_figures {
  std::string mode;  ///< max, rate, or watch (no orders sent: placement only)
  std::size_t connections = 0;
  std::size_t batch = 0;
  double target_per_s = 0;
  std::size_t sent = 0, answered = 0, accepted = 0, failed_lines = 0;
  double seconds = 0;  ///< first send to last answer
  double acked_per_s = 0;
  latency_summary latency;
  bool time_capped = false;
  std::optional<placement_figures> placement;
  std::optional<daemon_figures> daemon;
};

/// CPU seconds per 1000 orders; nullopt without a CPU figure or without orders.
std::optional<double> cpu_s_per_1000(std::optional<double> cpu_s, std::int64_t orders);

/// The figures as an aligned two-column table, one figure a line, ending with '\n'.
std::string table_of(const run_figures& f);

/// The figures as one JSON object on one line (no '\n'). Keys present in every run: mode,
/// connections, batch, target_per_s, sent, answered, accepted, failed_lines, seconds,
/// acked_per_s, latency_ms{p50,p90,p99,max}, time_capped; with placement: placed, placed_per_s,
/// placement_seconds; with a pid: daemon{cpu_s_intake, cpu_s_per_1000_acked,
/// cpu_s_per_1000_placed, vmhwm_kib, vmrss_kib} (null where unknown).
std::string json_of(const run_figures& f);

}  // namespace smm::loadgen
