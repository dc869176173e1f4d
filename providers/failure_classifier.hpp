#pragma once
// What to do after one attempt of a provider call, decided only from how far the request got
// and what came back (design.md "Nothing lost, nothing ordered twice"). Pure; table-tested.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "providers/action.hpp"
#include "providers/error_category.hpp"

namespace smm::providers {

/// How far one attempt got.
enum class attempt_stage : std::uint8_t {
  not_sent,             ///< failed before connecting (resolve, pool, local error)
  connect_failed,       ///< TCP connect refused / timed out
  tls_failed,           ///< TLS handshake failed: the request was never written
  written_no_response,  ///< request written, connection closed before any reply byte
  timeout_after_write,  ///< request written, no complete reply before the deadline
  reset_after_write,    ///< request written, connection reset
  truncated_reply,      ///< reply started but ended early
  http_status,          ///< a complete reply with a non-2xx status and no definitive JSON error
  garbled_body,         ///< a complete 2xx reply whose body is not the expected JSON
  provider_error,       ///< a definitive {"error": ...} (any HTTP status), with its category
  success,
};

/// One attempt's facts.
struct attempt_report {
  action act = action::status;
  attempt_stage stage = attempt_stage::not_sent;
  int http_status = 0;                                ///< for http_status
  error_category category = error_category::other;    ///< for provider_error
  std::optional<std::chrono::seconds> retry_after{};  ///< parsed Retry-After, when sent
};

/// What the caller does next.
enum class outcome_kind : std::uint8_t {
  retry,           ///< not delivered or harmless to repeat: retry with backoff
  retry_later,     ///< wait `after`, then retry (429, rate limited, active order on the link)
  unknown,         ///< may have taken effect upstream: never resend, reconcile
  rejected,        ///< definitive no: fail with `category`
  pause_provider,  ///< provider-wide problem (funds, key): hold its work, keep the order queued
  success,
};

/// The decision and its reason (for logs and metrics labels).
struct failure_outcome {
  outcome_kind kind = outcome_kind::retry;
  std::optional<std::chrono::seconds> after;  ///< for retry_later
  error_category category = error_category::other;
  std::string_view reason;  ///< short static text
};

/// Default wait for retry_later when the provider gives no Retry-After.
inline constexpr std::chrono::seconds default_retry_later{60};
/// Default wait before retrying an order refused for an active order on the same link.
inline constexpr std::chrono::seconds duplicate_link_wait{300};

/// The decision table. `add`, `refill` and `cancel` are never repeated once a byte may have
/// reached the provider: they become `unknown`.
failure_outcome classify_failure(const attempt_report& report);

/// Stable names for logs and tests.
std::string_view to_string(outcome_kind k);
std::string_view to_string(attempt_stage s);

}  // namespace smm::providers
