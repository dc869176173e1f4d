#pragma once
// Latency percentiles for smm-loadgen: nearest-rank on the sorted samples. Pure.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace smm::loadgen {

/// Summary of a set of latency samples (nanoseconds).
struct latency_summary {
  std::size_t samples = 0;
  std::int64_t p50_ns = 0;
  std::int64_t p90_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t max_ns = 0;
};

/// The nearest-rank percentile `per_mille` (0..1000) of sorted samples: the smallest sample with
/// at least per_mille/1000 of all samples at or below it, i.e. index ceil(p * n / 1000) - 1
/// (the division rounds up), clamped to the first sample. 0 when empty.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, std::uint32_t per_mille);

/// Sorts `samples` in place and summarizes them.
latency_summary summarize(std::vector<std::int64_t>& samples);

}  // namespace smm::loadgen
