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

void stamp_transition(order& o, order_state from, order_state to, std::int64_t now) noexcept {
  if (from == to) return;  // a repeat or a note is not a change
  o.last_status_change_at = now;
  if (to == order_state::placed) o.placed_at = now;
  if (is_final(to) && !is_final(from) && is_provider_state(to)) o.completed_at = now;
}

}  // namespace smm
