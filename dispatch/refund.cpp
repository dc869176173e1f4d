#include "dispatch/refund.hpp"

namespace smm {

std::string_view to_string(refund_reason r) {
  switch (r) {
    case refund_reason::not_final:
      return "not_final";
    case refund_reason::completed:
      return "completed";
    case refund_reason::canceled:
      return "canceled";
    case refund_reason::refunded:
      return "refunded";
    case refund_reason::failed:
      return "failed";
    case refund_reason::rejected:
      return "rejected";
    case refund_reason::partial:
      return "partial";
    case refund_reason::needs_review:
      return "needs_review";
  }
  return "invalid";
}

refund_decision compute_refund(const order& o) noexcept {
  // A negative charge cannot be refunded by any rule: let a person look.
  const bool bad_charge = o.charge.is_negative();
  switch (o.state) {
    case order_state::completed:
      return {money{}, refund_reason::completed};
    case order_state::canceled:
    case order_state::refunded:
    case order_state::failed:
    case order_state::rejected: {
      if (bad_charge) return {money{}, refund_reason::needs_review};
      const auto reason = o.state == order_state::canceled   ? refund_reason::canceled
                          : o.state == order_state::refunded ? refund_reason::refunded
                          : o.state == order_state::failed   ? refund_reason::failed
                                                             : refund_reason::rejected;
      return {o.charge, reason};
    }
    case order_state::partial: {
      const auto remains = o.clamped_remains();
      if (!remains || bad_charge || o.quantity <= 0) return {money{}, refund_reason::needs_review};
      const money_result r = prorate_down(o.charge, *remains, o.quantity);
      if (!r) return {money{}, refund_reason::needs_review};
      return {r.value, refund_reason::partial};
    }
    default:
      break;
  }
  // Running states (including unknown, which may still turn out placed): not final yet.
  return {money{}, refund_reason::not_final};
}

}  // namespace smm
