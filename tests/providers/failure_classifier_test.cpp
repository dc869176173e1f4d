// The retry decision table: every stage for every action, the HTTP and category rows, and what
// the circuit breaker hears from each attempt.
#include "providers/failure_classifier.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace smm::providers {
namespace {

using namespace std::chrono_literals;
using k = outcome_kind;
using st = attempt_stage;

constexpr action all_actions[] = {action::services,      action::add,    action::status, action::refill,
                                  action::refill_status, action::cancel, action::balance};

bool idempotent(action a) {
  return a == action::services || a == action::status || a == action::refill_status || a == action::balance;
}

struct stage_row {
  st stage;
  k if_idempotent;
  k otherwise;  // add, refill, cancel
};

// How far the request got -> what to do.
constexpr stage_row stage_table[] = {
    {st::not_sent, k::retry, k::retry},
    {st::connect_failed, k::retry, k::retry},
    {st::tls_failed, k::retry, k::retry},
    {st::written_no_response, k::retry, k::unknown},
    {st::timeout_after_write, k::retry, k::unknown},
    {st::reset_after_write, k::retry, k::unknown},
    {st::truncated_reply, k::retry, k::unknown},
    {st::garbled_body, k::retry, k::unknown},
    {st::success, k::success, k::success},
};

TEST(FailureClassifier, StageTable) {
  for (const auto& row : stage_table) {
    for (action a : all_actions) {
      const auto o = classify_failure({.act = a, .stage = row.stage});
      const k want = idempotent(a) ? row.if_idempotent : row.otherwise;
      EXPECT_EQ(o.kind, want) << to_string(a) << " / " << to_string(row.stage) << " -> " << to_string(o.kind);
    }
  }
}

// What each kind of action does with one row. `add` stands alone: it is released only by a
// definitive "no" (issue 9, item 1); refill and cancel keep the 4xx rules of the reads.
struct by_action {
  k read;           // services, status, refill_status, balance
  k add;            // add
  k refill_cancel;  // refill, cancel
};

k pick(const by_action& want, action a) {
  if (idempotent(a)) return want.read;
  return a == action::add ? want.add : want.refill_cancel;
}

struct http_row {
  int status;
  std::optional<std::chrono::seconds> retry_after;
  by_action want;
  std::optional<std::chrono::seconds> after;
};

// A complete reply with no {"error": ...} text: an HTML or gateway page, an empty body, or a
// body that is not the action's JSON.
const http_row http_table[] = {
    // 429 and 408 say the request was not processed: even an add is released.
    {429, std::nullopt, {k::retry_later, k::retry_later, k::retry_later}, default_retry_later},
    {429, 7s, {k::retry_later, k::retry_later, k::retry_later}, 7s},
    {408, std::nullopt, {k::retry, k::retry, k::retry}, std::nullopt},
    // 5xx: may follow a created order.
    {500, std::nullopt, {k::retry, k::unknown, k::unknown}, std::nullopt},
    {502, std::nullopt, {k::retry, k::unknown, k::unknown}, std::nullopt},
    {503, 30s, {k::retry_later, k::unknown, k::unknown}, 30s},
    {504, std::nullopt, {k::retry, k::unknown, k::unknown}, std::nullopt},
    // 3xx: the exchange did not finish where it should have.
    {301, std::nullopt, {k::retry, k::unknown, k::unknown}, std::nullopt},
    {302, std::nullopt, {k::retry, k::unknown, k::unknown}, std::nullopt},
    {307, std::nullopt, {k::retry, k::unknown, k::unknown}, std::nullopt},
    {308, std::nullopt, {k::retry, k::unknown, k::unknown}, std::nullopt},
    // 4xx pages (a WAF, a proxy, a framework): for an add, no definitive "no".
    {400, std::nullopt, {k::rejected, k::unknown, k::rejected}, std::nullopt},
    {422, std::nullopt, {k::rejected, k::unknown, k::rejected}, std::nullopt},
    {401, std::nullopt, {k::pause_provider, k::unknown, k::pause_provider}, std::nullopt},
    {403, std::nullopt, {k::pause_provider, k::unknown, k::pause_provider}, std::nullopt},
    {404, std::nullopt, {k::pause_provider, k::unknown, k::pause_provider}, std::nullopt},
    {405, std::nullopt, {k::pause_provider, k::unknown, k::pause_provider}, std::nullopt},
    {410, std::nullopt, {k::pause_provider, k::unknown, k::pause_provider}, std::nullopt},
};

TEST(FailureClassifier, HttpStatusTable) {
  for (const auto& row : http_table) {
    for (action a : all_actions) {
      const auto o = classify_failure(
          {.act = a, .stage = st::http_status, .http_status = row.status, .retry_after = row.retry_after});
      EXPECT_EQ(o.kind, pick(row.want, a))
          << to_string(a) << " / http " << row.status << " -> " << to_string(o.kind);
      if (o.kind == k::retry_later) {
        EXPECT_EQ(o.after, row.after) << row.status;
      }
    }
  }
}

struct category_row {
  error_category category;
  by_action want;
  std::optional<std::chrono::seconds> after;
};

// An {"error": ...} text on a 2xx or 4xx: the provider's own answer. Only the classes that
// prove nothing was created release an add; the rest leave it unknown.
constexpr category_row category_table[] = {
    {error_category::not_enough_funds,
     {k::pause_provider, k::pause_provider, k::pause_provider},
     std::nullopt},
    {error_category::bad_key, {k::pause_provider, k::pause_provider, k::pause_provider}, std::nullopt},
    {error_category::duplicate_active_order,
     {k::retry_later, k::retry_later, k::retry_later},
     duplicate_link_wait},
    {error_category::rate_limited, {k::retry_later, k::retry_later, k::retry_later}, default_retry_later},
    {error_category::invalid_link, {k::rejected, k::rejected, k::rejected}, std::nullopt},
    {error_category::quantity_out_of_range, {k::rejected, k::rejected, k::rejected}, std::nullopt},
    {error_category::unknown_service, {k::rejected, k::rejected, k::rejected}, std::nullopt},
    {error_category::invalid_request, {k::rejected, k::rejected, k::rejected}, std::nullopt},
    {error_category::order_not_found, {k::rejected, k::unknown, k::rejected}, std::nullopt},
    {error_category::refill_not_allowed, {k::rejected, k::unknown, k::rejected}, std::nullopt},
    {error_category::other, {k::rejected, k::unknown, k::rejected}, std::nullopt},
};

// Statuses on which an error text is definitive (2xx, 4xx other than 429) ...
constexpr int definitive_statuses[] = {200, 201, 400, 401, 403, 404, 422};
// ... and on which it is not: the text counts for nothing and the status decides.
constexpr int ambiguous_statuses[] = {0, 301, 302, 500, 502, 503, 504};

TEST(FailureClassifier, DefinitiveErrorTable) {
  for (const auto& row : category_table) {
    for (int status : definitive_statuses) {
      for (action a : all_actions) {
        const auto o = classify_failure(
            {.act = a, .stage = st::provider_error, .http_status = status, .category = row.category});
        const k want = pick(row.want, a);
        EXPECT_EQ(o.kind, want) << to_string(a) << " / " << to_string(row.category) << " on " << status;
        EXPECT_EQ(o.category, row.category);
        if (want == k::retry_later) {
          EXPECT_EQ(o.after, row.after) << to_string(row.category);
        }
      }
    }
  }
  const auto honoured = classify_failure({.act = action::add,
                                          .stage = st::provider_error,
                                          .http_status = 200,
                                          .category = error_category::rate_limited,
                                          .retry_after = 3s});
  EXPECT_EQ(honoured.after, 3s);
}

TEST(FailureClassifier, ErrorTextOnA3xxOr5xxIsNotAnAnswer) {
  // 500 {"error":"Internal"} and friends: exactly what the bare status would give, whatever
  // the category (a 5xx "not enough funds" may come from a panel that failed half-way).
  for (const auto& row : category_table) {
    for (int status : ambiguous_statuses) {
      for (std::optional<std::chrono::seconds> ra :
           {std::optional<std::chrono::seconds>{}, std::optional{9s}}) {
        for (action a : all_actions) {
          const auto text = classify_failure({.act = a,
                                              .stage = st::provider_error,
                                              .http_status = status,
                                              .category = row.category,
                                              .retry_after = ra});
          const auto bare = classify_failure(
              {.act = a, .stage = st::http_status, .http_status = status, .retry_after = ra});
          EXPECT_EQ(text.kind, bare.kind)
              << to_string(a) << " / " << to_string(row.category) << " on " << status;
          EXPECT_EQ(text.after, bare.after) << status;
          if (a == action::add) {
            EXPECT_EQ(text.kind, k::unknown) << to_string(row.category) << " on " << status;
          }
          if (idempotent(a)) {
            EXPECT_TRUE(text.kind == k::retry || text.kind == k::retry_later) << status;
          }
        }
      }
    }
  }
  // A 429 is "not now" whatever its body says.
  for (const auto& row : category_table) {
    const auto o = classify_failure(
        {.act = action::add, .stage = st::provider_error, .http_status = 429, .category = row.category});
    EXPECT_EQ(o.kind, k::retry_later) << to_string(row.category);
    EXPECT_EQ(o.after, default_retry_later);
  }
}

TEST(FailureClassifier, AddIsReleasedOnlyByANotCreatedClass) {
  // The only paths from an add to rejected / pause_provider / retry_later.
  for (const auto& row : category_table) {
    const auto o = classify_failure(
        {.act = action::add, .stage = st::provider_error, .http_status = 200, .category = row.category});
    const bool released = o.kind != k::unknown;
    EXPECT_EQ(released, add_not_created(row.category)) << to_string(row.category);
  }
  for (int code = 100; code < 600; ++code) {
    const auto o = classify_failure({.act = action::add, .stage = st::http_status, .http_status = code});
    if (code == 429) {
      EXPECT_EQ(o.kind, k::retry_later);
    } else if (code == 408) {
      EXPECT_EQ(o.kind, k::retry);
    } else {
      EXPECT_EQ(o.kind, k::unknown) << code;
    }
  }
}

using health = provider_health;

struct health_row {
  st stage;
  int status;
  error_category category;
  health read;  // the same for refill and cancel
  health add;
};

// What the breaker hears. Failures: no reply, an unreadable one, 3xx/5xx whatever the body,
// 4xx pages, and any reply that leaves an add unknown. Neutral: 429.
const health_row health_table[] = {
    {st::success, 200, error_category::other, health::healthy, health::healthy},
    {st::not_sent, 0, error_category::other, health::unhealthy, health::unhealthy},
    {st::connect_failed, 0, error_category::other, health::unhealthy, health::unhealthy},
    {st::tls_failed, 0, error_category::other, health::unhealthy, health::unhealthy},
    {st::written_no_response, 0, error_category::other, health::unhealthy, health::unhealthy},
    {st::timeout_after_write, 0, error_category::other, health::unhealthy, health::unhealthy},
    {st::reset_after_write, 0, error_category::other, health::unhealthy, health::unhealthy},
    {st::truncated_reply, 200, error_category::other, health::unhealthy, health::unhealthy},
    {st::garbled_body, 200, error_category::other, health::unhealthy, health::unhealthy},  // 200 HTML
    {st::http_status, 500, error_category::other, health::unhealthy, health::unhealthy},
    {st::http_status, 502, error_category::other, health::unhealthy, health::unhealthy},  // gateway page
    {st::http_status, 302, error_category::other, health::unhealthy, health::unhealthy},
    {st::http_status, 403, error_category::other, health::unhealthy, health::unhealthy},  // WAF page
    {st::http_status, 404, error_category::other, health::unhealthy, health::unhealthy},
    {st::http_status, 429, error_category::other, health::neutral, health::neutral},
    {st::provider_error, 429, error_category::rate_limited, health::neutral, health::neutral},
    // Error text on a 3xx/5xx: not an answer.
    {st::provider_error, 500, error_category::other, health::unhealthy, health::unhealthy},
    {st::provider_error, 503, error_category::not_enough_funds, health::unhealthy, health::unhealthy},
    {st::provider_error, 302, error_category::invalid_link, health::unhealthy, health::unhealthy},
    {st::provider_error, 0, error_category::invalid_link, health::unhealthy, health::unhealthy},
    // Definitive answers on a 2xx/4xx.
    {st::provider_error, 200, error_category::not_enough_funds, health::healthy, health::healthy},
    {st::provider_error, 200, error_category::bad_key, health::healthy, health::healthy},
    {st::provider_error, 200, error_category::duplicate_active_order, health::healthy, health::healthy},
    {st::provider_error, 200, error_category::rate_limited, health::healthy, health::healthy},
    {st::provider_error, 200, error_category::invalid_link, health::healthy, health::healthy},
    {st::provider_error, 422, error_category::quantity_out_of_range, health::healthy, health::healthy},
    {st::provider_error, 400, error_category::invalid_request, health::healthy, health::healthy},
    {st::provider_error, 404, error_category::unknown_service, health::healthy, health::healthy},
    // Texts that leave an add unknown: an answer to a read, not to an add.
    {st::provider_error, 200, error_category::order_not_found, health::healthy, health::unhealthy},
    {st::provider_error, 200, error_category::refill_not_allowed, health::healthy, health::unhealthy},
    {st::provider_error, 200, error_category::other, health::healthy, health::unhealthy},
    {st::provider_error, 400, error_category::other, health::healthy, health::unhealthy},
};

TEST(FailureClassifier, BreakerHealthTable) {
  for (const auto& row : health_table) {
    for (action a : all_actions) {
      const attempt_report rep{
          .act = a, .stage = row.stage, .http_status = row.status, .category = row.category};
      const health want = a == action::add ? row.add : row.read;
      EXPECT_EQ(health_of(rep), want)
          << to_string(a) << " / " << to_string(row.stage) << " " << row.status << " "
          << to_string(row.category) << " -> " << to_string(health_of(rep));
    }
  }
}

TEST(FailureClassifier, EveryUnknownAddIsABreakerFailure) {
  // Whatever made an add unknown, the breaker hears a failure: unknown orders never pile up
  // behind a breaker that thinks the provider is fine.
  for (int code : {0, 200, 204, 301, 302, 400, 401, 403, 404, 408, 422, 429, 500, 502, 503, 504}) {
    for (st stage : {st::http_status, st::garbled_body, st::provider_error, st::truncated_reply}) {
      for (const auto& row : category_table) {
        const attempt_report rep{
            .act = action::add, .stage = stage, .http_status = code, .category = row.category};
        if (classify_failure(rep).kind != k::unknown) continue;
        EXPECT_EQ(health_of(rep), health::unhealthy)
            << to_string(stage) << " " << code << " " << to_string(row.category);
      }
    }
  }
}

TEST(FailureClassifier, AddIsNeverRetriedOnceWritten) {
  // Whatever happens after the first byte left, add is never `retry`.
  for (st s : {st::written_no_response, st::timeout_after_write, st::reset_after_write, st::truncated_reply,
               st::garbled_body}) {
    EXPECT_EQ(classify_failure({.act = action::add, .stage = s}).kind, k::unknown) << to_string(s);
  }
  for (int code = 500; code < 600; ++code) {
    const auto o = classify_failure(
        {.act = action::add, .stage = st::http_status, .http_status = code, .retry_after = 1s});
    EXPECT_EQ(o.kind, k::unknown) << code;
  }
  // With an {"error": ...} body too, of any class, and on a 3xx (issue 9, item 1).
  for (int code = 300; code < 600; ++code) {
    if (code == 408 || code == 429 || (code >= 400 && code < 500)) continue;
    for (const auto& row : category_table) {
      const auto o = classify_failure(
          {.act = action::add, .stage = st::provider_error, .http_status = code, .category = row.category});
      EXPECT_EQ(o.kind, k::unknown) << code << " " << to_string(row.category);
    }
  }
}

}  // namespace
}  // namespace smm::providers
