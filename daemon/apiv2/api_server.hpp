#pragma once
// The API v2 endpoint for existing panels: HTTP/1.1 on a unix socket (daemon.api_socket_path,
// mode 0660) and optionally on a loopback TCP address (daemon.http_listen). A panel that talks
// to providers with the template's client uses the daemon by changing only the URL and key.
// Any path is accepted (panels are configured with ".../api/v2"); GET and POST only.
//
// Every answer is application/json. Errors of the API are {"error": "..."} with HTTP 200, as
// the template sends them; a malformed request gets 400, an oversized body 413, oversized
// headers 431, a request not complete in time 408, a client over the failed-attempt limit 429,
// all with an {"error"} body too (400, 408, 413 and 431 then close the connection).
//
// Bounded per connection: its input is one request's header and body (the caps) plus one
// read ahead; its output is one answer at a time, written within write_timeout or the
// connection is cut. A connection that has not yet presented a valid key is on probation
// (api_probation.hpp): a short deadline for a whole request, and a small share of the cap.
// Beast stays in the .cpp (pimpl).
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/apiv2/api_figures.hpp"
#include "daemon/apiv2/api_request.hpp"
#include "daemon/auth/panel_gate.hpp"
#include "daemon/order_service.hpp"

namespace smm::daemon::apiv2 {

/// Limits of the endpoint. The defaults are the production values; tests shorten them.
struct api_server_options {
  std::size_t max_connections = 256;  ///< both listeners together; more are closed at once
  /// Connections that have not yet presented a valid key; a new one beyond them takes the
  /// place of the oldest (api_probation.hpp).
  std::size_t max_unauthenticated_connections = 32;
  std::size_t max_header_bytes = 8 * 1024;          ///< larger request headers get 431
  std::size_t max_body_bytes = 1024 * 1024;         ///< larger bodies get 413
  std::size_t max_requests_per_connection = 10000;  ///< then the connection closes (keep-alive bound)
  /// Not yet authenticated: for a whole request, idle time included, from the connect or the
  /// last answer (a started request gets 408, an idle connection is closed).
  std::chrono::milliseconds unauthenticated_timeout{5000};
  std::chrono::milliseconds read_timeout{10000};   ///< authenticated: one whole request, from its first byte
  std::chrono::milliseconds idle_timeout{60000};   ///< authenticated: keep-alive wait between requests
  std::chrono::milliseconds write_timeout{10000};  ///< for one whole answer
  std::chrono::milliseconds stop_grace{2000};      ///< on stop, time left to answer requests in flight
  /// Wrong keys per client (TCP peer address, unix peer uid) and presented key in the window;
  /// then that key gets 429 until the window ends. Beyond this many wrong keys of any kind, a
  /// client's wrong-key answers are delayed (100 ms doubling up to 2 s). A right key is always served.
  /// Only for a server that makes its own gate (`gate` unset); a shared gate has its own limits.
  std::size_t max_failed_attempts = 10;
  std::chrono::seconds failure_window{60};  ///< the window of both counts
  /// The panel keys' gate shared with the other faces (the panel socket's hello): one count of
  /// wrong keys per client across them. Unset: the server makes its own from `keys`.
  std::shared_ptr<auth::panel_gate> gate{};
  request_limits limits{};
};

/// Serves API v2 until stopped.
/// Thread safety: start() once, from one thread; stop(), set_panel_keys() and the getters
/// from any thread. `service` must outlive the server and every connection (until the
/// executor's context has finished running).
class api_server {
 public:
  /// `socket_path` empty: no unix socket. `currency` is named in status and balance answers.
  /// Keys are checked by `options.gate`, or, unset, by a gate of the server's own made from
  /// `keys` and the options' limits.
  api_server(boost::asio::any_io_executor executor, std::string socket_path,
             std::optional<listen_address> tcp, order_service& service, const std::vector<panel_key>& keys,
             std::string currency, api_server_options options = {});
  ~api_server();
  api_server(const api_server&) = delete;
  api_server& operator=(const api_server&) = delete;

  /// Binds and listens. The unix socket gets mode 0660; a stale socket file is removed first.
  /// Throws std::runtime_error if a live process answers on the socket path, if the path
  /// exists and is not a socket, or if the TCP address is not a loopback address, and
  /// std::system_error if resolving or binding fails.
  void start();
  /// Stops accepting and removes the socket file; idle connections close at once, requests
  /// in flight get their answer (bounded by options.stop_grace). Returns at once.
  void stop();
  /// Replaces the panel keys (config reload), in the gate: a shared one changes for every face.
  /// Requests already authenticated finish as they are.
  void set_panel_keys(const std::vector<panel_key>& keys);
  /// The bound TCP port (the real one when the address asked for port 0); 0 without TCP.
  std::uint16_t tcp_port() const;
  /// Connections currently open (both listeners).
  std::size_t connection_count() const;
  /// Requests by action and outcome, and open connections. Any thread.
  api_figures figures() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace smm::daemon::apiv2
