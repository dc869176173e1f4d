#include "dispatch/completion_stats.hpp"

#include <limits>

namespace smm {

bool completion_stats::record(std::int64_t service_id, std::int64_t duration_s) {
  if (duration_s < 0) return false;
  auto& t = by_service_[service_id];
  if (t.sum_s > std::numeric_limits<std::int64_t>::max() - duration_s) return false;
  t.sum_s += duration_s;
  ++t.count;
  return true;
}

bool completion_stats::record(const order& o) {
  if (o.state != order_state::completed) return false;
  if (o.placed_at == no_value || o.completed_at == no_value) return false;
  return record(o.service_id, o.completed_at - o.placed_at);
}

std::optional<std::int64_t> completion_stats::average_s(std::int64_t service_id) const {
  const auto it = by_service_.find(service_id);
  if (it == by_service_.end() || it->second.count == 0) return std::nullopt;
  const auto& t = it->second;
  // Half up without overflowing: quotient plus one when the remainder is at least half.
  const std::int64_t q = t.sum_s / t.count;
  const std::int64_t r = t.sum_s % t.count;
  return r * 2 >= t.count ? q + 1 : q;
}

std::int64_t completion_stats::count(std::int64_t service_id) const {
  const auto it = by_service_.find(service_id);
  return it == by_service_.end() ? 0 : it->second.count;
}

}  // namespace smm
