#include "dispatch/link.hpp"

#include <gtest/gtest.h>

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
  EXPECT_EQ(norm("https://youtu.be/dQw4w9WgXcQ?si=XyZ"), "youtu.be/dQw4w9WgXcQ");
  EXPECT_EQ(norm("https://youtube.com/watch?feature=share&v=dQw&UTM_Medium=x&fbclid=1&gclid=2"),
            "youtube.com/watch?v=dQw");
  EXPECT_EQ(norm("https://x.com/watch?b=2&a=1"), norm("https://x.com/watch?a=1&b=2"));
  EXPECT_EQ(norm("https://x.com/watch?b=2&a=1"), "x.com/watch?a=1&b=2");
  EXPECT_EQ(norm("https://x.com/watch?&&ref=abc&"), "x.com/watch");
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

}  // namespace
}  // namespace smm
