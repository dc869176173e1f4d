#include "dispatch/link.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>
#include <vector>

// The rules and the reason for each are in docs/links.md; this file only implements them.
namespace smm {
namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

void lower_in_place(std::string& s) {
  for (char& c : s) c = lower(c);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::any_of(set.begin(), set.end(), [s](std::string_view t) { return iequals(s, t); });
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Bytes never written raw into the canonical form: whitespace and controls would be
// trimmed or mangled by whatever stores or prints the key.
bool must_escape(unsigned char b) { return b <= 0x20 || b == 0x7f; }

void append_escaped(std::string& out, unsigned char b) {
  constexpr std::string_view digits = "0123456789ABCDEF";
  out += '%';
  out += digits[b >> 4];
  out += digits[b & 0xf];
}

// Decodes %XX escapes once. A decoded byte in `keep` (one that would change how the
// canonical form splits: '?', '&', '%'...) stays escaped, with upper-case hex; so do
// whitespace and controls. The '%' of an invalid escape stays too, as "%25" when '%' is
// kept: raw, it could form an escape with the bytes decoded after it ("%%66" -> "%f6"), and
// the canonical form would not read back as itself.
std::string decode(std::string_view in, std::string_view keep) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto b = static_cast<unsigned char>(in[i]);
    if (b == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        b = static_cast<unsigned char>(hi * 16 + lo);
        i += 2;
        if (must_escape(b) || keep.find(static_cast<char>(b)) != std::string_view::npos) {
          append_escaped(out, b);
        } else {
          out += static_cast<char>(b);
        }
        continue;
      }
    }
    if (must_escape(b) || (b == '%' && keep.find('%') != std::string_view::npos)) {
      append_escaped(out, b);
    } else {
      out += static_cast<char>(b);
    }
  }
  return out;
}

// Bytes a query keeps escaped when it decodes a name or value: they would split it ('+'
// means a space in a query).
constexpr std::string_view query_keep = "%&=#+";

// Parameters that only say where a click came from or how it was shared; they never
// change the target. Matched case-insensitively; every "utm_*" is one too.
constexpr std::array<std::string_view, 29> tracking_keys{
    "igsh",   "igshid", "is_from_webapp", "sender_device", "_r",      "_t",      "mibextid", "si",
    "fbclid", "gclid",  "dclid",          "gbraid",        "wbraid",  "msclkid", "yclid",    "ttclid",
    "twclid", "mc_cid", "mc_eid",         "ref",           "ref_src", "ref_url", "feature",  "share_id",
    "_ga",    "_gl",    "rdid",           "share_url",     "sfnsn"};

bool is_tracking(std::string_view key) {
  if (istarts_with(key, "utm_")) return true;
  return std::any_of(tracking_keys.begin(), tracking_keys.end(),
                     [key](std::string_view t) { return iequals(key, t); });
}

struct param {
  std::string key;   // decoded
  std::string text;  // decoded "key=value", or "key" when there was no '='
};

struct url_parts {
  std::string host;
  std::vector<std::string> segs;  // decoded path segments, none empty
  std::vector<param> params;      // decoded, tracking parameters already gone
};

// Hosts that are other names of one site, after the www./m./mobile. prefix is gone.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> host_aliases{{
    {"twitter.com", "x.com"},
    {"fb.com", "facebook.com"},
    {"web.facebook.com", "facebook.com"},
    {"mbasic.facebook.com", "facebook.com"},
    {"touch.facebook.com", "facebook.com"},
    {"instagr.am", "instagram.com"},
    {"telegram.me", "t.me"},
    {"telegram.dog", "t.me"},
    {"threads.net", "threads.com"},
    {"youtube-nocookie.com", "youtube.com"},
    {"vk.ru", "vk.com"},
}};

std::string fold_host(std::string host) {
  lower_in_place(host);
  while (host.ends_with('.')) host.pop_back();
  // A prefix is dropped only while a dotted name remains, so "m.me" (Messenger) stays.
  for (bool again = true; again;) {
    again = false;
    for (const std::string_view prefix : {"www.", "m.", "mobile."}) {
      if (host.starts_with(prefix) && host.find('.', prefix.size()) != std::string::npos) {
        host.erase(0, prefix.size());
        again = true;
      }
    }
  }
  for (const auto& [alias, name] : host_aliases) {
    if (host == alias) return std::string(name);
  }
  return host;
}

void keep_only(url_parts& u, std::initializer_list<std::string_view> keys) {
  std::erase_if(u.params, [keys](const param& p) {
    return std::none_of(keys.begin(), keys.end(), [&p](std::string_view k) { return p.key == k; });
  });
}

void lower_seg(url_parts& u, std::size_t i) {
  if (i < u.segs.size()) lower_in_place(u.segs[i]);
}

void erase_seg(url_parts& u, std::size_t i) { u.segs.erase(u.segs.begin() + static_cast<std::ptrdiff_t>(i)); }

void to_youtube_watch(url_parts& u, std::string id) {
  u.host = "youtube.com";
  u.segs = {"watch"};
  u.params.clear();
  // The id was decoded by the path's rules; a query keeps other bytes escaped ('&' would end
  // the parameter) and others not ("%3F"), so it is written in the query's form.
  std::string escaped;
  for (const char c : id) {
    if (c == '&')
      append_escaped(escaped, static_cast<unsigned char>(c));
    else
      escaped += c;
  }
  u.params.push_back({"v", "v=" + decode(escaped, query_keep)});
}

// instagram.com: /<user>, /p|reel|reels|tv/<shortcode>, /stories/<user>/<id>.
void instagram(url_parts& u) {
  const auto is_media = [](std::string_view s) { return is_one_of(s, {"p", "reel", "reels", "tv"}); };
  const auto reserved = [&](std::string_view s) {
    return is_media(s) || is_one_of(s, {"stories", "explore", "s", "accounts", "direct", "about", "legal"});
  };
  auto& s = u.segs;
  // The app's deep-link form of a profile. Rules that drop a segment repeat, here and below,
  // so that a canonical form reads back as itself.
  while (!s.empty() && iequals(s[0], "_u")) erase_seg(u, 0);
  // A post under its author ("/bob/p/CODE") is the post itself.
  if (s.size() >= 3 && !reserved(s[0]) && is_media(s[1])) erase_seg(u, 0);
  u.params.clear();  // img_index, hl, igsh...: never a different target
  if (s.empty()) return;
  if (s.size() >= 2 && is_media(s[0]) && !iequals(s[1], "audio")) {
    s[0].assign(1, 'p');  // a shortcode names the media, whatever page shows it (and no GCC 12 -Wrestrict)
  } else if (iequals(s[0], "stories")) {
    lower_seg(u, 0);
    if (s.size() >= 2 && !iequals(s[1], "highlights")) lower_seg(u, 1);
  } else if (iequals(s[0], "explore")) {
    for (auto& seg : s) lower_in_place(seg);  // tag and place names
  } else if (!iequals(s[0], "s")) {
    lower_seg(u, 0);  // a username; "/s/<id>" (highlights) keeps its case
  }
}

// x.com (and twitter.com): /<handle>, /<handle>/status/<id>, /i/web/status/<id>.
void twitter(url_parts& u) {
  auto& s = u.segs;
  // A status id names the post on its own; the handle before it is decoration (it
  // changes on a rename, and any handle resolves), and photo/1, analytics... are views.
  for (std::size_t k = 1; k + 1 < s.size() && k <= 2; ++k) {
    if (is_one_of(s[k], {"status", "statuses"}) && all_digits(s[k + 1])) {
      std::string id = std::move(s[k + 1]);
      s = {"i", "status", std::move(id)};
      break;
    }
  }
  if (!s.empty() && s[0] != "i") {
    lower_seg(u, 0);
    if (iequals(s[0], "hashtag")) lower_seg(u, 1);
  }
  u.params.clear();  // s=20&t=..., ref_src, lang: share decoration only
}

// youtube.com and youtu.be: a video is youtube.com/watch?v=<id> whatever page shows it.
void youtube(url_parts& u) {
  auto& s = u.segs;
  if (u.host == "youtu.be") {
    if (s.empty()) return;
    std::string id = std::move(s[0]);
    to_youtube_watch(u, std::move(id));
    return;
  }
  if (s.size() >= 2 && is_one_of(s[0], {"shorts", "live", "embed", "v", "e"})) {
    std::string id = std::move(s[1]);
    to_youtube_watch(u, std::move(id));
    return;
  }
  if (s.empty()) return;
  // The first segment is a keyword or a case-insensitive name: "@handle", or a legacy
  // custom URL ("/PewDiePie"). Ids (channel/UC..., post/Ugkx...) come after it.
  lower_seg(u, 0);
  if (is_one_of(s[0], {"c", "user"})) lower_seg(u, 1);
  // Only v (a video) and list (a playlist) name a target; t, si, pp, feature... do not.
  if (s[0] == "watch") {
    keep_only(u, {"v"});
  } else {
    keep_only(u, {"list"});
  }
}

// tiktok.com: /@user, /@user/video/<digits>, /t/<code> (case kept).
void tiktok(url_parts& u) { u.params.clear(); }  // '@' segments are lower-cased for every host

// facebook.com: vanity names are case-insensitive; ids (pfbid..., share codes) are not.
void facebook(url_parts& u) {
  auto& s = u.segs;
  if (s.empty()) return;
  if (iequals(s[0], "groups") || iequals(s[0], "hashtag")) {
    lower_seg(u, 0);
    lower_seg(u, 1);  // a group's vanity name or number, a tag
  } else if (!is_one_of(s[0], {"profile.php", "permalink.php", "story.php",  "photo.php", "photo",
                               "photos",      "watch",         "reel",       "share",     "videos",
                               "events",      "pages",         "people",     "stories",   "gaming",
                               "marketplace", "l.php",         "sharer.php", "media",     "notes"})) {
    lower_seg(u, 0);  // a page or profile name; /posts/<pfbid...> after it keeps its case
  }
  // The query names the target only through these; the rest (__cft__, __tn__, ...) is
  // tracking that Facebook renames often.
  keep_only(u, {"id", "story_fbid", "fbid", "v", "comment_id", "reply_comment_id"});
}

// t.me: /<username>[/<post>], /s/<username> (web preview), /+<invite>, /c/<id>/<post>.
void telegram(url_parts& u) {
  auto& s = u.segs;
  while (s.size() >= 2 && iequals(s[0], "s")) erase_seg(u, 0);  // any case: usernames are lowered below
  if (!s.empty() && !s[0].starts_with('+') &&
      !is_one_of(s[0], {"joinchat", "addlist", "addstickers", "addemoji", "c", "proxy", "socks", "share",
                        "iv", "login", "contact", "invoice"})) {
    lower_seg(u, 0);  // usernames are case-insensitive; invite hashes are not
  }
  // comment/thread point at a reply, start* at a bot entry; single, embed are display.
  keep_only(u, {"comment", "thread", "start", "startgroup", "startapp"});
}

// open.spotify.com: every id is base62 (case kept); "/intl-de/" and "/embed/" are views.
void spotify(url_parts& u) {
  auto& s = u.segs;
  while (!s.empty() && (istarts_with(s[0], "intl-") || iequals(s[0], "embed"))) erase_seg(u, 0);
  u.params.clear();  // si, context, nd: share decoration
}

// twitch.tv: /<channel> (case-insensitive), /videos/<digits>, /<channel>/clip/<slug>.
void twitch(url_parts& u) {
  auto& s = u.segs;
  if (s.size() >= 3 && iequals(s[1], "clip")) {
    std::string slug = std::move(s[2]);
    u.host = "clips.twitch.tv";
    s = {std::move(slug)};
  } else if (u.host == "twitch.tv") {
    lower_seg(u, 0);
  }
  u.params.clear();  // t=1h2m3s (a moment of a VOD), tt_*: same target
}

// vk.com: screen names and wall/photo ids are case-insensitive.
void vk(url_parts& u) { lower_seg(u, 0); }

struct platform {
  std::string_view host;
  void (*rule)(url_parts&);
};

constexpr std::array<platform, 12> platforms{{
    {"instagram.com", instagram},
    {"x.com", twitter},
    {"youtube.com", youtube},
    {"youtu.be", youtube},
    {"tiktok.com", tiktok},
    {"facebook.com", facebook},
    {"t.me", telegram},
    {"open.spotify.com", spotify},
    {"twitch.tv", twitch},
    {"clips.twitch.tv", twitch},
    {"vk.com", vk},
    {"threads.com", [](url_parts&) {}},
}};

std::vector<std::string> split_path(std::string_view path) {
  // Decoded first, so "%2F" separates segments like '/' does.
  const std::string decoded = decode(path, "%?#");
  std::vector<std::string> segs;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;  // "a//b", "a/./b", trailing '/'
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      continue;
    }
    segs.emplace_back(seg);
  }
  return segs;
}

std::vector<param> split_query(std::string_view q) {
  std::vector<param> out;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view raw = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (raw.empty()) continue;
    const auto eq = raw.find('=');
    param p{decode(raw.substr(0, eq), query_keep), {}};
    if (is_tracking(p.key)) continue;
    p.text = p.key;
    if (eq != std::string_view::npos) {
      p.text += '=';
      p.text += decode(raw.substr(eq + 1), query_keep);
    }
    out.push_back(std::move(p));
  }
  return out;
}

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool is_scheme(std::string_view s) {
  if (s.empty() || lower(s[0]) < 'a' || lower(s[0]) > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (lower(c) >= 'a' && lower(c) <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

std::string normalize_url(std::string_view s) {
  // Scheme: a scheme name before "://" (http, https, HTTPS...), or a bare "//". A "://" after
  // anything else is not one: "site.com?u=https://x.com/a" is a link to site.com.
  if (const auto p = s.find("://"); p != std::string_view::npos && is_scheme(s.substr(0, p))) {
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
  // A port follows the first ':' (a host name holds none, RFC 3986), or the first ':' after
  // an IPv6 "[...]". Not the last one: "a.b:80:80" would lose a ":80" now and another when its
  // canonical form is read again.
  std::string_view port;
  auto colon = authority.find(':');
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    colon = close == std::string_view::npos ? std::string_view::npos : authority.find(':', close);
  }
  if (colon != std::string_view::npos) {
    port = authority.substr(colon + 1);
    authority = authority.substr(0, colon);
  }

  url_parts u;
  u.host = fold_host(decode(authority, "%/?#@:"));
  if (!port.empty() && port != "80" && port != "443") {
    u.host += ':';
    u.host += decode(port, "%/?#@:");
  }
  u.segs = split_path(path);
  u.params = split_query(query);

  // "@handle" segments are usernames on every site that has them (TikTok, YouTube,
  // Threads, Medium...).
  for (auto& seg : u.segs) {
    if (seg.starts_with('@')) lower_in_place(seg);
  }
  for (const platform& p : platforms) {
    if (u.host == p.host) {
      p.rule(u);
      break;
    }
  }

  std::sort(u.params.begin(), u.params.end(), [](const param& a, const param& b) { return a.text < b.text; });
  u.params.erase(std::unique(u.params.begin(), u.params.end(),
                             [](const param& a, const param& b) { return a.text == b.text; }),
                 u.params.end());
  std::string out = std::move(u.host);
  for (const auto& seg : u.segs) {
    out += '/';
    out += seg;
  }
  char sep = '?';
  for (const auto& p : u.params) {
    out += sep;
    out += p.text;
    sep = '&';
  }
  return out;
}

}  // namespace

normalized_link normalize_link(std::string_view raw) {
  while (!raw.empty() && is_space(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
  // A whole link copied out of another link's query ("https%3A%2F%2F...") is decoded
  // once first; its own escapes are then decoded with the rest.
  std::string unwrapped;
  if (raw.find("://") == std::string_view::npos &&
      (istarts_with(raw, "http%3A%2F%2F") || istarts_with(raw, "https%3A%2F%2F"))) {
    unwrapped = decode(raw, "");
    raw = unwrapped;
  }
  std::string text;
  const bool bare = raw.find('/') == std::string_view::npos && raw.find('.') == std::string_view::npos;
  if (raw.starts_with('@') || (bare && !raw.empty())) {
    std::string name = decode(raw, "%");
    if (name.starts_with('@')) name.erase(0, 1);
    lower_in_place(name);
    // Appending (not "@" + string) also sidesteps GCC 12's false -Wrestrict at -O3.
    text.reserve(name.size() + 1);
    text += '@';
    text += name;
  } else {
    text = normalize_url(raw);
  }
  const auto h = link_hash(text);
  return {std::move(text), h};
}

}  // namespace smm
