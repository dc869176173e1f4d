#pragma once
// Rows the store tests write, shared by the SQLite-only tests (journal_test.cpp) and the suite
// run on both backends (store_suite_test.cpp). The store only keeps numbers: the codes are the
// daemon's.
#include <cstdint>
#include <optional>
#include <string>

#include "store/records.hpp"

namespace smm::store::test_rows {

constexpr std::uint8_t queued = 1, sending = 2, placed = 3, unknown = 4, completed = 8, canceled = 10;
// Refill codes as the daemon uses them (dispatch/order.hpp refill_state).
constexpr std::uint8_t refill_requested = 1, refill_pending = 2, refill_in_progress = 3, refill_completed = 4,
                       refill_unknown = 6, refill_refused = 7;
constexpr std::int64_t day = 86400;

/// A placed order reaching a final `state` at `at`, kept until `keep_until`.
inline state_change finish(std::int64_t order_id, std::uint8_t state, std::int64_t at,
                           std::optional<std::int64_t> keep_until) {
  state_change c;
  c.order_id = order_id;
  c.old_state = placed;
  c.new_state = state;
  c.final = true;
  c.at = at;
  c.keep_until = keep_until;
  return c;
}

/// A refill request of `order_id` (provider alpha) in `state` at `at`.
inline refill_change refill(std::int64_t order_id, std::int32_t attempt, std::uint8_t state,
                            std::int64_t at) {
  refill_change c;
  c.order_id = order_id;
  c.attempt = attempt;
  c.state = state;
  c.provider = "alpha";
  c.requested_at = 1000;
  c.at = at;
  c.note = "refill " + std::to_string(attempt) + " state " + std::to_string(state);
  return c;
}

}  // namespace smm::store::test_rows
