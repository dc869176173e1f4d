#pragma once
// Carries out an authenticated API v2 request against the engine (order_service) and renders
// the answer. No asio: the engine answers through callbacks, and so does this.
//
// Ids: API v2 panels know orders by the DAEMON's order id (`add` answers {"order": <id>}).
// An order added here gets the panel order id "v2:<panel name>:<128 random bits, hex>" (API
// v2 has no idempotency key, so every add is a new order). A panel sees only its own orders
// (daemon/auth/panel_scope.hpp): an id that does not exist, or whose order is not in the
// panel's scope (another panel's, or one of a NDJSON connection that did not say hello), is
// an "Incorrect order ID". A refill is named by its order's id (one refill per order at a
// time), so refill_status(refill=N) asks about the refill of order N.
//
// What each answer says is decided by the engine's result code (order_service.hpp), never by
// its message: not_found is "Incorrect order ID" ("Refill not found" for refill_status),
// not_eligible for a refill is "Order not eligible for refill: <rule>", an invalid add names
// the missing parameter or the service; any other refusal shows the engine's message.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "daemon/apiv2/api_figures.hpp"
#include "daemon/apiv2/api_request.hpp"
#include "daemon/order_service.hpp"

namespace smm::daemon::apiv2 {

/// A rendered answer and how it counts: ok, or error for a top-level {"error": ...} (a list
/// answer with errors in some of its entries is ok).
struct api_reply {
  std::string body;
  api_outcome outcome = api_outcome::ok;
};

/// Answers requests for any number of panels. Thread safety: handle() may be called from
/// any thread; `service` must outlive every answer.
class api_handler {
 public:
  using done_fn = std::function<void(api_reply)>;

  /// `currency` is named in status and balance answers; only providers with this currency
  /// count in the balance (there is no exchange rate to add the others).
  api_handler(order_service& service, std::string currency);

  /// Answers `r` for `panel` (the name its key maps to). `done` receives the answer exactly
  /// once, on the calling thread or on the engine's; it must not block.
  void handle(const request& r, const std::string& panel, done_fn done);

 private:
  void add(const request& r, const std::string& panel, done_fn done);
  void balance(done_fn done);
  /// Maps the requested ids to panel order ids of `panel`'s own orders, then continues.
  void by_order(const request& r, const std::string& panel, done_fn done);

  order_service& service_;
  std::string currency_;
};

}  // namespace smm::daemon::apiv2
