#pragma once
// Link normalization (domain.md "Duplicate links"): two spellings of the same target
// must compare equal, so a second order on it is caught, and two different targets must
// not, so a legitimate order is not held. Pure string work, no I/O. The rules, site by
// site, and the reason for each are in docs/links.md.
#include <cstdint>
#include <string>
#include <string_view>

namespace smm {

/// A normalized link and its 64-bit hash (the key the order record and index keep).
struct normalized_link {
  std::string text;        ///< canonical form, e.g. "instagram.com/p/Cx1?igsh" -> "instagram.com/p/Cx1"
  std::uint64_t hash = 0;  ///< link_hash(text)
};

/// Canonical form of a link the panel sent (docs/links.md has every rule):
/// - surrounding whitespace trimmed; never throws on any bytes (whitespace and controls
///   inside come out as %XX, so the form holds no whitespace);
/// - a bare username ("@User", "User": no '/' and no '.') becomes "@user";
/// - a URL loses its scheme, user info, default port (80, 443), fragment, trailing and
///   doubled slashes; its host is lower-cased, loses "www.", "m.", "mobile." and is
///   folded to one name per site (twitter.com -> x.com, youtu.be/ID ->
///   youtube.com/watch?v=ID, fb.com -> facebook.com, telegram.me -> t.me, ...);
/// - percent-escapes are decoded once ("%2F" splits the path like '/'; an escape that
///   would change the structure, such as "%3F" in a path or "%26" in a query, stays);
/// - tracking and share parameters (utm_*, igsh, igshid, si, fbclid, ...) are dropped,
///   the others kept and sorted; on sites whose query never names the target
///   (Instagram, TikTok, X, Spotify, Twitch) the whole query goes;
/// - usernames are lower-cased ("@handle" segments everywhere, the profile segment on
///   known sites); ids keep their case (post shortcodes, video ids, shortener codes),
///   and so does every path on an unknown host.
/// A username and a profile URL are not unified: the link alone does not say which
/// platform a bare username belongs to.
normalized_link normalize_link(std::string_view raw);

/// FNV-1a 64 of the text: stable across runs and builds, so it may be stored.
/// 1M distinct links collide with probability about 3e-8.
constexpr std::uint64_t link_hash(std::string_view text) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace smm
