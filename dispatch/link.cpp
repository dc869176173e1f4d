#include "dispatch/link.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace smm {
namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Parameters that only say where a click came from; they never change the target.
constexpr std::array<std::string_view, 17> tracking_keys{
    "igshid", "igsh", "fbclid",  "gclid",   "dclid",   "msclkid",  "yclid", "mc_cid", "mc_eid",
    "si",     "ref",  "ref_src", "ref_url", "feature", "share_id", "_ga",   "_gl"};

bool is_tracking(std::string_view key) {
  if (key.size() >= 4 && iequals(key.substr(0, 4), "utm_")) return true;
  return std::any_of(tracking_keys.begin(), tracking_keys.end(),
                     [key](std::string_view t) { return iequals(key, t); });
}

// Hosts whose single path segment is a case-sensitive id, not a username.
constexpr std::array<std::string_view, 8> id_hosts{"youtu.be", "vm.tiktok.com", "vt.tiktok.com", "t.co",
                                                   "bit.ly",   "goo.gl",        "tinyurl.com",   "fb.watch"};

std::string normalize_query(std::string_view q) {
  std::vector<std::string_view> kept;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view param = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (param.empty()) continue;
    if (is_tracking(param.substr(0, param.find('=')))) continue;
    kept.push_back(param);
  }
  std::sort(kept.begin(), kept.end());
  std::string out;
  for (const auto p : kept) {
    out += out.empty() ? '?' : '&';
    out += p;
  }
  return out;
}

std::string normalize_path(std::string_view path, std::string_view host) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return {};
  // path starts with '/'; count its segments to spot a profile URL ("/User").
  const bool one_segment = path.find('/', 1) == std::string_view::npos;
  const bool id_host = std::find(id_hosts.begin(), id_hosts.end(), host) != id_hosts.end();
  if (one_segment && !id_host) return to_lower(path);
  std::string out(path);
  // Lower-case '@handle' segments wherever they are.
  for (std::size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '/' && out[i + 1] == '@') {
      for (std::size_t j = i + 2; j < out.size() && out[j] != '/'; ++j) out[j] = lower(out[j]);
    }
  }
  return out;
}

std::string normalize_url(std::string_view s) {
  // Scheme: whatever precedes "://" (http, https, HTTPS...), or a bare "//".
  if (const auto p = s.find("://"); p != std::string_view::npos && s.find('/') > p) {
    s.remove_prefix(p + 3);
  } else if (s.starts_with("//")) {
    s.remove_prefix(2);
  }
  if (const auto f = s.find('#'); f != std::string_view::npos) s = s.substr(0, f);
  std::string_view query;
  if (const auto q = s.find('?'); q != std::string_view::npos) {
    query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  const auto slash = s.find('/');
  std::string_view authority = s.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view{} : s.substr(slash);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string host = to_lower(authority);
  if (host.ends_with(":80") || host.ends_with(":443")) host.erase(host.rfind(':'));
  if (host.ends_with('.')) host.pop_back();
  if (host.starts_with("www.")) host.erase(0, 4);
  std::string out = std::move(host);
  out += normalize_path(path, out);
  out += normalize_query(query);
  return out;
}

}  // namespace

normalized_link normalize_link(std::string_view raw) {
  while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
  std::string text;
  const bool bare = raw.find('/') == std::string_view::npos && raw.find('.') == std::string_view::npos;
  if (raw.starts_with('@') || (bare && !raw.empty())) {
    if (raw.starts_with('@')) raw.remove_prefix(1);
    // Appending (not "@" + string) also sidesteps GCC 12's false -Wrestrict at -O3.
    text.reserve(raw.size() + 1);
    text += '@';
    text += to_lower(raw);
  } else {
    text = normalize_url(raw);
  }
  const auto h = link_hash(text);
  return {std::move(text), h};
}

}  // namespace smm
