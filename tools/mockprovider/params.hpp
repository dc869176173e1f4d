#pragma once
// Request parameters of API v2 as the mock reads them: form-encoded bodies, query strings
// and flat JSON objects all become one name -> text map. Plain C++, no I/O.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "providers/json_text.hpp"

namespace smm::mock {

/// Parameter name -> value, as text. A later source overrides an earlier one.
using param_map = std::map<std::string, std::string, std::less<>>;

/// Adds every `name=value` pair of an `a=1&b=2` string (query or form body) to `out`.
void parse_form(std::string_view text, param_map& out);

/// Adds every member of a flat JSON object to `out`: strings unescaped, numbers and
/// booleans as their source text, nested values ignored. False when the body is not a
/// JSON object.
bool parse_json_object(std::string_view body, param_map& out);

/// The value of `name`, if present.
std::optional<std::string_view> find_param(const param_map& params, std::string_view name);

/// Parses a whole decimal integer ("100", "-5"); none for anything else.
std::optional<long long> parse_int(std::string_view text);

/// `text` as a JSON string literal, quotes included.
using smm::json_quote;  // one JSON string escaper for the whole project

}  // namespace smm::mock
