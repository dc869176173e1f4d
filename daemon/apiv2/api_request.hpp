#pragma once
// The API v2 endpoint's request side (api-v2.md §1-§5): one HTTP request in, a typed request
// out, or the template's error text naming what was wrong. Pure: no I/O, no asio.
//
// Parameters come from the query string (GET, or a POST that also carries one), from a POST
// body in application/x-www-form-urlencoded (PHP urlencode: '+' is a space) or from a POST
// body in application/json (an object of strings, numbers and arrays of them). The panel key
// comes as the `key` parameter, or as an `X-Api-Key` or `Authorization: Bearer` header.
//
// Repeated parameters: `orders=1&orders=2`, `orders[]=1` and `orders[0]=1` add to a list
// parameter (orders, refills: joined with ','; comments, usernames, hashtags, keywords,
// groups: joined with '\n'); a scalar given twice must carry the same value both times.
//
// A missing `action` is inferred, because the widely copied PHP client (api-v2.md §10) sends
// none for its refill calls: `order` alone means refill, `orders` alone means refill (multi),
// `refill` alone means refill_status, `refills` alone means refill_status (multi). Any other
// request without an action is an error.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "providers/action.hpp"
#include "providers/request_builder.hpp"

namespace smm::daemon::apiv2 {

/// Caps on one request's parameters (the HTTP layer caps the bytes).
struct request_limits {
  std::size_t max_params = 1000;  ///< name/value pairs, query and body together
  std::size_t max_ids = 100;      ///< ids in one multi call (api-v2.md §2.1)
};

/// One HTTP request as the endpoint sees it, before decoding. Header values are empty when
/// the header is absent.
struct http_input {
  std::string_view method;  ///< "GET" or "POST" (others are refused by the HTTP layer)
  std::string_view target;  ///< path and query: "/api/v2?key=...&action=balance"
  std::string_view content_type;
  std::string_view body;
  std::string_view x_api_key;
  std::string_view authorization;
};

/// Name/value pairs in arrival order; repeated names stay repeated.
using param_list = std::vector<std::pair<std::string, std::string>>;

/// The parameters of one request, the key apart (so nothing downstream can echo it).
struct decoded_input {
  param_list params;  ///< without `key`
  std::string key;    ///< from `key`, X-Api-Key or Authorization: Bearer; empty if none
  std::string error;  ///< non-empty: the request could not be read (the message says why)
};

/// Reads the parameters and the key of a request. Never throws on bad input.
decoded_input decode_input(const http_input& in, const request_limits& limits = {});

// Actions: the endpoint speaks the providers' API v2 (to_string gives the wire name).
using providers::action;
using providers::to_string;

/// A typed request. Which members are set depends on `act`.
struct request {
  action act = action::balance;
  bool inferred = false;  ///< `action` was absent and inferred from the parameters
  /// status, refill, refill_status: the list form (`orders`, `refills`) was used, which
  /// shapes the answer. cancel is always answered as a list.
  bool multi = false;
  /// status, refill, cancel: order ids; refill_status: refill ids. As given (trimmed),
  /// duplicates dropped, in order; not yet checked to be numbers (the answer names bad ones).
  std::vector<std::string> ids;
  std::int64_t service = 0;      ///< add: the panel service id
  providers::add_order order{};  ///< add: the order's fields (service and type unset)
};

/// A request or the template's error text.
struct parse_result {
  std::optional<request> req;
  std::string error;
  explicit operator bool() const { return req.has_value(); }
};

/// Builds the typed request from decoded parameters. Unknown parameters are ignored (panels
/// send extra fields); wrong values are errors naming the parameter.
parse_result parse_request(const param_list& params, const request_limits& limits = {});

/// A daemon order id (or refill id) from its text: 1 to 18 decimal digits, > 0.
std::optional<std::int64_t> parse_id(std::string_view text);

}  // namespace smm::daemon::apiv2
