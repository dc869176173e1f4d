#pragma once
// The HTTP/1.1 endpoint Prometheus scrapes: GET /metrics, /healthz, /readyz on a TCP address
// (daemon.metrics_listen; loopback by design, there is no authentication). Beast stays in the
// .cpp (pimpl). Each connection runs on its own strand; a connection limit, header and body
// caps and per-step timeouts keep slow or hostile clients from holding it.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace smm::daemon::metrics {

/// Limits of the metrics endpoint. The defaults suit production; tests shorten them.
struct metrics_server_options {
  std::size_t max_connections = 32;                ///< further clients are closed at once
  std::size_t max_header_bytes = 8 * 1024;         ///< larger request headers get 431
  std::size_t max_body_bytes = 1024;               ///< GET carries none; larger bodies get 413
  std::size_t max_requests_per_connection = 1000;  ///< then the connection closes (keep-alive bound)
  std::chrono::milliseconds read_timeout{10000};   ///< for one whole request, from its first wait
  std::chrono::milliseconds idle_timeout{60000};   ///< keep-alive wait between requests
  std::chrono::milliseconds write_timeout{10000};  ///< for one whole response
};

/// Serves the metrics endpoint until stopped.
/// Thread safety: start() once, from one thread; stop() and port() from any thread.
/// `render` and `ready` run on the executor's threads (one connection's strand at a time,
/// several connections concurrently): they must be thread-safe and must not block.
class metrics_server {
 public:
  metrics_server(boost::asio::any_io_executor executor, listen_address address,
                 std::function<std::string()> render, std::function<bool()> ready,
                 metrics_server_options options = {});
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  /// Resolves the host (a numeric address or a name such as "localhost"), binds, listens and
  /// starts accepting. Throws std::system_error when resolving or binding fails.
  void start();
  /// Stops accepting and closes every connection. Returns at once; the work ends on the
  /// executor, so its io_context's run() returns once nothing else is pending.
  void stop();
  /// The bound port (the real one when the address asked for port 0); 0 before start().
  std::uint16_t port() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace smm::daemon::metrics
