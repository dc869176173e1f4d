#include "tools/loadgen/placement_stats.hpp"

namespace smm::loadgen {

std::optional<placement_window> placement_window_of(std::span<const placement_sample> samples,
                                                    std::int64_t target) {
  if (samples.size() < 2) return std::nullopt;
  const std::int64_t base = samples.front().placed;
  std::size_t rise = 0;  // the first sample above the base
  while (rise < samples.size() && samples[rise].placed <= base) ++rise;
  if (rise == samples.size()) return std::nullopt;
  placement_window w{rise - 1, samples.size() - 1};
  if (target > 0) {
    for (std::size_t i = rise; i < samples.size(); ++i) {
      if (samples[i].placed - base >= target) {
        w.last = i;
        break;
      }
    }
  }
  return w;
}

double placed_per_second(std::span<const placement_sample> samples, placement_window w) {
  const auto& a = samples[w.first];
  const auto& b = samples[w.last];
  const std::int64_t ns = b.at_ns - a.at_ns;
  if (ns <= 0) return 0;
  return static_cast<double>(b.placed - a.placed) * 1e9 / static_cast<double>(ns);
}

}  // namespace smm::loadgen
