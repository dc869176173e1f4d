#pragma once
// Sorts a provider's error message into the few categories the daemon acts on (api-v2.md §6).
#include <cstdint>
#include <span>
#include <string_view>

namespace smm::providers {

/// What a provider's {"error": "..."} means for the daemon.
enum class error_category : std::uint8_t {
  not_enough_funds,        ///< our prepaid balance there ran out: pause the provider
  duplicate_active_order,  ///< an order on this link is still running: retry later
  invalid_link,
  quantity_out_of_range,
  unknown_service,
  bad_key,          ///< our API key is wrong or disabled: pause the provider
  rate_limited,     ///< slow down: retry later
  order_not_found,  ///< the order or refill id is unknown there
  refill_not_allowed,
  private_account,  ///< the target account or post is private: no refill (docs/rules.md Refill rule 7)
  invalid_request,  ///< refused as malformed (missing or invalid parameter, unknown action)
  other,            ///< no row matched: nothing is known about what the provider did
};

/// Stable snake_case name ("not_enough_funds").
std::string_view to_string(error_category c);

/// One row of the classification table: a lower-case substring and its category.
struct error_pattern {
  std::string_view needle;
  error_category category;
};

/// The table, in matching order: the first row whose needle occurs in the message wins.
std::span<const error_pattern> error_patterns();

/// Category of a provider message: case-insensitive substring match against error_patterns().
error_category classify_error(std::string_view message);

}  // namespace smm::providers
