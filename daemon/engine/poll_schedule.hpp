#pragma once
// When each running order of one provider is asked about next: a due-time queue, so a poll
// pass costs what is due, never what exists (a million running orders cost nothing per tick).
//
// Every order has a due time (it must be polled by then) and an earliest time (it may ride
// along in a call before its due time). A call is made when the oldest order is due; it takes
// every due order and fills up to the chunk size with the orders due next whose earliest time
// has come, so calls carry full chunks and, in steady state, a provider with N running orders
// gets about ceil(N / chunk) calls per interval. A newly placed order has earliest == due: its
// first poll is one interval after placement, never earlier.
//
// Entries are not removed when an order ends or is rescheduled: the caller's `current(id, due)`
// says whether an entry is still the order's latest one, and stale entries are dropped when
// they reach the front (their cost is paid once, when they would have been due).
// Pure (no I/O, no clock). Thread safety: none; owned by the engine's strand.
#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <vector>

namespace smm::daemon {

/// The due-time queue of one provider.
class poll_schedule {
 public:
  /// `current(id, due_ms)`: true while the entry (id, due_ms) is the order's live schedule.
  using current_fn = std::function<bool(std::int64_t id, std::int64_t due_ms)>;

  /// A newly placed order: polled first at `due_ms`, not before. Calls must come in
  /// non-decreasing `due_ms` order (placement time plus the provider's first interval).
  void add_first(std::int64_t id, std::int64_t due_ms);
  /// An order polled before (or recovered): due at `due_ms`, may ride along from `earliest_ms`.
  void add(std::int64_t id, std::int64_t due_ms, std::int64_t earliest_ms);

  /// The ids of one call at `now_ms`, at most `max` of them, or none when no order is due.
  /// The taken entries leave the schedule (the caller reschedules each after the call).
  std::vector<std::int64_t> take_chunk(std::int64_t now_ms, std::size_t max, const current_fn& current);

  /// Due time of the front entry (may be stale), or -1 when empty.
  std::int64_t next_due_ms() const;
  /// Entries held, stale ones included.
  std::size_t size() const { return first_.size() + heap_.size(); }

 private:
  struct entry {
    std::int64_t due_ms;
    std::int64_t earliest_ms;
    std::int64_t id;
    bool operator>(const entry& o) const { return due_ms != o.due_ms ? due_ms > o.due_ms : id > o.id; }
  };
  std::deque<entry> first_;  // new orders, in due order (FIFO)
  std::priority_queue<entry, std::vector<entry>, std::greater<>> heap_;
};

}  // namespace smm::daemon
