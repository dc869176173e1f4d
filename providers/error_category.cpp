#include "providers/error_category.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace smm::providers {
namespace {

using ec = error_category;

// Order matters where messages share words:
// - bad_key first: "API is Disable for this user or User Not Found!" must not read as not-found;
// - funds before anything about "balance" or "order";
// - link_not_found / service_not_found before the generic not-found rows;
// - "refill request not found" (not-found) before "refill" eligibility rows;
// - private_account after every row an add acts on ("Invalid link: the account is private" is
//   still an invalid link, which proves the add created nothing) and before refill_not_allowed
//   ("Order not eligible for refill: account is private" names the reason: rule 7);
// - invalid_request last: its generic texts ("Invalid request") give way to any specific
//   reason in the same message, and "missing required parameter: service" is not a missing
//   service (no failover to the next provider of the route).
constexpr std::array patterns{
    // bad_key
    error_pattern{"invalid api key", ec::bad_key},
    error_pattern{"incorrect request key", ec::bad_key},
    error_pattern{"invalid key", ec::bad_key},
    error_pattern{"incorrect key", ec::bad_key},
    error_pattern{"wrong api key", ec::bad_key},
    error_pattern{"api key is invalid", ec::bad_key},
    error_pattern{"api is disable", ec::bad_key},
    error_pattern{"user not found", ec::bad_key},
    error_pattern{"unauthorized", ec::bad_key},
    // not_enough_funds
    error_pattern{"not enough funds", ec::not_enough_funds},
    error_pattern{"not_enough_funds", ec::not_enough_funds},
    error_pattern{"low balance", ec::not_enough_funds},
    error_pattern{"insufficient balance", ec::not_enough_funds},
    error_pattern{"insufficient funds", ec::not_enough_funds},
    // duplicate_active_order
    error_pattern{"active order with this link", ec::duplicate_active_order},
    error_pattern{"link_duplicate", ec::duplicate_active_order},
    error_pattern{"duplicate order", ec::duplicate_active_order},
    error_pattern{"duplicate_order", ec::duplicate_active_order},
    // rate_limited
    error_pattern{"too many requests", ec::rate_limited},
    error_pattern{"too_many_orders", ec::rate_limited},
    error_pattern{"too many orders", ec::rate_limited},
    error_pattern{"rate limit", ec::rate_limited},
    // invalid_link
    error_pattern{"invalid link", ec::invalid_link},
    error_pattern{"invalid_link", ec::invalid_link},
    error_pattern{"link_not_found", ec::invalid_link},
    error_pattern{"wrong address", ec::invalid_link},
    error_pattern{"incorrect link", ec::invalid_link},
    // quantity_out_of_range
    error_pattern{"quantity must", ec::quantity_out_of_range},
    error_pattern{"invalid_quantity", ec::quantity_out_of_range},
    error_pattern{"invalid quantity", ec::quantity_out_of_range},
    error_pattern{"min_quantity", ec::quantity_out_of_range},
    error_pattern{"max_quantity", ec::quantity_out_of_range},
    error_pattern{"min quantity", ec::quantity_out_of_range},
    error_pattern{"max quantity", ec::quantity_out_of_range},
    error_pattern{"big quantity", ec::quantity_out_of_range},
    error_pattern{"small quantity", ec::quantity_out_of_range},
    // unknown_service
    error_pattern{"service id does not exist", ec::unknown_service},
    error_pattern{"service_not_found", ec::unknown_service},
    error_pattern{"incorrect_service_id", ec::unknown_service},
    error_pattern{"invalid_service", ec::unknown_service},
    error_pattern{"service_inactive", ec::unknown_service},
    error_pattern{"incorrect service", ec::unknown_service},
    error_pattern{"invalid service", ec::unknown_service},
    error_pattern{"service not found", ec::unknown_service},
    // order_not_found (also unknown refill ids)
    error_pattern{"incorrect order id", ec::order_not_found},
    error_pattern{"order not found", ec::order_not_found},
    error_pattern{"refill not found", ec::order_not_found},
    error_pattern{"refill request not found", ec::order_not_found},
    // private_account: a refill refusal's reason (seed 000 Refill 5: "jika private refill tidak
    // dapat diproses"; seed 003: "Private accounts do not qualify"). Any mention of "private"
    // counts, in any language that borrows the word.
    error_pattern{"private account", ec::private_account},
    error_pattern{"account is private", ec::private_account},
    error_pattern{"profile is private", ec::private_account},
    error_pattern{"private", ec::private_account},
    // refill_not_allowed
    error_pattern{"not eligible for refill", ec::refill_not_allowed},
    error_pattern{"refill is not available", ec::refill_not_allowed},
    error_pattern{"refill not allowed", ec::refill_not_allowed},
    error_pattern{"refill is disabled", ec::refill_not_allowed},
    // invalid_request: the request was refused before anything was done
    error_pattern{"missing required parameter", ec::invalid_request},
    error_pattern{"is required parameter", ec::invalid_request},
    error_pattern{"this action is invalid", ec::invalid_request},
    error_pattern{"invalid action", ec::invalid_request},
    error_pattern{"invalid request", ec::invalid_request},
};

}  // namespace

std::string_view to_string(error_category c) {
  switch (c) {
    case ec::not_enough_funds:
      return "not_enough_funds";
    case ec::duplicate_active_order:
      return "duplicate_active_order";
    case ec::invalid_link:
      return "invalid_link";
    case ec::quantity_out_of_range:
      return "quantity_out_of_range";
    case ec::unknown_service:
      return "unknown_service";
    case ec::bad_key:
      return "bad_key";
    case ec::rate_limited:
      return "rate_limited";
    case ec::order_not_found:
      return "order_not_found";
    case ec::refill_not_allowed:
      return "refill_not_allowed";
    case ec::private_account:
      return "private_account";
    case ec::invalid_request:
      return "invalid_request";
    case ec::other:
      return "other";
  }
  return "other";
}

std::span<const error_pattern> error_patterns() { return patterns; }

error_category classify_error(std::string_view message) {
  std::string lowered(message);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& p : patterns)
    if (lowered.find(p.needle) != std::string::npos) return p.category;
  return ec::other;
}

}  // namespace smm::providers
