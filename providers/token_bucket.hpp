#pragma once
// Requests-per-time limit for one provider, as a token bucket kept in the GCRA form (one
// "theoretical arrival time"), so it is exact integer arithmetic. The clock is passed in.
#include <chrono>
#include <cstdint>

namespace smm::providers {

/// Token bucket: `tokens` per `period`, up to `burst` at once.
/// Thread safety: none; owned by one provider client's strand.
class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  /// `tokens` >= 1 per `period` > 0, `burst` >= 1. The interval between tokens is
  /// period / tokens rounded up to the nanosecond, so the rate is never exceeded.
  token_bucket(std::uint32_t tokens, clock::duration period, std::uint32_t burst);

  /// A new rate and burst from now on (a reload, a cluster member's share changing). Tokens
  /// already taken stay taken: a lower rate never lets the old burst through again.
  void set_rate(std::uint32_t tokens, clock::duration period, std::uint32_t burst);

  /// Takes one token if one is available at `now`.
  bool try_take(clock::time_point now);
  /// Zero when a token is available at `now`, else how long until one is.
  clock::duration time_until_available(clock::time_point now) const;
  /// No token before `until` (a 429 with Retry-After); later calls to try_take wait for it.
  void block_until(clock::time_point until);

 private:
  clock::duration interval_;   // time per token
  clock::duration tolerance_;  // interval * (burst - 1): how far ahead of schedule we may run
  clock::time_point tat_{};    // theoretical arrival time of the next token
};

}  // namespace smm::providers
