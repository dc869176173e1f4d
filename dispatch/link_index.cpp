#include "dispatch/link_index.hpp"

#include <algorithm>

namespace smm {
namespace {

// 0 is the empty-slot marker, so a link whose hash is 0 is stored as 1. The two links
// then share an entry, which costs a spurious rule-5 match at worst (no refill), never
// a refund.
constexpr std::uint64_t key_of(std::uint64_t link) { return link == 0 ? 1 : link; }

// MurmurHash3's finalizer: spreads FNV's weak low bits over the slot index.
constexpr std::uint64_t mix(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

}  // namespace

void link_index::add_running(std::uint64_t link, std::int64_t order_id) {
  if (const auto more = running_more_.find(link); more != running_more_.end()) {
    auto& r = more->second;
    if (std::find(r.begin(), r.end(), order_id) == r.end()) r.push_back(order_id);
    return;
  }
  const auto [one, added] = running_one_.try_emplace(link, order_id);
  if (added || one->second == order_id) return;
  // A second order on the link: both move to the map of links with more.
  running_more_.emplace(link, std::vector<std::int64_t>{one->second, order_id});
  running_one_.erase(one);
}

bool link_index::remove_running(std::uint64_t link, std::int64_t order_id) {
  if (const auto one = running_one_.find(link); one != running_one_.end()) {
    if (one->second != order_id) return false;
    running_one_.erase(one);
    return true;
  }
  const auto it = running_more_.find(link);
  if (it == running_more_.end()) return false;
  auto& r = it->second;
  const auto pos = std::find(r.begin(), r.end(), order_id);
  if (pos == r.end()) return false;
  r.erase(pos);
  if (r.size() == 1) running_one_.emplace(link, r.front());
  if (r.size() <= 1) running_more_.erase(it);
  return true;
}

std::span<const std::int64_t> link_index::running(std::uint64_t link) const {
  if (const auto one = running_one_.find(link); one != running_one_.end()) return {&one->second, 1};
  const auto it = running_more_.find(link);
  if (it == running_more_.end()) return {};
  return it->second;
}

std::size_t link_index::find_slot(std::uint64_t key) const noexcept {
  // Linear probing; the table is never more than half full, so a free slot exists.
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = static_cast<std::size_t>(mix(key)) & mask;
  while (slots_[i].link != 0 && slots_[i].link != key) i = (i + 1) & mask;
  return i;
}

void link_index::grow() {
  std::vector<slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, slot{});
  for (const slot& s : old) {
    if (s.link != 0) slots_[find_slot(s.link)] = s;
  }
}

std::size_t link_index::forget_placements_before(std::int64_t t) {
  if (slots_.empty()) return 0;
  std::vector<slot> old = std::move(slots_);
  const std::size_t before = placed_count_;
  placed_count_ = 0;
  for (const slot& s : old)
    if (s.link != 0 && s.newest.placed_at >= t) ++placed_count_;
  std::size_t size = 1024;  // at most half full, as record_placement keeps it
  while (size < placed_count_ * 2 + 2) size *= 2;
  slots_.assign(size, slot{});
  for (const slot& s : old)
    if (s.link != 0 && s.newest.placed_at >= t) slots_[find_slot(s.link)] = s;
  return before - placed_count_;
}

void link_index::record_placement(std::uint64_t link, std::int64_t order_id, std::int64_t placed_at) {
  if ((placed_count_ + 1) * 2 > slots_.size()) grow();
  const std::uint64_t key = key_of(link);
  slot& s = slots_[find_slot(key)];
  const link_placement p{placed_at, order_id};
  if (s.link == 0) {
    s.link = key;
    s.newest = p;
    ++placed_count_;
  } else if (p.newer_than(s.newest)) {
    s.newest = p;
  }
}

std::optional<link_placement> link_index::newest_placement(std::uint64_t link) const noexcept {
  if (slots_.empty()) return std::nullopt;
  const slot& s = slots_[find_slot(key_of(link))];
  if (s.link == 0) return std::nullopt;
  return s.newest;
}

}  // namespace smm
