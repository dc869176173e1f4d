#pragma once
// The NDJSON socket's listener, for the panel socket and the admin socket alike: starts one
// panel_session per client on a unix-domain socket (through daemon/net/listener, which owns
// the socket file, accepting, the registry of sessions and the stop), and stops them all on
// stop(). asio stays in the .cpp (pimpl).
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>

#include "daemon/order_service.hpp"
#include "daemon/panel/admin_hooks.hpp"
#include "daemon/panel/op_access.hpp"
#include "daemon/panel/panel_close_figures.hpp"
#include "daemon/panel/panel_identity.hpp"
#include "daemon/panel/panel_limits.hpp"

namespace smm::daemon::panel {

/// Whose socket it is and who may connect.
struct socket_face {
  /// panel: panels' ops (mode 0660); admin: the admin ops and reads (mode 0600, or 0660 with
  /// `group`). See op_access.hpp for which op is served where.
  socket_role role = socket_role::panel;
  /// The other socket's path, named in `forbidden` answers.
  std::string other_socket;
  /// The socket file's group (the process must be a member); unset: the process's own group.
  std::optional<gid_t> group;
  /// panel: the hello rules (panel keys shared with API v2, whether hello is required); null:
  /// every hello is a wrong key and none is required. Ignored on the admin socket, which
  /// refuses hello (its file's permissions authorize it).
  std::shared_ptr<hello_policy> hello;
};

/// The mode a socket of `face` gets: the panel's 0660; the admin's 0600, or 0660 with a group.
unsigned socket_mode(const socket_face& face);

/// Listens on a unix-domain socket and serves the NDJSON protocol.
/// Thread safety: start() once, from one thread; stop() from any thread, any number of times.
class panel_listener {
 public:
  /// `service` must outlive the listener and every session (until the executor's context
  /// has finished running). `reload` serves the `reload` op (absent: "reload not available");
  /// it must stay callable as long as `service`.
  panel_listener(boost::asio::any_io_executor executor, std::string path, order_service& service,
                 panel_limits limits = {}, reload_hook reload = {}, socket_face face = {});
  ~panel_listener();
  panel_listener(const panel_listener&) = delete;
  panel_listener& operator=(const panel_listener&) = delete;

  /// Binds and listens (mode: socket_mode(face)). A stale socket file is removed first; throws
  /// std::runtime_error if a live process answers on `path`, or if `path` exists and is not a
  /// socket, and std::system_error if binding, chown or chmod fails.
  void start();
  /// Stops accepting, lets each session write its in-flight answers (bounded by
  /// limits.stop_grace), closes them and removes the socket file. Returns at once.
  void stop();
  /// Sessions currently open (for metrics and tests).
  std::size_t session_count() const;
  /// Connections closed on a per-connection limit, by reason (for metrics). Any thread.
  panel_close_figures close_figures() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace smm::daemon::panel
