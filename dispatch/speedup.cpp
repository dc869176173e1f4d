#include "dispatch/speedup.hpp"

namespace smm {

std::string_view to_string(speedup_reason r) {
  switch (r) {
    case speedup_reason::eligible:
      return "eligible";
    case speedup_reason::slow_service:
      return "slow_service";
    case speedup_reason::not_running:
      return "not_running";
    case speedup_reason::not_stuck:
      return "not_stuck";
    case speedup_reason::too_soon:
      return "too_soon";
  }
  return "invalid";
}

speedup_reason check_speedup(const order& o, const service_def& svc, const policy_def& policy,
                             std::int64_t now) noexcept {
  if (svc.slow) return speedup_reason::slow_service;
  if (!is_running_upstream(o.state)) return speedup_reason::not_running;
  // Without a recorded change there is no evidence of being stuck.
  if (o.last_status_change_at == no_value) return speedup_reason::not_stuck;
  if (now - o.last_status_change_at <= policy.speedup_stuck_after_s) return speedup_reason::not_stuck;
  if (o.last_speedup_at != no_value && now - o.last_speedup_at < policy.speedup_min_interval_s) {
    return speedup_reason::too_soon;
  }
  return speedup_reason::eligible;
}

}  // namespace smm
