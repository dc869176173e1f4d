#pragma once
// Which socket serves which operation, and how an operation on the admin socket is written to
// the audit log. Pure: no I/O.
//
// The panel socket is for panels (a PHP site on the internet may be behind it): it may add
// orders and act on them, never settle them or steer the daemon. The admin socket is for the
// operator (smm-dispatchctl): it serves the admin operations and every read, but places or
// changes no order as a panel would.
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/panel/panel_protocol.hpp"

namespace smm::daemon::panel {

/// Which socket a request came in on.
enum class socket_role : std::uint8_t {
  panel,  ///< daemon.socket_path
  admin,  ///< daemon.admin_socket_path
};

/// "panel", "admin".
std::string_view to_string(socket_role r);

/// overview, orders, history, pause, resume, resolve, reload: served only on the admin socket.
bool is_admin_op(op o);

/// Whether a socket of `role` serves `o`:
/// - both: ping, status, refill_status, services, providers, subscribe, unsubscribe (reads);
/// - panel only: add, cancel, refill, speedup (a panel's own orders), hello (panel keys);
/// - admin only: the admin ops (is_admin_op).
bool serves(socket_role role, op o);

/// The message of the `forbidden` answer to `o` on a socket of `role`, naming the socket that
/// serves it: `op "resolve" is served only on the admin socket /run/smm-dispatchd/admin.sock`.
/// `other_socket` empty: the path is left out.
std::string forbidden_message(socket_role role, op o, std::string_view other_socket);

/// What an admin-socket request names, for the audit log: the order, the provider, the state
/// listed ("order \"a1\" placed as \"123\"", "provider \"alpha\" reason \"maintenance\"").
/// Strings are quoted and escaped (JSON rules), so a line can hold no forged log line. Empty
/// when the op names nothing (overview, reload).
std::string audit_subject(const request& r);

}  // namespace smm::daemon::panel
