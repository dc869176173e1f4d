#include "tools/loadgen/latency_stats.hpp"

#include <algorithm>

namespace smm::loadgen {

std::int64_t percentile(const std::vector<std::int64_t>& sorted, std::uint32_t per_mille) {
  if (sorted.empty()) return 0;
  const std::size_t n = sorted.size();
  const std::size_t p = std::min<std::uint32_t>(per_mille, 1000);
  const std::size_t rank = (p * n + 999) / 1000;  // ceil(p * n / 1000)
  return sorted[rank == 0 ? 0 : rank - 1];
}

latency_summary summarize(std::vector<std::int64_t>& samples) {
  std::sort(samples.begin(), samples.end());
  latency_summary s;
  s.samples = samples.size();
  s.p50_ns = percentile(samples, 500);
  s.p90_ns = percentile(samples, 900);
  s.p99_ns = percentile(samples, 990);
  s.max_ns = samples.empty() ? 0 : samples.back();
  return s;
}

}  // namespace smm::loadgen
