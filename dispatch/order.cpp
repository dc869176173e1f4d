#include "dispatch/order.hpp"

namespace smm {

std::string_view to_string(refill_state s) {
  switch (s) {
    case refill_state::none:
      return "none";
    case refill_state::requested:
      return "requested";
    case refill_state::pending:
      return "pending";
    case refill_state::in_progress:
      return "in_progress";
    case refill_state::completed:
      return "completed";
    case refill_state::rejected:
      return "rejected";
    case refill_state::unknown:
      return "unknown";
    case refill_state::refused:
      return "refused";
    case refill_state::failed:
      return "failed";
  }
  return "invalid";
}

std::string_view to_string(refill_refusal r) {
  switch (r) {
    case refill_refusal::none:
      return "none";
    case refill_refusal::private_account:
      return "private_account";
    case refill_refusal::not_eligible:
      return "not_eligible";
    case refill_refusal::other:
      return "other";
  }
  return "invalid";
}

transition_result apply_to_order(order& o, order_state next, std::int64_t now) noexcept {
  const transition_result r = apply_transition(o.state, next);
  if (r == transition_result::anomaly) {
    if (o.anomalies < 255) ++o.anomalies;
    return r;
  }
  if (r != transition_result::applied) return r;
  o.last_status_change_at = now;
  if (next == order_state::placed) o.placed_at = now;
  if (next == order_state::sending && o.send_attempts < 255) ++o.send_attempts;
  if (is_final(next) && is_provider_state(next)) o.completed_at = now;
  return r;
}

transition_result apply_to_order(order& o, provider_status reported, std::int64_t now) noexcept {
  o.last_status = reported;
  const auto next = state_for(reported);
  if (!next) {
    if (o.anomalies < 255) ++o.anomalies;
    return transition_result::anomaly;
  }
  return apply_to_order(o, *next, now);
}

}  // namespace smm
