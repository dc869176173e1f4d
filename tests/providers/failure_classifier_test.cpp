// The retry decision table: every stage for every action, and the HTTP and category rows.
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

struct http_row {
  int status;
  std::optional<std::chrono::seconds> retry_after;
  k if_idempotent;
  k otherwise;
  std::optional<std::chrono::seconds> after;
};

const http_row http_table[] = {
    {429, std::nullopt, k::retry_later, k::retry_later, default_retry_later},
    {429, 7s, k::retry_later, k::retry_later, 7s},
    {500, std::nullopt, k::retry, k::unknown, std::nullopt},
    {502, std::nullopt, k::retry, k::unknown, std::nullopt},
    {503, 30s, k::retry_later, k::unknown, 30s},
    {504, std::nullopt, k::retry, k::unknown, std::nullopt},
    {408, std::nullopt, k::retry, k::retry, std::nullopt},
    {400, std::nullopt, k::rejected, k::rejected, std::nullopt},
    {422, std::nullopt, k::rejected, k::rejected, std::nullopt},
    {401, std::nullopt, k::pause_provider, k::pause_provider, std::nullopt},
    {403, std::nullopt, k::pause_provider, k::pause_provider, std::nullopt},
    {404, std::nullopt, k::pause_provider, k::pause_provider, std::nullopt},
    {301, std::nullopt, k::retry, k::unknown, std::nullopt},
};

TEST(FailureClassifier, HttpStatusTable) {
  for (const auto& row : http_table) {
    for (action a : all_actions) {
      const auto o = classify_failure(
          {.act = a, .stage = st::http_status, .http_status = row.status, .retry_after = row.retry_after});
      const k want = idempotent(a) ? row.if_idempotent : row.otherwise;
      EXPECT_EQ(o.kind, want) << to_string(a) << " / http " << row.status << " -> " << to_string(o.kind);
      if (o.kind == k::retry_later) {
        EXPECT_EQ(o.after, row.after) << row.status;
      }
    }
  }
}

struct category_row {
  error_category category;
  k kind;
  std::optional<std::chrono::seconds> after;
};

constexpr category_row category_table[] = {
    {error_category::not_enough_funds, k::pause_provider, std::nullopt},
    {error_category::bad_key, k::pause_provider, std::nullopt},
    {error_category::duplicate_active_order, k::retry_later, duplicate_link_wait},
    {error_category::rate_limited, k::retry_later, default_retry_later},
    {error_category::invalid_link, k::rejected, std::nullopt},
    {error_category::quantity_out_of_range, k::rejected, std::nullopt},
    {error_category::unknown_service, k::rejected, std::nullopt},
    {error_category::order_not_found, k::rejected, std::nullopt},
    {error_category::refill_not_allowed, k::rejected, std::nullopt},
    {error_category::other, k::rejected, std::nullopt},
};

TEST(FailureClassifier, DefinitiveErrorTable) {
  for (const auto& row : category_table) {
    for (action a : all_actions) {
      // A definitive answer means nothing ambiguous happened: the same for every action.
      const auto o = classify_failure({.act = a, .stage = st::provider_error, .category = row.category});
      EXPECT_EQ(o.kind, row.kind) << to_string(a) << " / " << to_string(row.category);
      EXPECT_EQ(o.category, row.category);
      EXPECT_EQ(o.after, row.after) << to_string(row.category);
    }
  }
  const auto honoured = classify_failure({.act = action::add,
                                          .stage = st::provider_error,
                                          .category = error_category::rate_limited,
                                          .retry_after = 3s});
  EXPECT_EQ(honoured.after, 3s);
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
}

}  // namespace
}  // namespace smm::providers
