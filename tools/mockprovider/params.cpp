#include "tools/mockprovider/params.hpp"

#include <simdjson.h>

#include <charconv>

#include "providers/form_decode.hpp"

namespace smm::mock {

void parse_form(std::string_view text, param_map& out) {
  providers::for_each_form_pair(text, [&out](std::string name, std::string value) {
    out.insert_or_assign(std::move(name), std::move(value));
    return true;
  });
}

bool parse_json_object(std::string_view body, param_map& out) {
  namespace od = simdjson::ondemand;
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) return false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    std::string name(key);
    od::value v;
    if (field.value().get(v)) return false;
    od::json_type type;
    if (v.type().get(type)) return false;
    std::string_view text;
    switch (type) {
      case od::json_type::string:
        if (v.get_string().get(text)) return false;
        out.insert_or_assign(std::move(name), std::string(text));
        break;
      case od::json_type::number:
      case od::json_type::boolean: {
        text = v.raw_json_token();
        while (!text.empty() &&
               (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t'))
          text.remove_suffix(1);
        out.insert_or_assign(std::move(name), std::string(text));
        break;
      }
      default:
        break;  // arrays, objects and null carry no API v2 parameter
    }
  }
  return true;
}

std::optional<std::string_view> find_param(const param_map& params, std::string_view name) {
  const auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<long long> parse_int(std::string_view text) {
  long long v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace smm::mock
