#pragma once
// The claim window (domain.md "Refill", seed 001 4.4): how long after an order ended a
// customer's claim about it is accepted.
#include <cstdint>

#include "dispatch/order.hpp"
#include "dispatch/service.hpp"

namespace smm {

/// Claims are accepted for policy.claim_window_s (14 days) after the order reached
/// Completed or Partial, inclusive of the last second; never for other states.
bool claim_window_open(const order& o, const policy_def& policy, std::int64_t now) noexcept;

}  // namespace smm
