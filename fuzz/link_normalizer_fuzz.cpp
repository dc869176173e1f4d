// Fuzzes link normalization (dispatch/link.hpp): any bytes a panel sends as a link.
//
// Invariants: the hash is link_hash of the text; the canonical form holds no whitespace or
// control byte (they come out as %XX); and the canonical form of a username or of a link to a
// plain host name is a fixed point: normalizing it again gives itself, or two spellings of one
// target could still end up with different keys.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dispatch/link.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

// A canonical form whose host is a plain DNS name with a dot, and maybe a port: the links
// panels send. Hosts of junk bytes, colons or escapes have no spelling to agree with, and a
// dotless one ("PU." -> "pu") reads back as a username by design.
bool plain_host(std::string_view text) {
  const std::string_view host = text.substr(0, text.find_first_of("/?"));
  const std::string_view name = host.substr(0, host.find(':'));
  // Labels are not empty ("z." out of "z.:0:80" is a second port, not a name).
  if (name.find('.') == std::string_view::npos || name.front() == '.' || name.back() == '.' ||
      name.find("..") != std::string_view::npos)
    return false;
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  const std::string_view port = host.substr(name.size());
  if (port.empty()) return true;
  if (port.size() == 1) return false;
  for (const char c : port.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const smm::normalized_link n = smm::normalize_link(raw);
  SMM_FUZZ_REQUIRE(n.hash == smm::link_hash(n.text));
  for (const char c : n.text) {
    const auto b = static_cast<unsigned char>(c);
    SMM_FUZZ_REQUIRE(b > 0x20 && b != 0x7f);
  }
  if (n.text.starts_with('@') || plain_host(n.text))
    SMM_FUZZ_REQUIRE(smm::normalize_link(n.text).text == n.text);
  return 0;
}
