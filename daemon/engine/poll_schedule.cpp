#include "daemon/engine/poll_schedule.hpp"

#include <algorithm>

namespace smm::daemon {

void poll_schedule::add_first(std::int64_t id, std::int64_t due_ms) {
  // Placement times only grow, so the FIFO stays sorted; a clock quirk is kept sorted anyway.
  if (!first_.empty() && first_.back().due_ms > due_ms) due_ms = first_.back().due_ms;
  first_.push_back({due_ms, due_ms, id});
}

void poll_schedule::add(std::int64_t id, std::int64_t due_ms, std::int64_t earliest_ms) {
  heap_.push({due_ms, std::min(earliest_ms, due_ms), id});
}

std::int64_t poll_schedule::next_due_ms() const {
  if (first_.empty()) return heap_.empty() ? -1 : heap_.top().due_ms;
  if (heap_.empty()) return first_.front().due_ms;
  return std::min(first_.front().due_ms, heap_.top().due_ms);
}

std::vector<std::int64_t> poll_schedule::take_chunk(std::int64_t now_ms, std::size_t max,
                                                    const current_fn& current) {
  std::vector<std::int64_t> ids;
  // Drop stale fronts first, so the trigger below looks at live orders only.
  while (!first_.empty() && !current(first_.front().id, first_.front().due_ms)) first_.pop_front();
  while (!heap_.empty() && !current(heap_.top().id, heap_.top().due_ms)) heap_.pop();
  const std::int64_t due = next_due_ms();
  if (due < 0 || due > now_ms || max == 0) return ids;
  // Everything due now, oldest first from either queue.
  while (ids.size() < max) {
    const bool f = !first_.empty() && first_.front().due_ms <= now_ms;
    const bool h = !heap_.empty() && heap_.top().due_ms <= now_ms;
    if (!f && !h) break;
    entry e{};
    if (f && (!h || first_.front().due_ms <= heap_.top().due_ms)) {
      e = first_.front();
      first_.pop_front();
    } else {
      e = heap_.top();
      heap_.pop();
    }
    if (current(e.id, e.due_ms)) ids.push_back(e.id);
  }
  // Fill the call with the orders due next that may already ride along.
  while (ids.size() < max && !heap_.empty() && heap_.top().earliest_ms <= now_ms) {
    const entry e = heap_.top();
    heap_.pop();
    if (current(e.id, e.due_ms)) ids.push_back(e.id);
  }
  return ids;
}

}  // namespace smm::daemon
