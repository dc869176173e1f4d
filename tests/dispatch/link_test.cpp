#include "dispatch/link.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace smm {
namespace {

std::string norm(std::string_view s) { return normalize_link(s).text; }

TEST(link, scheme_and_www_insensitive) {
  const auto base = norm("https://www.instagram.com/p/Cx1AbC/");
  EXPECT_EQ(base, "instagram.com/p/Cx1AbC");
  EXPECT_EQ(norm("http://instagram.com/p/Cx1AbC"), base);
  EXPECT_EQ(norm("instagram.com/p/Cx1AbC"), base);
  EXPECT_EQ(norm("HTTPS://WWW.Instagram.COM/p/Cx1AbC"), base);
  EXPECT_EQ(norm("//instagram.com/p/Cx1AbC"), base);
  EXPECT_EQ(norm("https://instagram.com:443/p/Cx1AbC"), base);
  EXPECT_EQ(norm("  https://instagram.com/p/Cx1AbC\n"), base);
}

TEST(link, post_ids_keep_their_case) {
  EXPECT_NE(norm("instagram.com/p/Cx1AbC"), norm("instagram.com/p/cx1abc"));
  EXPECT_NE(norm("https://youtu.be/dQw4w9WgXcQ"), norm("https://youtu.be/dqw4w9wgxcq"));
  EXPECT_NE(norm("youtube.com/watch?v=dQw4w9WgXcQ"), norm("youtube.com/watch?v=dqw4w9wgxcq"));
}

TEST(link, trailing_slash_and_fragment_ignored) {
  EXPECT_EQ(norm("https://t.me/channel/"), norm("https://t.me/channel"));
  EXPECT_EQ(norm("https://t.me/channel///"), norm("https://t.me/channel"));
  EXPECT_EQ(norm("https://site.com/a/b#comments"), "site.com/a/b");
  EXPECT_EQ(norm("https://site.com/"), "site.com");
}

TEST(link, tracking_parameters_ignored_others_kept_sorted) {
  EXPECT_EQ(norm("https://www.instagram.com/p/Cx1/?igshid=abc123"), "instagram.com/p/Cx1");
  EXPECT_EQ(norm("https://www.instagram.com/p/Cx1/?igsh=abc&utm_source=ig_web"), "instagram.com/p/Cx1");
  EXPECT_EQ(norm("https://youtu.be/dQw4w9WgXcQ?si=XyZ"), "youtube.com/watch?v=dQw4w9WgXcQ");
  EXPECT_EQ(norm("https://youtube.com/watch?feature=share&v=dQw&UTM_Medium=x&fbclid=1&gclid=2"),
            "youtube.com/watch?v=dQw");
  EXPECT_EQ(norm("https://site.com/watch?b=2&a=1"), norm("https://site.com/watch?a=1&b=2"));
  EXPECT_EQ(norm("https://site.com/watch?b=2&a=1"), "site.com/watch?a=1&b=2");
  EXPECT_EQ(norm("https://site.com/watch?&&ref=abc&"), "site.com/watch");
}

TEST(link, usernames_case_insensitive) {
  EXPECT_EQ(norm("@SomeUser"), "@someuser");
  EXPECT_EQ(norm("SomeUser"), "@someuser");
  EXPECT_EQ(norm("@some.user"), "@some.user");
  EXPECT_EQ(norm("https://instagram.com/SomeUser/"), norm("instagram.com/someuser"));
  EXPECT_EQ(norm("https://www.tiktok.com/@SomeUser/video/7312345"), "tiktok.com/@someuser/video/7312345");
  EXPECT_EQ(norm("https://www.youtube.com/@Channel"), norm("youtube.com/@channel"));
}

TEST(link, user_info_and_odd_input) {
  EXPECT_EQ(norm("https://user:pw@Site.com/a"), "site.com/a");
  EXPECT_EQ(norm(""), "");
  EXPECT_EQ(norm("   "), "");
}

// Real-shaped pairs: "same" ones must share a key (else a second order on the target
// goes through), "different" ones must not (else a legitimate order is held).
struct link_pair {
  std::string_view a;
  std::string_view b;
  bool same;
};

constexpr bool same = true;
constexpr bool different = false;

const link_pair link_pairs[] = {
    // Instagram: shortcodes keep their case; the kind of page (p, reel, reels, tv) and an
    // author before it do not matter; usernames are case-insensitive.
    {"https://www.instagram.com/p/C7xYz12AbCd/?utm_source=ig_web_copy_link&igsh=MzRlODBiNWFlZA==",
     "instagram.com/p/C7xYz12AbCd", same},
    {"https://www.instagram.com/reel/C8kLmN0pQrS/?igsh=MWd4Z3Bx", "https://instagram.com/reels/C8kLmN0pQrS/",
     same},
    {"https://instagram.com/reel/C8kLmN0pQrS", "https://www.instagram.com/p/C8kLmN0pQrS/", same},
    {"https://www.instagram.com/natgeo/p/C9aBcDeFgHi/?img_index=2", "instagram.com/p/C9aBcDeFgHi", same},
    {"https://www.instagram.com/NatGeo/?hl=en", "http://m.instagram.com/natgeo", same},
    {"https://instagram.com/_u/NatGeo", "instagram.com/natgeo", same},
    {"https://instagr.am/p/C7xYz12AbCd", "instagram.com/p/C7xYz12AbCd", same},
    {"https://www.instagram.com/stories/NatGeo/3391234567890123456/?utm_source=ig_story_item_share",
     "instagram.com/stories/natgeo/3391234567890123456", same},
    {"https://www.instagram.com/explore/tags/%D0%BC%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/",
     "instagram.com/explore/tags/\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0", same},
    {"https%3A%2F%2Fwww.instagram.com%2Fp%2FC7xYz12AbCd%2F%3Figsh%3Dabc", "instagram.com/p/C7xYz12AbCd",
     same},
    {"instagram.com/p/C7xYz12AbCd", "instagram.com/p/C7xyz12abcd", different},
    {"instagram.com/natgeo", "instagram.com/natgeotravel", different},
    {"instagram.com/s/aGlnaGxpZ2h0OjE3OTk", "instagram.com/s/aglnaGxpz2h0ojE3otk", different},
    {"instagram.com/p/C7xYz12AbCd", "instagram.com/p/C7xYz12AbCd/c/17890123456789012", different},

    // TikTok: "@user" is case-insensitive (also as %40), video ids are digits, share
    // codes (vm., vt., /t/) keep their case.
    {"https://www.tiktok.com/@khaby.lame/video/"
     "7312345678901234567?is_from_webapp=1&sender_device=pc&web_id=7311",
     "https://m.tiktok.com/@Khaby.Lame/video/7312345678901234567", same},
    {"https://www.tiktok.com/@khaby.lame?_t=8kLmNoPqRsT&_r=1", "tiktok.com/@KHABY.LAME/", same},
    {"https://www.tiktok.com/%40khaby.lame/video/7312345678901234567",
     "tiktok.com/@khaby.lame/video/7312345678901234567", same},
    {"https://vm.tiktok.com/ZMhAbC123/", "https://vm.tiktok.com/ZMhabc123/", different},
    {"https://www.tiktok.com/t/ZTRkAbCdE/", "tiktok.com/t/ZTRkabcde", different},
    {"tiktok.com/@khaby.lame/video/7312345678901234567", "tiktok.com/@khaby.lame/video/7312345678901234568",
     different},

    // X / Twitter: one host; a status id names the post whatever handle precedes it.
    {"https://twitter.com/elonmusk/status/1790000000000000000?s=20&t=AbCdEfGhIjKl",
     "https://x.com/ElonMusk/status/1790000000000000000", same},
    {"https://mobile.twitter.com/NASA", "x.com/nasa", same},
    {"https://x.com/i/web/status/1790000000000000000",
     "https://x.com/nasa/status/1790000000000000000/photo/1", same},
    {"https://twitter.com/NASA?ref_src=twsrc%5Egoogle%7Ctwcamp%5Eserp", "https://www.x.com/nasa/", same},
    {"x.com/nasa/status/1790000000000000000", "x.com/nasa/status/1790000000000000001", different},
    {"x.com/i/spaces/1YqKDgNbzMVJV", "x.com/i/spaces/1yqkdgnbzmvjv", different},
    {"x.com/nasa", "x.com/nasa_jpl", different},

    // YouTube: a video is watch?v=<id> whatever page shows it (youtu.be, shorts, live);
    // ids keep their case, @handles and legacy names do not.
    {"https://youtu.be/dQw4w9WgXcQ?si=AbCdEf123", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", same},
    {"https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=youtu.be&t=42", "youtube.com/watch?v=dQw4w9WgXcQ",
     same},
    {"https://www.youtube.com/watch?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&v=dQw4w9WgXcQ&index=3&pp=iAQB",
     "youtube.com/watch?v=dQw4w9WgXcQ", same},
    {"https://youtube.com/shorts/aBcD3fGh1jK?si=xYz", "https://youtu.be/aBcD3fGh1jK", same},
    {"https://www.youtube.com/live/jfKfPfyJRdk?si=QrStUv", "youtube.com/watch?v=jfKfPfyJRdk", same},
    {"https://www.youtube.com/@MrBeast/videos", "youtube.com/@mrbeast/videos", same},
    {"https://www.youtube.com/@MrBeast?sub_confirmation=1", "https://youtube.com/@mrbeast", same},
    {"youtube.com/c/MrBeast6000", "https://www.youtube.com/c/mrbeast6000/", same},
    {"https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&si=AbC",
     "youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG", same},
    {"youtube.com/watch?v=dQw4w9WgXcQ", "youtube.com/watch?v=dQw4w9WgXcq", different},
    {"youtube.com/shorts/aBcD3fGh1jK", "youtube.com/shorts/abcd3fgh1jk", different},
    {"youtube.com/channel/UCX6OQ3DkcsbYNE6H8uQQuVA", "youtube.com/channel/ucx6oq3dkcsbyne6h8uqquva",
     different},
    {"youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG",
     "youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYg", different},
    {"youtube.com/@mrbeast", "youtube.com/@mrbeast2", different},

    // Facebook: every front end is facebook.com; only id-bearing parameters count.
    {"https://m.facebook.com/story.php?story_fbid=pfbid02xYzAbC&id=100064&mibextid=Nif5oz",
     "https://www.facebook.com/story.php?id=100064&story_fbid=pfbid02xYzAbC", same},
    {"https://web.facebook.com/Meta/?_rdc=1&_rdr", "facebook.com/meta", same},
    {"https://www.facebook.com/profile.php?id=100012345678901&__cft__[0]=AZXy&__tn__=-R",
     "fb.com/profile.php?id=100012345678901", same},
    {"https://www.facebook.com/watch/?v=1234567890123456&extid=CL-UNK-UNK",
     "https://facebook.com/watch?v=1234567890123456", same},
    {"https://mbasic.facebook.com/groups/SMMPanelIndo/permalink/123456",
     "facebook.com/groups/smmpanelindo/permalink/123456", same},
    {"facebook.com/Meta/posts/pfbid02AbCdEfGh", "facebook.com/meta/posts/pfbid02abcdefgh", different},
    {"facebook.com/profile.php?id=100012345678901", "facebook.com/profile.php?id=100012345678902", different},
    {"facebook.com/share/p/1AbCdEfGh/", "facebook.com/share/p/1abcdefgh/", different},
    {"https://fb.watch/qWeRtY12/", "https://fb.watch/qwerty12/", different},

    // Telegram: usernames are case-insensitive, invite hashes are not.
    {"https://t.me/DurovsChannel/123", "https://telegram.me/durovschannel/123/", same},
    {"https://t.me/s/durov", "t.me/Durov", same},
    {"https://t.me/durov/42?single", "t.me/durov/42", same},
    {"https://t.me/+AbCdEfGhIjK1MmNn", "https://t.me/+abcdefghijk1mmnn", different},
    {"t.me/joinchat/AAAAAEkDkmzFjYs0", "t.me/joinchat/aaaaaekdkmzfjys0", different},
    {"t.me/durov/42", "t.me/durov/43", different},

    // Spotify: base62 ids keep their case; the locale segment and the share query go.
    {"https://open.spotify.com/intl-de/track/4cOdK2wGLETKBW3PvgPWqT?si=1a2b3c4d5e6f",
     "https://open.spotify.com/track/4cOdK2wGLETKBW3PvgPWqT", same},
    {"https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=abc&nd=1",
     "open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M", same},
    {"open.spotify.com/track/4cOdK2wGLETKBW3PvgPWqT", "open.spotify.com/track/4codk2wgletkbw3pvgpwqt",
     different},
    {"open.spotify.com/track/4cOdK2wGLETKBW3PvgPWqT", "open.spotify.com/album/4cOdK2wGLETKBW3PvgPWqT",
     different},

    // Twitch: channels are case-insensitive, clip slugs are not.
    {"https://www.twitch.tv/Shroud", "https://m.twitch.tv/shroud/", same},
    {"https://www.twitch.tv/shroud/clip/AwkwardHelplessSalamanderSwiftRage-abc123?filter=clips",
     "https://clips.twitch.tv/AwkwardHelplessSalamanderSwiftRage-abc123", same},
    {"twitch.tv/videos/2012345678?t=1h2m3s", "https://www.twitch.tv/videos/2012345678", same},
    {"clips.twitch.tv/AwkwardHelplessSalamanderSwiftRage-abc123",
     "clips.twitch.tv/awkwardhelplesssalamanderswiftrage-abc123", different},

    // Other sites.
    {"https://www.threads.net/@Zuck/post/C8AbCdEfGhI", "threads.com/@zuck/post/C8AbCdEfGhI", same},
    {"threads.com/@zuck/post/C8AbCdEfGhI", "threads.com/@zuck/post/C8abcdefghi", different},
    {"https://vk.com/Durov", "https://m.vk.com/durov", same},

    // Shorteners and unknown hosts: the path keeps its case.
    {"http://bit.ly/3AbCdEf?utm_source=twitter&utm_medium=social", "bit.ly/3AbCdEf", same},
    {"https://bit.ly/3AbCdEf", "https://bit.ly/3abcdef", different},
    {"https://t.co/AbC123xYz", "https://t.co/abc123xyz", different},
    {"https://goo.gl/maps/AbCdEfGh", "https://goo.gl/maps/abcdefgh", different},
    {"https://tinyurl.com/Yc4ab7Xz", "tinyurl.com/yc4ab7xz", different},
    {"https://rb.gy/AbC12", "rb.gy/abc12", different},
    {"HTTP://Example.COM:80/Path/", "https://example.com/Path#top", same},
    {"https://shop.example.com/item?id=7&color=red",
     "https://shop.example.com/item?color=red&id=7&utm_campaign=spring&fbclid=IwAR0x", same},
    {"https://example.com/Path", "https://example.com/path", different},
    {"https://example.com:8443/a", "https://example.com/a", different},

    // Percent-escapes: decoded once; an escape that would change the structure stays.
    {"https://example.com/a%2Fb", "example.com/a/b", same},
    {"https://example.com/%7Euser/p%61ge", "example.com/~user/page", same},
    {"https://example.com/a%3Fb", "example.com/a?b", different},
    {"https://example.com/item?q=a%26b", "example.com/item?q=a&b", different},

    // Bare usernames.
    {"@KhabyLame", "khabylame", same},
    {"%40KhabyLame", " @khabylame ", same},
    {"@khaby.lame", "@khaby_lame", different},
};

TEST(link, real_shaped_pairs) {
  std::size_t same_pairs = 0;
  for (const auto& [a, b, want_same] : link_pairs) {
    const auto na = normalize_link(a);
    const auto nb = normalize_link(b);
    if (want_same) {
      ++same_pairs;
      EXPECT_EQ(na.text, nb.text) << a << "\n" << b;
      EXPECT_EQ(na.hash, nb.hash) << a;
    } else {
      EXPECT_NE(na.text, nb.text) << a << "\n" << b;
      EXPECT_NE(na.hash, nb.hash) << a;
    }
    // The canonical form is a fixed point: normalizing it again changes nothing.
    EXPECT_EQ(norm(na.text), na.text) << a;
    EXPECT_EQ(norm(nb.text), nb.text) << b;
  }
  const std::size_t different_pairs = std::size(link_pairs) - same_pairs;
  EXPECT_GE(same_pairs, 20u);
  EXPECT_GE(different_pairs, 20u);
}

TEST(link, canonical_forms) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"https://www.instagram.com/reel/C8kLmN0pQrS/?igsh=MWd4", "instagram.com/p/C8kLmN0pQrS"},
      {"https://youtu.be/dQw4w9WgXcQ?t=42", "youtube.com/watch?v=dQw4w9WgXcQ"},
      {"https://youtube.com/shorts/aBcD3fGh1jK", "youtube.com/watch?v=aBcD3fGh1jK"},
      {"https://twitter.com/NASA/status/1790000000000000000?s=20", "x.com/i/status/1790000000000000000"},
      {"https://mobile.twitter.com/NASA", "x.com/nasa"},
      {"https://m.facebook.com/Meta", "facebook.com/meta"},
      {"https://telegram.me/Durov", "t.me/durov"},
      {"https://www.m.me/SomePage", "m.me/SomePage"},  // Messenger's own short host: not an "m." prefix
      {"https://m.com/a", "m.com/a"},
      {"https://[::1]:8080/a", "[::1]:8080/a"},
      {"https://example.com:/a", "example.com/a"},
      {"https://example.com/a/./b/../c", "example.com/a/c"},
      {"https://example.com/a%zz%4", "example.com/a%25zz%254"},  // an invalid escape's '%' is a '%'
      {"https://example.com/a%25zz", "example.com/a%25zz"},
      {"https://example.com/%2541", "example.com/%2541"},  // decoded once, not twice
      {"https://example.com/a%00b%0a", "example.com/a%00b%0A"},
      {"https://example.com/a b", "example.com/a%20b"},
      {"https://example.com/?q=a+b%2Bc&UTM_Source=x&utm%5Fmedium=y", "example.com?q=a+b%2Bc"},
      {"@Some%20User", "@some%20user"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(norm(in), want) << in;
}

TEST(link, never_throws_on_weird_bytes) {
  const std::string fixed[] = {"%",
                               "%%",
                               "%4",
                               "%zz",
                               std::string("\0\0", 2),
                               "http://",
                               "://",
                               "?",
                               "#",
                               "@",
                               "//",
                               "///",
                               "[::1]:",
                               "https://[",
                               "..",
                               "/../..",
                               "https://@",
                               "https://:",
                               "a:b@",
                               std::string(10000, '%'),
                               "https://a/%2e%2e/%2e%2e/b",
                               "https%3A%2F%2F",
                               "\xff\xfe\xfd",
                               "https://x.com/i/status"};
  for (const auto& s : fixed) {
    EXPECT_NO_THROW(normalize_link(s)) << s;
  }
  // A deterministic stream of short strings over bytes that matter to the parser, and
  // every other byte now and then.
  constexpr std::string_view alphabet = "%/?#@:.&=+-_~[]2Ffa09Zwm x";
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  const auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(state >> 33);
  };
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const std::uint32_t n = next() % 48;
    for (std::uint32_t j = 0; j < n; ++j) {
      const std::uint32_t r = next();
      s += (r & 7) == 0 ? static_cast<char>(r >> 8) : alphabet[(r >> 8) % alphabet.size()];
    }
    normalized_link l;
    ASSERT_NO_THROW(l = normalize_link(s));
    EXPECT_EQ(l.hash, link_hash(l.text));
    for (const char c : l.text) {
      const auto b = static_cast<unsigned char>(c);
      ASSERT_TRUE(b > 0x20 && b != 0x7f) << "byte " << int{b} << " in the form of input #" << i;
    }
  }
}

TEST(link, hash_follows_the_normalized_text) {
  const auto a = normalize_link("https://www.instagram.com/p/Cx1/?igshid=1");
  const auto b = normalize_link("instagram.com/p/Cx1");
  const auto c = normalize_link("instagram.com/p/Cx2");
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_NE(a.hash, c.hash);
  EXPECT_EQ(a.hash, link_hash(a.text));
  // FNV-1a 64 reference values: stored hashes must not change between builds.
  static_assert(link_hash("") == 14695981039346656037ull);
  static_assert(link_hash("a") == 0xaf63dc4c8601ec8cull);
}

// Inputs fuzz/link_normalizer_fuzz found whose canonical form did not read back as itself:
// then a link and its own canonical spelling had different keys.
TEST(link, canonical_form_reads_back_as_itself) {
  using namespace std::string_view_literals;
  const std::string_view found[] = {
      // "://" inside the query was taken for the end of a scheme
      ".e/?\xff\xff\xff\xff\xff\xff\xff=\x17://\0\0\0\0\0\0\xfb\xdb"sv,
      // a raw '%' formed an escape with the byte decoded after it
      "%%6666666666666666666666666666666\xc5"
      "e\0"sv,
      // two ports: one dropped per reading
      "ok.z:80:80",
      // a youtu.be id moved into the query: '&' split it, "%3F" was decoded there
      "hptts://youtu.be/&qw4\r\r\r\r\r\r\r\rc'",
      "https://youtu.be/dqw4w\xbc\xbc]\xbc\xbc"
      "9w\x0e\x0e\x0e%3F\x0e\x0egxcq",
      // a dropped segment revealed another of the same kind
      "https://open.spotify.com/intl-ify.com/intl-deetps?",
      "//instagram.com/_U/\xb2o",
      "https://t.me/s/S/channel",
  };
  for (const std::string_view raw : found) {
    const std::string once = norm(raw);
    EXPECT_EQ(norm(once), once) << "input " << ::testing::PrintToString(std::string(raw));
  }
}

TEST(link, scheme_is_a_scheme_name) {
  // A link inside the query of a scheme-less link is not its target.
  EXPECT_EQ(norm("site.com?u=https://x.com/a"), "site.com?u=https://x.com/a");
  EXPECT_NE(norm("site.com?u=https://x.com/a"), norm("x.com/a"));
  EXPECT_EQ(norm("HTTPS://Site.com/a"), "site.com/a");
  EXPECT_EQ(norm("svn+ssh://site.com/a"), "site.com/a");
}

TEST(link, youtube_id_keeps_its_bytes_in_the_query) {
  EXPECT_EQ(norm("https://youtu.be/a&b"), "youtube.com/watch?v=a%26b");
  EXPECT_NE(norm("https://youtu.be/a&b"), norm("https://youtu.be/a"));
  EXPECT_EQ(norm("https://youtu.be/a%3Fb"), "youtube.com/watch?v=a?b");
}

TEST(link, port_follows_the_first_colon) {
  EXPECT_EQ(norm("https://site.com:8080/a"), "site.com:8080/a");
  EXPECT_EQ(norm("https://[::1]:8080/a"), "[::1]:8080/a");
  EXPECT_EQ(norm("https://[::1]/a"), "[::1]/a");
  EXPECT_EQ(norm("ok.z:80:80"), "ok.z:80:80");
}

}  // namespace
}  // namespace smm
