#include "providers/json_scalar.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace smm::providers::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool valid_json_number(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (digits() == 0) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

}  // namespace

void prepare(body_ref body, prepared_body& out) {
  std::string_view text = body.text();
  std::size_t capacity = body.capacity();
  if (text.size() > max_body_bytes) {
    out.error = "body of " + std::to_string(text.size()) + " bytes exceeds the " +
                std::to_string(max_body_bytes >> 20) + " MiB cap";
    return;
  }
  // A UTF-8 byte-order mark is legal in files but not in JSON texts; some panels emit one.
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
    capacity -= 3;
  }
  const std::string_view t = trim(text);
  if (t.empty()) {
    out.error = "empty body";
    return;
  }
  if (t.front() == '<') {
    out.error = "provider returned HTML, not JSON: \"" + sanitise(t) + "\"";
    return;
  }
  const char c = t.front();
  const bool json_start = c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') ||
                          c == 't' || c == 'f' || c == 'n';
  if (!json_start) {
    out.error = "provider returned a non-JSON body: \"" + sanitise(t) + "\"";
    return;
  }
  out.text = text;
  if (capacity >= text.size() + simdjson::SIMDJSON_PADDING) {
    out.view = simdjson::padded_string_view(text.data(), text.size(), capacity);
  } else {
    out.owned = simdjson::padded_string(text);
    out.view = simdjson::padded_string_view(out.owned.data(), out.owned.size(),
                                            out.owned.size() + simdjson::SIMDJSON_PADDING);
  }
}

od::parser& thread_parser() {
  thread_local od::parser parser{max_body_bytes};
  return parser;
}

// True when the text ends inside a string or with brackets left open: it was cut off.
// Only runs on the failure path, so the extra pass costs nothing on good replies.
bool looks_truncated(std::string_view t) {
  std::int64_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : t) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return in_string || depth > 0;
}

std::string describe_json_error(simdjson::error_code e, std::string_view text) {
  const std::string_view t = trim(text);
  if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || e == simdjson::UNCLOSED_STRING || looks_truncated(t)) {
    const std::size_t tail = std::min<std::size_t>(t.size(), 40);
    return "truncated JSON body (" + std::to_string(text.size()) + " bytes, ends with \"" +
           sanitise(t.substr(t.size() - tail)) + "\")";
  }
  return std::string("invalid JSON (") + simdjson::error_message(e) + "): \"" + sanitise(t) + "\"";
}

std::string sanitise(std::string_view text, std::size_t max) {
  std::string out;
  for (const char ch : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    char put = '?';
    if (c < 0x20 || c == 0x7F)
      put = ' ';
    else if (c < 0x7F)
      put = ch;
    if (put == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += put;
  }
  return out;
}

simdjson::error_code read_text(od::value v, std::optional<std::string_view>& out) {
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return e;
      out = s;
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      // The exact source token: money never goes through a double. On demand does not
      // check a number it is not asked to convert, so check the JSON grammar here.
      const std::string_view token = trim(v.raw_json_token());
      if (!valid_json_number(token)) return simdjson::NUMBER_ERROR;
      out = token;
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) return e;
      out = b ? std::string_view("true") : std::string_view("false");
      return simdjson::SUCCESS;
    }
    case od::json_type::null:
      out.reset();
      return simdjson::SUCCESS;
    default:
      return simdjson::INCORRECT_TYPE;
  }
}

std::optional<std::int64_t> to_int(std::string_view text, bool plus_is_negative) {
  std::string_view s = trim(text);
  bool plus = false;
  if (!s.empty() && s.front() == '+') {
    plus = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::int64_t value = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || p == s.data()) return std::nullopt;
  std::string_view rest(p, static_cast<std::size_t>(s.data() + s.size() - p));
  if (!rest.empty()) {
    // "157.0" is a whole number; "157.5" or "157abc" is not a count we can trust.
    if (rest.front() != '.' || rest.size() < 2 || rest.find_first_not_of('0', 1) != std::string_view::npos)
      return std::nullopt;
  }
  if (plus && plus_is_negative) return -value;
  return value;
}

std::optional<bool> to_bool(std::string_view text) {
  const std::string s = lower(trim(text));
  if (s == "true" || s == "1" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "no") return false;
  return std::nullopt;
}

bool read_error_value(od::value v, std::string& out) {
  od::json_type t;
  if (v.type().get(t)) return false;
  if (t == od::json_type::object) {
    od::object obj;
    if (v.get_object().get(obj)) return false;
    bool found = false;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return found;
      if (key != "error" && key != "message") continue;
      od::value inner;
      if (field.value().get(inner)) return found;
      std::optional<std::string_view> text;
      if (read_text(inner, text) == simdjson::SUCCESS && text && !text->empty() && !found) {
        out = *text;
        found = true;
      }
    }
    return found;
  }
  std::optional<std::string_view> text;
  if (read_text(v, text) != simdjson::SUCCESS || !text || text->empty()) return false;
  out = *text;
  return true;
}

std::string_view type_name(od::json_type t) {
  switch (t) {
    case od::json_type::object:
      return "object";
    case od::json_type::array:
      return "array";
    case od::json_type::string:
      return "string";
    case od::json_type::number:
      return "number";
    case od::json_type::boolean:
      return "boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

}  // namespace smm::providers::detail
