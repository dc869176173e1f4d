#pragma once
// A tiny Beast HTTP(S) server for transport tests: answers every request with a fixed JSON
// body, keeps connections alive, counts connections and requests. Runs its own io_context on
// its own thread; loopback only.

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace smm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class tiny_server {
 public:
  /// `tls` null: plain HTTP. Otherwise a server context with its certificate loaded.
  explicit tiny_server(std::shared_ptr<asio::ssl::context> tls = nullptr,
                       std::string body = R"({"balance":"12.50","currency":"USD"})")
      : tls_(std::move(tls)), body_(std::move(body)),
        acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~tiny_server() {
    ioc_.stop();
    thread_.join();
  }
  tiny_server(const tiny_server&) = delete;
  tiny_server& operator=(const tiny_server&) = delete;

  unsigned short port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(ioc_, session(std::move(sock)), asio::detached);
    }
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(stream, buf, req, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec) co_return;
      ++requests_;
      http::response<http::string_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = body_;
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      (void)wn;
      if (wec || !req.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> session(asio::ip::tcp::socket sock) {
    if (!tls_) {
      beast::tcp_stream stream(std::move(sock));
      co_await serve(stream);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(sock)), *tls_);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    co_await serve(stream);
  }

  std::shared_ptr<asio::ssl::context> tls_;
  std::string body_;
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace smm::test
