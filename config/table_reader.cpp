#include "config/table_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace smm {
namespace {

std::string_view toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

}  // namespace

config_error diagnostics::make(const toml::source_region& where, std::string key, std::string message) const {
  return config_error{file_, where.begin.line, where.begin.column, std::move(key), std::move(message)};
}

void diagnostics::error(const toml::source_region& where, std::string key, std::string message) {
  errors_.push_back(make(where, std::move(key), std::move(message)));
}

void diagnostics::warning(const toml::source_region& where, std::string key, std::string message) {
  warnings_.push_back(make(where, std::move(key), std::move(message)));
}

table_reader::table_reader(const toml::table& table, std::string_view schema_table, std::string path,
                           diagnostics& diag)
    : table_(table), schema_table_(schema_table), path_(std::move(path)), diag_(diag) {
  const auto known = keys_of(schema_table_);
  for (auto&& [k, v] : table_) {
    if (find_key_spec(schema_table_, k.str()) != nullptr) continue;
    const std::string_view where_text = path_.empty() ? std::string_view{"the top level"} : path_;
    std::string message = "unknown key '" + std::string(k.str()) + "' in " + std::string(where_text);
    if (auto near = closest_key(k.str(), known))
      message += " (did you mean '" + std::string(*near) + "'?)";
    else
      message += "; known keys: " + join(known);
    diag_.error(k.source(), path_of(k.str()), std::move(message));
  }
}

std::string table_reader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + '.' + std::string(key);
}

const toml::source_region& table_reader::where(std::string_view key) const {
  if (const auto* n = table_.get(key)) return n->source();
  return table_.source();
}

void table_reader::error(std::string_view key, std::string message) {
  diag_.error(where(key), path_of(key), std::move(message));
}

void table_reader::warning(std::string_view key, std::string message) {
  diag_.warning(where(key), path_of(key), std::move(message));
}

const key_spec& table_reader::spec(std::string_view key) const {
  // The loader asks only for keys of the schema; a miss is a bug in the loader.
  const key_spec* s = find_key_spec(schema_table_, key);
  if (s == nullptr)
    throw std::logic_error("config key not in schema: " + schema_table_ + "." + std::string(key));
  return *s;
}

bool table_reader::absent(const key_spec& s) {
  if (table_.get(s.key) != nullptr) return false;
  if (s.required) error(s.key, "missing required key (expected " + describe_type(s) + ")");
  return true;
}

void table_reader::type_error(const key_spec& s, const toml::node& n) {
  // Never prints the value: it may be a credential written in the wrong place.
  error(s.key, "expected " + describe_type(s) + ", got " + std::string(toml_type_name(n)));
}

bool table_reader::in_range(const key_spec& s, double v) {
  if (!s.has_range() || (v >= s.min && v <= s.max)) return true;
  error(s.key,
        "must be in " + format_number(s.min) + ".." + format_number(s.max) + ", got " + format_number(v));
  return false;
}

std::optional<std::string> table_reader::get_string(std::string_view key) {
  const key_spec& s = spec(key);
  if (absent(s)) {
    if (s.default_value.empty()) return std::nullopt;
    return std::string(s.default_value);
  }
  const toml::node& n = *table_.get(key);
  if (s.kind == value_kind::id && n.is_integer()) return std::to_string(n.as_integer()->get());
  if (s.kind == value_kind::decimal && (n.is_integer() || n.is_floating_point())) {
    const std::string text =
        n.is_integer() ? std::to_string(n.as_integer()->get()) : format_number(n.as_floating_point()->get());
    error(key, "expected a quoted decimal string (write " + std::string(key) + " = \"" + text +
                   "\"): a TOML number cannot hold every price exactly");
    return std::nullopt;
  }
  const auto* str = n.as_string();
  if (str == nullptr) {
    type_error(s, n);
    return std::nullopt;
  }
  const std::string& v = str->get();
  // An address may be "" (switched off); nothing else is meaningful empty.
  if (v.empty() && s.kind != value_kind::address) {
    error(key, "must not be empty (expected " + describe_type(s) + ")");
    return std::nullopt;
  }
  if (s.kind == value_kind::choice) {
    const std::string_view canonical = match_choice(s, v);
    if (canonical.empty()) {
      std::string message = "'" + v + "' is not " + describe_type(s);
      std::vector<std::string_view> choices = split_choices(s.choices);
      if (auto near = closest_key(fold_name(v), choices))
        message += " (did you mean '" + std::string(*near) + "'?)";
      error(key, std::move(message));
      return std::nullopt;
    }
    return std::string(canonical);
  }
  return v;
}

std::optional<std::int64_t> table_reader::get_integer(std::string_view key) {
  const key_spec& s = spec(key);
  if (absent(s)) {
    if (s.default_value.empty()) return std::nullopt;
    return std::stoll(std::string(s.default_value));
  }
  const toml::node& n = *table_.get(key);
  const auto* i = n.as_integer();
  if (i == nullptr) {
    type_error(s, n);
    return std::nullopt;
  }
  const std::int64_t v = i->get();
  if (!in_range(s, static_cast<double>(v))) return std::nullopt;
  return v;
}

std::optional<double> table_reader::get_number(std::string_view key) {
  const key_spec& s = spec(key);
  if (absent(s)) {
    if (s.default_value.empty()) return std::nullopt;
    return std::stod(std::string(s.default_value));
  }
  const toml::node& n = *table_.get(key);
  double v = 0;
  if (const auto* i = n.as_integer())
    v = static_cast<double>(i->get());
  else if (const auto* f = n.as_floating_point())
    v = f->get();
  else {
    type_error(s, n);
    return std::nullopt;
  }
  if (!in_range(s, v)) return std::nullopt;
  return v;
}

std::optional<bool> table_reader::get_boolean(std::string_view key) {
  const key_spec& s = spec(key);
  if (absent(s)) {
    if (s.default_value.empty()) return std::nullopt;
    return s.default_value == "true";
  }
  const toml::node& n = *table_.get(key);
  if (const auto* b = n.as_boolean()) return b->get();
  type_error(s, n);
  return std::nullopt;
}

const toml::table* table_reader::get_table(std::string_view key) {
  const key_spec& s = spec(key);
  if (absent(s)) return nullptr;
  const toml::node& n = *table_.get(key);
  if (const auto* t = n.as_table()) return t;
  type_error(s, n);
  return nullptr;
}

std::vector<table_entry> table_reader::get_table_array(std::string_view key) {
  const key_spec& s = spec(key);
  std::vector<table_entry> out;
  if (absent(s)) return out;
  const toml::node& n = *table_.get(key);
  const auto* arr = n.as_array();
  if (arr == nullptr) {
    std::string message = "expected an array of tables";
    if (n.is_table())
      message += " ([[" + path_of(key) + "]] or " + std::string(key) + " = [{...}]), got a table";
    else
      message += ", got " + std::string(toml_type_name(n));
    error(key, std::move(message));
    return out;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    const std::string path = path_of(key) + '[' + std::to_string(i) + ']';
    if (const auto* t = e.as_table())
      out.push_back({t, path});
    else
      diag_.error(e.source(), path, "expected a table, got " + std::string(toml_type_name(e)));
  }
  if (s.required && arr->empty()) error(key, "must not be empty");
  return out;
}

}  // namespace smm
