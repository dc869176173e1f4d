#include "daemon/apiv2/api_probation.hpp"

#include <algorithm>

namespace smm::daemon::apiv2 {

probation::probation(std::size_t max) : max_(std::max<std::size_t>(max, 1)) {}

std::shared_ptr<net::connection> probation::admit(std::uint64_t id, const std::weak_ptr<net::connection>& c) {
  std::shared_ptr<net::connection> evicted;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_) {
    evicted = entries_.front().connection.lock();
    index_.erase(entries_.front().id);
    entries_.pop_front();
  }
  entries_.push_back(entry{id, c});
  index_[id] = std::prev(entries_.end());
  return evicted;
}

void probation::leave(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(id); it != index_.end()) {
    entries_.erase(it->second);
    index_.erase(it);
  }
}

std::size_t probation::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace smm::daemon::apiv2
