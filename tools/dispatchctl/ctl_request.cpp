#include "tools/dispatchctl/ctl_request.hpp"

#include "providers/json_text.hpp"

namespace smm::dispatchctl {

std::string request_line(const ctl_command& c, std::int64_t id, std::int64_t after_id) {
  std::string line = "{\"id\":" + std::to_string(id) + ",\"op\":";
  switch (c.kind) {
    case subcommand::status:
      line += "\"overview\"";
      break;
    case subcommand::providers:
      line += "\"providers\"";
      break;
    case subcommand::orders:
      line += "\"orders\",\"state\":" + json_quote(c.state) + ",\"after_id\":" + std::to_string(after_id) +
              ",\"limit\":" + std::to_string(c.limit);
      break;
    case subcommand::show:
      line += "\"history\",\"order\":" + json_quote(c.order);
      break;
    case subcommand::resolve:
      line += "\"resolve\",\"order\":" + json_quote(c.order);
      if (c.placed)
        line += ",\"placed\":true,\"provider_order_id\":" + json_quote(c.provider_order_id);
      else
        line += c.canceled ? ",\"placed\":false,\"canceled\":true" : ",\"placed\":false";
      break;
    case subcommand::pause:
      line += "\"pause\",\"provider\":" + json_quote(c.provider);
      if (!c.reason.empty()) line += ",\"reason\":" + json_quote(c.reason);
      break;
    case subcommand::resume:
      line += "\"resume\",\"provider\":" + json_quote(c.provider);
      break;
    case subcommand::reload:
      line += "\"reload\"";
      break;
  }
  line += '}';
  return line;
}

}  // namespace smm::dispatchctl
