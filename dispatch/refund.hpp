#pragma once
// What the customer gets back when an order reaches a final state (domain.md "Refunds").
// A refund never exceeds the charge: every division rounds down (prorate_down).
#include <cstdint>
#include <string_view>

#include "dispatch/money.hpp"
#include "dispatch/order.hpp"

namespace smm {

/// Why a refund is what it is.
enum class refund_reason : std::uint8_t {
  not_final,     ///< order still running: nothing yet
  completed,     ///< delivered in full: zero
  canceled,      ///< whole charge
  refunded,      ///< provider reports it refunded: whole charge
  failed,        ///< provider failed to deliver: whole charge (seed 003)
  rejected,      ///< never placed (provider or policy said no): whole charge
  partial,       ///< charge * clamped remains / quantity, rounded down
  needs_review,  ///< partial with unknown remains or bad figures: no refund on a guess
};

/// Lower-case name ("needs_review").
std::string_view to_string(refund_reason r);

/// The refund owed for an order: an amount and the rule that produced it.
struct refund_decision {
  money amount;  ///< 0 unless reason is canceled, refunded, failed, rejected or partial
  refund_reason reason = refund_reason::not_final;
  /// True when an operator must decide: nothing is paid automatically.
  bool needs_review() const { return reason == refund_reason::needs_review; }
};

/// Computes the refund from the order's state, charge, quantity and remains.
/// Partial: remains is clamped to [0, quantity] (negative = over-delivery = nothing
/// back), then charge * remains / quantity rounded toward zero. A negative charge or a
/// quantity <= 0 on a partial order is needs_review, not an error thrown at the caller.
refund_decision compute_refund(const order& o) noexcept;

}  // namespace smm
