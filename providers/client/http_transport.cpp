#include "providers/client/http_transport.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <deque>
#include <stdexcept>
#include <string_view>

namespace smm::providers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using beast::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// What is left of the deadline, capped by a step's own timeout; never negative.
clock_type::duration step_budget(clock_type::time_point deadline, std::chrono::milliseconds step) {
  auto left = deadline - clock_type::now();
  if (left < clock_type::duration::zero()) left = clock_type::duration::zero();
  return std::min<clock_type::duration>(left, step);
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  clock_type::time_point idle_since{};

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// Reads into `r` how a failed read ended, from what the parser had seen.
template <class Parser>
void classify_read_error(const error_code& ec, const Parser& parser, const beast::flat_buffer& buf,
                         http_result& r) {
  r.timed_out = ec == beast::error::timeout;
  r.error = "read: " + ec.message();
  const bool got_bytes = parser.got_some() || buf.size() > 0;
  if (!got_bytes) {
    if (r.timed_out) {
      r.progress = request_progress::sent_timeout;
    } else if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
      r.progress = request_progress::sent_reset;
    } else {
      r.progress = request_progress::sent_closed;
    }
    return;
  }
  // An HTTP parse error (other than the peer stopping mid-message) is a reply we cannot read.
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
      ec != http::error::partial_message && ec != http::error::end_of_stream) {
    r.progress = request_progress::reply_invalid;
    return;
  }
  r.progress = request_progress::reply_truncated;
}

}  // namespace

const char* to_string(request_progress p) noexcept {
  switch (p) {
    case request_progress::resolve_failed:
      return "resolve_failed";
    case request_progress::connect_failed:
      return "connect_failed";
    case request_progress::tls_failed:
      return "tls_failed";
    case request_progress::not_sent:
      return "not_sent";
    case request_progress::write_partial:
      return "write_partial";
    case request_progress::sent_timeout:
      return "sent_timeout";
    case request_progress::sent_closed:
      return "sent_closed";
    case request_progress::sent_reset:
      return "sent_reset";
    case request_progress::reply_truncated:
      return "reply_truncated";
    case request_progress::reply_invalid:
      return "reply_invalid";
    case request_progress::reply_complete:
      return "reply_complete";
  }
  return "?";
}

struct http_transport::impl {
  asio::any_io_executor ex;
  provider_url ep;
  std::string port;
  transport_options opts;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<ssl::context> ssl_ctx;
  std::deque<std::unique_ptr<connection>> idle;
  std::uint64_t opened = 0;
  std::string fixed_headers;  ///< Host, User-Agent and Accept lines: the same on every request

  impl(asio::any_io_executor e, provider_url p, transport_options o, std::shared_ptr<spdlog::logger> l)
      : ex(std::move(e)),
        ep(std::move(p)),
        port(std::to_string(ep.port)),
        opts(std::move(o)),
        log(std::move(l)) {
    if (ep.tls()) make_ssl_context();
    append_header(fixed_headers, "Host", ep.host_header());
    append_header(fixed_headers, "User-Agent", opts.user_agent);
    append_header(fixed_headers, "Accept", "application/json");
  }

  void make_ssl_context() {
    ssl_ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ssl_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (!opts.tls_verify) {
      ssl_ctx->set_verify_mode(ssl::verify_none);
      if (log) log->warn("TLS peer verification is OFF for {}:{} (tls_verify=false)", ep.host, port);
      return;
    }
    ssl_ctx->set_verify_mode(ssl::verify_peer);
    error_code ec;
    ssl_ctx->set_default_verify_paths(ec);
    if (ec && log) log->warn("no system CA store: {}", ec.message());
    if (!opts.ca_file.empty()) {
      ssl_ctx->load_verify_file(opts.ca_file, ec);
      if (ec) throw std::runtime_error("cannot load ca_file " + opts.ca_file + ": " + ec.message());
    }
  }

  // A pooled connection is reusable only if the peer has not closed it or sent stray bytes:
  // a non-blocking peek must find nothing to read.
  bool still_usable(connection& c) const {
    if (c.buffer.size() != 0) return false;
    if (clock_type::now() - c.idle_since > opts.idle_ttl) return false;
    auto& sock = c.tcp().socket();
    if (!sock.is_open()) return false;
    error_code ec;
    sock.non_blocking(true, ec);
    if (ec) return false;
    char byte = 0;
    sock.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    return ec == asio::error::would_block;
  }

  std::unique_ptr<connection> take_idle() {
    while (!idle.empty()) {
      auto c = std::move(idle.back());  // most recently used first: likeliest to be alive
      idle.pop_back();
      if (still_usable(*c)) return c;
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<connection> c) {
    c->idle_since = clock_type::now();
    idle.push_back(std::move(c));
    while (idle.size() > opts.max_idle) idle.pop_front();
  }

  asio::awaitable<std::unique_ptr<connection>> open(http_result& r, clock_type::time_point deadline) {
    using namespace asio::experimental::awaitable_operators;
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex);
    timer.expires_after(step_budget(deadline, opts.resolve_timeout));
    auto raced = co_await (resolver.async_resolve(ep.host, port, tuple_awaitable) ||
                           timer.async_wait(tuple_awaitable));
    if (raced.index() == 1) {
      r.progress = request_progress::resolve_failed;
      r.timed_out = true;
      r.error = "resolve: timed out";
      co_return nullptr;
    }
    auto [rec, results] = std::get<0>(std::move(raced));
    if (rec) {
      r.progress = request_progress::resolve_failed;
      r.error = "resolve: " + rec.message();
      co_return nullptr;
    }

    auto c = std::make_unique<connection>();
    if (ep.tls()) {
      c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex, *ssl_ctx);
    } else {
      c->plain = std::make_unique<beast::tcp_stream>(ex);
    }
    c->tcp().expires_after(step_budget(deadline, opts.connect_timeout));
    auto [cec, endpoint] = co_await c->tcp().async_connect(results, tuple_awaitable);
    (void)endpoint;
    if (cec) {
      r.progress = request_progress::connect_failed;
      r.timed_out = cec == beast::error::timeout;
      r.error = "connect: " + cec.message();
      co_return nullptr;
    }
    error_code ignored;
    c->tcp().socket().set_option(tcp::no_delay(true), ignored);
    ++opened;

    if (c->tls) {
      // SNI only for names: RFC 6066 forbids literal addresses in server_name.
      if (!is_ip_literal(ep.host) && !SSL_set_tlsext_host_name(c->tls->native_handle(), ep.host.c_str())) {
        r.progress = request_progress::tls_failed;
        r.error = "tls: cannot set SNI";
        co_return nullptr;
      }
      if (opts.tls_verify) c->tls->set_verify_callback(ssl::host_name_verification(ep.host));
      c->tcp().expires_after(step_budget(deadline, opts.handshake_timeout));
      auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, tuple_awaitable);
      if (hec) {
        r.progress = request_progress::tls_failed;
        r.timed_out = hec == beast::error::timeout;
        r.error = "tls handshake: " + hec.message();
        co_return nullptr;
      }
    }
    co_return c;
  }

  static void append_header(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  }

  // A line break (or NUL) in the target or a header would let it forge more of the request.
  static bool unsafe(std::string_view text) {
    return text.find_first_of("\r\n", 0, 3) != std::string_view::npos;
  }

  // The request as it goes on the wire, written once here: Beast's serializer cost more
  // instructions than the rest of an add together. Empty when a part cannot be sent as is
  // (`why` says which).
  std::string wire(const http_request& req, std::string& why) const {
    const std::string_view method =
        req.method.empty() ? std::string_view("POST") : std::string_view(req.method);
    if (unsafe(method) || method.find(' ') != std::string_view::npos || unsafe(req.target) ||
        req.target.find(' ') != std::string::npos) {
      why = "the request line holds a space or line break";
      return {};
    }
    std::string out;
    out.reserve(method.size() + req.target.size() + fixed_headers.size() + req.body.size() + 160);
    out.append(method).append(" ").append(req.target).append(" HTTP/1.1\r\n").append(fixed_headers);
    if (!req.content_type.empty()) append_header(out, "Content-Type", req.content_type);
    for (const auto& [name, value] : req.headers) {
      if (unsafe(name) || unsafe(value) || name.find(':') != std::string::npos) {
        why = "header " + name.substr(0, name.find_first_of("\r\n:")) + " holds a line break or colon";
        return {};
      }
      append_header(out, name, value);
    }
    // HTTP/1.1 keeps the connection by default; a GET without a body sends no length.
    if (!req.body.empty() || method != "GET")
      append_header(out, "Content-Length", std::to_string(req.body.size()));
    out.append("\r\n").append(req.body);
    return out;
  }

  template <class Stream>
  asio::awaitable<void> exchange(Stream& stream, connection& c, const std::string& request,
                                 clock_type::time_point deadline, http_result& r, bool& keep) {
    keep = false;
    c.tcp().expires_after(step_budget(deadline, opts.write_timeout));
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), tuple_awaitable);
    if (wec) {
      r.progress = written == 0 ? request_progress::not_sent : request_progress::write_partial;
      r.timed_out = wec == beast::error::timeout;
      r.error = "write: " + wec.message();
      co_return;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(opts.body_limit);
    parser.header_limit(opts.header_limit);
    c.tcp().expires_after(step_budget(deadline, opts.read_timeout));
    auto [rec, got] = co_await http::async_read(stream, c.buffer, parser, tuple_awaitable);
    (void)got;
    if (rec) {
      classify_read_error(rec, parser, c.buffer, r);
      co_return;
    }
    auto& res = parser.get();
    r.progress = request_progress::reply_complete;
    r.status = res.result_int();
    if (auto it = res.find(http::field::content_type); it != res.end()) r.content_type = it->value();
    if (auto it = res.find(http::field::retry_after); it != res.end()) r.retry_after = it->value();
    keep = res.keep_alive() && parser.is_done();
    r.body = std::move(res.body());
  }

  asio::awaitable<http_result> send(const http_request& req, clock_type::time_point deadline,
                                    const http_transport::before_write_fn* before_write) {
    std::string why;
    const std::string request = wire(req, why);
    if (request.empty()) {
      http_result r;
      r.progress = request_progress::not_sent;
      r.error = "refused to send: " + why;
      co_return r;
    }
    // A pooled connection that fails before its first byte left is retried once on a fresh one.
    for (int attempt = 0; attempt < 2; ++attempt) {
      http_result r;
      auto c = attempt == 0 ? take_idle() : nullptr;
      r.reused = c != nullptr;
      if (!c) {
        c = co_await open(r, deadline);
        if (!c) co_return r;
      }
      if (clock_type::now() >= deadline) {
        r.progress = request_progress::not_sent;
        r.timed_out = true;
        r.error = "deadline passed before writing";
        if (r.reused) give_back(std::move(c));
        co_return r;
      }
      if (before_write != nullptr && *before_write && !co_await (*before_write)()) {
        r.progress = request_progress::not_sent;
        r.error = "withdrawn before writing";
        r.withdrawn = true;
        give_back(std::move(c));
        co_return r;
      }
      bool keep = false;
      if (c->tls) {
        co_await exchange(*c->tls, *c, request, deadline, r, keep);
      } else {
        co_await exchange(*c->plain, *c, request, deadline, r, keep);
      }
      if (keep) give_back(std::move(c));
      if (r.reused && r.progress == request_progress::not_sent && !r.timed_out) continue;
      co_return r;
    }
    co_return http_result{};  // unreachable: the second attempt always returns
  }
};

http_transport::http_transport(asio::any_io_executor ex, provider_url ep, transport_options opts,
                               std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(ep), std::move(opts), std::move(log))) {}

http_transport::~http_transport() = default;

asio::awaitable<http_result> http_transport::send(const http_request& req, clock_type::time_point deadline,
                                                  const before_write_fn* before_write) {
  return impl_->send(req, deadline, before_write);
}

std::size_t http_transport::idle_count() const noexcept { return impl_->idle.size(); }
std::uint64_t http_transport::connections_opened() const noexcept { return impl_->opened; }
void http_transport::close_idle() noexcept { impl_->idle.clear(); }

}  // namespace smm::providers
