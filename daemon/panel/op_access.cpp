#include "daemon/panel/op_access.hpp"

#include "daemon/panel/json_writer.hpp"

namespace smm::daemon::panel {

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// status and cancel may name many orders: the first few are enough to find them again.
std::string order_list(const std::vector<std::string>& ids) {
  constexpr std::size_t shown = 5;
  if (ids.size() == 1) return "order " + quoted(ids.front());
  std::string out = std::to_string(ids.size()) + " orders";
  for (std::size_t i = 0; i < ids.size() && i < shown; ++i) out += (i ? ", " : " ") + quoted(ids[i]);
  if (ids.size() > shown) out += ", ...";
  return out;
}

}  // namespace

std::string_view to_string(socket_role r) { return r == socket_role::admin ? "admin" : "panel"; }

bool is_admin_op(op o) {
  switch (o) {
    case op::overview:
    case op::orders:
    case op::history:
    case op::pause:
    case op::resume:
    case op::resolve:
    case op::reload:
      return true;
    default:
      return false;
  }
}

bool serves(socket_role role, op o) {
  switch (o) {
    case op::add:
    case op::cancel:
    case op::refill:
    case op::speedup:
    case op::hello:  // the admin socket is authorized by its file's permissions, not by keys
      return role == socket_role::panel;
    case op::ping:
    case op::status:
    case op::refill_status:
    case op::services:
    case op::providers:
    case op::subscribe:
    case op::unsubscribe:
      return true;
    default:
      return is_admin_op(o) && role == socket_role::admin;
  }
}

std::string forbidden_message(socket_role role, op o, std::string_view other_socket) {
  std::string m = "op \"" + std::string(to_string(o)) + "\" is served only on the ";
  m += role == socket_role::panel ? "admin socket" : "panel socket";
  if (!other_socket.empty()) {
    m += ' ';
    m += other_socket;
  }
  return m;
}

std::string audit_subject(const request& r) {
  switch (r.kind) {
    case op::status:
    case op::cancel:
    case op::history:
    case op::refill:
    case op::refill_status:
    case op::speedup:
      return r.ids.empty() ? std::string() : order_list(r.ids);
    case op::resolve: {
      if (r.ids.empty()) return {};
      std::string s = order_list(r.ids);
      if (r.placed) return s + " placed as " + quoted(r.provider_order_id);
      return s + (r.canceled ? " canceled" : " not placed");
    }
    case op::orders:
      return "state " + std::string(to_string(r.state)) + " after " + std::to_string(r.after_id) + " limit " +
             std::to_string(r.limit);
    case op::pause:
      return "provider " + quoted(r.provider) + " reason " + quoted(r.reason);
    case op::resume:
      return "provider " + quoted(r.provider);
    case op::subscribe:
      return "after seq " + std::to_string(r.after_seq);
    case op::add:
      return std::to_string(r.orders.size()) + " orders";
    default:
      return {};
  }
}

}  // namespace smm::daemon::panel
