#include "config/config.hpp"

#include <algorithm>
#include <array>

#include "config/schema.hpp"

namespace smm {

std::string listen_address::to_string() const {
  if (host.find(':') != std::string::npos) return '[' + host + "]:" + std::to_string(port);
  return host + ':' + std::to_string(port);
}

const provider_config* config::find_provider(std::string_view name) const {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

const service_def* config::find_service(std::int64_t id) const {
  for (const auto& s : services)
    if (s.id == id) return &s;
  return nullptr;
}

namespace {
// Compares without an early exit on the first differing byte, so the time taken does not
// tell a caller how much of a guessed key was right.
bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

struct type_name {
  service_type type;
  std::string_view name;
};

constexpr std::array<type_name, 15> type_names{{
    {service_type::default_, "default"},
    {service_type::package, "package"},
    {service_type::custom_comments, "custom_comments"},
    {service_type::custom_comments_package, "custom_comments_package"},
    {service_type::mentions, "mentions"},
    {service_type::mentions_with_hashtags, "mentions_with_hashtags"},
    {service_type::mentions_custom_list, "mentions_custom_list"},
    {service_type::mentions_hashtag, "mentions_hashtag"},
    {service_type::mentions_user_followers, "mentions_user_followers"},
    {service_type::mentions_media_likers, "mentions_media_likers"},
    {service_type::comment_likes, "comment_likes"},
    {service_type::poll, "poll"},
    {service_type::seo, "seo"},
    {service_type::subscriptions, "subscriptions"},
    {service_type::invites_from_groups, "invites_from_groups"},
}};

}  // namespace

const panel_key* config::find_panel_key(std::string_view key) const {
  const panel_key* found = nullptr;
  // No early return: every key is compared whichever matches.
  for (const auto& k : daemon.panel_keys)
    if (equal_constant_time(k.key.reveal(), key) && found == nullptr) found = &k;
  return found;
}

std::vector<std::string> config::secrets() const {
  std::vector<std::string> out;
  for (const auto& p : providers) out.push_back(p.key.reveal());
  for (const auto& k : daemon.panel_keys) out.push_back(k.key.reveal());
  // The DSN whole; its password alone is masked by the scrubber's `password=` and URL rules.
  if (!journal.dsn.empty()) out.push_back(journal.dsn.reveal());
  return out;
}

std::string_view to_string(service_type t) {
  for (const auto& n : type_names)
    if (n.type == t) return n.name;
  return "unknown";
}

std::optional<service_type> parse_service_type(std::string_view text) {
  const std::string folded = fold_name(text);
  if (folded.empty()) return std::nullopt;
  for (const auto& n : type_names)
    if (fold_name(n.name) == folded) return n.type;
  return std::nullopt;
}

const std::vector<service_type>& all_service_types() {
  static const std::vector<service_type> all = [] {
    std::vector<service_type> v;
    for (const auto& n : type_names) v.push_back(n.type);
    return v;
  }();
  return all;
}

std::string_view to_string(request_style s) {
  switch (s) {
    case request_style::form:
      return "form";
    case request_style::get:
      return "get";
    case request_style::json:
      return "json";
  }
  return "form";
}

std::string_view to_string(key_placement k) { return k == key_placement::header ? "header" : "body"; }

std::string_view to_string(duplicate_link_policy p) {
  switch (p) {
    case duplicate_link_policy::reject:
      return "reject";
    case duplicate_link_policy::hold:
      return "hold";
    case duplicate_link_policy::allow:
      return "allow";
  }
  return "reject";
}

}  // namespace smm
