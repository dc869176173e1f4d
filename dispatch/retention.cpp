#include "dispatch/retention.hpp"

namespace smm {
namespace {

constexpr std::int64_t day_s = 86400;

std::int64_t refill_s(const service_def& service) noexcept {
  return service.refill_days ? std::int64_t{*service.refill_days} * day_s : 0;
}

}  // namespace

std::int64_t keep_after_final_s(order_state final_state, const service_def& service,
                                const policy_def& policy) noexcept {
  // Rule 2: only a Completed order (a Partial one for what was delivered) can be refilled.
  const bool refillable = final_state == order_state::completed || final_state == order_state::partial;
  return policy.claim_window_s + (refillable ? refill_s(service) : 0);
}

longest_keep longest_keep_after_final(const std::vector<service_def>& services,
                                      const policy_def& policy) noexcept {
  longest_keep out{policy.claim_window_s, nullptr};
  for (const auto& s : services) {
    const std::int64_t keep = keep_after_final_s(order_state::completed, s, policy);
    if (keep > out.seconds) out = longest_keep{keep, &s};
  }
  return out;
}

}  // namespace smm
