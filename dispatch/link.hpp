#pragma once
// Link normalization (domain.md "Duplicate links"): two spellings of the same target
// must compare equal, so a second order on it is caught. Pure string work, no I/O.
#include <cstdint>
#include <string>
#include <string_view>

namespace smm {

/// A normalized link and its 64-bit hash (the key the order record and index keep).
struct normalized_link {
  std::string text;        ///< canonical form, e.g. "instagram.com/p/Cx1?igsh" -> "instagram.com/p/Cx1"
  std::uint64_t hash = 0;  ///< link_hash(text)
};

/// Canonical form of a link the panel sent:
/// - surrounding whitespace trimmed;
/// - a bare username ("@User", or one word without '/' or '.') becomes "@user";
/// - a URL loses its scheme (http, https, none), user info, default port (80, 443),
///   a leading "www." and a trailing '.', and its host is lower-cased;
/// - trailing slashes and the fragment are dropped;
/// - a path segment starting with '@' (TikTok, YouTube handles) is lower-cased, and so
///   is a one-segment path ("instagram.com/User"), except on hosts whose one segment is
///   a case-sensitive id (youtu.be, short-link hosts);
/// - query tracking parameters (utm_*, igshid, igsh, fbclid, gclid, si, ref, ...) are
///   dropped, the others kept and sorted, so their order does not matter.
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
