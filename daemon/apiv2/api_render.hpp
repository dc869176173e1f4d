#pragma once
// The API v2 endpoint's answers in the canonical template's shapes (api-v2.md §9.1, §9.2):
// money, counts and ids of single answers as strings, list answers as arrays of objects,
// errors as {"error": "..."}. Pure: no I/O.
//
// Money: amounts are the daemon's exact micro-units. A charge prints exactly (at least two
// decimals: "0.27819", "8.00"); a balance prints with five decimals, rounded toward zero, so
// the endpoint never shows more funds than the providers reported.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/order_service.hpp"
#include "dispatch/money.hpp"
#include "dispatch/order_state.hpp"
#include "dispatch/service.hpp"

namespace smm::daemon::apiv2 {

/// {"error":"<message>"}
std::string error_body(std::string_view message);

/// The template's status text of a daemon state ("Pending", "In progress", "Completed",
/// "Partial", "Canceled"); the table is in the .cpp.
std::string_view status_text(order_state s);

/// Display name of a service type as the template prints it ("Custom Comments").
std::string_view type_display_name(service_type t);

/// What the customer finally pays: for a final state the charge minus the refund (never
/// below zero), otherwise the charge.
money customer_charge(const order_view& v);

/// {"charge":"0.27819","start_count":"3572","status":"Partial","remains":"157","currency":"USD"}
std::string status_body(const order_view& v, std::string_view currency);

/// One id of a multi-status answer: the order, or the error shown under its id.
struct status_entry {
  std::string id;  ///< as requested
  std::optional<order_view> order;
  std::string error;  ///< when there is no order
};

/// {"1": {...status...}, "10": {"error": "Incorrect order ID"}}
std::string multi_status_body(const std::vector<status_entry>& entries, std::string_view currency);

/// The services list (§9.1): service, name, type, category, rate, min, max, refill, cancel, dripfeed.
std::string services_body(const std::vector<service_def>& services);

/// {"order": 23501}
std::string add_body(std::int64_t order_id);

/// {"refill": "1"} (the single refill answer carries its id as a string)
std::string refill_body(std::int64_t refill_id);

/// {"status": "Completed"}
std::string refill_status_body(std::string_view status);

/// One element of a list answer: `id` as given (printed as a number when it is one), and
/// either an integer value, a text value, or an error ({"error": ...}).
struct list_entry {
  std::string id;
  std::string error;  ///< non-empty: the value is {"error": error}
  bool numeric = true;
  std::int64_t number = 0;  ///< when numeric
  std::string text;         ///< when !numeric
};

/// [{"<id_key>": 1, "<value_key>": 1}, {"<id_key>": 3, "<value_key>": {"error": "..."}}]
/// e.g. ("order", "refill"), ("refill", "status"), ("order", "cancel").
std::string list_body(std::string_view id_key, std::string_view value_key,
                      const std::vector<list_entry>& entries);

/// {"balance": "100.84292", "currency": "USD"}
std::string balance_body(money total, std::string_view currency);

/// `m` with exactly `places` decimals (0..6), rounded toward zero: "100.84292".
std::string fixed_decimals(money m, int places);

/// The template's text for an invalid add, from the engine's reason: a missing field is
/// "Missing required parameter: quantity", an unknown service "Incorrect service ID"; any
/// other (a quantity out of range, a bad link) is the engine's message as it is.
std::string add_error_text(invalid_reason reason, std::string_view field, std::string_view message);

/// The text for a refill the daemon's rules refuse (the rule's name, or why no rule could be
/// checked): "Order not eligible for refill: not_completed".
std::string refill_not_eligible_text(std::string_view why);

}  // namespace smm::daemon::apiv2
