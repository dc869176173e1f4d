#pragma once
// A cap on requests in flight with a bounded, cancellable FIFO wait queue (Seastar's per-host
// connection limit). Waiters sleep on their own timer; release() hands its slot straight to the
// first waiter and cancels that waiter's timer, so a slot is never up for grabs in between.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>

namespace smm::providers {

/// Why acquire() failed.
enum class acquire_status : std::uint8_t {
  acquired,    ///< the caller holds a slot and must release() it
  queue_full,  ///< every slot taken and the wait queue at its bound: failed at once
  timed_out,   ///< the deadline passed while waiting
  cancelled,   ///< the waiting coroutine was cancelled; it left the queue
};

/// Limits concurrent requests of one provider.
/// Thread safety: none; use from the provider's strand only.
class inflight_limiter {
 public:
  /// `cap` >= 1 requests at once, at most `max_waiters` queued behind them.
  inflight_limiter(boost::asio::any_io_executor ex, std::size_t cap, std::size_t max_waiters);
  ~inflight_limiter();
  inflight_limiter(const inflight_limiter&) = delete;
  inflight_limiter& operator=(const inflight_limiter&) = delete;

  /// Takes a slot, waiting in FIFO order until `deadline` if none is free.
  boost::asio::awaitable<acquire_status> acquire(std::chrono::steady_clock::time_point deadline);
  /// Returns a slot taken by a successful acquire().
  void release() noexcept;
  /// A new cap (>= 1) from now on. Raised: waiters take the new slots at once. Lowered: requests
  /// in flight finish, and no waiter gets a slot until fewer than the new cap are in flight.
  void set_cap(std::size_t cap);

  /// Slots in use. Safe to read from any thread (a relaxed mirror).
  std::size_t in_flight() const noexcept { return in_flight_mirror_.load(std::memory_order_relaxed); }
  /// Callers waiting for a slot. Safe to read from any thread (a relaxed mirror).
  std::size_t queue_depth() const noexcept { return depth_mirror_.load(std::memory_order_relaxed); }
  /// The cap.
  std::size_t cap() const noexcept { return cap_; }

 private:
  struct waiter;
  boost::asio::any_io_executor ex_;
  std::size_t cap_;
  std::size_t max_waiters_;
  std::size_t in_flight_ = 0;
  std::list<std::shared_ptr<waiter>> waiters_;
  // Copies of in_flight_ and waiters_.size() for readers on other threads (metrics).
  std::atomic<std::size_t> in_flight_mirror_{0};
  std::atomic<std::size_t> depth_mirror_{0};
  void mirror() noexcept;
  void grant_first() noexcept;
};

}  // namespace smm::providers
