#pragma once
// Writing JSON text: the one string escaper every JSON producer here uses (provider
// requests, the mock provider, the panel socket).
#include <string>
#include <string_view>

namespace smm {

/// Appends `s` as a quoted JSON string (RFC 8259): quotes, backslashes and control characters
/// escaped; valid UTF-8 passes through and each invalid byte becomes U+FFFD, so the output
/// is always valid JSON whatever a provider or panel sent.
void append_json_string(std::string& out, std::string_view s);

/// `s` as a quoted JSON string.
inline std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s);
  return out;
}

}  // namespace smm
