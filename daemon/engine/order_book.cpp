#include "daemon/engine/order_book.hpp"

#include <algorithm>

namespace smm::daemon {

std::string request_id_for(const order_record& r) {
  static constexpr char hex[] = "0123456789abcdef";
  auto h = static_cast<std::uint64_t>(r.request_hash);
  std::string digits(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) digits[static_cast<std::size_t>(i)] = hex[h & 0xf];
  return "smm-" + std::to_string(r.id) + "-" + std::to_string(r.created_at) + "-" + digits;
}

std::string request_id_mark(const order_record& r) { return "add carries request_id " + request_id_for(r); }

order_record& order_book::insert(std::unique_ptr<order_record> r) {
  auto& slot = by_id_[r->id];
  slot = std::move(r);
  by_panel_[slot->panel_order_id] = slot->id;
  ++counts_[static_cast<std::size_t>(slot->o.state)];
  return *slot;
}

void order_book::erase(std::int64_t id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  --counts_[static_cast<std::size_t>(it->second->o.state)];
  by_panel_.erase(it->second->panel_order_id);
  by_id_.erase(it);
}

order_record* order_book::find(std::int64_t id) {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

order_record* order_book::find_panel(const std::string& panel_order_id) {
  const auto it = by_panel_.find(panel_order_id);
  return it == by_panel_.end() ? nullptr : find(it->second);
}

void order_book::set_state(order_record& r, order_state s) {
  if (r.o.state == s) return;
  --counts_[static_cast<std::size_t>(r.o.state)];
  ++counts_[static_cast<std::size_t>(s)];
  r.o.state = s;
}

void order_book::occupy_link(order_record& r) { links_.add_running(r.o.link_hash, r.id); }

void order_book::hold(order_record& r) {
  r.held = true;
  ++held_count_;
  held_[r.o.link_hash].push_back(r.id);
}

order_record* order_book::leave_link(order_record& r) {
  const std::uint64_t link = r.o.link_hash;
  if (r.held) {
    // A held order that ends (canceled) never occupied the link: just leave the line.
    r.held = false;
    --held_count_;
    auto& line = held_[link];
    line.erase(std::remove(line.begin(), line.end(), r.id), line.end());
    if (line.empty()) held_.erase(link);
    return nullptr;
  }
  links_.remove_running(link, r.id);
  if (links_.has_running(link)) return nullptr;
  const auto it = held_.find(link);
  if (it == held_.end()) return nullptr;
  order_record* next = nullptr;
  while (!it->second.empty() && next == nullptr) {
    next = find(it->second.front());
    it->second.pop_front();
  }
  if (it->second.empty()) held_.erase(it);
  if (next != nullptr) {
    next->held = false;
    --held_count_;
    links_.add_running(link, next->id);
  }
  return next;
}

}  // namespace smm::daemon
