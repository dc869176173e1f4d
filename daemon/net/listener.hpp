#pragma once
// The one listener of every face of the daemon (panel, admin, API v2, metrics). It owns what
// is the same for all of them: the socket-file checks (a stale file is replaced, a live one or
// a non-socket is refused), bind, the file's mode and group, the accept loop (a new strand per
// connection, a short back-off when accept fails), the registry of open connections with its
// cap, and the graceful stop (stop every connection, close what is left after a grace
// period, remove the socket files). A face only says what to make of an accepted socket.
//
// This header brings in asio's socket types: include it from a face's .cpp, not from the
// face's header (those stay light, pimpl).
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "daemon/net/connection_registry.hpp"

namespace spdlog {
class logger;
}

namespace smm::daemon::net {

using unix_socket = boost::asio::local::stream_protocol::socket;
using tcp_socket = boost::asio::ip::tcp::socket;

/// What a listener is, as its messages name it.
struct listener_options {
  /// The face in errors and logs: "panel", "admin", "API v2", "metrics".
  std::string name;
  /// Open connections on all its sockets together; one more is closed at once. 0: no cap.
  std::size_t max_connections = 0;
  /// After stop(), connections still open this long are closed.
  std::chrono::milliseconds stop_grace{2000};
};

/// A unix-domain socket file and who may connect to it.
struct unix_socket_spec {
  std::string path;
  /// Set before listen(), so no client ever connects under a looser mode.
  unsigned mode = 0660;
  /// The file's group (the process must be a member of it); unset: the process's own.
  std::optional<gid_t> group;
};

/// Makes and starts the connection for an accepted socket, whose executor is a new strand of
/// its own. Returns it (so stop() reaches it) or nullptr. Runs on the listener's strand and
/// must not block. The connection keeps `lease` until it closes: that is what it counts for.
template <class Socket>
using accept_handler = std::function<std::shared_ptr<connection>(Socket socket, connection_lease lease)>;

/// Accepts on any number of sockets until stopped.
/// Thread safety: listen_unix() and listen_tcp() from one thread, before stop(); stop() and
/// connection_count() from any thread. Handlers run on the listener's strand.
class listener {
 public:
  listener(boost::asio::any_io_executor executor, listener_options options,
           std::shared_ptr<spdlog::logger> log);
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  /// Binds the unix socket at spec.path, sets its group and mode, listens and starts
  /// accepting. A stale socket file is removed first. Throws std::runtime_error if a live
  /// process answers on the path or the path exists and is not a socket, and
  /// std::system_error if binding, chown or chmod fails.
  void listen_unix(const unix_socket_spec& spec, accept_handler<unix_socket> on_accept);
  /// Resolves `address` (a numeric address or "localhost"), binds, listens and starts
  /// accepting; returns the bound port (the real one for port 0). Throws std::system_error
  /// when resolving or binding fails, std::runtime_error when `loopback_only` and the address
  /// is not a loopback one.
  std::uint16_t listen_tcp(const listen_address& address, bool loopback_only,
                           accept_handler<tcp_socket> on_accept);
  /// Stops accepting, removes the socket files, asks every connection to stop and closes those
  /// still open after options.stop_grace. Returns at once; any number of calls.
  void stop();
  /// Connections open now, on all its sockets.
  std::size_t connection_count() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace smm::daemon::net
