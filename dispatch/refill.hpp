#pragma once
// Refill eligibility: the seven rules of domain.md "Refill", checked in order; the
// answer names the first rule that fails.
#include <cstdint>
#include <optional>
#include <string_view>

#include "dispatch/link_index.hpp"
#include "dispatch/order.hpp"
#include "dispatch/service.hpp"

namespace smm {

/// Eligible, or the first failing rule (numbers are domain.md's).
enum class refill_reason : std::uint8_t {
  eligible,
  no_refill_guarantee,        ///< 1: the service has no refill period
  not_completed,              ///< 2: not Completed or Partial
  nothing_delivered,          ///< 2: a Partial order that delivered nothing (or unknown remains)
  guarantee_expired,          ///< 2: now is past completion + refill days
  start_count_unknown,        ///< 3/4: the provider never reported a start count
  count_not_dropped,          ///< 3: current count >= start_count + delivered
  dropped_below_start_count,  ///< 3: current count < start_count: not refilled
  start_count_too_high,       ///< 4: start_count >= policy limit (100,000)
  newer_order_on_link,        ///< 5: a later order on the same link voids the guarantee
  refill_in_progress,         ///< 6: a refill requested less than 72 h ago is still running
  provider_refused,           ///< 7: the provider refused a refill for this order
};

/// Lower-case name ("guarantee_expired").
std::string_view to_string(refill_reason r);

/// Everything the refill rules read besides the order itself.
struct refill_query {
  std::int64_t now = 0;                          ///< Unix seconds
  std::optional<std::int64_t> current_count;     ///< none: rule 3 left to the provider
  std::optional<link_placement> newest_on_link;  ///< newest order placed on the order's link
};

/// Checks rules 1..7 in order. Rule 2's window is inclusive: eligible up to and
/// including completed_at + refill_days * 86400. Rule 3 is skipped when the current
/// count is unknown (the provider checks it); when known it needs a start count.
/// Rule 5 fails when another order on the link was placed later, or in the same second
/// with a higher panel id (panel ids grow). Rule 6 fails while the last request is
/// in_progress and younger than policy.refill_in_progress_s (the bound itself is not).
/// Rule 7 fails when the provider's last answer was a refusal.
refill_reason check_refill(const order& o, const service_def& svc, const policy_def& policy,
                           const refill_query& q) noexcept;

/// The same rules, reading rule 5's link history from `links` (by o.link_hash), and
/// only for orders that pass rules 1 to 4: the hot path skips the probe for most orders.
refill_reason check_refill(const order& o, const service_def& svc, const policy_def& policy, std::int64_t now,
                           std::optional<std::int64_t> current_count, const link_index& links) noexcept;

}  // namespace smm
