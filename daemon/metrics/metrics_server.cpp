#include "daemon/metrics/metrics_server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <string_view>

#include "daemon/metrics/metrics_routes.hpp"
#include "daemon/net/listener.hpp"
#include "logging/logging.hpp"

namespace smm::daemon::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::shared_ptr<spdlog::logger> metrics_logger() { return logging::logger("metrics"); }

void log_failure(const std::shared_ptr<spdlog::logger>& log, std::string_view what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log->error("metrics {} failed: {}", what, ex.what());
  }
}

// One accepted client. Only its own strand touches the stream; stop() and close() post there.
// A scrape is short and idempotent: stopping closes at once, whatever is in flight.
struct connection final : net::connection, std::enable_shared_from_this<connection> {
  connection(tcp::socket s, net::connection_lease l) : stream(std::move(s)), lease(std::move(l)) {}
  void stop() override { close(); }
  void close() override {
    asio::post(stream.get_executor(), [self = shared_from_this()] { self->stream.close(); });
  }
  beast::tcp_stream stream;
  net::connection_lease lease;
};

}  // namespace

struct metrics_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, listen_address a, std::function<std::string()> r, std::function<bool()> rd,
       metrics_server_options o)
      : address(std::move(a)),
        render(std::move(r)),
        ready(std::move(rd)),
        options(o),
        log(metrics_logger()),
        net(std::move(ex),
            net::listener_options{"metrics", o.max_connections, std::chrono::milliseconds(1000)}, log) {}

  listen_address address;
  std::function<std::string()> render;
  std::function<bool()> ready;
  metrics_server_options options;
  std::shared_ptr<spdlog::logger> log;
  net::listener net;
  std::atomic<std::uint16_t> bound_port{0};

  // `self` keeps the server state alive for the coroutine's whole life.
  asio::awaitable<void> serve(std::shared_ptr<impl> self, std::shared_ptr<connection> c);
  route_answer answer(const http::request<http::string_body>& req);
};

route_answer metrics_server::impl::answer(const http::request<http::string_body>& req) {
  try {
    return route_request(std::string_view(req.method_string()), std::string_view(req.target()), render,
                         ready);
  } catch (const std::exception& e) {
    // A failing render must not cost the connection or the process: the scrape shows an error.
    log->error("metrics render failed: {}", e.what());
    return {500, "text/plain; charset=utf-8", "internal error\n", false};
  }
}

asio::awaitable<void> metrics_server::impl::serve([[maybe_unused]] std::shared_ptr<impl> self,
                                                  std::shared_ptr<connection> c) {
  beast::flat_buffer buffer;
  for (std::size_t n = 0; n < options.max_requests_per_connection; ++n) {
    // Between keep-alive requests the client may stay silent up to idle_timeout; once it
    // starts a request, the whole request must arrive within read_timeout.
    if (n > 0 && buffer.size() == 0) {
      c->stream.expires_after(options.idle_timeout);
      auto [ec, got] =
          co_await c->stream.async_read_some(buffer.prepare(options.max_header_bytes), tuple_awaitable);
      if (ec) break;
      buffer.commit(got);
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    c->stream.expires_after(options.read_timeout);
    auto [ec, bytes] = co_await http::async_read(c->stream, buffer, parser, tuple_awaitable);
    (void)bytes;

    http::response<http::string_body> res;
    bool keep_alive = false;
    bool head = false;
    if (!ec) {
      const auto& req = parser.get();
      auto a = answer(req);
      res.result(a.status);
      res.version(req.version());
      res.set(http::field::content_type, a.content_type);
      if (a.method_not_allowed) res.set(http::field::allow, "GET, HEAD");
      res.body() = std::move(a.body);
      keep_alive = req.keep_alive() && n + 1 < options.max_requests_per_connection;
      head = req.method() == http::verb::head;
    } else if (ec == http::error::header_limit) {
      res.result(http::status::request_header_fields_too_large);
      res.body() = "request header too large\n";
    } else if (ec == http::error::body_limit) {
      res.result(http::status::payload_too_large);
      res.body() = "request body too large\n";
    } else if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      // Malformed HTTP: say so, then close. EOF, a half request, a timeout or a reset just close.
      res.result(http::status::bad_request);
      res.body() = "bad request\n";
    } else {
      break;
    }
    if (ec) {
      res.version(11);
      res.set(http::field::content_type, "text/plain; charset=utf-8");
    }
    res.keep_alive(keep_alive);
    res.prepare_payload();
    c->stream.expires_after(options.write_timeout);
    if (head) {
      // HEAD: the headers GET would send (Content-Length included), no body.
      http::response<http::empty_body> head_res{res.result(), res.version()};
      for (const auto& field : res) head_res.set(field.name_string(), field.value());
      auto [wec, wn] = co_await http::async_write(c->stream, head_res, tuple_awaitable);
      (void)wn;
      if (wec) break;
    } else {
      auto [wec, wn] = co_await http::async_write(c->stream, res, tuple_awaitable);
      (void)wn;
      if (wec) break;
    }
    if (!keep_alive) break;
  }
  error_code ignored;
  c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  c->stream.close();
  c->lease.release();
}

metrics_server::metrics_server(asio::any_io_executor executor, listen_address address,
                               std::function<std::string()> render, std::function<bool()> ready,
                               metrics_server_options options)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(address), std::move(render),
                                   std::move(ready), options)) {}

metrics_server::~metrics_server() = default;

void metrics_server::start() {
  auto& i = *impl_;
  // The handler holds the server weakly: the listener (a member) keeps the handler.
  i.bound_port = i.net.listen_tcp(
      i.address, false,
      [weak = std::weak_ptr<impl>(impl_)](tcp::socket socket,
                                          net::connection_lease lease) -> std::shared_ptr<net::connection> {
        auto self = weak.lock();
        if (!self) return nullptr;
        auto c = std::make_shared<connection>(std::move(socket), std::move(lease));
        auto ex = c->stream.get_executor();
        asio::co_spawn(ex, self->serve(self, c),
                       [log = self->log](std::exception_ptr e) { log_failure(log, "session", e); });
        return c;
      });
}

void metrics_server::stop() { impl_->net.stop(); }

std::uint16_t metrics_server::port() const { return impl_->bound_port.load(); }

}  // namespace smm::daemon::metrics
