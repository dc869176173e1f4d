#pragma once
// A client connection to smm-dispatchd's panel socket (newline-delimited JSON over a unix
// socket), for the demo and the load generator. Lines out, lines in; what they say is
// panel_messages.hpp's business.
// Thread safety: none. Use from one executor; at most one write() and one read_line() may be
// outstanding at a time (a writer coroutine and a reader coroutine may run side by side).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace smm::demo {

/// One NDJSON connection.
class panel_connection {
 public:
  explicit panel_connection(boost::asio::any_io_executor ex);

  /// Connects to the socket at `path`. Throws boost::system::system_error on failure.
  boost::asio::awaitable<void> connect(std::string path);

  /// Writes `line` (which must end with '\n') completely. Throws on a write error.
  boost::asio::awaitable<void> write(std::string_view line);

  /// The next line without its '\n', or nullopt at end of stream (or after close()). The view
  /// stays valid until the next read_line(). Throws on a read error other than EOF.
  boost::asio::awaitable<std::optional<std::string_view>> read_line();

  /// Closes the socket: an outstanding read ends with nullopt. Never throws.
  void close() noexcept;

  /// Bytes written and read so far.
  std::size_t bytes_out() const { return bytes_out_; }
  std::size_t bytes_in() const { return bytes_in_; }

 private:
  boost::asio::local::stream_protocol::socket socket_;
  std::string buf_;        // bytes read, not yet handed out past start_
  std::size_t start_ = 0;  // first byte of the next line
  std::size_t scan_ = 0;   // bytes before this hold no '\n' of the next line
  std::size_t bytes_out_ = 0;
  std::size_t bytes_in_ = 0;
};

}  // namespace smm::demo
