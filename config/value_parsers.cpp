#include "config/value_parsers.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace smm {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || p != end || value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool is_ip_literal(const std::string& host, int family) {
  unsigned char buf[16];
  return inet_pton(family, host.c_str(), buf) == 1;
}

bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '.' && c != '-') return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n\f\v";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(space);
  return s.substr(first, last - first + 1);
}

}  // namespace

parsed<url_parts> parse_url(std::string_view text) {
  using result = parsed<url_parts>;
  for (char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return result::fail("must not contain spaces or control characters");
  url_parts out;
  if (starts_with_nocase(text, "https://")) {
    text.remove_prefix(8);
  } else if (starts_with_nocase(text, "http://")) {
    out.https = false;
    out.port = 80;
    text.remove_prefix(7);
  } else {
    return result::fail("must start with http:// or https://");
  }
  if (text.find('#') != std::string_view::npos) return result::fail("must not contain a fragment ('#')");
  const auto authority_end = text.find_first_of("/?");
  const std::string_view authority = text.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos)
    return result::fail("must not contain credentials (user@host): use key, key_file or key_env");
  std::string_view host = authority;
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return result::fail("has an unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return result::fail("has text after ']' that is not a port");
      port_text = after.substr(1);
      has_port = true;
    }
    if (!is_ip_literal(std::string(host), AF_INET6)) return result::fail("has an invalid IPv6 host");
  } else {
    const auto colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return result::fail("has no host (expected http(s)://host[:port]/path)");
    if (!is_host_name(host)) return result::fail("has an invalid host name");
  }
  if (has_port) {
    const auto port = parse_port(port_text);
    if (!port) return result::fail("has an invalid port (expected 1..65535)");
    out.port = *port;
  }
  out.host = std::string(host);
  if (authority_end != std::string_view::npos) {
    const std::string_view rest = text.substr(authority_end);
    out.target = rest.starts_with('?') ? "/" + std::string(rest) : std::string(rest);
  }
  return {out, {}};
}

parsed<listen_address> parse_listen_address(std::string_view text) {
  using result = parsed<listen_address>;
  constexpr std::string_view expected =
      " (expected \"127.0.0.1:8080\", \"[::1]:8080\" or \"localhost:8080\")";
  std::string host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return result::fail("has no port" + std::string(expected));
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (!is_ip_literal(host, AF_INET6))
      return result::fail("has an invalid IPv6 address" + std::string(expected));
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return result::fail("has no port" + std::string(expected));
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host != "localhost" && !is_ip_literal(host, AF_INET))
      return result::fail("host must be an IP address or localhost" + std::string(expected));
  }
  const auto port = parse_port(port_text);
  if (!port) return result::fail("has an invalid port (expected 1..65535)");
  return {listen_address{host, *port}, {}};
}

bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  unsigned char buf[4];
  if (inet_pton(AF_INET, std::string(host).c_str(), buf) != 1) return false;
  return buf[0] == 127;
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

bool is_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

bool is_currency_code(std::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

parsed<std::string> read_key_file(const std::filesystem::path& file) {
  using result = parsed<std::string>;
  std::ifstream in(file, std::ios::binary);
  if (!in) return result::fail("cannot read key file '" + file.string() + "': " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return result::fail("cannot read key file '" + file.string() + "'");
  const std::string_view key = trim(content.view());
  if (key.empty()) return result::fail("key file '" + file.string() + "' is empty");
  return {std::string(key), {}};
}

std::optional<std::string> key_file_mode_warning(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::perms p = fs::status(file, ec).permissions();
  if (ec) return std::nullopt;
  constexpr fs::perms shared = fs::perms::group_read | fs::perms::others_read;
  if ((p & shared) == fs::perms::none) return std::nullopt;
  return "key file '" + file.string() + "' is readable by other users; chmod 600 it";
}

}  // namespace smm
