#include "config/config_error.hpp"

namespace smm {

std::string to_string(const config_error& e) {
  std::string out = e.file;
  if (e.line != 0) {
    out += ':' + std::to_string(e.line);
    if (e.column != 0) out += ':' + std::to_string(e.column);
  }
  out += ": ";
  if (!e.key.empty()) out += e.key + ": ";
  out += e.message;
  return out;
}

std::ostream& operator<<(std::ostream& os, const config_error& e) { return os << to_string(e); }

std::string to_string(const std::vector<config_error>& errors) {
  std::string out;
  for (const auto& e : errors) out += to_string(e) + '\n';
  return out;
}

}  // namespace smm
