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
  refill_in_progress,         ///< 6: a refill requested less than 72 h ago may still be running
  provider_refused,           ///< 7: the provider refused a refill for this order
};

/// Lower-case name ("guarantee_expired").
std::string_view to_string(refill_reason r);

/// True while a refill request may still be running at the provider (requested, pending,
/// in_progress, unknown): rule 6 refuses a new one until policy.refill_in_progress_s passed.
constexpr bool refill_may_be_running(refill_state s) {
  return s == refill_state::requested || s == refill_state::pending || s == refill_state::in_progress ||
         s == refill_state::unknown;
}

/// True for the states the refill poller asks the provider about (it has a refill id and
/// no final answer): pending, in_progress.
constexpr bool refill_followed(refill_state s) {
  return s == refill_state::pending || s == refill_state::in_progress;
}

/// What a provider's refill status text says, case- and separator-insensitively: Pending;
/// In progress / Processing; Completed; Rejected, Canceled, Cancelled, Error, Fail(ed) and
/// Refunded all end the refill without refilling (rejected). Unrecognised text: none.
std::optional<refill_state> refill_state_from_status(std::string_view text) noexcept;

/// The state a followed refill moves to on a status answer, or none when the answer
/// changes nothing: an unrecognised text, the same state, or a refill that already ended
/// (completed, rejected: an ended refill is never reopened by a late answer).
std::optional<refill_state> refill_after_status(refill_state current, std::string_view text) noexcept;

/// Everything the refill rules read besides the order itself.
struct refill_query {
  std::int64_t now = 0;                          ///< Unix seconds
  std::optional<std::int64_t> current_count;     ///< none: rule 3 left to the provider
  std::optional<link_placement> newest_on_link;  ///< newest order placed on the order's link
};

/// Checks rules 1..7 in order. Rule 2's window is inclusive: eligible up to and
/// including completed_at + refill_days * 86400 (the guarantee; the claim window does not
/// shorten or extend it: docs/rules.md "Refill"). Rule 3 is skipped when the current
/// count is unknown (the provider checks it); when known it needs a start count, and
/// start_count + delivered is compared without overflow. Rule 5 fails when another order
/// on the link was placed later, or in the same second with a higher panel id (panel ids
/// grow). Rule 6 fails while the last request may still be running
/// (refill_may_be_running) and is younger than policy.refill_in_progress_s (the bound
/// itself is not); a refill that ended (completed, rejected) or never existed (refused,
/// failed) does not block. Rule 7 fails when the provider refused a request.
refill_reason check_refill(const order& o, const service_def& svc, const policy_def& policy,
                           const refill_query& q) noexcept;

/// The same rules, reading rule 5's link history from `links` (by o.link_hash), and
/// only for orders that pass rules 1 to 4: the hot path skips the probe for most orders.
refill_reason check_refill(const order& o, const service_def& svc, const policy_def& policy, std::int64_t now,
                           std::optional<std::int64_t> current_count, const link_index& links) noexcept;

}  // namespace smm
