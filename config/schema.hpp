#pragma once
// The config schema as data: every key with its type, default and a one-line description.
// The loader validates against it (unknown keys, types, ranges, choices, defaults) and
// --print-config-schema prints it, so the documentation cannot drift from the checks.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smm {

/// What a key holds, as the TOML author must write it.
enum class value_kind {
  table,         ///< [name]
  table_array,   ///< [[name]] or [{...}, ...]
  string,        ///< any non-empty string
  integer,       ///< TOML integer within [min, max]
  number,        ///< TOML integer or float within [min, max]
  boolean,       ///< true / false
  choice,        ///< string, one of `choices`
  decimal,       ///< money as a quoted decimal string, exact to 1e-6
  url,           ///< http:// or https:// URL with a host
  address,       ///< "host:port" or "[v6]:port"
  path,          ///< file system path; relative ones are relative to the config file
  secret,        ///< a credential: never printed
  env_name,      ///< name of an environment variable
  id,            ///< string or integer, stored as a string
  days_or_none,  ///< integer days > 0, or "none"
};

/// One key of the schema.
struct key_spec {
  std::string_view table;  ///< "" (top level), "daemon", "providers", "services.route", ...
  std::string_view key;
  value_kind kind;
  bool required = false;
  std::string_view default_value;  ///< text, parsed like a value of `kind`; "" = unset
  double min = 0;                  ///< integer/number range (inclusive) when min < max
  double max = 0;
  std::string_view choices;  ///< "a|b|c" for value_kind::choice
  std::string_view description;

  bool has_range() const { return min < max; }
  /// "providers[].max_in_flight"
  std::string display_path() const;
};

/// Every key the config accepts.
std::span<const key_spec> config_schema();

/// The spec of `key` in `table`, or nullptr if the key is unknown there.
const key_spec* find_key_spec(std::string_view table, std::string_view key);

/// Every key name allowed in `table`.
std::vector<std::string_view> keys_of(std::string_view table);

/// Lower-cased letters and digits only, so "Custom Comments", "custom_comments" and
/// "CUSTOM-COMMENTS" compare equal: how choice values are matched.
std::string fold_name(std::string_view text);

/// The canonical choice of `spec` that `value` folds to, or "" when none does.
std::string_view match_choice(const key_spec& spec, std::string_view value);

/// The closest of `candidates` to `word` if it is close enough to be a likely typo
/// (edit distance with transpositions: at most 2, or a third of the word).
std::optional<std::string_view> closest_key(std::string_view word,
                                            const std::vector<std::string_view>& candidates);

/// The choices of a choice key, split on '|'.
std::vector<std::string_view> split_choices(std::string_view choices);

/// Human text for a kind, with range or choices: "integer 1..1024", "one of form, get, json".
std::string describe_type(const key_spec& spec);

/// A number as a person writes it: "1024", "0.01", "1000000000000000".
std::string format_number(double v);

/// The whole schema as a Markdown table (Key | Type | Default | Description).
std::string schema_markdown();

}  // namespace smm
