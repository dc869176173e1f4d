#pragma once
// Test support: a blocking newline-delimited JSON client for the daemon's panel socket.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

namespace smm::test {

class unix_client {
 public:
  /// Connects to `path`, retrying until `timeout` (the daemon may still be starting).
  explicit unix_client(const std::string& path,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
      if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return;
      ::close(fd_);
      fd_ = -1;
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("cannot connect to " + path);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~unix_client() {
    if (fd_ >= 0) ::close(fd_);
  }
  unix_client(const unix_client&) = delete;
  unix_client& operator=(const unix_client&) = delete;

  /// Writes raw bytes (a test may send broken lines on purpose).
  void send_raw(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      off += static_cast<std::size_t>(n);
    }
  }
  void send_line(const std::string& line) { send_raw(line + "\n"); }

  /// The next line, or empty after `timeout` / at EOF.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
      char chunk[65536];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// send_line + read_line.
  std::string call(const std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    send_line(line);
    return read_line(timeout);
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

}  // namespace smm::test
