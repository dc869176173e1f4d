#pragma once
// Reads one TOML table against the schema (config/schema.hpp), collecting every problem
// instead of stopping at the first: unknown keys (with the closest known key suggested),
// wrong types, values out of range, choices not offered, missing required keys.
// Internal to the loader; the only file besides loader.cpp that sees toml++.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/schema.hpp"

namespace smm {

/// Errors and warnings of one load, all located in one file.
class diagnostics {
 public:
  explicit diagnostics(std::string file) : file_(std::move(file)) {}

  /// Records an error at `where` about `key` (full path).
  void error(const toml::source_region& where, std::string key, std::string message);
  /// Records a warning: the config still loads.
  void warning(const toml::source_region& where, std::string key, std::string message);

  const std::string& file() const { return file_; }
  std::vector<config_error>& errors() { return errors_; }
  std::vector<config_error>& warnings() { return warnings_; }

 private:
  config_error make(const toml::source_region& where, std::string key, std::string message) const;

  std::string file_;
  std::vector<config_error> errors_;
  std::vector<config_error> warnings_;
};

/// One element of an array of tables, with its key path ("providers[2]").
struct table_entry {
  const toml::table* table;
  std::string path;
};

/// Typed access to a table's keys. Each getter reports its own problems and returns
/// nullopt when the value is unusable; an absent optional key gives its schema default.
class table_reader {
 public:
  /// `schema_table` names the table in the schema ("providers"); `path` is its key path
  /// in this file ("providers[2]"). Reports unknown keys immediately.
  table_reader(const toml::table& table, std::string_view schema_table, std::string path, diagnostics& diag);

  bool has(std::string_view key) const { return table_.get(key) != nullptr; }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  const toml::table& table() const { return table_; }
  const std::string& path() const { return path_; }
  /// "providers[2].max_in_flight"
  std::string path_of(std::string_view key) const;
  /// Where `key` is written, or the table itself when it is absent.
  const toml::source_region& where(std::string_view key) const;

  /// Reports an error about `key` at its place in the file.
  void error(std::string_view key, std::string message);
  /// Reports a warning about `key`.
  void warning(std::string_view key, std::string message);

  /// string, choice (returned canonical), decimal, url, address, path, secret, env_name, id.
  std::optional<std::string> get_string(std::string_view key);
  std::optional<std::int64_t> get_integer(std::string_view key);
  std::optional<double> get_number(std::string_view key);
  std::optional<bool> get_boolean(std::string_view key);
  /// A sub-table; nullptr when absent or not a table.
  const toml::table* get_table(std::string_view key);
  /// The tables of an array of tables; empty when absent or wrong (already reported).
  std::vector<table_entry> get_table_array(std::string_view key);

 private:
  const key_spec& spec(std::string_view key) const;
  /// Reports a missing required key; true when the key is absent.
  bool absent(const key_spec& s);
  void type_error(const key_spec& s, const toml::node& n);
  bool in_range(const key_spec& s, double v);

  const toml::table& table_;
  std::string schema_table_;
  std::string path_;
  diagnostics& diag_;
};

}  // namespace smm
