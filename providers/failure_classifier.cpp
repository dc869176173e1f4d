#include "providers/failure_classifier.hpp"

namespace smm::providers {
namespace {

using k = outcome_kind;

failure_outcome make(k kind, std::string_view reason) {
  return failure_outcome{kind, std::nullopt, error_category::other, reason};
}

// After a byte may have reached the provider: idempotent reads are retried; add, refill and
// cancel may have taken effect, so they are unknown. Refill and cancel repeated are mostly
// harmless (the provider refuses the second), but they are not provably no-ops, and a
// resent refill can count against a per-order refill cap.
failure_outcome after_write(action a, std::string_view reason) {
  return make(is_idempotent(a) ? k::retry : k::unknown, reason);
}

// A complete reply that carries no definitive answer, decided by its status alone.
failure_outcome classify_status(const attempt_report& r) {
  const int s = r.http_status;
  // 429 is refused before processing (rate-limit checks run first), so even add retries.
  if (s == 429) {
    failure_outcome o = make(k::retry_later, "http 429");
    o.after = r.retry_after.value_or(default_retry_later);
    o.category = error_category::rate_limited;
    return o;
  }
  // 408: the server gave up reading the request, so it did not act on it.
  if (s == 408) return make(k::retry, "http 408");
  // 5xx (502/504 from a gateway above all) may come after the panel created the order.
  if (s >= 500) {
    failure_outcome o = after_write(r.act, "http 5xx");
    if (o.kind == k::retry && r.retry_after) {
      o.kind = k::retry_later;
      o.after = r.retry_after;
    }
    return o;
  }
  // An add is released only by a definitive "no": a 3xx, or a 4xx page with no error text
  // (a WAF, a proxy, a framework), does not say what the panel did with it.
  if (r.act == action::add) return make(k::unknown, "http status without a definitive answer");
  if (s == 401 || s == 403) {
    failure_outcome o = make(k::pause_provider, "http 401/403");
    o.category = error_category::bad_key;
    return o;
  }
  // 404/405/410: the endpoint is wrong (our config), not the order: hold the provider.
  if (s == 404 || s == 405 || s == 410) return make(k::pause_provider, "http endpoint missing");
  // Other 4xx: the request was refused as malformed; repeating it changes nothing.
  if (s >= 400) return make(k::rejected, "http 4xx");
  // 1xx/3xx reaching here means the HTTP layer could not finish the exchange.
  return after_write(r.act, "unexpected http status");
}

// A reply with an {"error": ...} text.
failure_outcome classify_error_text(const attempt_report& r) {
  // The status speaks first: a 429 is "not now" whatever the body says, and on a 3xx/5xx
  // the text is not the panel's answer (a 500 {"error":"Internal"} may follow a created order).
  if (r.http_status == 429) return classify_status(r);
  if (!definitive_status(r.http_status)) {
    failure_outcome o = classify_status(r);
    o.reason = "error text on a non-2xx/4xx reply";
    return o;
  }
  failure_outcome o = make(k::rejected, "provider error");
  o.category = r.category;
  // An add answered with a text of no not-created class may have created the order.
  if (r.act == action::add && !add_not_created(r.category)) {
    o.kind = k::unknown;
    o.reason = "add error of no not-created class";
    return o;
  }
  switch (r.category) {
    case error_category::not_enough_funds:
    case error_category::bad_key:
      // Every later request to this provider would fail the same way until an operator
      // acts; the order itself is fine and stays queued.
      o.kind = k::pause_provider;
      o.reason = "provider-wide error";
      break;
    case error_category::rate_limited:
      o.kind = k::retry_later;
      o.after = r.retry_after.value_or(default_retry_later);
      o.reason = "rate limited";
      break;
    case error_category::duplicate_active_order:
      o.kind = k::retry_later;
      o.after = r.retry_after.value_or(duplicate_link_wait);
      o.reason = "active order on link";
      break;
    default:
      break;
  }
  return o;
}

}  // namespace

bool add_not_created(error_category c) {
  switch (c) {
    case error_category::not_enough_funds:
    case error_category::bad_key:
    case error_category::duplicate_active_order:
    case error_category::rate_limited:
    case error_category::invalid_link:
    case error_category::quantity_out_of_range:
    case error_category::unknown_service:
    case error_category::invalid_request:
      return true;
    // "Incorrect order ID" or "not eligible for refill" is no answer to an add, and an
    // unrecognised text can be anything, "order created, but ..." included.
    // A private account is a refill refusal; on an add it proves nothing either way.
    case error_category::order_not_found:
    case error_category::refill_not_allowed:
    case error_category::private_account:
    case error_category::other:
      return false;
  }
  return false;
}

failure_outcome classify_failure(const attempt_report& r) {
  switch (r.stage) {
    case attempt_stage::success:
      return make(k::success, "success");
    // Nothing could have been delivered: safe for every action, add included.
    case attempt_stage::not_sent:
      return make(k::retry, "not sent");
    case attempt_stage::connect_failed:
      return make(k::retry, "connect failed");
    case attempt_stage::tls_failed:
      return make(k::retry, "tls handshake failed");
    case attempt_stage::written_no_response:
      return after_write(r.act, "closed after write");
    case attempt_stage::timeout_after_write:
      return after_write(r.act, "timeout after write");
    case attempt_stage::reset_after_write:
      return after_write(r.act, "reset after write");
    case attempt_stage::truncated_reply:
      return after_write(r.act, "truncated reply");
    case attempt_stage::garbled_body:
      return after_write(r.act, "garbled body");
    case attempt_stage::http_status:
      return classify_status(r);
    case attempt_stage::provider_error:
      return classify_error_text(r);
  }
  return make(k::unknown, "unclassified");
}

provider_health health_of(const attempt_report& r) {
  const bool replied = r.stage == attempt_stage::http_status || r.stage == attempt_stage::provider_error;
  if (replied && r.http_status == 429) return provider_health::neutral;
  switch (r.stage) {
    case attempt_stage::success:
      return provider_health::healthy;
    case attempt_stage::provider_error:
      // A definitive error is a healthy answer. Error text on a 3xx/5xx is not, nor one that
      // leaves an add unknown: a provider answering every add that way would otherwise pile
      // up unknown orders behind a closed breaker.
      if (!definitive_status(r.http_status)) return provider_health::unhealthy;
      if (r.act == action::add && !add_not_created(r.category)) return provider_health::unhealthy;
      return provider_health::healthy;
    default:
      // Nothing, or nothing readable, came back: transport failures, 3xx/5xx and 4xx pages,
      // HTML or garbage on a 2xx.
      return provider_health::unhealthy;
  }
}

std::string_view to_string(outcome_kind kind) {
  switch (kind) {
    case k::retry:
      return "retry";
    case k::retry_later:
      return "retry_later";
    case k::unknown:
      return "unknown";
    case k::rejected:
      return "rejected";
    case k::pause_provider:
      return "pause_provider";
    case k::success:
      return "success";
  }
  return "unknown";
}

std::string_view to_string(provider_health h) {
  switch (h) {
    case provider_health::healthy:
      return "healthy";
    case provider_health::unhealthy:
      return "unhealthy";
    case provider_health::neutral:
      return "neutral";
  }
  return "unhealthy";
}

std::string_view to_string(attempt_stage s) {
  switch (s) {
    case attempt_stage::not_sent:
      return "not_sent";
    case attempt_stage::connect_failed:
      return "connect_failed";
    case attempt_stage::tls_failed:
      return "tls_failed";
    case attempt_stage::written_no_response:
      return "written_no_response";
    case attempt_stage::timeout_after_write:
      return "timeout_after_write";
    case attempt_stage::reset_after_write:
      return "reset_after_write";
    case attempt_stage::truncated_reply:
      return "truncated_reply";
    case attempt_stage::http_status:
      return "http_status";
    case attempt_stage::garbled_body:
      return "garbled_body";
    case attempt_stage::provider_error:
      return "provider_error";
    case attempt_stage::success:
      return "success";
  }
  return "unknown";
}

}  // namespace smm::providers
