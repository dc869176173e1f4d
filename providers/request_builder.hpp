#pragma once
// Builds the HTTP request for every API v2 action (api-v2.md §1-§3) as plain data: method,
// target, content type, body, extra headers. No I/O; the connection layer sends it as is.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dispatch/service.hpp"
#include "providers/action.hpp"
#include "providers/provider_url.hpp"

namespace smm::providers {

/// Most ids one multi call may carry (api-v2.md §2.1: "up to 100 IDs").
inline constexpr std::size_t max_ids_per_request = 100;

/// How the parameters travel.
enum class request_style : std::uint8_t {
  form_post,  ///< POST application/x-www-form-urlencoded (the default, PHP urlencode rules)
  get_query,  ///< GET with the parameters in the query string
  json_post,  ///< POST application/json, every value a JSON string
};

/// Where the API key travels.
enum class key_placement : std::uint8_t {
  body,    ///< `key` parameter (the default)
  header,  ///< X-Api-Key and Authorization: Bearer, because panels disagree on which (§1.4)
};

/// Per-provider request settings.
struct request_options {
  request_style style = request_style::form_post;
  key_placement key = key_placement::body;
};

/// A request ready for the wire. Host and Content-Length are the HTTP layer's job.
struct http_request {
  std::string method;        ///< "POST" or "GET"
  std::string target;        ///< path plus query, e.g. "/api/v2" or "/api/v2?key=...&action=balance"
  std::string content_type;  ///< empty for GET
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers, in order
  std::string secret;  ///< the API key, kept only so redacted() can mask it; never log it

  /// "METHOD target\nheader: value\n...\n\nbody" with every form of the key replaced by "***".
  std::string redacted() const;
};

/// An `add` order. Which fields are sent depends on `type` (api-v2.md §3); fields the type
/// does not take are ignored, fields it needs must be set.
struct add_order {
  std::string service{};  ///< the provider's service id, opaque
  service_type type = service_type::default_;
  std::string link{};
  std::optional<std::int64_t> quantity{};
  std::optional<std::int64_t> runs{};      ///< drip-feed: number of runs (quantity is per run)
  std::optional<std::int64_t> interval{};  ///< drip-feed: minutes between runs
  std::vector<std::string> comments{};     ///< custom comments, one per line
  std::vector<std::string> usernames{};    ///< mentions, mentions custom list / with hashtags
  std::vector<std::string> hashtags{};     ///< mentions with hashtags
  std::vector<std::string> keywords{};     ///< seo
  std::vector<std::string> groups{};       ///< invites from groups
  std::string hashtag{};                   ///< mentions hashtag
  std::string username{};                  ///< mentions user followers, comment likes, subscriptions
  std::string media{};                     ///< mentions media likers
  std::string answer_number{};             ///< poll
  // Subscriptions.
  std::optional<std::int64_t> min{}, max{}, posts{}, old_posts{}, delay{};
  std::string expiry{};  ///< d/m/Y, optional
  /// Idempotency key (api-v2.md §3, NotPanel's `request_id`): sent last when set, for providers
  /// that return the original order on a repeat. Empty: not sent (most providers have none).
  std::string request_id{};
};

/// A built request or why none could be built.
struct build_result {
  std::optional<http_request> request;
  std::string error;  ///< empty on success
  explicit operator bool() const { return request.has_value(); }
};

/// Ordered name/value parameters (after key and action).
using param_list = std::vector<std::pair<std::string, std::string>>;

/// Percent-encodes like PHP urlencode: [A-Za-z0-9._-] kept, space as '+', the rest %XX upper case.
std::string form_urlencode(std::string_view s);

/// Splits ids into groups of at most `per_request` (>= 1), keeping their order.
std::vector<std::vector<std::string>> chunk_ids(std::span<const std::string> ids,
                                                std::size_t per_request = max_ids_per_request);

/// Why add_params built nothing.
struct add_params_error {
  std::string field;    ///< the parameter at fault ("username", "runs")
  bool missing = true;  ///< required for the service type and not given (else: not allowed)
  std::string message;  ///< "missing 'username' for this service type"
};

/// The add parameters for an order, or (in `error`, when given) the field at fault.
std::optional<param_list> add_params(const add_order& order, add_params_error* error);

/// Builds requests for one provider. Thread safety: immutable after construction.
class request_builder {
 public:
  /// `url` is the provider's endpoint, `key` its API key.
  request_builder(provider_url url, std::string key, request_options options = {});

  /// action=services
  http_request services() const;
  /// action=add with the parameters of the order's service type.
  build_result add(const add_order& order) const;
  /// action=status&order=ID
  http_request status(std::string_view order_id) const;
  /// action=status&orders=A,B,C: 1..100 ids, none empty or containing ','.
  build_result status_multi(std::span<const std::string> order_ids) const;
  /// action=refill&order=ID
  http_request refill(std::string_view order_id) const;
  /// action=refill&orders=A,B
  build_result refill_multi(std::span<const std::string> order_ids) const;
  /// action=refill_status&refill=ID
  http_request refill_status(std::string_view refill_id) const;
  /// action=refill_status&refills=A,B
  build_result refill_status_multi(std::span<const std::string> refill_ids) const;
  /// action=cancel&orders=A,B (the template only has the multi form)
  build_result cancel(std::span<const std::string> order_ids) const;
  /// action=balance
  http_request balance() const;

  /// Any action with explicit parameters (after key and action).
  http_request build(action a, const param_list& params) const;

 private:
  build_result multi(action a, std::string_view name, std::span<const std::string> ids) const;

  provider_url url_;
  std::string key_;
  request_options options_;
};

}  // namespace smm::providers
