#include "daemon/engine/intake_rules.hpp"

#include <limits>
#include <utility>

namespace smm::daemon {
namespace {

using providers::add_order;

// Whether the service type carries its own quantity field (api-v2.md §3).
bool takes_quantity(service_type t) {
  switch (t) {
    case service_type::package:
    case service_type::custom_comments:
    case service_type::custom_comments_package:
    case service_type::mentions_custom_list:
    case service_type::subscriptions:
      return false;
    default:
      return true;
  }
}

bool takes_link(service_type t) { return t != service_type::subscriptions; }

// Drops empty lines and a trailing '\r' (panels send CRLF text): they are not comments.
std::vector<std::string> clean_lines(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (std::string line : in) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out.push_back(std::move(line));
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

void put(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += '&';
  out += key;
  out += '=';
  out += providers::form_urlencode(value);
}
void put(std::string& out, std::string_view key, const std::optional<std::int64_t>& v) {
  if (v) put(out, key, std::to_string(*v));
}
void put_text(std::string& out, std::string_view key, const std::string& v) {
  if (!v.empty()) put(out, key, v);
}
void put_lines(std::string& out, std::string_view key, const std::vector<std::string>& v) {
  for (const auto& line : v) put(out, key, line);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::int64_t> to_int(const std::string& s) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

bool plausible_link(std::string_view link) {
  if (link.empty() || link.size() > max_link_bytes) return false;
  for (const char ch : link) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string encode_params(const add_order& p) {
  std::string out;
  put_text(out, "link", p.link);
  put(out, "quantity", p.quantity);
  put(out, "runs", p.runs);
  put(out, "interval", p.interval);
  put_lines(out, "comments", p.comments);
  put_lines(out, "usernames", p.usernames);
  put_lines(out, "hashtags", p.hashtags);
  put_lines(out, "keywords", p.keywords);
  put_lines(out, "groups", p.groups);
  put_text(out, "hashtag", p.hashtag);
  put_text(out, "username", p.username);
  put_text(out, "media", p.media);
  put_text(out, "answer_number", p.answer_number);
  put(out, "min", p.min);
  put(out, "max", p.max);
  put(out, "posts", p.posts);
  put(out, "old_posts", p.old_posts);
  put(out, "delay", p.delay);
  put_text(out, "expiry", p.expiry);
  return out;
}

std::optional<add_order> decode_params(std::string_view text) {
  add_order p;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = pair.substr(0, eq);
    auto value = url_decode(pair.substr(eq + 1));
    if (!value) return std::nullopt;
    std::string v = std::move(*value);
    auto number = [&](std::optional<std::int64_t>& field) {
      field = to_int(v);
      return field.has_value();
    };
    bool ok = true;
    if (key == "link")
      p.link = v;
    else if (key == "quantity")
      ok = number(p.quantity);
    else if (key == "runs")
      ok = number(p.runs);
    else if (key == "interval")
      ok = number(p.interval);
    else if (key == "comments")
      p.comments.push_back(v);
    else if (key == "usernames")
      p.usernames.push_back(v);
    else if (key == "hashtags")
      p.hashtags.push_back(v);
    else if (key == "keywords")
      p.keywords.push_back(v);
    else if (key == "groups")
      p.groups.push_back(v);
    else if (key == "hashtag")
      p.hashtag = v;
    else if (key == "username")
      p.username = v;
    else if (key == "media")
      p.media = v;
    else if (key == "answer_number")
      p.answer_number = v;
    else if (key == "min")
      ok = number(p.min);
    else if (key == "max")
      ok = number(p.max);
    else if (key == "posts")
      ok = number(p.posts);
    else if (key == "old_posts")
      ok = number(p.old_posts);
    else if (key == "delay")
      ok = number(p.delay);
    else if (key == "expiry")
      p.expiry = v;
    else
      ok = false;
    if (!ok) return std::nullopt;
  }
  return p;
}

std::int64_t request_hash(std::int64_t service_id, std::string_view encoded) {
  const std::string text = std::to_string(service_id) + '\n' + std::string(encoded);
  return static_cast<std::int64_t>(link_hash(text));
}

prepared_order prepare_order(const panel_order& in, const config& cfg) {
  prepared_order out;
  // The message is for people; reason and field say the same for faces that word it themselves.
  auto fail_as = [&](invalid_reason reason, std::string_view field, std::string why) {
    out.error = std::move(why);
    out.reason = reason;
    out.field = field;
    return out;
  };
  auto missing = [&](std::string_view field, std::string why) {
    return fail_as(invalid_reason::missing_field, field, std::move(why));
  };
  auto bad = [&](std::string_view field, std::string why) {
    return fail_as(invalid_reason::bad_value, field, std::move(why));
  };
  if (in.panel_order_id.empty() || in.panel_order_id.size() > max_panel_id_bytes)
    return bad("panel_order_id",
               "panel_order_id: must be 1.." + std::to_string(max_panel_id_bytes) + " bytes");
  for (const char ch : in.panel_order_id)
    if (static_cast<unsigned char>(ch) < 0x20)
      return bad("panel_order_id", "panel_order_id: control character");
  const service_def* svc = cfg.find_service(in.service_id);
  if (svc == nullptr)
    return fail_as(invalid_reason::unknown_service, "service",
                   "service: no service " + std::to_string(in.service_id));
  out.service = svc;

  add_order p = in.params;
  p.service.clear();
  p.type = svc->type;
  p.link = trim(p.link);
  p.comments = clean_lines(p.comments);
  p.usernames = clean_lines(p.usernames);
  p.hashtags = clean_lines(p.hashtags);
  p.keywords = clean_lines(p.keywords);
  p.groups = clean_lines(p.groups);

  if (takes_link(svc->type) || !p.link.empty()) {
    if (p.link.empty()) return missing("link", "link: required");
    if (!plausible_link(p.link))
      return bad("link", "link: not plausible (1..2048 bytes, no spaces or control characters)");
  }

  std::int64_t quantity = 1;  // package-like types: one unit, priced at rate/1000
  if (takes_quantity(svc->type)) {
    if (!p.quantity) return missing("quantity", "quantity: required");
    quantity = *p.quantity;
  } else if (svc->type == service_type::custom_comments) {
    // The quantity of custom comments is the number of non-empty lines.
    if (p.comments.empty()) return missing("comments", "comments: required for custom comments");
    quantity = static_cast<std::int64_t>(p.comments.size());
    p.quantity.reset();
  } else if (svc->type == service_type::mentions_custom_list) {
    if (p.usernames.empty()) return missing("usernames", "usernames: required for mentions custom list");
    quantity = static_cast<std::int64_t>(p.usernames.size());
    p.quantity.reset();
  } else {
    p.quantity.reset();
  }
  const bool counted = takes_quantity(svc->type) || svc->type == service_type::custom_comments ||
                       svc->type == service_type::mentions_custom_list;
  if (counted && (quantity < svc->min_quantity || quantity > svc->max_quantity))
    return bad("quantity", "quantity: " + std::to_string(quantity) + " outside [" +
                               std::to_string(svc->min_quantity) + ", " + std::to_string(svc->max_quantity) +
                               "]");

  std::int64_t units = quantity;
  if (p.runs || p.interval) {
    if (!svc->dripfeed) return bad("runs", "runs: this service has no drip-feed");
    if (!p.runs || *p.runs < 2) return bad("runs", "runs: drip-feed needs runs >= 2");
    if (!p.interval || *p.interval < 1)
      return bad("interval", "interval: drip-feed needs interval >= 1 minute");
    if (*p.runs > 1'000'000 || quantity > std::numeric_limits<std::int64_t>::max() / *p.runs)
      return bad("runs", "runs: too many");
    units = quantity * *p.runs;
  }

  // The provider's own shape rules (type-specific fields); the service id is per hop.
  add_order probe = p;
  probe.service = "probe";
  providers::add_params_error why;
  if (!providers::add_params(probe, &why))
    return fail_as(why.missing ? invalid_reason::missing_field : invalid_reason::bad_value, why.field,
                   std::move(why.message));

  const money_result charge = charge_for(svc->rate_per_1000, units);
  if (!charge) return bad("quantity", "quantity: charge " + std::string(to_string(charge.error)));

  out.params = std::move(p);
  out.encoded = encode_params(out.params);
  out.request_hash = request_hash(svc->id, out.encoded);
  out.link = normalize_link(out.params.link.empty() ? out.params.username : out.params.link);
  out.quantity = units;
  out.charge = charge.value;
  return out;
}

}  // namespace smm::daemon
