#pragma once
// HTTP/1.1 transport of one provider: a keep-alive connection pool over plain TCP or TLS.
// The header keeps Beast and OpenSSL out (pimpl); only the light asio awaitable headers are in.
//
// Design: every call reports how far the request got (`request_progress`) so the failure
// classifier can tell "surely not delivered" from "may have been acted on". The whole-call
// deadline is enforced by clamping each step's expiry (beast::tcp_stream::expires_after) to what
// is left of it, so a timeout is always attributed to the step it hit.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "providers/provider_url.hpp"
#include "providers/request_builder.hpp"

namespace spdlog {
class logger;
}

namespace smm::providers {

/// Deadlines, caps and TLS settings of one provider's transport.
struct transport_options {
  std::chrono::milliseconds resolve_timeout{5000};    ///< name resolution
  std::chrono::milliseconds connect_timeout{5000};    ///< TCP connect
  std::chrono::milliseconds handshake_timeout{5000};  ///< TLS handshake
  std::chrono::milliseconds write_timeout{5000};      ///< writing the whole request
  std::chrono::milliseconds read_timeout{30000};      ///< reading the whole response
  std::size_t body_limit = 8u * 1024u * 1024u;        ///< response body cap (8 MiB)
  std::uint32_t header_limit = 64u * 1024u;           ///< response header cap
  bool tls_verify = true;                     ///< verify the peer against the CA store and the host name
  std::string ca_file;                        ///< extra PEM CA file; empty: the system store only
  std::size_t max_idle = 8;                   ///< idle keep-alive connections kept
  std::chrono::milliseconds idle_ttl{30000};  ///< an idle connection older than this is dropped
  std::string user_agent = "smm-dispatchd/0.1";
};

/// How far a request got before it ended. Everything before `write_partial` proves the
/// provider never saw a byte of it.
enum class request_progress : std::uint8_t {
  resolve_failed,   ///< nothing sent: name did not resolve (or resolve timed out)
  connect_failed,   ///< nothing sent: TCP connect refused, unreachable or timed out
  tls_failed,       ///< nothing sent: TLS handshake or certificate verification failed
  not_sent,         ///< nothing sent: deadline or cancellation before the first byte
  write_partial,    ///< some bytes of the request left, then the write failed
  sent_timeout,     ///< request written, no byte of a reply before the deadline
  sent_closed,      ///< request written, connection closed (EOF) with no reply byte
  sent_reset,       ///< request written, connection reset with no reply byte
  reply_truncated,  ///< part of a reply arrived, then reset, close or deadline
  reply_invalid,    ///< a reply arrived but is not valid HTTP, or exceeds a size cap
  reply_complete,   ///< a whole HTTP response arrived (any status)
};

/// Name of a progress value, for logs and test messages.
const char* to_string(request_progress p) noexcept;

/// True when no byte of the request can have reached the provider.
constexpr bool nothing_sent(request_progress p) noexcept {
  return p == request_progress::resolve_failed || p == request_progress::connect_failed ||
         p == request_progress::tls_failed || p == request_progress::not_sent;
}

/// The outcome of one HTTP exchange.
struct http_result {
  request_progress progress = request_progress::not_sent;
  bool timed_out = false;    ///< the step that failed hit its deadline
  bool reused = false;       ///< sent over a pooled keep-alive connection
  unsigned status = 0;       ///< HTTP status when progress == reply_complete
  std::string body;          ///< response body when progress == reply_complete
  std::string content_type;  ///< response Content-Type
  std::string retry_after;   ///< raw Retry-After header, empty when absent
  std::string error;         ///< what failed, for logs (never holds the key)
  bool withdrawn = false;    ///< the before_write hook declined: nothing was sent
};

/// Keep-alive connection pool and HTTP exchange for one provider endpoint (scheme, host and
/// port of `url`; the host is also the SNI name and the name the certificate must match).
/// Thread safety: not thread safe; use it from one strand (the provider client's).
class http_transport {
 public:
  /// Builds the TLS context (if any) now; throws std::runtime_error on a bad ca_file.
  http_transport(boost::asio::any_io_executor ex, provider_url url, transport_options opts,
                 std::shared_ptr<spdlog::logger> log);
  ~http_transport();
  http_transport(const http_transport&) = delete;
  http_transport& operator=(const http_transport&) = delete;

  /// Asked once a connection is ready, just before the first byte is written; false
  /// withdraws the request (it ends `not_sent`). The daemon journals `sending` here, so an
  /// order is only ever `sending` while its request is really about to leave.
  using before_write_fn = std::function<boost::asio::awaitable<bool>()>;

  /// Sends one request and reads the reply; never throws for network errors. `deadline`
  /// bounds the whole exchange (each step is also bounded by its own timeout).
  boost::asio::awaitable<http_result> send(const http_request& req,
                                           std::chrono::steady_clock::time_point deadline,
                                           const before_write_fn* before_write = nullptr);

  /// Idle connections currently pooled.
  std::size_t idle_count() const noexcept;
  /// Connections opened since construction (a pool that works keeps this low).
  std::uint64_t connections_opened() const noexcept;
  /// Drops every idle connection.
  void close_idle() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace smm::providers
