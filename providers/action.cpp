#include "providers/action.hpp"

namespace smm::providers {

std::string_view to_string(action a) {
  switch (a) {
    case action::services:
      return "services";
    case action::add:
      return "add";
    case action::status:
      return "status";
    case action::refill:
      return "refill";
    case action::refill_status:
      return "refill_status";
    case action::cancel:
      return "cancel";
    case action::balance:
      return "balance";
  }
  return "unknown";
}

bool is_idempotent(action a) {
  switch (a) {
    case action::services:
    case action::status:
    case action::refill_status:
    case action::balance:
      return true;
    // add creates an order; refill and cancel file a request upstream. A refill or cancel sent
    // twice is mostly harmless (the second is refused), but it is not provably a no-op.
    case action::add:
    case action::refill:
    case action::cancel:
      return false;
  }
  return false;
}

}  // namespace smm::providers
