#include "daemon/auth/panel_scope.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace smm::daemon::auth {

std::string panel_prefix(std::string_view panel) { return "v2:" + std::string(panel) + ":"; }

std::string new_panel_order_id(std::string_view panel) {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: no order id can be made");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = panel_prefix(panel);
  for (const unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0x0f];
  }
  return out;
}

bool panel_scope::owns(std::string_view journal_id) const {
  return journal_id.size() > prefix_.size() && journal_id.starts_with(prefix_);
}

std::string panel_scope::journal_id(std::string_view id) const { return prefix_ + std::string(id); }

std::optional<std::string> panel_scope::own_id(std::string_view journal_id) const {
  if (!owns(journal_id)) return std::nullopt;
  return std::string(journal_id.substr(prefix_.size()));
}

}  // namespace smm::daemon::auth
