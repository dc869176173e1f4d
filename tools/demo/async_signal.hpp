#pragma once
// A wake-up for coroutines on one executor: waiters park on a timer that never expires by
// itself; notify_all() cancels it. Also a counting window built on it.
// Thread safety: none; use from the executor's thread only (the demo runs one io thread).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>

namespace smm::demo {

/// Waiters resume at the next notify_all() (or spuriously: always re-check the condition).
class async_signal {
 public:
  explicit async_signal(boost::asio::any_io_executor ex) : timer_(ex) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
  }
  /// Parks until notify_all().
  boost::asio::awaitable<void> wait() {
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  /// Wakes every waiter.
  void notify_all() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

/// At most `limit` holders at once; acquire() waits for a free place.
class counting_window {
 public:
  counting_window(boost::asio::any_io_executor ex, std::size_t limit) : signal_(ex), limit_(limit) {}
  /// Takes a place, waiting while all are held.
  boost::asio::awaitable<void> acquire() {
    while (held_ >= limit_) co_await signal_.wait();
    ++held_;
  }
  /// Gives a place back.
  void release() {
    --held_;
    signal_.notify_all();
  }
  /// Waits until nothing is held.
  boost::asio::awaitable<void> drain() {
    while (held_ > 0) co_await signal_.wait();
  }

 private:
  async_signal signal_;
  std::size_t limit_;
  std::size_t held_ = 0;
};

}  // namespace smm::demo
