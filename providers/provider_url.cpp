#include "providers/provider_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace smm::providers {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

url_result fail(std::string why) { return url_result{std::nullopt, std::move(why)}; }

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string provider_url::host_header() const {
  // Appended piece by piece ("[" + host trips GCC 12's false -Wrestrict at -O3).
  std::string h;
  const bool v6 = host.find(':') != std::string::npos;
  if (v6) h += '[';
  h += host;
  if (v6) h += ']';
  const std::uint16_t def = tls() ? 443 : 80;
  if (port != def) {
    h += ':';
    h += std::to_string(port);
  }
  return h;
}

std::string provider_url::target() const { return query.empty() ? path : path + "?" + query; }

url_result parse_provider_url(std::string_view text) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return fail("URL has no scheme (expected http:// or https://)");
  provider_url u;
  u.scheme = lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return fail("unsupported scheme '" + u.scheme + "'");
  std::string_view rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return fail("URL must not have a fragment");
  const auto auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return fail("URL must not carry user-info");

  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unclosed '[' in IPv6 address");
    host = authority.substr(1, close - 1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return fail("invalid IPv6 address '" + std::string(host) + "'");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return fail("empty port");
    }
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return fail("empty port");
    }
    if (host.empty()) return fail("URL has no host");
    if (!std::all_of(host.begin(), host.end(), valid_host_char))
      return fail("invalid character in host '" + std::string(host) + "'");
  }
  u.host = lower(host);
  u.port = u.tls() ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || value == 0 || value > 65535)
      return fail("invalid port '" + std::string(port_text) + "'");
    u.port = static_cast<std::uint16_t>(value);
  }
  const auto q = tail.find('?');
  u.path = std::string(tail.substr(0, q));
  if (u.path.empty()) u.path = "/";
  if (q != std::string_view::npos) u.query = std::string(tail.substr(q + 1));
  return url_result{std::move(u), {}};
}

}  // namespace smm::providers
