#include "providers/request_builder.hpp"

#include <algorithm>

#include "providers/json_text.hpp"

namespace smm::providers {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

std::string json_escape(std::string_view s) { return json_quote(s); }

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += sep;
    out += items[i];
  }
  return out;
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size()))
    text.replace(pos, what.size(), with);
}

// Which optional parts a service type takes (api-v2.md §3).
struct type_shape {
  bool link = true;
  bool quantity = true;
};

type_shape shape_of(service_type t) {
  switch (t) {
    case service_type::package:
    case service_type::custom_comments:  // quantity is inferred from the lines
    case service_type::custom_comments_package:
    case service_type::mentions_custom_list:
      return {true, false};
    case service_type::subscriptions:
      return {false, false};
    default:
      return {true, true};
  }
}

}  // namespace

std::string http_request::redacted() const {
  std::string out = method + " " + target + "\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\n";
  out += "\n" + body;
  if (!secret.empty()) {
    // Longest forms first so a raw key inside its encoded form is not half-replaced.
    const std::string encoded = form_urlencode(secret);
    std::string escaped = json_escape(secret);
    escaped = escaped.substr(1, escaped.size() - 2);
    replace_all(out, encoded, "***");
    replace_all(out, escaped, "***");
    replace_all(out, secret, "***");
  }
  return out;
}

std::string form_urlencode(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex_digits[c >> 4];
      out += hex_digits[c & 0xF];
    }
  }
  return out;
}

std::vector<std::vector<std::string>> chunk_ids(std::span<const std::string> ids, std::size_t per_request) {
  per_request = std::max<std::size_t>(per_request, 1);
  std::vector<std::vector<std::string>> out;
  for (std::size_t i = 0; i < ids.size(); i += per_request) {
    const std::size_t n = std::min(per_request, ids.size() - i);
    out.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(i),
                     ids.begin() + static_cast<std::ptrdiff_t>(i + n));
  }
  return out;
}

std::optional<param_list> add_params(const add_order& o, add_params_error* error) {
  auto missing = [&](std::string_view field) -> std::optional<param_list> {
    if (error != nullptr)
      *error = add_params_error{std::string(field), true,
                                "missing '" + std::string(field) + "' for this service type"};
    return std::nullopt;
  };
  if (o.service.empty()) return missing("service");
  const type_shape shape = shape_of(o.type);
  param_list p;
  p.emplace_back("service", o.service);
  if (shape.link) {
    if (o.link.empty()) return missing("link");
    p.emplace_back("link", o.link);
  }
  if (shape.quantity) {
    if (!o.quantity || *o.quantity <= 0) return missing("quantity");
    p.emplace_back("quantity", std::to_string(*o.quantity));
  }
  auto lines = [&](const char* name, const std::vector<std::string>& v) {
    if (v.empty()) return false;
    p.emplace_back(name, join(v, '\n'));
    return true;
  };
  auto text = [&](const char* name, const std::string& v) {
    if (v.empty()) return false;
    p.emplace_back(name, v);
    return true;
  };
  switch (o.type) {
    case service_type::default_:
    case service_type::package:
      break;
    case service_type::custom_comments:
    case service_type::custom_comments_package:
      if (!lines("comments", o.comments)) return missing("comments");
      break;
    case service_type::mentions:
    case service_type::mentions_custom_list:
      if (!lines("usernames", o.usernames)) return missing("usernames");
      break;
    case service_type::mentions_with_hashtags:
      if (!lines("usernames", o.usernames)) return missing("usernames");
      if (!lines("hashtags", o.hashtags)) return missing("hashtags");
      break;
    case service_type::mentions_hashtag:
      if (!text("hashtag", o.hashtag)) return missing("hashtag");
      break;
    case service_type::mentions_user_followers:
    case service_type::comment_likes:
      if (!text("username", o.username)) return missing("username");
      break;
    case service_type::mentions_media_likers:
      if (!text("media", o.media)) return missing("media");
      break;
    case service_type::poll:
      if (!text("answer_number", o.answer_number)) return missing("answer_number");
      break;
    case service_type::seo:
      if (!lines("keywords", o.keywords)) return missing("keywords");
      break;
    case service_type::invites_from_groups:
      if (!lines("groups", o.groups)) return missing("groups");
      break;
    case service_type::subscriptions:
      if (!text("username", o.username)) return missing("username");
      if (!o.min) return missing("min");
      if (!o.max) return missing("max");
      p.emplace_back("min", std::to_string(*o.min));
      p.emplace_back("max", std::to_string(*o.max));
      if (o.posts) p.emplace_back("posts", std::to_string(*o.posts));
      if (o.old_posts) p.emplace_back("old_posts", std::to_string(*o.old_posts));
      if (!o.delay) return missing("delay");
      p.emplace_back("delay", std::to_string(*o.delay));
      text("expiry", o.expiry);
      break;
  }
  // Drip-feed is Default plus runs and interval (§3); quantity is per run. Both or neither.
  if (o.runs.has_value() != o.interval.has_value()) return missing(o.runs ? "interval" : "runs");
  if (o.runs) {
    if (o.type != service_type::default_) {
      if (error != nullptr)
        *error = add_params_error{"runs", false, "runs/interval (drip-feed) apply to Default services only"};
      return std::nullopt;
    }
    p.emplace_back("runs", std::to_string(*o.runs));
    p.emplace_back("interval", std::to_string(*o.interval));
  }
  if (!o.request_id.empty()) p.emplace_back("request_id", o.request_id);
  return p;
}

request_builder::request_builder(provider_url url, std::string key, request_options options)
    : url_(std::move(url)), key_(std::move(key)), options_(options) {}

http_request request_builder::build(action a, const param_list& params) const {
  param_list all;
  all.reserve(params.size() + 2);
  if (options_.key == key_placement::body) all.emplace_back("key", key_);
  all.emplace_back("action", std::string(to_string(a)));
  all.insert(all.end(), params.begin(), params.end());

  http_request r;
  r.secret = key_;
  if (options_.key == key_placement::header) {
    r.headers.emplace_back("X-Api-Key", key_);
    r.headers.emplace_back("Authorization", "Bearer " + key_);
  }
  if (options_.style == request_style::json_post) {
    r.method = "POST";
    r.target = url_.target();
    r.content_type = "application/json";
    r.body = "{";
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i != 0) r.body += ',';
      r.body += json_escape(all[i].first) + ":" + json_escape(all[i].second);
    }
    r.body += "}";
    return r;
  }
  std::string form;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i != 0) form += '&';
    form += form_urlencode(all[i].first) + "=" + form_urlencode(all[i].second);
  }
  if (options_.style == request_style::get_query) {
    r.method = "GET";
    r.target = url_.path + "?" + (url_.query.empty() ? form : url_.query + "&" + form);
  } else {
    r.method = "POST";
    r.target = url_.target();
    r.content_type = "application/x-www-form-urlencoded";
    r.body = std::move(form);
  }
  return r;
}

http_request request_builder::services() const { return build(action::services, {}); }
http_request request_builder::balance() const { return build(action::balance, {}); }

build_result request_builder::add(const add_order& order) const {
  build_result out;
  add_params_error why;
  if (auto params = add_params(order, &why))
    out.request = build(action::add, *params);
  else
    out.error = "add: " + why.message;
  return out;
}

http_request request_builder::status(std::string_view order_id) const {
  return build(action::status, {{"order", std::string(order_id)}});
}

http_request request_builder::refill(std::string_view order_id) const {
  return build(action::refill, {{"order", std::string(order_id)}});
}

http_request request_builder::refill_status(std::string_view refill_id) const {
  return build(action::refill_status, {{"refill", std::string(refill_id)}});
}

build_result request_builder::status_multi(std::span<const std::string> ids) const {
  return multi(action::status, "orders", ids);
}
build_result request_builder::refill_multi(std::span<const std::string> ids) const {
  return multi(action::refill, "orders", ids);
}
build_result request_builder::refill_status_multi(std::span<const std::string> ids) const {
  return multi(action::refill_status, "refills", ids);
}
build_result request_builder::cancel(std::span<const std::string> ids) const {
  return multi(action::cancel, "orders", ids);
}

build_result request_builder::multi(action a, std::string_view name, std::span<const std::string> ids) const {
  build_result out;
  const std::string what = std::string(to_string(a)) + ": ";
  if (ids.empty()) {
    out.error = what + "no ids";
    return out;
  }
  if (ids.size() > max_ids_per_request) {
    out.error = what + std::to_string(ids.size()) + " ids, at most " + std::to_string(max_ids_per_request) +
                " per request (use chunk_ids)";
    return out;
  }
  for (const auto& id : ids) {
    // A comma inside an opaque id would silently split it into two ids upstream.
    if (id.empty() || id.find(',') != std::string::npos) {
      out.error = what + "id '" + id + "' is empty or contains ','";
      return out;
    }
  }
  std::string joined;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i != 0) joined += ',';
    joined += ids[i];
  }
  out.request = build(a, {{std::string(name), std::move(joined)}});
  return out;
}

}  // namespace smm::providers
