#pragma once
// The panel socket's listener: owns the unix-domain socket file and the acceptor, starts one
// panel_session per client, and stops them all on stop(). asio stays in the .cpp (pimpl).
#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

#include "daemon/order_service.hpp"
#include "daemon/panel/admin_hooks.hpp"
#include "daemon/panel/panel_limits.hpp"

namespace smm::daemon::panel {

/// Listens on a unix-domain socket and serves the NDJSON panel protocol.
/// Thread safety: start() once, from one thread; stop() from any thread, any number of times.
class panel_listener {
 public:
  /// `service` must outlive the listener and every session (until the executor's context
  /// has finished running). `reload` serves the `reload` op (absent: "reload not available");
  /// it must stay callable as long as `service`.
  panel_listener(boost::asio::any_io_executor executor, std::string path, order_service& service,
                 panel_limits limits = {}, reload_hook reload = {});
  ~panel_listener();
  panel_listener(const panel_listener&) = delete;
  panel_listener& operator=(const panel_listener&) = delete;

  /// Binds and listens (mode 0660). A stale socket file is removed first; throws
  /// std::runtime_error if a live process answers on `path`, or if `path` exists and is not a
  /// socket, and std::system_error if binding fails.
  void start();
  /// Stops accepting, lets each session write its in-flight answers (bounded by
  /// limits.stop_grace), closes them and removes the socket file. Returns at once.
  void stop();
  /// Sessions currently open (for metrics and tests).
  std::size_t session_count() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace smm::daemon::panel
