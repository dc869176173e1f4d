#pragma once
// The API v2 actions (api-v2.md §2) and which of them may be repeated safely.
#include <cstdint>
#include <string_view>

namespace smm::providers {

/// One API v2 action. Single and multi forms share an action; the parameters differ.
enum class action : std::uint8_t { services, add, status, refill, refill_status, cancel, balance };

/// The wire name: "services", "add", "status", "refill", "refill_status", "cancel", "balance".
std::string_view to_string(action a);

/// True for actions that only read provider state (services, status, refill_status, balance):
/// sending them twice changes nothing upstream, so any failure may be retried.
bool is_idempotent(action a);

}  // namespace smm::providers
