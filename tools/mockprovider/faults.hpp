#pragma once
// Fault injection and latency decisions, as plain data: which fault (if any) a request
// gets, and how long the answer waits. The server only carries the decision out.
//
// Thread safety: none; the owner (provider) serialises calls.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tools/mockprovider/params.hpp"

namespace smm::mock {

/// The faults a provider can show a client.
enum class fault_kind {
  none,
  error,         ///< 200 {"error": message}
  http_5xx,      ///< status (500..599) with a JSON-less body
  rate_limit,    ///< 429 with Retry-After
  black_hole,    ///< read the request, never answer; the connection stays open
  reset,         ///< read the request, then close with RST
  html,          ///< an HTML error page (status 200 or 502, text/html)
  invalid_json,  ///< the real body with its last byte cut off
  truncated,     ///< Content-Length of the full body, half of it sent, then close
  trickle,       ///< the real answer, a few bytes at a time
  /// 200 {"error": message, "order": id} (ipanel.me style): with apply=after the id is the
  /// order the add really created; before, an id this provider never gave out.
  error_with_order,
  /// {"error": "<message>: <the request as received>"}, status 200 unless `status`: a provider
  /// that quotes the request, key and headers included, in its error.
  echo,
  /// An HTML error page quoting the request, key and headers included (status 500 unless `status`).
  echo_html,
};

/// "http_5xx" etc.; none for an unknown name.
std::optional<fault_kind> parse_fault_kind(std::string_view name);
/// The name parse_fault_kind accepts.
std::string_view to_string(fault_kind kind);

/// One fault rule. The first rule that matches the action and wins its roll applies.
struct fault_rule {
  fault_kind kind = fault_kind::none;
  std::string action;           ///< empty: every API action
  std::int64_t remaining = -1;  ///< requests left to fault; -1: unlimited
  double rate = 1.0;            ///< probability per matching request
  bool after = false;           ///< true: the action runs first (its answer is then lost)
  int status = 0;               ///< 5xx code or html status; 0: the kind's default
  std::string message = "Service temporarily unavailable";  ///< for `error`
  int retry_after_s = 1;                                    ///< for `rate_limit`
  std::size_t trickle_bytes = 8;                            ///< body bytes per write for `trickle`
  std::int64_t trickle_interval_ms = 50;                    ///< pause between writes
};

/// Builds a rule from parameters: kind (required), action, count, rate, apply=before|after,
/// status, message, retry_after, trickle_bytes, trickle_ms. Error text on failure.
std::optional<fault_rule> make_fault_rule(const param_map& params, std::string& error);
/// Parses a flag spec "kind[,key=value...]" (same keys as make_fault_rule).
std::optional<fault_rule> parse_fault_spec(std::string_view spec, std::string& error);
/// The rule as a JSON object (admin listing).
std::string to_json(const fault_rule& rule);

/// The ordered rule list.
class fault_plan {
 public:
  /// Appends a rule.
  void add(fault_rule rule) { rules_.push_back(std::move(rule)); }
  /// Removes every rule.
  void clear() { rules_.clear(); }
  const std::vector<fault_rule>& rules() const { return rules_; }
  /// The fault for one request of `action`, consuming a use of a counted rule.
  std::optional<fault_rule> decide(std::string_view action, std::mt19937_64& rng);

 private:
  std::vector<fault_rule> rules_;
};

/// Response delay: fixed, uniform min-max, or exponential with a mean.
struct latency_model {
  enum class shape { fixed, uniform, exponential } kind = shape::fixed;
  double a_ms = 0;  ///< fixed value, uniform min, or exponential mean
  double b_ms = 0;  ///< uniform max
  /// One delay in whole milliseconds (rounded down).
  std::int64_t sample(std::mt19937_64& rng) const;
};

/// A provider-side request rate limit (NotPanel-style 429s). Off when rate_per_s <= 0.
struct token_bucket {
  double rate_per_s = 0;  ///< tokens added per second
  double burst = 1;       ///< bucket size
  double tokens = 1;
  std::int64_t last_ms = 0;
  /// Takes one token at `now_ms`; false when the request is over the limit.
  bool take(std::int64_t now_ms);
};

/// Parses "fixed:MS", "uniform:MIN-MAX" or "exp:MEAN" (a bare number means fixed).
std::optional<latency_model> parse_latency(std::string_view spec);
/// The spec text parse_latency accepts.
std::string to_string(const latency_model& model);

}  // namespace smm::mock
