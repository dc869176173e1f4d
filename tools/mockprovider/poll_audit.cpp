#include "tools/mockprovider/poll_audit.hpp"

#include <algorithm>

namespace smm::mock {

void poll_audit::created(const std::string& order_id, std::int64_t now_ms) {
  orders_[order_id] = entry{now_ms, now_ms, 0, 0};
}

void poll_audit::polled(std::string_view ids, std::int64_t now_ms) {
  ++calls_;
  while (!ids.empty()) {
    const auto comma = ids.find(',');
    std::string_view id = ids.substr(0, comma);
    ids = comma == std::string_view::npos ? std::string_view{} : ids.substr(comma + 1);
    while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
    while (!id.empty() && id.back() == ' ') id.remove_suffix(1);
    if (id.empty()) continue;
    ++ids_;
    const auto it = orders_.find(std::string(id));
    if (it == orders_.end()) continue;
    entry& e = it->second;
    e.max_gap_ms = std::max(e.max_gap_ms, now_ms - e.last_ms);
    e.last_ms = now_ms;
    ++e.polls;
  }
}

std::string poll_audit::to_json(std::int64_t now_ms, std::int64_t late_ms) const {
  std::int64_t never = 0, late = 0, max_gap = 0;
  for (const auto& [id, e] : orders_) {
    const std::int64_t gap = std::max(e.max_gap_ms, now_ms - e.last_ms);
    max_gap = std::max(max_gap, gap);
    if (e.polls == 0) ++never;
    if (late_ms > 0 && gap > late_ms) ++late;
  }
  return "{\"orders\":" + std::to_string(orders_.size()) + ",\"never_polled\":" + std::to_string(never) +
         ",\"max_gap_ms\":" + std::to_string(max_gap) + ",\"late\":" + std::to_string(late) +
         ",\"status_calls\":" + std::to_string(calls_) + ",\"ids_polled\":" + std::to_string(ids_) + "}";
}

}  // namespace smm::mock
