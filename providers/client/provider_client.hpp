#pragma once
// One provider's API v2 client: every action as an asio awaitable, on the provider's own
// strand, with the limits of design.md ("Limits per provider"): in-flight cap with a bounded
// cancellable queue, token bucket (429 + Retry-After pause it), a deadline per call,
// full-jitter backoff capped by the deadline, a retry budget and a circuit breaker that only
// ever probes with `balance`.
//
// Requests are built by request_builder and replies parsed by response_parser; what to do
// after each attempt is failure_classifier's decision. This layer never sends an `add` twice:
// once any byte of it may have left, a failure is `unknown`.
//
// Beast and OpenSSL stay in the .cpp files (pimpl).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/secret_scrubber.hpp"
#include "providers/backoff.hpp"
#include "providers/circuit_breaker.hpp"
#include "providers/client/client_figures.hpp"
#include "providers/client/http_transport.hpp"
#include "providers/error_category.hpp"
#include "providers/request_builder.hpp"
#include "providers/response_parser.hpp"
#include "providers/retry_budget.hpp"

namespace smm::providers {

/// Everything one provider client needs.
struct provider_client_options {
  std::string name;  ///< provider name; logs go to spdlog logger "provider.<name>"
  std::string url;   ///< API endpoint, e.g. "https://panel.example/api/v2"
  std::string key;   ///< API key; never logged
  /// Masks keys in everything the provider says (error texts, excerpts, status texts) before
  /// it leaves the client. The daemon shares one that knows every provider and panel key;
  /// null: one that knows `key` alone.
  std::shared_ptr<const secret_scrubber> scrubber;
  request_options request;                        ///< form/GET/JSON, key in body or header
  transport_options transport;                    ///< step deadlines, caps, TLS
  std::size_t max_in_flight = 8;                  ///< requests on the wire at once
  std::size_t max_queue = 1000;                   ///< calls waiting for a slot; beyond it: queue_full
  std::uint32_t rate_tokens = 10;                 ///< token bucket: this many requests ...
  std::chrono::milliseconds rate_period{1000};    ///< ... per this period ...
  std::uint32_t rate_burst = 10;                  ///< ... with this burst
  std::chrono::milliseconds call_timeout{30000};  ///< default deadline of one call
  std::uint32_t max_attempts = 4;                 ///< attempts per call (first + retries)
  backoff_policy backoff;
  retry_budget_policy retry_budget;
  breaker_policy breaker;
};

/// Per-call settings.
struct call_options {
  /// Deadline of the whole call (queueing, rate waits, attempts, backoff); empty: now +
  /// provider_client_options::call_timeout.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  /// add only: awaited once, when the request holds an in-flight slot and a rate token and
  /// its connection is ready, just before its first byte is written; false withdraws it (the
  /// call ends `cancelled`, nothing sent). The daemon journals `sending` here. Runs on the
  /// client's strand.
  http_transport::before_write_fn before_write;
};

/// The result of one call. `value` is meaningful when outcome == ok (and, for multi calls,
/// holds what the chunks that succeeded returned even when a later chunk failed). For add,
/// value.unconfirmed_order may be set on any outcome: an order id some reply of the call named
/// without being a plain success (see add_result).
template <class T>
struct call_result {
  call_outcome outcome = call_outcome::failed;
  T value{};
  std::string error;  ///< provider message or what failed; scrubbed of every key the client knows
  error_category category = error_category::other;         ///< for rejected / retry_later / pause
  std::optional<std::chrono::seconds> retry_after;         ///< for retry_later
  request_progress progress = request_progress::not_sent;  ///< how far the last attempt got
  unsigned http_status = 0;                                ///< of the last attempt, 0 when none arrived
  std::uint32_t attempts = 0;                              ///< HTTP attempts made (all chunks)
  /// True when outcome == ok.
  bool ok() const { return outcome == call_outcome::ok; }
};

/// The API v2 client of one provider.
/// Thread safety: every method may be called from any thread; the work runs on the client's
/// strand and the awaiting coroutine resumes on its own executor. figures() is safe anywhere.
class provider_client {
 public:
  /// Throws std::invalid_argument on a bad URL, std::runtime_error on a bad TLS ca_file.
  provider_client(boost::asio::any_io_executor ex, provider_client_options opts);
  ~provider_client();
  provider_client(const provider_client&) = delete;
  provider_client& operator=(const provider_client&) = delete;

  /// action=services
  boost::asio::awaitable<call_result<services_result>> services(call_options c = {});
  /// action=add. Never resent once written: transport failures after that are `unknown`.
  boost::asio::awaitable<call_result<add_result>> add(add_order order, call_options c = {});
  /// action=status&order=ID
  boost::asio::awaitable<call_result<order_status>> status(std::string order_id, call_options c = {});
  /// action=status&orders=...: any number of ids, sent in chunks of at most 100.
  boost::asio::awaitable<call_result<std::vector<status_entry>>> status_multi(std::vector<std::string> ids,
                                                                              call_options c = {});
  /// action=refill&order=ID: value is the refill id.
  boost::asio::awaitable<call_result<std::string>> refill(std::string order_id, call_options c = {});
  /// action=refill&orders=...: chunks of at most 100.
  boost::asio::awaitable<call_result<std::vector<id_result>>> refill_multi(std::vector<std::string> ids,
                                                                           call_options c = {});
  /// action=refill_status&refill=ID: value is the refill status text.
  boost::asio::awaitable<call_result<std::string>> refill_status(std::string refill_id, call_options c = {});
  /// action=refill_status&refills=...: chunks of at most 100.
  boost::asio::awaitable<call_result<std::vector<id_result>>> refill_status_multi(
      std::vector<std::string> ids, call_options c = {});
  /// action=cancel&orders=...: chunks of at most 100.
  boost::asio::awaitable<call_result<std::vector<id_result>>> cancel(std::vector<std::string> ids,
                                                                     call_options c = {});
  /// action=balance (also the breaker's probe).
  boost::asio::awaitable<call_result<balance_result>> balance(call_options c = {});

  /// The limits a client enforces, changeable while it runs.
  struct limits {
    std::size_t max_in_flight = 8;
    std::uint32_t rate_tokens = 10;  ///< per the options' rate_period
    std::uint32_t rate_burst = 10;
  };
  /// New limits from now on (a cluster member's share of the provider's limits, a reload).
  /// Any thread; applied on the strand. Calls in flight over a lowered cap finish; no new one
  /// starts until the client is under it.
  void set_limits(limits l);
  /// The limits in force (the last set_limits() applied, else the options'). Any thread.
  limits current_limits() const;

  /// A snapshot of this provider's figures.
  client_figures figures() const;
  /// The breaker's state as of the last call (figures().breaker without copying the figures:
  /// the dispatcher asks it for every order it routes). Any thread.
  breaker_state_view breaker() const noexcept;
  /// The provider's name.
  const std::string& name() const noexcept;
  /// The client's strand.
  boost::asio::any_io_executor strand() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace smm::providers
