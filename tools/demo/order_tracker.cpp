#include "tools/demo/order_tracker.hpp"

#include <algorithm>
#include <cstdio>

namespace smm::demo {

order_tracker::order_tracker(const std::vector<demo_order>& orders) : slots_(orders.size()) {
  index_.reserve(orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i) index_.emplace(orders[i].panel_order_id, i);
}

void order_tracker::on_add(const add_item& a, clock::time_point now) {
  const auto it = index_.find(a.panel_order_id);
  if (it == index_.end()) return;
  auto& s = slots_[it->second];
  if (s.answered) return;  // one answer per order; a second would be a daemon bug, not ours to count
  s.answered = true;
  ++answered_;
  if (a.taken()) ++accepted_;
  last_answer_ = now;
}

void order_tracker::on_event(const event_item& e, clock::time_point now) {
  const auto it = index_.find(e.panel_order_id);
  if (it == index_.end()) return;
  auto& s = slots_[it->second];
  if (!s.placed && (e.new_state == order_state::placed || is_provider_state(e.new_state))) {
    s.placed = true;
    ++placed_;
    last_placed_ = now;
  }
  if (!s.settled && (is_final(e.new_state) || e.new_state == order_state::unknown)) {
    s.settled = true;
    ++settled_;
  }
}

std::string order_tracker::progress_line() const {
  const std::size_t n = std::max<std::size_t>(total(), 1);
  const std::size_t done = std::min(settled_ + refused(), n);
  const std::size_t pct = done * 100 / n;  // rounded down
  constexpr std::size_t width = 30;
  const std::size_t filled = done * width / n;  // rounded down
  char buf[200];
  std::snprintf(buf, sizeof buf, "\r[%s%s] accepted %zu/%zu | placed %zu | final %zu | %3zu%%",
                std::string(filled, '#').c_str(), std::string(width - filled, '-').c_str(), accepted_,
                total(), placed_, settled_, pct);
  return buf;
}

}  // namespace smm::demo
