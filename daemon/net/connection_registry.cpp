#include "daemon/net/connection_registry.hpp"

namespace smm::daemon::net {

connection_lease::connection_lease(connection_lease&& other) noexcept
    : owner_(std::move(other.owner_)), id_(other.id_) {
  other.owner_.reset();
}

connection_lease& connection_lease::operator=(connection_lease&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    id_ = other.id_;
    other.owner_.reset();
  }
  return *this;
}

void connection_lease::release() {
  auto owner = owner_.lock();
  owner_.reset();
  if (owner) owner->release(id_);
}

std::optional<connection_lease> connection_registry::reserve() {
  std::lock_guard lock(mutex_);
  if (max_ != 0 && open_.size() >= max_) return std::nullopt;
  const std::uint64_t id = next_id_++;
  open_.emplace(id, std::weak_ptr<connection>{});
  return connection_lease(weak_from_this(), id);
}

void connection_registry::attach(std::uint64_t id, const std::shared_ptr<connection>& c) {
  std::lock_guard lock(mutex_);
  if (auto it = open_.find(id); it != open_.end()) it->second = c;
}

std::vector<std::shared_ptr<connection>> connection_registry::snapshot() const {
  std::vector<std::shared_ptr<connection>> out;
  std::lock_guard lock(mutex_);
  out.reserve(open_.size());
  for (const auto& [id, weak] : open_)
    if (auto c = weak.lock()) out.push_back(std::move(c));
  return out;
}

std::size_t connection_registry::size() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

void connection_registry::release(std::uint64_t id) {
  bool empty = false;
  {
    std::lock_guard lock(mutex_);
    if (open_.erase(id) == 0) return;
    empty = open_.empty();
  }
  if (empty && on_empty_) on_empty_();
}

}  // namespace smm::daemon::net
