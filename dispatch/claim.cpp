#include "dispatch/claim.hpp"

namespace smm {

bool claim_window_open(const order& o, const policy_def& policy, std::int64_t now) noexcept {
  if (o.state != order_state::completed && o.state != order_state::partial) return false;
  if (o.completed_at == no_value) return false;
  return now <= o.completed_at + policy.claim_window_s;
}

}  // namespace smm
