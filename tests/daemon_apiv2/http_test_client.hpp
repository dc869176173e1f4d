#pragma once
// A small HTTP/1.1 test client over a unix socket or TCP: raw bytes out, one parsed response
// in. Every operation ends by its deadline (async ops on a private io_context, run to
// completion; the stream's timer closes the connection if the peer stalls).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace smm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using response = http::response<http::string_body>;

inline constexpr std::chrono::seconds client_deadline{30};

/// One connection.
template <typename Protocol>
class client {
 public:
  explicit client(const typename Protocol::endpoint& ep) : stream_(io_) {
    stream_.expires_after(client_deadline);
    boost::system::error_code result;
    stream_.async_connect(ep, [&](boost::system::error_code ec) { result = ec; });
    run();
    if (result) throw boost::system::system_error(result);
  }
  // Writes raw bytes; false when the connection refused them.
  bool send(std::string_view bytes) {
    stream_.expires_after(client_deadline);
    boost::system::error_code result;
    asio::async_write(stream_, asio::buffer(bytes),
                      [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run();
    return !result;
  }
  // Reads one response; nothing when the connection closed (or the deadline passed) first.
  std::optional<response> read() {
    stream_.expires_after(client_deadline);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    boost::system::error_code result;
    http::async_read(stream_, buffer_, parser,
                     [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run();
    last_error_ = result;
    if (result) return std::nullopt;
    return parser.release();
  }
  std::optional<response> call(std::string_view raw) {
    if (!send(raw)) return std::nullopt;
    return read();
  }
  // True when the server closed the connection (EOF or reset) before the deadline.
  bool closed_by_peer() {
    stream_.expires_after(client_deadline);
    boost::system::error_code result;
    char byte = 0;
    stream_.async_read_some(asio::buffer(&byte, 1),
                            [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run();
    return result == asio::error::eof || result == asio::error::connection_reset;
  }
  boost::system::error_code last_error() const { return last_error_; }

 private:
  void run() {
    io_.restart();
    io_.run();
  }
  asio::io_context io_;
  beast::basic_stream<Protocol> stream_;
  beast::flat_buffer buffer_;
  boost::system::error_code last_error_;
};

/// A form POST to /api/v2 with `body` (already form-encoded).
inline std::string post(std::string_view body, std::string_view extra_headers = {}) {
  return "POST /api/v2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

/// A GET of `target` (path and query).
inline std::string get(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n";
}

}  // namespace smm::test
