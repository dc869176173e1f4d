#pragma once
// How long the journal must keep a final order (domain.md "Refill"): a customer may claim
// about an order for policy.claim_window_s after it ended (seed 001 4.4), and a Completed or
// Partial order on a service with a refill guarantee may be refilled for refill_days after
// completion (seed 000 Refill 9), with a claim about that refill accepted for the claim window
// after the guarantee ends. Retention (daemon.retention_days) must never delete an order
// inside that window; the config refuses a retention shorter than the longest one.
#include <cstdint>
#include <vector>

#include "dispatch/order_state.hpp"
#include "dispatch/service.hpp"

namespace smm {

/// Seconds after it ended that an order which ended in `final_state` on `service` must stay
/// in the journal: the claim window, plus the service's refill guarantee when the order
/// ended Completed or Partial (a Partial order is refillable for what was delivered).
/// Every final state keeps at least the claim window, so a dispute about a cancel or a
/// refund can still be answered from the journal.
std::int64_t keep_after_final_s(order_state final_state, const service_def& service,
                                const policy_def& policy) noexcept;

/// The longest keep_after_final_s any order of `services` can need, and the service that
/// needs it (the first of the longest; null when no service has a refill guarantee, so the
/// claim window alone is the longest).
struct longest_keep {
  std::int64_t seconds = 0;
  const service_def* service = nullptr;
};

/// See longest_keep.
longest_keep longest_keep_after_final(const std::vector<service_def>& services,
                                      const policy_def& policy) noexcept;

}  // namespace smm
