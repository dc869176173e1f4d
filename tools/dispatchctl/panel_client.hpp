#pragma once
// A blocking NDJSON client for the daemon's admin socket (or any of its NDJSON sockets): one
// request line out, its answer line back, every wait bounded. Plain POSIX (no asio): the tool
// does one thing at a time.
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace smm::dispatchctl {

/// Any failure to talk to the daemon; the message names the socket path and the cause.
struct connection_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class panel_client {
 public:
  /// Connects to `path`; throws connection_error ("cannot connect to PATH: <errno text>").
  panel_client(std::string path, std::chrono::milliseconds timeout);
  ~panel_client();
  panel_client(const panel_client&) = delete;
  panel_client& operator=(const panel_client&) = delete;

  /// Sends `line` (a '\n' is added) and returns the next answer line (without '\n').
  /// Throws connection_error when the daemon does not answer within the timeout or closes.
  std::string call(std::string_view line);

 private:
  std::string path_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace smm::dispatchctl
