#pragma once
// Full-jitter exponential backoff (STYLE.md habit 8): a uniform delay in
// [0, min(cap, base * 2^attempt)], never past the caller's deadline.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace smm::providers {

/// Backoff settings.
struct backoff_policy {
  std::chrono::nanoseconds base{std::chrono::milliseconds{100}};
  std::chrono::nanoseconds cap{std::chrono::seconds{10}};
};

/// A source of uniformly random 64-bit values (injected so tests are deterministic).
using random_source = std::function<std::uint64_t()>;

/// Ceiling of the jitter window for `attempt` (0-based): min(cap, base * 2^attempt).
std::chrono::nanoseconds backoff_ceiling(const backoff_policy& p, std::uint32_t attempt);

/// The delay before retry number `attempt` (0-based), drawn uniformly from [0, ceiling] and
/// clamped to `remaining` (the time left before the call's deadline). Nullopt when no time
/// is left: give up instead of sleeping past the deadline.
std::optional<std::chrono::nanoseconds> backoff_delay(const backoff_policy& p, std::uint32_t attempt,
                                                      std::chrono::nanoseconds remaining,
                                                      const random_source& rng);

}  // namespace smm::providers
