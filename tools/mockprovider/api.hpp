#pragma once
// API v2 actions on top of the simulation: parameters in, canonical JSON text out
// (api-v2.md §2-§5, §9.1-9.2), with optional quirks that exercise a client's parser.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tools/mockprovider/params.hpp"
#include "tools/mockprovider/simulation.hpp"

namespace smm::mock {

/// How order statuses are spelled (api-v2.md §4.2).
enum class status_style {
  canonical,  ///< Pending, In progress, Completed, Partial, Canceled
  lower,      ///< pending, processing, completed, partial, canceled
  snake,      ///< pending, in_progress, completed, partial, cancelled
  alt,        ///< Pending, Inprogress, Completed, Partially Completed, Cancelled
  upper,      ///< PENDING, IN-PROGRESS, COMPLETE, PARTIALLY COMPLETED, CANCEL
};

/// Deviations from the canonical template, all off by default.
struct quirks {
  bool numbers = false;  ///< charge/start_count/remains/min/max as JSON numbers
  status_style style = status_style::canonical;
  bool bare_errors = false;            ///< multi status: "2": "Incorrect order ID" (ipanel style)
  bool string_ids = false;             ///< order ids "ord_N", refill ids "ref_N"
  bool final_without_remains = false;  ///< no "remains" once final (some panels drop it there)
  /// status, refill and cancel answer only for this key's orders: another key's order id gets
  /// "Incorrect order ID" like an id that does not exist (what reconciliation by bracketing
  /// relies on).
  bool own_orders_only = false;
};

/// Applies admin or flag parameters numbers=strings|numbers, status_style=...,
/// bare_errors=0|1, string_ids=0|1, final_without_remains=0|1, status_own_orders_only=0|1.
/// Error text on failure.
bool apply_quirks(const param_map& params, quirks& q, std::string& error);
/// The quirks as a JSON object.
std::string to_json(const quirks& q);
/// The spelling of a status in a style.
std::string_view status_text(order_status s, status_style style);
/// The spelling of a refill status in a style (canonical: Pending, In progress, Completed,
/// Rejected; the others spell the rejected one canceled, Cancelled or ERROR).
std::string_view refill_status_text(refill_status s, status_style style = status_style::canonical);

/// The outcome of one API request, with what the audit needs for an `add`.
struct api_answer {
  std::string body;  ///< JSON text
  std::string action;
  // Only for action == "add":
  std::string service;
  std::string link;
  std::int64_t quantity = 0;
  std::optional<std::string> order_id;  ///< as sent to the client
  std::string error;                    ///< the error answered, if any
};

/// Messages of the request layer (api-v2.md §6.2).
namespace msg {
inline constexpr const char* bad_key = "Invalid API key";
inline constexpr const char* bad_action = "This action is Invalid";
inline constexpr const char* missing = "There are missing required parameters. Please check your API Manual";
inline constexpr const char* no_order_id = "Order ID is required parameter. Please check your API Manual";
inline constexpr const char* invalid_link = "Invalid Link";
inline constexpr const char* invalid_request = "Invalid Request";
}  // namespace msg

/// Most ids accepted by one multi call (api-v2.md §2.1).
inline constexpr std::size_t max_ids_per_call = 100;

/// Runs the action named by params["action"] (the key was already checked).
api_answer run_action(simulation& sim, const param_map& params, const quirks& q, std::int64_t now_ms);

/// {"error": message}.
std::string error_body(std::string_view message);

}  // namespace smm::mock
