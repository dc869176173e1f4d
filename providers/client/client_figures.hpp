#pragma once
// Per-provider figures for the metrics endpoint: a plain struct, copied out as a snapshot.
// No asio here.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "providers/action.hpp"

namespace smm::providers {

/// How one client call ended (one call may span several HTTP attempts and, for multi
/// actions, several chunks).
enum class call_outcome : std::uint8_t {
  ok,              ///< the expected reply
  rejected,        ///< a definitive provider error (see the result's category)
  retry_later,     ///< a definitive "not now": active order on the link, rate limited
  pause_provider,  ///< not enough funds or a bad key: stop sending to this provider
  unknown,         ///< add only: the request was written, no definitive answer; never resent
  failed,          ///< not done, provably or harmlessly (idempotent): retries exhausted or deadline
  breaker_open,    ///< refused locally: the provider's circuit breaker is open
  queue_full,      ///< refused locally: in-flight cap reached and the wait queue full
  cancelled,       ///< the caller cancelled while the call waited
};

/// Number of call_outcome values.
inline constexpr std::size_t call_outcome_count = 9;
/// Number of action values.
inline constexpr std::size_t action_count = 7;

/// Stable snake_case name ("pause_provider").
std::string_view to_string(call_outcome o);

/// Circuit breaker state as the metrics show it.
enum class breaker_state_view : std::uint8_t { closed, open, half_open };

/// Upper bounds (inclusive, milliseconds) of the latency buckets; one more bucket holds the rest.
inline constexpr std::array<std::int64_t, 12> latency_bucket_ms{5,   10,   25,   50,   100,   250,
                                                                500, 1000, 2500, 5000, 10000, 30000};

/// A snapshot of one provider's client.
struct client_figures {
  /// calls[action][outcome]: completed calls.
  std::array<std::array<std::uint64_t, call_outcome_count>, action_count> calls{};
  /// HTTP attempts sent (a call with retries counts each).
  std::uint64_t attempts = 0;
  /// Retries: attempts after the first of a call.
  std::uint64_t retries = 0;
  /// Retries refused by the retry budget.
  std::uint64_t retries_denied = 0;
  /// 429 replies seen.
  std::uint64_t rate_limited = 0;
  /// Latency of completed calls: latency_buckets[i] counts calls <= latency_bucket_ms[i]
  /// (not cumulative); the last element counts the rest.
  std::array<std::uint64_t, latency_bucket_ms.size() + 1> latency_buckets{};
  /// Sum of call latencies in microseconds (for a Prometheus _sum).
  std::uint64_t latency_sum_us = 0;
  std::size_t in_flight = 0;    ///< HTTP requests on the wire now
  std::size_t queue_depth = 0;  ///< calls waiting for an in-flight slot
  breaker_state_view breaker = breaker_state_view::closed;
  std::uint64_t connections_opened = 0;  ///< TCP connections opened (pool effectiveness)

  /// Total calls of one action across outcomes.
  std::uint64_t total(action a) const;
  /// Total calls with one outcome across actions.
  std::uint64_t total(call_outcome o) const;
  /// Adds one finished call.
  void record(action a, call_outcome o, std::chrono::microseconds latency);
};

}  // namespace smm::providers
