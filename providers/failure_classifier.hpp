#pragma once
// What to do after one attempt of a provider call, decided only from how far the request got
// and what came back (design.md "Nothing lost, nothing ordered twice"), and what the attempt
// says about the provider's health (the circuit breaker's input). Pure; table-tested.
//
// An `add` has no idempotency key, so only a definitive "no" may release it: an error text of
// a known not-created class (funds, key, link, quantity, service, an active order on the link,
// rate limited, a malformed request) on a 2xx or 4xx reply, or a 429. Everything else that
// comes back once the request was written (any 5xx, a 3xx, an HTML or gateway page on any
// status, a garbled body, an unrecognised error text) may follow an order the panel created:
// `unknown`, never `rejected`, and the breaker counts it as a failure.
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
  http_status,          ///< a complete non-2xx reply with no {"error": ...} text (HTML, empty, ...)
  garbled_body,         ///< a complete 2xx reply whose body is not the expected JSON
  provider_error,       ///< a complete reply with an {"error": ...} text (any status), with its
                        ///< category; definitive only on a 2xx/4xx (definitive_status)
  success,
};

/// One attempt's facts.
struct attempt_report {
  action act = action::status;
  attempt_stage stage = attempt_stage::not_sent;
  int http_status = 0;  ///< of the complete reply (http_status, provider_error); 0 when none
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

/// True for the statuses on which an {"error": ...} text is the provider's own answer: 2xx
/// and 4xx. On a 3xx or 5xx the text may come from a gateway, a framework's error page or a
/// panel that failed half-way, after it created the order: it proves nothing. (A 429 is "not
/// now" whatever its text says.)
constexpr bool definitive_status(int status) {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500);
}

/// True for the error classes that prove an `add` created nothing: funds, key, link, quantity,
/// service, an active order on the link, rate limited, a malformed request. Any other text
/// (order_not_found, refill_not_allowed, private_account, other) says nothing about the order.
bool add_not_created(error_category c);

/// The decision table. `add`, `refill` and `cancel` are never repeated once a byte may have
/// reached the provider: they become `unknown`. An `add` leaves as `rejected`,
/// `pause_provider` or `retry_later` only on a definitive answer of an add_not_created class
/// (or a 429); any other reply to it is `unknown`.
failure_outcome classify_failure(const attempt_report& report);

/// What one attempt says about the provider: the circuit breaker's input.
enum class provider_health : std::uint8_t {
  healthy,    ///< it answered in the protocol: the expected reply or a definitive error
  unhealthy,  ///< transport failure, 3xx/5xx, HTML or gateway page, garbled body, or an
              ///< answer to an `add` that is not definitive (it ends `unknown`)
  neutral,    ///< 429: the provider is fine, we are too fast
};

/// The breaker's reading of one attempt: record_success for healthy, record_failure for
/// unhealthy, nothing for neutral.
provider_health health_of(const attempt_report& report);

/// Stable names for logs and tests.
std::string_view to_string(outcome_kind k);
std::string_view to_string(attempt_stage s);
std::string_view to_string(provider_health h);

}  // namespace smm::providers
