// Single-value checks: URLs, listen addresses, names.
#include "config/value_parsers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace smm {
namespace {

TEST(ParseUrl, SplitsSchemeHostPortTarget) {
  auto u = parse_url("https://panel.example.com:8443/api/v2?x=1");
  ASSERT_TRUE(u.value) << u.error;
  EXPECT_TRUE(u.value->https);
  EXPECT_EQ(u.value->host, "panel.example.com");
  EXPECT_EQ(u.value->port, 8443);
  EXPECT_EQ(u.value->target, "/api/v2?x=1");

  u = parse_url("http://127.0.0.1:18081/api/v2");
  ASSERT_TRUE(u.value) << u.error;
  EXPECT_FALSE(u.value->https);
  EXPECT_EQ(u.value->port, 18081);

  u = parse_url("HTTPS://h.example");
  ASSERT_TRUE(u.value) << u.error;
  EXPECT_EQ(u.value->port, 443);
  EXPECT_EQ(u.value->target, "/");

  u = parse_url("http://h.example?action=add");
  ASSERT_TRUE(u.value) << u.error;
  EXPECT_EQ(u.value->port, 80);
  EXPECT_EQ(u.value->target, "/?action=add");

  u = parse_url("http://[::1]:9000/api");
  ASSERT_TRUE(u.value) << u.error;
  EXPECT_EQ(u.value->host, "::1");
  EXPECT_EQ(u.value->port, 9000);
}

TEST(ParseUrl, RejectsWhatIsNotAProviderUrl) {
  for (std::string_view bad :
       {"", "h.example/api", "ftp://h/", "https://", "http://:80/", "https://a@b/", "https://h:65536/",
        "https://h:x/", "http://[::1/", "http://[zz]:1/", "https://h/\tx", "https://h/#f"})
    EXPECT_FALSE(parse_url(bad).value) << bad;
}

TEST(ParseListenAddress, AcceptsIpLiteralsAndLocalhost) {
  EXPECT_EQ(parse_listen_address("127.0.0.1:8080").value, (listen_address{"127.0.0.1", 8080}));
  EXPECT_EQ(parse_listen_address("[::1]:9464").value, (listen_address{"::1", 9464}));
  EXPECT_EQ(parse_listen_address("localhost:1").value, (listen_address{"localhost", 1}));
  for (std::string_view bad :
       {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "example.com:80", "[::1]", ":80", "300.1.1.1:80"})
    EXPECT_FALSE(parse_listen_address(bad).value) << bad;
}

TEST(IsLoopback, OnlyLoopbackAddresses) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.9.8.7"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
  EXPECT_FALSE(is_loopback("::"));
  EXPECT_FALSE(is_loopback("128.0.0.1"));
}

TEST(Names, ProviderNamesEnvNamesCurrencies) {
  EXPECT_TRUE(is_valid_name("upstream-a_2"));
  EXPECT_FALSE(is_valid_name("Upstream"));
  EXPECT_FALSE(is_valid_name(""));
  EXPECT_FALSE(is_valid_name(std::string(65, 'a')));
  EXPECT_TRUE(is_env_name("SMM_KEY_1"));
  EXPECT_TRUE(is_env_name("_x"));
  EXPECT_FALSE(is_env_name("1X"));
  EXPECT_FALSE(is_env_name("A-B"));
  EXPECT_TRUE(is_currency_code("IDR"));
  EXPECT_FALSE(is_currency_code("usd"));
  EXPECT_FALSE(is_currency_code("USDT"));
}

}  // namespace
}  // namespace smm
