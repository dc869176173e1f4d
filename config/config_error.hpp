#pragma once
// One problem found in a config file, located precisely enough to fix it without searching.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace smm {

/// An error (or a warning) about one key of a config file.
struct config_error {
  std::string file;          ///< the file name as given to the loader
  std::uint32_t line = 0;    ///< 1-based; 0 when the problem has no place (unreadable file)
  std::uint32_t column = 0;  ///< 1-based; 0 when unknown
  std::string key;           ///< full key path, e.g. "providers[2].max_in_flight"; may be empty
  std::string message;       ///< what is wrong and what was expected; never contains a secret

  friend bool operator==(const config_error&, const config_error&) = default;
};

/// "file:line:col: key: message" (the parts that are unknown are left out).
std::string to_string(const config_error& e);

/// Same text as to_string().
std::ostream& operator<<(std::ostream& os, const config_error& e);

/// All errors, one per line, in the order they were found.
std::string to_string(const std::vector<config_error>& errors);

}  // namespace smm
