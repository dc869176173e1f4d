#include "providers/client/inflight_limiter.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smm::providers {

namespace asio = boost::asio;

struct inflight_limiter::waiter {
  explicit waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  bool granted = false;
};

inflight_limiter::inflight_limiter(asio::any_io_executor ex, std::size_t cap, std::size_t max_waiters)
    : ex_(std::move(ex)), cap_(std::max<std::size_t>(cap, 1)), max_waiters_(max_waiters) {}

inflight_limiter::~inflight_limiter() {
  for (auto& w : waiters_) w->timer.cancel();
}

asio::awaitable<acquire_status> inflight_limiter::acquire(std::chrono::steady_clock::time_point deadline) {
  if (in_flight_ < cap_ && waiters_.empty()) {
    ++in_flight_;
    mirror();
    co_return acquire_status::acquired;
  }
  if (waiters_.size() >= max_waiters_) co_return acquire_status::queue_full;
  auto w = std::make_shared<waiter>(ex_);
  w->timer.expires_at(deadline);
  auto pos = waiters_.insert(waiters_.end(), w);
  mirror();
  auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  // The grant wins over a timeout that fired in the same turn: the slot is already ours.
  if (w->granted) co_return acquire_status::acquired;
  waiters_.erase(pos);
  mirror();
  if (!ec) co_return acquire_status::timed_out;
  co_return acquire_status::cancelled;
}

void inflight_limiter::release() noexcept {
  // Over a lowered cap, the slot is given up rather than passed on.
  if (!waiters_.empty() && in_flight_ <= cap_) {
    grant_first();  // the slot passes to it; in_flight_ stays the same
    mirror();
    return;
  }
  if (in_flight_ > 0) --in_flight_;
  mirror();
}

void inflight_limiter::set_cap(std::size_t cap) {
  cap_ = std::max<std::size_t>(cap, 1);
  while (in_flight_ < cap_ && !waiters_.empty()) {
    ++in_flight_;
    grant_first();
  }
  mirror();
}

void inflight_limiter::grant_first() noexcept {
  auto w = waiters_.front();
  waiters_.pop_front();
  w->granted = true;
  w->timer.cancel();
}

void inflight_limiter::mirror() noexcept {
  in_flight_mirror_.store(in_flight_, std::memory_order_relaxed);
  depth_mirror_.store(waiters_.size(), std::memory_order_relaxed);
}

}  // namespace smm::providers
