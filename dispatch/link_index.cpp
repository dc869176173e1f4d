#include "dispatch/link_index.hpp"

#include <algorithm>

namespace smm {

void link_index::add_running(std::uint64_t link, std::int64_t order_id) {
  auto& r = links_[link].running_;
  if (std::find(r.begin(), r.end(), order_id) == r.end()) r.push_back(order_id);
}

bool link_index::remove_running(std::uint64_t link, std::int64_t order_id) {
  const auto it = links_.find(link);
  if (it == links_.end()) return false;
  auto& r = it->second.running_;
  const auto pos = std::find(r.begin(), r.end(), order_id);
  if (pos == r.end()) return false;
  r.erase(pos);
  // Keep the entry while it remembers a placement: rule 5 needs it after the order ends.
  if (r.empty() && !it->second.newest_) links_.erase(it);
  return true;
}

std::span<const std::int64_t> link_index::running(std::uint64_t link) const {
  const auto it = links_.find(link);
  if (it == links_.end()) return {};
  return it->second.running_;
}

void link_index::record_placement(std::uint64_t link, std::int64_t order_id, std::int64_t placed_at) {
  auto& newest = links_[link].newest_;
  const link_placement p{placed_at, order_id};
  if (!newest || p.newer_than(*newest)) newest = p;
}

std::optional<link_placement> link_index::newest_placement(std::uint64_t link) const {
  const auto it = links_.find(link);
  if (it == links_.end()) return std::nullopt;
  return it->second.newest_;
}

}  // namespace smm
