#pragma once
// Per-provider circuit breaker: closed -> open after N consecutive failures or a failure
// ratio over the last outcomes; open -> half-open after a cool-down; half-open lets exactly
// one probe through, and only a `balance` call (never an order); the probe's success closes,
// its failure reopens with a longer cool-down. The clock is passed in.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "providers/action.hpp"

namespace smm::providers {

/// Breaker settings.
struct breaker_policy {
  std::uint32_t consecutive_failures = 5;  ///< open after this many failures in a row
  std::uint32_t window = 20;               ///< outcomes kept for the ratio
  std::uint32_t min_samples = 10;          ///< ratio applies only with this many outcomes
  std::uint32_t failure_percent = 50;      ///< open when failures * 100 >= percent * samples
  std::chrono::steady_clock::duration cool_down{std::chrono::seconds{5}};
  std::chrono::steady_clock::duration max_cool_down{std::chrono::minutes{5}};
  /// A probe that never reports back is given up after this long and another is allowed.
  std::chrono::steady_clock::duration probe_timeout{std::chrono::seconds{30}};
};

/// Breaker states.
enum class breaker_state : std::uint8_t { closed, open, half_open };

/// Answer to "may I send this call now?".
enum class breaker_decision : std::uint8_t {
  allow,   ///< closed: send it
  probe,   ///< half-open: send it as the one probe and report its outcome
  reject,  ///< open, or half-open with the probe taken, or not a balance call
};

/// Thread safety: none; owned by one provider client's strand.
class circuit_breaker {
 public:
  using clock = std::chrono::steady_clock;

  explicit circuit_breaker(breaker_policy policy = {});

  /// May a call of action `a` go out at `now`? Moves open -> half_open when the cool-down is over.
  breaker_decision acquire(action a, clock::time_point now);
  /// Report a call's outcome. Count as failures only what says the provider is unhealthy
  /// (transport errors, 3xx/5xx with or without an error text, HTML or gateway pages, garbage,
  /// an add answer that is not definitive), not definitive business errors: failure_classifier's
  /// health_of decides.
  void record_success(clock::time_point now);
  void record_failure(clock::time_point now);

  breaker_state state() const { return state_; }
  /// When an open breaker may half-open.
  clock::time_point open_until() const { return open_until_; }
  /// The cool-down the next opening will use.
  clock::duration current_cool_down() const { return cool_down_; }

 private:
  void open(clock::time_point now);
  void push_outcome(bool failure);

  breaker_policy policy_;
  breaker_state state_ = breaker_state::closed;
  std::uint32_t consecutive_ = 0;
  std::vector<bool> ring_;  // last outcomes, true = failure
  std::size_t ring_next_ = 0;
  std::uint32_t ring_failures_ = 0;
  clock::duration cool_down_;
  clock::time_point open_until_{};
  std::optional<clock::time_point> probe_since_;
};

/// "closed", "open", "half_open".
std::string_view to_string(breaker_state s);

}  // namespace smm::providers
