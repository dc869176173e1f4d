#pragma once
// A small append-only JSON writer for the panel protocol's responses and events. Strings are
// escaped per RFC 8259 (quote, backslash, control characters); valid UTF-8 passes through, and
// invalid UTF-8 (a provider's raw status may carry anything) becomes U+FFFD so every line we
// write is valid JSON.
#include <cstdint>
#include <string>
#include <string_view>

#include "providers/json_text.hpp"

namespace smm::daemon::panel {

/// The project's one JSON string escaper (providers/json_text.hpp).
using smm::append_json_string;

/// Builds one JSON value into a caller-owned string. Commas are tracked per nesting level, so
/// the caller only says what comes next. Thread safety: none (one writer per string).
class json_writer {
 public:
  /// Appends to `out` (which may already hold earlier lines).
  explicit json_writer(std::string& out) : out_(out) {}

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  /// An object key; the next call writes its value.
  json_writer& key(std::string_view k);
  json_writer& string(std::string_view s);
  json_writer& integer(std::int64_t v);
  json_writer& boolean(bool v);
  json_writer& null();
  /// Already-serialized JSON (e.g. a correlation id echoed verbatim).
  json_writer& raw(std::string_view json);

  /// key + string, key + integer, ... for the common object member.
  json_writer& member(std::string_view k, std::string_view v) { return key(k).string(v); }
  json_writer& member(std::string_view k, const char* v) { return key(k).string(v); }
  json_writer& member(std::string_view k, std::int64_t v) { return key(k).integer(v); }
  json_writer& member(std::string_view k, bool v) { return key(k).boolean(v); }

 private:
  void before_value();

  std::string& out_;
  // One bit per nesting level (up to 64): set once the level holds an element.
  std::uint64_t has_element_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace smm::daemon::panel
