#include "daemon/apiv2/api_request.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "providers/form_decode.hpp"

namespace smm::daemon::apiv2 {

namespace {

// List parameters and how their repeated values join.
constexpr std::array<std::string_view, 2> id_lists{"orders", "refills"};
constexpr std::array<std::string_view, 5> line_lists{"comments", "usernames", "hashtags", "keywords",
                                                     "groups"};

bool contains(auto const& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// The media type of a Content-Type value, lower-cased, without parameters.
std::string media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string out(trim(content_type.substr(0, semi)));
  for (char& c : out) c = lower(c);
  return out;
}

// "orders[]" and "orders[3]" are "orders" (PHP's http_build_query of an array).
std::string base_name(std::string name) {
  const auto open = name.find('[');
  if (open != std::string::npos && open > 0 && name.back() == ']') name.resize(open);
  return name;
}

// Collects parameters, enforcing the count cap.
struct collector {
  const request_limits& limits;
  param_list params;
  std::string error;

  bool add(std::string name, std::string value) {
    if (params.size() >= limits.max_params) {
      error = "Too many parameters: at most " + std::to_string(limits.max_params);
      return false;
    }
    params.emplace_back(base_name(std::move(name)), std::move(value));
    return true;
  }
};

bool decode_form(std::string_view text, collector& out) {
  return providers::for_each_form_pair(text, [&out](std::string name, std::string value) {
    return out.add(std::move(name), std::move(value));
  });
}

// One JSON scalar as the text a form would carry; false for objects (and nested arrays).
bool scalar_text(simdjson::dom::element e, std::string& out) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING:
      out = std::string(std::string_view(e.get_string().value_unsafe()));
      return true;
    case simdjson::dom::element_type::INT64:
      out = std::to_string(e.get_int64().value_unsafe());
      return true;
    case simdjson::dom::element_type::UINT64:
      out = std::to_string(e.get_uint64().value_unsafe());
      return true;
    case simdjson::dom::element_type::DOUBLE:
      out = simdjson::minify(e);  // "100.5": integer fields then say it is not an integer
      return true;
    case simdjson::dom::element_type::BOOL:
      out = e.get_bool().value_unsafe() ? "1" : "0";
      return true;
    default:
      return false;
  }
}

// What was wrong with a JSON body, in the words of simdjson where they say it plainly.
std::string json_error_text(simdjson::error_code e) {
  switch (e) {
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "a number is out of range or malformed";
    case simdjson::UNESCAPED_CHARS:
      return "a string holds an unescaped control character";
    default:
      return simdjson::error_message(e);
  }
}

bool decode_json(std::string_view body, collector& out) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (const auto e = parser.parse(body.data(), body.size()).get(doc); e != simdjson::SUCCESS) {
    out.error = "Invalid JSON body: " + json_error_text(e);
    return false;
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    out.error = "Invalid JSON body: expected an object of parameters";
    return false;
  }
  for (auto field : obj) {
    std::string name(field.key);
    if (field.value.is_null()) continue;  // null is an absent parameter
    if (field.value.type() == simdjson::dom::element_type::ARRAY) {
      // Named: ranging over value_unsafe() of the temporary result would dangle.
      const simdjson::dom::array items = field.value.get_array().value_unsafe();
      for (simdjson::dom::element item : items) {
        std::string text;
        if (!scalar_text(item, text)) {
          out.error = "Invalid parameter: " + name + " must be a list of strings or numbers";
          return false;
        }
        if (!out.add(name, std::move(text))) return false;
      }
      continue;
    }
    std::string text;
    if (!scalar_text(field.value, text)) {
      out.error = "Invalid parameter: " + name + " must be a string or a number";
      return false;
    }
    if (!out.add(std::move(name), std::move(text))) return false;
  }
  return true;
}

// Merges repeated names: lists join, equal scalars collapse, different scalars are an error.
bool merge_repeats(param_list& params, std::string& error) {
  param_list merged;
  for (auto& [name, value] : params) {
    // An init-capture: clang 14 (the fuzz build) cannot capture a structured binding.
    auto it = std::find_if(merged.begin(), merged.end(), [&n = name](const auto& p) { return p.first == n; });
    if (it == merged.end()) {
      merged.emplace_back(std::move(name), std::move(value));
    } else if (contains(id_lists, name)) {
      if (!value.empty()) it->second += (it->second.empty() ? "" : ",") + value;
    } else if (contains(line_lists, name)) {
      it->second += "\n" + value;
    } else if (it->second != value) {
      error = "Parameter given twice with different values: " + name;
      return false;
    }
  }
  params = std::move(merged);
  return true;
}

}  // namespace

decoded_input decode_input(const http_input& in, const request_limits& limits) {
  decoded_input d;
  collector c{limits, {}, {}};
  const auto q = in.target.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = in.target.substr(q + 1);
    query = query.substr(0, query.find('#'));
    if (!decode_form(query, c)) {
      d.error = std::move(c.error);
      return d;
    }
  }
  if (!in.body.empty()) {
    const std::string type = media_type(in.content_type);
    if (type == "application/json") {
      if (!decode_json(in.body, c)) {
        d.error = std::move(c.error);
        return d;
      }
    } else if (type.empty() || type == "application/x-www-form-urlencoded") {
      if (!decode_form(in.body, c)) {
        d.error = std::move(c.error);
        return d;
      }
    } else {
      d.error = "Unsupported Content-Type: " + type +
                " (send application/x-www-form-urlencoded or application/json)";
      return d;
    }
  }
  for (const auto& [name, value] : c.params) {
    // Percent-decoding can produce any byte: what is not UTF-8 would reach the journal, the
    // provider and every JSON answer. The key is exempt: it is only compared, never stored.
    if (!simdjson::validate_utf8(name.data(), name.size())) {
      d.error = "Invalid parameter name: not valid UTF-8";
      return d;
    }
    if (value.find('\0') != std::string::npos) {
      d.error = "Invalid parameter: " + name + " contains a NUL byte";
      return d;
    }
    if (name != "key" && !simdjson::validate_utf8(value.data(), value.size())) {
      d.error = "Invalid parameter: " + name + " is not valid UTF-8";
      return d;
    }
  }
  if (!merge_repeats(c.params, d.error)) return d;

  // The key: the parameter first, then the headers panels use (api-v2.md §1.4).
  for (auto it = c.params.begin(); it != c.params.end(); ++it) {
    if (it->first == "key") {
      d.key = std::move(it->second);
      c.params.erase(it);
      break;
    }
  }
  if (d.key.empty()) d.key = std::string(trim(in.x_api_key));
  if (d.key.empty()) {
    const std::string_view auth = trim(in.authorization);
    if (auth.size() > 7 && iequals(auth.substr(0, 7), "Bearer ")) d.key = std::string(trim(auth.substr(7)));
  }
  d.params = std::move(c.params);
  return d;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (const char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  if (v <= 0) return std::nullopt;
  return v;
}

namespace {

const std::string* find(const param_list& params, std::string_view name) {
  for (const auto& [n, v] : params)
    if (n == name) return &v;
  return nullptr;
}

// A present, non-empty parameter (panels post empty form fields for unused options).
const std::string* find_set(const param_list& params, std::string_view name) {
  const std::string* v = find(params, name);
  return (v != nullptr && !trim(*v).empty()) ? v : nullptr;
}

struct bad_request {
  std::string message;
};

std::optional<std::int64_t> read_int(const param_list& params, std::string_view name) {
  const std::string* v = find_set(params, name);
  if (v == nullptr) return std::nullopt;
  const std::string_view t = trim(*v);
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (ec == std::errc::result_out_of_range && end == t.data() + t.size())
    throw bad_request{"Invalid parameter: " + std::string(name) + " is out of range"};
  if (ec != std::errc{} || end != t.data() + t.size())
    throw bad_request{"Invalid parameter: " + std::string(name) + " must be an integer"};
  return out;
}

std::string read_text(const param_list& params, std::string_view name) {
  const std::string* v = find(params, name);
  return v == nullptr ? std::string{} : std::string(trim(*v));
}

// "a\r\nb\nc" -> {"a", "b", "c"}; the engine drops empty lines and trailing spaces.
std::vector<std::string> read_lines(const param_list& params, std::string_view name) {
  std::vector<std::string> out;
  const std::string* v = find(params, name);
  if (v == nullptr) return out;
  std::string_view rest = *v;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!trim(line).empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return out;
}

// "1, 2,3" -> {"1","2","3"}: trimmed, empty items skipped, duplicates dropped, order kept.
std::vector<std::string> read_ids(std::string_view text, std::string_view name,
                                  const request_limits& limits) {
  std::vector<std::string> out;
  std::set<std::string, std::less<>> seen;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (!item.empty() && seen.insert(std::string(item)).second) {
      if (out.size() >= limits.max_ids)
        throw bad_request{"Too many IDs in " + std::string(name) + ": at most " +
                          std::to_string(limits.max_ids)};
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty()) throw bad_request{"Missing required parameter: " + std::string(name)};
  return out;
}

std::optional<action> action_named(std::string_view name) {
  for (const action a : {action::services, action::add, action::status, action::refill, action::refill_status,
                         action::cancel, action::balance})
    if (iequals(name, to_string(a))) return a;
  return std::nullopt;
}

// The PHP client's refill calls carry no action (see the header comment).
action infer_action(const param_list& params) {
  const bool order = find(params, "order") != nullptr;
  const bool orders = find(params, "orders") != nullptr;
  const bool refill = find(params, "refill") != nullptr;
  const bool refills = find(params, "refills") != nullptr;
  if (order + orders + refill + refills != 1) throw bad_request{"Missing required parameter: action"};
  return (order || orders) ? action::refill : action::refill_status;
}

// The id parameter of a single/multi action: `single` (order, refill) or `multi` (orders, refills).
void read_target_ids(const param_list& params, request& r, std::string_view single, std::string_view multi,
                     const request_limits& limits) {
  if (const std::string* m = find(params, multi)) {
    r.multi = true;
    r.ids = read_ids(*m, multi, limits);
    return;
  }
  const std::string* s = find(params, single);
  if (s == nullptr || trim(*s).empty())
    throw bad_request{"Missing required parameter: " + std::string(single)};
  r.ids.emplace_back(trim(*s));
}

void read_add(const param_list& params, request& r) {
  const std::string* service = find_set(params, "service");
  if (service == nullptr) throw bad_request{"Missing required parameter: service"};
  const auto id = parse_id(trim(*service));
  if (!id) throw bad_request{"Incorrect service ID"};
  r.service = *id;
  auto& o = r.order;
  o.link = read_text(params, "link");
  o.quantity = read_int(params, "quantity");
  o.runs = read_int(params, "runs");
  o.interval = read_int(params, "interval");
  if (!o.interval) o.interval = read_int(params, "intervals");  // a documented variant (§1.5)
  o.comments = read_lines(params, "comments");
  o.usernames = read_lines(params, "usernames");
  o.hashtags = read_lines(params, "hashtags");
  o.keywords = read_lines(params, "keywords");
  o.groups = read_lines(params, "groups");
  o.hashtag = read_text(params, "hashtag");
  o.username = read_text(params, "username");
  o.media = read_text(params, "media");
  o.answer_number = read_text(params, "answer_number");
  o.min = read_int(params, "min");
  o.max = read_int(params, "max");
  o.posts = read_int(params, "posts");
  o.old_posts = read_int(params, "old_posts");
  o.delay = read_int(params, "delay");
  o.expiry = read_text(params, "expiry");
}

}  // namespace

parse_result parse_request(const param_list& params, const request_limits& limits) {
  parse_result out;
  try {
    request r;
    const std::string* name = find(params, "action");
    if (name == nullptr || trim(*name).empty()) {
      r.act = infer_action(params);
      r.inferred = true;
    } else {
      const auto a = action_named(trim(*name));
      if (!a) throw bad_request{"This action is Invalid"};
      r.act = *a;
    }
    switch (r.act) {
      case action::services:
      case action::balance:
        break;
      case action::add:
        read_add(params, r);
        break;
      case action::status:
      case action::refill:
        read_target_ids(params, r, "order", "orders", limits);
        break;
      case action::refill_status:
        read_target_ids(params, r, "refill", "refills", limits);
        break;
      case action::cancel:
        // The template's cancel takes `orders`; a single `order` is accepted too (§5).
        read_target_ids(params, r, "order", "orders", limits);
        r.multi = true;
        break;
    }
    out.req = std::move(r);
  } catch (bad_request& e) {
    out.error = std::move(e.message);
  }
  return out;
}

}  // namespace smm::daemon::apiv2
