#pragma once
// Carries out an authenticated API v2 request against the engine (order_service) and renders
// the answer. No asio: the engine answers through callbacks, and so does this.
//
// Ids: API v2 panels know orders by the DAEMON's order id (`add` answers {"order": <id>}).
// An order added here gets the panel order id "v2:<panel name>:<128 random bits, hex>" (API
// v2 has no idempotency key, so every add is a new order). A panel sees only its own orders:
// an id that does not exist, or whose panel order id does not start with "v2:<its name>:"
// (another panel's, or one of the NDJSON socket's), is an "Incorrect order ID". A refill is
// named by its order's id (one refill per order at a time), so refill_status(refill=N) asks
// about the refill of order N.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "daemon/apiv2/api_request.hpp"
#include "daemon/order_service.hpp"

namespace smm::daemon::apiv2 {

/// "v2:<panel>:", the prefix of every panel order id the endpoint creates for `panel`.
std::string panel_prefix(std::string_view panel);

/// "v2:<panel>:<32 lower-case hex digits>" from 128 bits of OpenSSL's RAND_bytes.
std::string new_panel_order_id(std::string_view panel);

/// Answers requests for any number of panels. Thread safety: handle() may be called from
/// any thread; `service` must outlive every answer.
class api_handler {
 public:
  /// `currency` is named in status and balance answers; only providers with this currency
  /// count in the balance (there is no exchange rate to add the others).
  api_handler(order_service& service, std::string currency);

  /// Answers `r` for `panel` (the name its key maps to). `done` receives the JSON body
  /// exactly once, on the calling thread or on the engine's; it must not block.
  void handle(const request& r, const std::string& panel, std::function<void(std::string)> done);

 private:
  void add(const request& r, const std::string& panel, std::function<void(std::string)> done);
  void balance(std::function<void(std::string)> done);
  /// Maps the requested ids to panel order ids of `panel`'s own orders, then continues.
  void by_order(const request& r, const std::string& panel, std::function<void(std::string)> done);

  order_service& service_;
  std::string currency_;
};

}  // namespace smm::daemon::apiv2
