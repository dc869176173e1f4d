#include "tools/dispatchctl/panel_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace smm::dispatchctl {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

std::string seconds_text(std::chrono::milliseconds t) {
  if (t.count() % 1000 == 0) return std::to_string(t.count() / 1000) + " s";
  return std::to_string(t.count()) + " ms";
}

}  // namespace

panel_client::panel_client(std::string path, std::chrono::milliseconds timeout)
    : path_(std::move(path)), timeout_(timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof addr.sun_path)
    throw connection_error("cannot connect to " + path_ + ": a socket path must be 1.." +
                           std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw connection_error("cannot create a socket: " + errno_text(errno));
  // A send blocked on a daemon that stopped reading must not hang the tool either.
  const auto ms = timeout_.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // connect() on a unix socket answers at once (or EAGAIN when the backlog is full).
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw connection_error("cannot connect to the daemon at " + path_ + ": " + errno_text(err));
  }
}

panel_client::~panel_client() {
  if (fd_ >= 0) ::close(fd_);
}

std::string panel_client::call(std::string_view line) {
  std::string data(line);
  data += '\n';
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw connection_error("cannot send to the daemon at " + path_ + ": " + errno_text(errno));
    off += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    if (const auto nl = buf_.find('\n'); nl != std::string::npos) {
      std::string answer = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return answer;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw connection_error("no answer from the daemon at " + path_ + " within " + seconds_text(timeout_));
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0)
      throw connection_error("cannot wait for the daemon at " + path_ + ": " + errno_text(errno));
    if (ready == 0) continue;  // the deadline check above reports it
    char chunk[64 * 1024];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw connection_error("cannot read from the daemon at " + path_ + ": " + errno_text(errno));
    if (n == 0) throw connection_error("the daemon at " + path_ + " closed the connection before answering");
    buf_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace smm::dispatchctl
