#pragma once
// A tiny Beast HTTP(S) server for transport tests: answers every request with one canned reply
// (a JSON body with 200 unless told otherwise: any status, content type, body and headers, so a
// test can play a gateway page or a redirect), keeps connections alive, counts connections and
// requests. Runs its own io_context on its own thread; loopback only.

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace smm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// The one reply a tiny_server gives to every request.
struct canned_reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body = R"({"balance":"12.50","currency":"USD"})";
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra ones (Location, Retry-After)
};

class tiny_server {
 public:
  /// `tls` null: plain HTTP. Otherwise a server context with its certificate loaded.
  explicit tiny_server(std::shared_ptr<asio::ssl::context> tls = nullptr,
                       std::string body = R"({"balance":"12.50","currency":"USD"})")
      : tiny_server(json_reply(std::move(body)), std::move(tls)) {}
  /// Plain HTTP (or TLS with `tls`) answering `reply` to every request.
  explicit tiny_server(canned_reply reply, std::shared_ptr<asio::ssl::context> tls = nullptr)
      : tls_(std::move(tls)),
        reply_(std::move(reply)),
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
  static canned_reply json_reply(std::string body) {
    canned_reply r;
    r.body = std::move(body);
    return r;
  }

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
      http::response<http::string_body> res{static_cast<http::status>(reply_.status), 11};
      res.set(http::field::content_type, reply_.content_type);
      for (const auto& [name, value] : reply_.headers) res.set(name, value);
      res.keep_alive(req.keep_alive());
      res.body() = reply_.body;
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
    auto [ec] =
        co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    co_await serve(stream);
  }

  std::shared_ptr<asio::ssl::context> tls_;
  canned_reply reply_;
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace smm::test
