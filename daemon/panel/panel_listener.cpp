#include "daemon/panel/panel_listener.hpp"

#include <spdlog/spdlog.h>

#include "daemon/net/listener.hpp"
#include "daemon/panel/panel_session.hpp"
#include "logging/logging.hpp"

namespace smm::daemon::panel {

unsigned socket_mode(const socket_face& face) {
  if (face.role == socket_role::admin && !face.group) return 0600;
  return 0660;
}

struct panel_listener::impl {
  impl(boost::asio::any_io_executor executor, std::string p, order_service& s, panel_limits l,
       reload_hook reload, socket_face f)
      : path(std::move(p)),
        service(s),
        limits(l),
        face(std::move(f)),
        // "panel" for the panel socket, "admin" for the admin socket (its audit lines included).
        log(logging::logger(std::string(to_string(face.role)))),
        hooks(
            std::make_shared<admin_hooks>(admin_hooks{std::move(reload), std::chrono::steady_clock::now()})),
        // Hello is the panel socket's; the admin socket is authorized by its file's permissions.
        access(std::make_shared<session_access>(session_access{
            face.role, face.other_socket, face.role == socket_role::panel ? face.hello : nullptr, closes})),
        net(std::move(executor),
            net::listener_options{std::string(to_string(face.role)), limits.max_connections,
                                  limits.stop_grace},
            log) {}

  std::string path;
  order_service& service;
  panel_limits limits;
  socket_face face;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<const admin_hooks> hooks;
  // Before `access`, which hands it to the sessions.
  std::shared_ptr<panel_close_counters> closes = std::make_shared<panel_close_counters>();
  std::shared_ptr<const session_access> access;
  net::listener net;
};

panel_listener::panel_listener(boost::asio::any_io_executor executor, std::string path,
                               order_service& service, panel_limits limits, reload_hook reload,
                               socket_face face)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(path), service, limits, std::move(reload),
                                   std::move(face))) {}

panel_listener::~panel_listener() = default;

void panel_listener::start() {
  auto& i = *impl_;
  // The handler holds what sessions share, never the listener itself (it outlives neither).
  i.net.listen_unix(
      net::unix_socket_spec{i.path, socket_mode(i.face), i.face.group},
      [&service = i.service, limits = i.limits, log = i.log, hooks = i.hooks, access = i.access](
          net::unix_socket socket, net::connection_lease lease) -> std::shared_ptr<net::connection> {
        auto session = std::make_shared<panel_session>(std::move(socket), service, limits, std::move(lease),
                                                       log, hooks, access);
        session->start();
        return session;
      });
}

void panel_listener::stop() { impl_->net.stop(); }

std::size_t panel_listener::session_count() const { return impl_->net.connection_count(); }

panel_close_figures panel_listener::close_figures() const { return impl_->closes->figures(); }

}  // namespace smm::daemon::panel
