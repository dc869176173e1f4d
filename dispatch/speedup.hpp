#pragma once
// Speed-up eligibility (domain.md "Speed-up"): only for a stuck running order, at most
// once per interval, never for slow services.
#include <cstdint>
#include <string_view>

#include "dispatch/order.hpp"
#include "dispatch/service.hpp"

namespace smm {

/// Eligible, or why not (checked in this order).
enum class speedup_reason : std::uint8_t {
  eligible,
  slow_service,  ///< the service is marked slow: never
  not_running,   ///< not with a provider, or already final
  not_stuck,     ///< status changed within policy.speedup_stuck_after_s (3 days)
  too_soon,      ///< last speed-up less than policy.speedup_min_interval_s (24 h) ago
};

/// Lower-case name ("too_soon").
std::string_view to_string(speedup_reason r);

/// Stuck means strictly more than speedup_stuck_after_s without a status change (exactly
/// 3 days is not stuck). A new request is allowed once speedup_min_interval_s has fully
/// passed (exactly 24 h after the last one is allowed).
speedup_reason check_speedup(const order& o, const service_def& svc, const policy_def& policy,
                             std::int64_t now) noexcept;

}  // namespace smm
