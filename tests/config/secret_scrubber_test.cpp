// The scrubber that masks keys in outside text: every fragment form, keys at the start, middle
// and end, the encodings a provider echoes a key in, and the minimum length below which a key
// is not searched for on its own.
#include "config/secret_scrubber.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace smm {
namespace {

constexpr std::string_view key = "Kx7pQ2mZ9vLr4T8w";

struct row {
  std::string_view name;
  std::string in;
  std::string want;
};

TEST(SecretScrubber, KnownKeyAnywhereAndInEveryEncoding) {
  const std::string k{key};
  const secret_scrubber s({k, "p@ss w/rd+&\"x"});
  const std::vector<row> rows = {
      {"alone", k, "***"},
      {"at start", k + " was refused", "*** was refused"},
      {"in the middle", "the key " + k + " is invalid", "the key *** is invalid"},
      {"at end", "refused: " + k, "refused: ***"},
      {"twice", k + "," + k, "***,***"},
      {"in an html page", "<pre>" + k + "</pre>", "<pre>***</pre>"},
      {"after a percent escape", "key%3D" + k + "%26action", "key%3D***%26action"},
      {"after a JSON escape", "line\\n" + k, "line\\n***"},
      {"percent-encoded, upper hex", "x p%40ss+w%2Frd%2B%26%22x y", "x *** y"},
      {"percent-encoded, lower hex", "x p%40ss+w%2frd%2b%26%22x y", "x *** y"},
      {"percent-encoded, %20 space", "x p%40ss%20w%2Frd%2B%26%22x y", "x *** y"},
      {"raw with specials", "x p@ss w/rd+&\"x y", "x *** y"},
      {"JSON-escaped", R"({"error":"p@ss w/rd+&\"x"})", R"({"error":"***"})"},
      {"JSON-escaped slash", R"({"error":"p@ss w\/rd+&\"x"})", R"({"error":"***"})"},
      {"HTML-escaped", "<b>p@ss w/rd+&amp;&quot;x</b>", "<b>***</b>"},
      {"inside a longer word: kept", "ab" + k + "cd", "ab" + k + "cd"},
      {"a prefix alone: kept", std::string(key.substr(0, 10)), std::string(key.substr(0, 10))},
  };
  for (const auto& r : rows) EXPECT_EQ(s.scrub(r.in), r.want) << r.name;
}

// Fragments are masked whatever their value, known or not.
TEST(SecretScrubber, EveryFragmentForm) {
  const std::vector<row> rows = {
      {"form key first", "key=abc&action=add", "key=***&action=add"},
      {"form key last", "action=add&key=abc", "action=add&key=***"},
      {"query", "GET /api/v2?action=balance&key=abc HTTP/1.1", "GET /api/v2?action=balance&key=*** HTTP/1.1"},
      {"api_key", "api_key=abc", "api_key=***"},
      {"token", "see token=a.b-c_d+e/f== here", "see token=*** here"},
      {"access_token", "access_token=xyz&x=1", "access_token=***&x=1"},
      {"upper case", "KEY=abc;", "KEY=***;"},
      {"url-encoded value", "key=a%2Fb%2Bc&x", "key=***&x"},
      {"json member", R"({"key":"abc","action":"add"})", R"({"key":"***","action":"add"})"},
      {"json member with spaces", R"({"api_key" : "abc"})", R"({"api_key" : "***"})"},
      {"json number", R"({"key": 12345, "x": 1})", R"({"key": ***, "x": 1})"},
      {"escaped json", R"(echo: {\"key\":\"abc\"})", R"(echo: {\"key\":\"***\"})"},
      {"authorization bearer", "Authorization: Bearer abc.def\r\nHost: x",
       "Authorization: Bearer ***\r\nHost: x"},
      {"authorization basic", "authorization: Basic dXNlcjpwYXNz", "authorization: Basic ***"},
      {"authorization bare", "Authorization: abc", "Authorization: ***"},
      {"x-api-key", "X-Api-Key: abc\nnext", "X-Api-Key: ***\nnext"},
      {"x-api-key no space", "x-api-key:abc", "x-api-key:***"},
      {"bearer alone", "sent Bearer abc to", "sent Bearer *** to"},
      {"url user and password", "https://user:pa55@panel.example/api", "https://***@panel.example/api"},
      {"url user only", "http://user@h/", "http://***@h/"},
      {"url without credentials", "https://panel.example/api?x=1", "https://panel.example/api?x=1"},
      {"url with query key", "https://h/api/v2?key=abc", "https://h/api/v2?key=***"},
      {"prose keeps its words", "invalid key: Incorrect API key", "invalid key: Incorrect API key"},
      {"prose with equals", "quantity=100 service=1", "quantity=100 service=1"},
      {"empty value", "key=&action=add", "key=&action=add"},
      {"bearer inside a word", "unbearer x", "unbearer x"},
  };
  for (const auto& r : rows) EXPECT_EQ(scrub_fragments(r.in), r.want) << r.name;
  const secret_scrubber none;
  for (const auto& r : rows) EXPECT_EQ(none.scrub(r.in), r.want) << r.name;
}

// A short key is a word or a number that also appears in ordinary text: it is masked only where
// it travels as a credential.
TEST(SecretScrubber, ShortKeysAreMaskedOnlyAsFragments) {
  const secret_scrubber s({"abc", "12345", "", std::string(min_secret_length, 'z')});
  EXPECT_EQ(s.scrub("abc order 12345 of abc"), "abc order 12345 of abc");
  EXPECT_EQ(s.scrub("key=abc&orders=12345"), "key=***&orders=12345");
  EXPECT_EQ(s.scrub("X-Api-Key: 12345"), "X-Api-Key: ***");
  EXPECT_EQ(s.scrub("a zzzzzz b"), "a *** b") << "a key of min_secret_length is searched for";
}

// A key of digits never cuts into a longer number (an order id, a charge).
TEST(SecretScrubber, KeyInsideALongerNumberIsKept) {
  const secret_scrubber s({"123456"});
  EXPECT_EQ(s.scrub(R"({"order":91234567,"charge":"0.1234567"})"),
            R"({"order":91234567,"charge":"0.1234567"})");
  EXPECT_EQ(s.scrub("key 123456."), "key ***.");
}

TEST(SecretScrubber, SetReplacesTheKeys) {
  secret_scrubber s({"old-key-value"});
  EXPECT_EQ(s.scrub("old-key-value new-key-value"), "*** new-key-value");
  s.set({"new-key-value"});
  EXPECT_EQ(s.scrub("old-key-value new-key-value"), "old-key-value ***");
}

TEST(SecretScrubber, ScrubWhileKeysRotate) {
  secret_scrubber s({"first-secret"});
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) s.set({i % 2 ? "first-secret" : "second-secret"});
  });
  for (int i = 0; i < 2000; ++i) {
    const std::string out = s.scrub("first-secret second-secret");
    EXPECT_TRUE(out == "*** second-secret" || out == "first-secret ***") << out;
  }
  writer.join();
}

}  // namespace
}  // namespace smm
