#include "providers/circuit_breaker.hpp"

#include <algorithm>

namespace smm::providers {

circuit_breaker::circuit_breaker(breaker_policy policy) : policy_(policy), cool_down_(policy.cool_down) {
  policy_.window = std::max<std::uint32_t>(policy_.window, 1);
  ring_.reserve(policy_.window);
}

breaker_decision circuit_breaker::acquire(action a, clock::time_point now) {
  if (state_ == breaker_state::closed) return breaker_decision::allow;
  if (state_ == breaker_state::open) {
    if (now < open_until_) return breaker_decision::reject;
    state_ = breaker_state::half_open;
    probe_since_.reset();
  }
  // Half-open: one probe, and only a cheap idempotent call that cannot create an order.
  if (a != action::balance) return breaker_decision::reject;
  if (probe_since_ && now - *probe_since_ < policy_.probe_timeout) return breaker_decision::reject;
  probe_since_ = now;
  return breaker_decision::probe;
}

void circuit_breaker::record_success(clock::time_point) {
  if (state_ == breaker_state::half_open) {
    state_ = breaker_state::closed;
    cool_down_ = policy_.cool_down;
    probe_since_.reset();
    ring_.clear();
    ring_next_ = 0;
    ring_failures_ = 0;
  }
  consecutive_ = 0;
  if (state_ == breaker_state::closed) push_outcome(false);
}

void circuit_breaker::record_failure(clock::time_point now) {
  if (state_ == breaker_state::half_open) {
    // The probe failed: reopen, and wait twice as long next time (capped).
    cool_down_ = std::min(cool_down_ * 2, policy_.max_cool_down);
    open(now);
    return;
  }
  if (state_ == breaker_state::open) return;  // a late report from before the opening
  ++consecutive_;
  push_outcome(true);
  const auto samples = static_cast<std::uint32_t>(ring_.size());
  const bool ratio_tripped =
      samples >= policy_.min_samples &&
      std::uint64_t{ring_failures_} * 100 >= std::uint64_t{policy_.failure_percent} * samples;
  if (consecutive_ >= policy_.consecutive_failures || ratio_tripped) open(now);
}

void circuit_breaker::open(clock::time_point now) {
  state_ = breaker_state::open;
  open_until_ = now + cool_down_;
  probe_since_.reset();
  consecutive_ = 0;
}

void circuit_breaker::push_outcome(bool failure) {
  if (ring_.size() < policy_.window) {
    ring_.push_back(failure);
  } else {
    if (ring_[ring_next_]) --ring_failures_;
    ring_[ring_next_] = failure;
  }
  ring_next_ = (ring_next_ + 1) % policy_.window;
  if (failure) ++ring_failures_;
}

std::string_view to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed:
      return "closed";
    case breaker_state::open:
      return "open";
    case breaker_state::half_open:
      return "half_open";
  }
  return "closed";
}

}  // namespace smm::providers
