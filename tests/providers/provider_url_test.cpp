#include "providers/provider_url.hpp"

#include <gtest/gtest.h>

namespace smm::providers {
namespace {

TEST(ProviderUrl, HttpsDefaults) {
  const auto r = parse_provider_url("https://JustAnotherPanel.com/api/v2");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->scheme, "https");
  EXPECT_EQ(r.url->host, "justanotherpanel.com");
  EXPECT_EQ(r.url->port, 443);
  EXPECT_EQ(r.url->path, "/api/v2");
  EXPECT_TRUE(r.url->tls());
  EXPECT_EQ(r.url->host_header(), "justanotherpanel.com");
  EXPECT_EQ(r.url->target(), "/api/v2");
}

TEST(ProviderUrl, HttpPortQueryAndBarePath) {
  const auto r = parse_provider_url("HTTP://127.0.0.1:8080?x=1");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->scheme, "http");
  EXPECT_EQ(r.url->port, 8080);
  EXPECT_EQ(r.url->path, "/");
  EXPECT_EQ(r.url->query, "x=1");
  EXPECT_FALSE(r.url->tls());
  EXPECT_EQ(r.url->host_header(), "127.0.0.1:8080");
  EXPECT_EQ(r.url->target(), "/?x=1");
  EXPECT_EQ(parse_provider_url("http://localhost").url->port, 80);
}

TEST(ProviderUrl, Ipv6Literal) {
  const auto r = parse_provider_url("http://[::1]:9000/api/v2");
  ASSERT_TRUE(r.url) << r.error;
  EXPECT_EQ(r.url->host, "::1");
  EXPECT_EQ(r.url->port, 9000);
  EXPECT_EQ(r.url->host_header(), "[::1]:9000");
  const auto d = parse_provider_url("https://[::1]/x");
  ASSERT_TRUE(d.url);
  EXPECT_EQ(d.url->port, 443);
  EXPECT_EQ(d.url->host_header(), "[::1]");
}

TEST(ProviderUrl, Rejects) {
  for (const char* bad : {"panel.example/api/v2", "ftp://x/", "http://", "http://:80/", "http://h:0/",
                          "http://h:65536/", "http://h:/", "http://h:8x/", "http://[::1/", "http://[zz]/",
                          "http://[::1]x/", "http://user:pw@h/", "http://h/#frag", "http://h o/"}) {
    const auto r = parse_provider_url(bad);
    EXPECT_FALSE(r.url) << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
  }
}

}  // namespace
}  // namespace smm::providers
