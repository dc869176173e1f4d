#include "providers/backoff.hpp"

#include <algorithm>

namespace smm::providers {

std::chrono::nanoseconds backoff_ceiling(const backoff_policy& p, std::uint32_t attempt) {
  const auto base = std::max<std::int64_t>(p.base.count(), 0);
  const auto cap = std::max<std::int64_t>(p.cap.count(), 0);
  std::int64_t ceiling = base;
  // Doubling stops at the cap, so the shift never overflows.
  for (std::uint32_t i = 0; i < attempt && ceiling > 0 && ceiling < cap; ++i)
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  return std::chrono::nanoseconds{std::min(ceiling, cap)};
}

std::optional<std::chrono::nanoseconds> backoff_delay(const backoff_policy& p, std::uint32_t attempt,
                                                      std::chrono::nanoseconds remaining,
                                                      const random_source& rng) {
  if (remaining <= std::chrono::nanoseconds::zero()) return std::nullopt;
  const auto ceiling = static_cast<std::uint64_t>(backoff_ceiling(p, attempt).count());
  // r mod (ceiling + 1): uniform up to a bias below ceiling / 2^64, negligible for delays.
  const std::uint64_t draw = ceiling == 0 ? 0 : (rng ? rng() : 0) % (ceiling + 1);
  return std::min(std::chrono::nanoseconds{static_cast<std::int64_t>(draw)}, remaining);
}

}  // namespace smm::providers
