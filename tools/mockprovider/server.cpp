#include "tools/mockprovider/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <csignal>
#include <thread>
#include <tuple>

namespace smm::mock {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> sleep_ms(std::int64_t ms) {
  if (ms <= 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await timer.async_wait(use_tuple);
}

/// Status line and headers written by hand, for the faults that break HTTP framing.
std::string raw_head(const reply& r, std::size_t content_length) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " +
                     std::string(http::obsolete_reason(static_cast<http::status>(r.status))) + "\r\n";
  head += "Server: smm-mockprovider\r\nContent-Type: " + r.content_type + "\r\n";
  for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(content_length) + "\r\nConnection: close\r\n\r\n";
  return head;
}

/// Sends `r` (or withholds it, per its transport fault). Returns whether the whole
/// answer was written; clears `keep_alive` when the connection must end.
asio::awaitable<bool> deliver(beast::tcp_stream& stream, const reply& r, unsigned version, bool& keep_alive) {
  co_await sleep_ms(r.delay_ms);
  switch (r.transport) {
    case fault_kind::black_hole: {
      // Hold the connection (and the request in flight) until the client gives up.
      keep_alive = false;
      stream.expires_never();
      char sink[512];
      for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (ec) break;
      }
      co_return false;
    }
    case fault_kind::reset: {
      keep_alive = false;
      beast::error_code ec;
      stream.socket().set_option(asio::socket_base::linger(true, 0), ec);  // close -> RST
      stream.socket().close(ec);
      co_return false;
    }
    case fault_kind::truncated: {
      keep_alive = false;
      std::string bytes = raw_head(r, r.body.size() + 16) + r.body.substr(0, r.body.size() / 2);
      stream.expires_after(std::chrono::seconds(30));
      co_await asio::async_write(stream, asio::buffer(bytes), use_tuple);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream.socket().close(ec);
      co_return false;
    }
    case fault_kind::trickle: {
      // Headers at once, then the body a few bytes at a time: a per-read deadline alone
      // never fires, only a deadline on the whole call does.
      keep_alive = false;
      const std::string head = raw_head(r, r.body.size());
      stream.expires_after(std::chrono::seconds(30));
      if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), use_tuple); ec)
        co_return false;
      const std::size_t step = std::max<std::size_t>(1, r.trickle_bytes);
      for (std::size_t at = 0; at < r.body.size(); at += step) {
        co_await sleep_ms(r.trickle_interval_ms);
        stream.expires_after(std::chrono::seconds(30));
        auto [ec, n] = co_await asio::async_write(
            stream, asio::buffer(r.body.data() + at, std::min(step, r.body.size() - at)), use_tuple);
        if (ec) co_return false;
      }
      co_return true;
    }
    default:
      break;
  }
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "smm-mockprovider");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  stream.expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  if (ec) keep_alive = false;
  co_return !ec;
}

asio::awaitable<void> session(tcp::socket socket, provider& p, const server_options& options) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.body_limit);
    stream.expires_after(std::chrono::milliseconds(options.idle_timeout_ms));
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    if (!ec && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      // curl (and so PHP clients) send this for bodies over 1 KiB and stall a second without it.
      http::response<http::empty_body> go_on{http::status::continue_, 11};
      std::tie(ec, n) = co_await http::async_write(stream, go_on, use_tuple);
    }
    if (!ec) std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (ec == http::error::body_limit) {
      http::response<http::string_body> res{http::status::payload_too_large, 11};
      res.body() = error_body("Request body too large");
      res.prepare_payload();
      co_await http::async_write(stream, res, use_tuple);
      break;
    }
    if (ec) break;  // end_of_stream, timeout, reset, bad request: the session just ends
    auto req = parser.release();
    incoming in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.content_type = std::string(req[http::field::content_type]);
    in.x_api_key = std::string(req["X-Api-Key"]);
    in.authorization = std::string(req[http::field::authorization]);
    in.body = std::move(req.body());
    bool keep_alive = req.keep_alive();

    const bool api = in.target.rfind("/admin/", 0) != 0;
    if (api) p.enter();
    const reply r = p.handle(in);
    const bool delivered = co_await deliver(stream, r, req.version(), keep_alive);
    if (api) p.leave();
    if (r.audit_seq != 0) p.finish(r.audit_seq, delivered);
    if (!keep_alive) break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);  // not_connected after a reset is fine
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, provider& p, const server_options& options,
                             const std::function<void(const std::string&)>& on_error) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()), use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    auto ex = socket.get_executor();
    // A failing session (say, bad_alloc) is reported and ends alone; the server keeps going.
    asio::co_spawn(ex, session(std::move(socket), p, options), [&on_error](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        on_error(std::string("session failed: ") + ex.what());
      }
    });
  }
}

}  // namespace

bool is_loopback_address(const std::string& address, std::string& error) {
  beast::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) {
    error = "--bind " + address + ": not an IP address";
    return false;
  }
  if (!addr.is_loopback()) {
    error = "--bind " + address + ": refusing a non-loopback address (use 127.0.0.1 or ::1)";
    return false;
  }
  return true;
}

int run_server(std::vector<std::unique_ptr<provider>>& providers, const server_options& options,
               const std::function<void(const std::string&)>& on_listening,
               const std::function<void(const std::string&)>& on_error) {
  std::string error;
  if (!is_loopback_address(options.bind, error)) {
    on_error(error);
    return 2;
  }
  const auto address = asio::ip::make_address(options.bind);
  asio::io_context ioc{std::max(1, options.threads)};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  // Installed before the "listening" lines: a test may signal as soon as it reads them.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) {
    // Stop accepting, then stop the loop; open sessions end with the process.
    for (auto& acceptor : acceptors) {
      beast::error_code ec;
      acceptor->close(ec);
    }
    ioc.stop();
  });
  for (std::size_t i = 0; i < providers.size(); ++i) {
    const std::uint16_t port = i < options.ports.size() ? options.ports[i] : 0;
    auto acceptor = std::make_unique<tcp::acceptor>(ioc);
    beast::error_code ec;
    const tcp::endpoint endpoint(address, port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      on_error("cannot listen on " + options.bind + ":" + std::to_string(port) + ": " + ec.message());
      return 2;
    }
    acceptors.push_back(std::move(acceptor));
  }
  for (const auto& acceptor : acceptors) {
    const auto ep = acceptor->local_endpoint();
    const std::string host =
        ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    on_listening(host + ":" + std::to_string(ep.port()));
  }
  for (std::size_t i = 0; i < acceptors.size(); ++i)
    asio::co_spawn(acceptors[i]->get_executor(), listen(*acceptors[i], *providers[i], options, on_error),
                   asio::detached);

  std::vector<std::thread> extra;
  for (int i = 1; i < options.threads; ++i) extra.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : extra) t.join();
  return 0;
}

}  // namespace smm::mock
