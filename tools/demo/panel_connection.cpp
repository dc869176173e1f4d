#include "tools/demo/panel_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

namespace smm::demo {

namespace asio = boost::asio;

namespace {
constexpr std::size_t read_chunk = 64 * 1024;
}

panel_connection::panel_connection(asio::any_io_executor ex) : socket_(std::move(ex)) {}

asio::awaitable<void> panel_connection::connect(std::string path) {
  co_await socket_.async_connect(asio::local::stream_protocol::endpoint(path), asio::use_awaitable);
}

asio::awaitable<void> panel_connection::write(std::string_view line) {
  co_await asio::async_write(socket_, asio::buffer(line.data(), line.size()), asio::use_awaitable);
  bytes_out_ += line.size();
}

asio::awaitable<std::optional<std::string_view>> panel_connection::read_line() {
  for (;;) {
    const auto nl = buf_.find('\n', scan_);
    if (nl != std::string::npos) {
      const std::string_view line(buf_.data() + start_, nl - start_);
      start_ = nl + 1;
      scan_ = start_;
      co_return line;
    }
    // Drop the lines already handed out, so the buffer holds at most one partial line
    // plus one chunk.
    if (start_ > 0) {
      buf_.erase(0, start_);
      start_ = 0;
    }
    scan_ = buf_.size();
    const std::size_t old = buf_.size();
    buf_.resize(old + read_chunk);
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf_.data() + old, read_chunk),
                                                    asio::as_tuple(asio::use_awaitable));
    buf_.resize(old + n);
    bytes_in_ += n;
    if (ec == asio::error::eof || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor)
      co_return std::nullopt;
    if (ec) throw boost::system::system_error(ec, "panel socket read");
  }
}

void panel_connection::close() noexcept {
  boost::system::error_code ignored;
  socket_.shutdown(asio::local::stream_protocol::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace smm::demo
