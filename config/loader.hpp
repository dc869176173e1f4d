#pragma once
// Loads and validates a config file against the schema (config/schema.hpp). Every problem
// of the file is reported in one go; a TOML syntax error is reported alone, since nothing
// after it can be trusted.
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace smm {

/// The loaded config, or every error that stopped it.
struct config_result {
  std::optional<smm::config> value;  ///< set exactly when errors is empty
  std::vector<config_error> errors;
  std::vector<config_error> warnings;  ///< the config loads, but the operator should know
  explicit operator bool() const { return value.has_value(); }
};

/// Reads and validates `file`. Relative paths inside it (key_file, ca_file, sockets,
/// journal) are taken relative to the file's directory.
config_result load_config_file(const std::filesystem::path& file);

/// Validates TOML `text`; `name` stands for the file in messages. Relative paths are
/// taken relative to `base_dir`, or to the working directory when it is empty.
config_result load_config_string(std::string_view text, std::string_view name,
                                 const std::filesystem::path& base_dir = {});

}  // namespace smm
