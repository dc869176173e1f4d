#pragma once
// The compact per-order record the domain rules read. 1M open orders must fit well
// under 1 GiB, so it holds only fixed-size fields: ids as integers, the link as its
// normalized 64-bit hash, enums as bytes, times as int64 Unix seconds, and "unknown"
// as a sentinel instead of std::optional (which would double each field's size).
// Large or opaque data (provider order id, raw status text, the link text, comments)
// lives in the store, keyed by panel_order_id.
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "dispatch/money.hpp"
#include "dispatch/order_state.hpp"
#include "dispatch/provider_status.hpp"

namespace smm {

/// Sentinel for an unknown count (start_count, remains) or an unset time.
inline constexpr std::int64_t no_value = std::numeric_limits<std::int64_t>::min();

/// Where the order's latest refill request stands (its status never changes on refill:
/// domain.md). The codes are journaled (store refills.state): append only, never renumber.
enum class refill_state : std::uint8_t {
  none = 0,         ///< never requested
  requested = 1,    ///< journaled, its request to the provider not answered yet
  pending = 2,      ///< the provider took it (refill id known), not started
  in_progress = 3,  ///< the provider is refilling
  completed = 4,    ///< the provider reported the refill done
  rejected = 5,     ///< the provider ended it without refilling (Rejected, Canceled, Error ...)
  unknown = 6,      ///< the request was written, no definitive answer: never resent on a guess
  refused = 7,      ///< the provider refused the request (refill rule 7): no refill exists
  failed = 8,       ///< the request provably never took effect (not sent, "not now"): none exists
};

/// Why the provider last refused a refill request (refill rule 7).
enum class refill_refusal : std::uint8_t {
  none,             ///< never refused
  private_account,  ///< the account is private: it cannot be refilled
  not_eligible,     ///< "Order not eligible for refill."
  other,            ///< any other refusal text (kept raw in the store)
};

/// Lower-case name ("in_progress").
std::string_view to_string(refill_state s);
/// Lower-case name ("private_account").
std::string_view to_string(refill_refusal r);

/// One order, as the domain rules see it. Plain aggregate; 112 bytes.
struct order {
  std::int64_t panel_order_id = 0;  ///< the panel's id: unique, the idempotency key
  std::int64_t service_id = 0;      ///< panel service id (service_def::id)
  std::int64_t quantity = 0;
  money charge;                                   ///< what the customer paid for this order
  std::uint64_t link_hash = 0;                    ///< hash of the normalized link (link.hpp)
  std::int64_t start_count = no_value;            ///< provider's count before delivery, if known
  std::int64_t remains = no_value;                ///< provider's remains, raw (may be negative)
  std::int64_t received_at = no_value;            ///< panel handed it over
  std::int64_t placed_at = no_value;              ///< provider order id learned
  std::int64_t completed_at = no_value;           ///< reached a final provider state
  std::int64_t last_status_change_at = no_value;  ///< last applied transition
  std::int64_t last_refill_at = no_value;         ///< last refill request
  std::int64_t last_speedup_at = no_value;        ///< last speed-up request
  order_state state = order_state::received;
  provider_status last_status = provider_status::unknown;  ///< normalized; raw is in the store
  refill_state refill = refill_state::none;
  refill_refusal refill_refused = refill_refusal::none;
  std::uint8_t send_attempts = 0;  ///< `add` attempts so far (sending(n))
  std::uint8_t anomalies = 0;      ///< rejected transitions seen, saturating at 255

  /// start_count if known.
  std::optional<std::int64_t> start_count_value() const {
    return start_count == no_value ? std::nullopt : std::optional<std::int64_t>(start_count);
  }
  /// remains if known (possibly negative or above quantity: see delivered()).
  std::optional<std::int64_t> remains_value() const {
    return remains == no_value ? std::nullopt : std::optional<std::int64_t>(remains);
  }
  /// remains clamped to [0, quantity] (over-delivery counts as nothing remaining).
  std::optional<std::int64_t> clamped_remains() const {
    if (remains == no_value) return std::nullopt;
    if (remains < 0) return 0;
    return remains > quantity ? quantity : remains;
  }
  /// Units delivered: quantity for completed orders, quantity - clamped remains for
  /// partial ones; none when a partial order's remains are unknown or it is not final.
  std::optional<std::int64_t> delivered() const {
    if (state == order_state::completed) return quantity;
    if (state == order_state::partial) {
      const auto r = clamped_remains();
      if (!r) return std::nullopt;
      return quantity - *r;
    }
    return std::nullopt;
  }
};

/// Stamps the times a committed change from `from` to `to` sets: the last change, the
/// placement, the end of delivery. The state itself, and whether the change was legal, are
/// the lifecycle's and the journal's business (dispatch/lifecycle.hpp).
void stamp_transition(order& o, order_state from, order_state to, std::int64_t now) noexcept;

}  // namespace smm
