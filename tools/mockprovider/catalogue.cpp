#include "tools/mockprovider/catalogue.hpp"

#include <toml++/toml.h>

#include <stdexcept>

namespace smm::mock {
namespace {

mock_service make(std::int64_t id, const char* name, const char* type, const char* rate, std::int64_t min,
                  std::int64_t max, bool refill, bool cancel) {
  mock_service s;
  s.id = id;
  s.name = name;
  s.type = type;
  s.category = "Mock " + std::string(type);
  s.rate = parse_money(rate).value;
  s.min = min;
  s.max = max;
  s.refill = refill;
  s.cancel = cancel;
  return s;
}

}  // namespace

std::vector<mock_service> default_catalogue() {
  return {
      make(1, "Followers", "Default", "0.90", 50, 10000, true, true),
      make(2, "Comments", "Custom Comments", "8", 1, 1500, false, true),
      make(3, "Likes", "Default", "0.25", 10, 50000, false, false),
      make(4, "Views package", "Package", "2.50", 1, 1, false, false),
      make(5, "Mentions with hashtags", "Mentions with Hashtags", "3", 10, 5000, false, false),
      make(6, "Mentions custom list", "Mentions Custom List", "3", 1, 1000, false, false),
      make(7, "Mentions hashtag", "Mentions Hashtag", "3", 10, 5000, false, false),
      make(8, "Mentions", "Mentions", "3", 10, 5000, false, false),
      make(9, "Mentions user followers", "Mentions User Followers", "3", 10, 5000, false, false),
      make(10, "Mentions media likers", "Mentions Media Likers", "3", 10, 5000, false, false),
      make(11, "Comment likes", "Comment Likes", "1.20", 10, 5000, false, true),
      make(12, "Poll votes", "Poll", "0.50", 10, 10000, false, true),
      make(13, "SEO keywords", "SEO", "4", 10, 1000, false, false),
      make(14, "Invites from groups", "Invites from Groups", "2", 10, 1000, false, false),
      make(15, "Auto likes", "Subscriptions", "0.40", 10, 10000, false, false),
      make(16, "Comments package", "Custom Comments Package", "5", 1, 100, false, false),
      make(17, "Slow followers", "Default", "0.123456", 100, 1000000, true, true),
  };
}

std::string normalized_type(std::string_view type) {
  std::string out;
  for (const char c : type) {
    if (c == ' ' || c == '-') {
      out.push_back('_');
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<mock_service> load_catalogue(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path + ": " + std::string(e.description()));
  }
  std::vector<mock_service> out;
  for (const auto& [top_key, node] : root) {
    if (top_key.str() != "service")
      throw std::runtime_error(path + ": unknown key '" + std::string(top_key.str()) +
                               "' (expected [[service]] tables)");
  }
  const toml::array* services = root["service"].as_array();
  if (services == nullptr) throw std::runtime_error(path + ": no [[service]] tables");
  std::size_t index = 0;
  for (const auto& node : *services) {
    const std::string where = path + ": service[" + std::to_string(index++) + "]";
    const toml::table* t = node.as_table();
    if (t == nullptr) throw std::runtime_error(where + ": expected a table");
    mock_service s;
    bool has_id = false;
    bool has_rate = false;
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      auto want_int = [&]() -> std::int64_t {
        if (const auto i = v.value<std::int64_t>(); i && v.is_integer()) return *i;
        throw std::runtime_error(where + ": key '" + key + "' must be an integer");
      };
      auto want_bool = [&]() -> bool {
        if (const auto b = v.value<bool>(); b && v.is_boolean()) return *b;
        throw std::runtime_error(where + ": key '" + key + "' must be true or false");
      };
      auto want_string = [&]() -> std::string {
        if (const auto str = v.value<std::string>(); str && v.is_string()) return *str;
        throw std::runtime_error(where + ": key '" + key + "' must be a string");
      };
      if (key == "service") {
        s.id = want_int();
        has_id = true;
      } else if (key == "name") {
        s.name = want_string();
      } else if (key == "type") {
        s.type = want_string();
      } else if (key == "category") {
        s.category = want_string();
      } else if (key == "rate") {
        // A string keeps the rate exact; money never goes through a double.
        const auto r = parse_money(want_string());
        if (!r || r.value.is_negative())
          throw std::runtime_error(where + ": key 'rate' must be a decimal string like \"0.90\"");
        s.rate = r.value;
        has_rate = true;
      } else if (key == "min") {
        s.min = want_int();
      } else if (key == "max") {
        s.max = want_int();
      } else if (key == "refill") {
        s.refill = want_bool();
      } else if (key == "cancel") {
        s.cancel = want_bool();
      } else {
        throw std::runtime_error(where + ": unknown key '" + key + "'");
      }
    }
    if (!has_id) throw std::runtime_error(where + ": missing key 'service'");
    if (!has_rate) throw std::runtime_error(where + ": missing key 'rate'");
    if (s.min < 1 || s.max < s.min)
      throw std::runtime_error(where + ": keys 'min'/'max' need 1 <= min <= max");
    if (s.name.empty()) s.name = "Service " + std::to_string(s.id);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace smm::mock
