#pragma once
// Tolerant parsers for API v2 replies (api-v2.md §2, §4-§6, §9), built on simdjson on demand.
// Every function is noexcept: a bad body is a `malformed` reply with a clear message.
// Thread safety: each thread uses its own simdjson parser (thread_local); the functions are
// safe to call from any thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/money.hpp"
#include "providers/error_category.hpp"

namespace smm::providers {

/// Largest body the parsers accept (8 MiB); a larger one is malformed, never parsed.
inline constexpr std::size_t max_body_bytes = 8u << 20;

/// A body to parse. When the caller's std::string already has SIMDJSON_PADDING spare capacity
/// it is parsed in place; otherwise it is copied into a padded buffer.
class body_ref {
 public:
  body_ref(const std::string& s) : text_(s), capacity_(s.capacity()) {}  // NOLINT: implicit on purpose
  body_ref(std::string_view s) : text_(s), capacity_(s.size()) {}        // NOLINT
  body_ref(const char* s) : body_ref(std::string_view(s)) {}             // NOLINT
  /// A buffer the caller promises has `capacity` readable bytes (capacity >= size).
  body_ref(std::string_view s, std::size_t capacity) : text_(s), capacity_(capacity) {}

  std::string_view text() const { return text_; }
  std::size_t capacity() const { return capacity_; }

 private:
  std::string_view text_;
  std::size_t capacity_;
};

/// How a reply turned out.
enum class reply_kind : std::uint8_t {
  ok,              ///< the expected shape
  provider_error,  ///< a definitive {"error": "..."} from the provider
  malformed,       ///< not JSON, truncated, wrong shape: nothing definitive was said
};

/// A parsed reply: the value when ok, the message (and category) otherwise.
template <class T>
struct reply {
  reply_kind kind = reply_kind::malformed;
  T value{};
  std::string error;                                ///< provider message, or why the body is malformed
  error_category category = error_category::other;  ///< for provider_error
  bool ok() const { return kind == reply_kind::ok; }
};

/// A per-item error inside a multi reply ({"error": ...} or a bare string).
struct item_error {
  std::string message;
  error_category category = error_category::other;
};

/// action=add: the new order's id, exact text ("23501", "ord_7f").
struct add_result {
  std::string order;  ///< set only on a plain success: the order exists under this id
  /// An order id the reply named without being a plain success: beside an {"error": ...}
  /// (ipanel.me sends {"error": "low balance", "order": 32}) or, set by the client, on a
  /// non-2xx reply. `order` is then empty. The order may exist upstream under this id, or the
  /// id may be stale or another order's: evidence to check with `status`, never a placement.
  std::string unconfirmed_order;
};

/// One order's status. Numeric fields are empty when the provider said "Unknown", "", null,
/// or something that is not a number: unknown, never zero.
struct order_status {
  std::string status;           ///< as sent ("Partial", "In progress", "processing")
  std::string charge_text;      ///< exact text as sent ("0.27819", "0.08011655652")
  std::optional<money> charge;  ///< charge_text, digits past the sixth decimal dropped (toward zero)
  std::optional<std::int64_t> start_count;
  std::optional<std::int64_t> remains;  ///< may be negative (over-delivery)
  std::string currency;                 ///< empty when not sent
  std::optional<std::int64_t> runs;     ///< drip-feed extras (§4.4), optional
  std::vector<std::string> child_orders;
};

/// One entry of a multi-status reply, in the provider's order.
struct status_entry {
  std::string id;  ///< the key as sent
  std::optional<order_status> status;
  std::optional<item_error> error;  ///< set instead of status
};

/// One service of action=services. Fields absent or unreadable stay empty.
struct provider_service {
  std::string service;  ///< id, exact text
  std::string name;
  std::string type;  ///< as sent ("Default", "default", "Custom Comments")
  std::string category;
  std::string rate_text;      ///< exact decimal text, per 1000
  std::optional<money> rate;  ///< empty when rate_text is not exact money (> 6 decimals, junk)
  std::optional<std::int64_t> min, max;
  std::optional<bool> refill, cancel, dripfeed;
  std::string description;
};

/// action=services: the usable services and how many array items were skipped (no id).
struct services_result {
  std::vector<provider_service> services;
  std::size_t skipped = 0;
};

/// One item of a multi refill, cancel or refill_status reply.
struct id_result {
  std::string id;     ///< order id (refill, cancel) or refill id (refill_status)
  std::string value;  ///< refill id, "1" for a cancel request, or the refill status
  std::optional<item_error> error;
};

/// action=balance.
struct balance_result {
  std::string balance_text;      ///< exact text as sent
  std::optional<money> balance;  ///< digits past the sixth decimal dropped (toward zero)
  std::string currency;
};

/// {"order": 23501}; an "error" key wins over "order" (ipanel.me sends both): the reply is a
/// provider_error and the id is kept in value.unconfirmed_order.
reply<add_result> parse_add(body_ref body) noexcept;
/// {"charge": .., "start_count": .., "status": .., "remains": .., "currency": ..}
reply<order_status> parse_status(body_ref body) noexcept;
/// {"1": {...}, "10": {"error": ".."}, "2": "Incorrect order ID"}
reply<std::vector<status_entry>> parse_status_multi(body_ref body) noexcept;
/// [{"service": 1, "rate": "0.90", ...}, ...]
reply<services_result> parse_services(body_ref body) noexcept;
/// {"refill": "1"}: value is the refill id.
reply<std::string> parse_refill(body_ref body) noexcept;
/// [{"order": 1, "refill": 1}, {"order": 3, "refill": {"error": ".."}}]
reply<std::vector<id_result>> parse_refill_multi(body_ref body) noexcept;
/// {"status": "Completed"}; {"status": {"error": ".."}} is a provider_error.
reply<std::string> parse_refill_status(body_ref body) noexcept;
/// [{"refill": 1, "status": "Completed"}, {"refill": 3, "status": {"error": ".."}}]
reply<std::vector<id_result>> parse_refill_status_multi(body_ref body) noexcept;
/// [{"order": 9, "cancel": {"error": ".."}}, {"order": 2, "cancel": 1}]: value "1" = requested.
reply<std::vector<id_result>> parse_cancel(body_ref body) noexcept;
/// {"balance": "100.84292", "currency": "USD"}
reply<balance_result> parse_balance(body_ref body) noexcept;

}  // namespace smm::providers
