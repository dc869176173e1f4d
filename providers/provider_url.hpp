#pragma once
// A provider's API URL split into what the HTTP layer needs. Only http and https.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smm::providers {

/// A parsed provider endpoint, e.g. https://panel.example/api/v2 or http://[::1]:8080/api/v2.
struct provider_url {
  std::string scheme;      ///< "http" or "https" (lower case)
  std::string host;        ///< lower-cased name or address; IPv6 without brackets ("::1")
  std::uint16_t port = 0;  ///< explicit port or the scheme's default (80, 443)
  std::string path;        ///< "/api/v2"; "/" when the URL has none
  std::string query;       ///< text after '?', without it; usually empty

  /// True for https.
  bool tls() const { return scheme == "https"; }
  /// Value for the Host header: "[::1]:8080", "panel.example" (default port omitted).
  std::string host_header() const;
  /// Path plus "?query" when there is a query.
  std::string target() const;
};

/// A parsed URL or why the text is not one.
struct url_result {
  std::optional<provider_url> url;
  std::string error;  ///< empty on success
};

/// Parses "scheme://host[:port][/path][?query]". Rejects user-info, fragments, other schemes,
/// empty hosts, ports outside 1..65535 and unbalanced IPv6 brackets.
url_result parse_provider_url(std::string_view text);

}  // namespace smm::providers
