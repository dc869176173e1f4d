#pragma once
// Checks of single config values that need no TOML: URLs, listen addresses, names, key
// files. Each returns the parsed value or a message saying what was expected; a message
// never quotes a key file's content.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace smm {

/// A parsed value, or the reason there is none.
template <typename T>
struct parsed {
  std::optional<T> value;
  std::string error;  ///< set when value is empty
  static parsed fail(std::string why) { return parsed{std::nullopt, std::move(why)}; }
};

/// The parts of a provider URL.
struct url_parts {
  bool https = true;
  std::string host;  ///< without brackets for IPv6
  std::uint16_t port = 443;
  std::string target = "/";
};

/// http:// or https://, a host, an optional port, an optional path and query; no
/// credentials, no fragment, no spaces.
parsed<url_parts> parse_url(std::string_view text);

/// "127.0.0.1:8080", "[::1]:8080", "localhost:8080": an IP literal or localhost and a port.
parsed<listen_address> parse_listen_address(std::string_view text);

/// 127.0.0.0/8, ::1 or localhost.
bool is_loopback(std::string_view host);

/// [a-z0-9_-], 1 to 64 characters: provider and panel names.
bool is_valid_name(std::string_view name);

/// [A-Za-z_][A-Za-z0-9_]*: an environment variable name.
bool is_env_name(std::string_view name);

/// Three capital letters.
bool is_currency_code(std::string_view code);

/// The content of a key file with surrounding whitespace removed; an error when it cannot
/// be read or holds nothing.
parsed<std::string> read_key_file(const std::filesystem::path& file);

/// A warning when a key file is readable by group or others, else nullopt.
std::optional<std::string> key_file_mode_warning(const std::filesystem::path& file);

}  // namespace smm
