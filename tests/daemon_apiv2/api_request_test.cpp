// Decoding API v2 requests: form bodies, query strings and JSON bodies; repeated keys; the key
// from a parameter or a header; the typed request of every action, the PHP client's missing
// `action`, and the template's error texts.
#include "daemon/apiv2/api_request.hpp"

#include <gtest/gtest.h>

#include <string>

#include "providers/form_decode.hpp"

namespace smm::daemon::apiv2 {
namespace {

using providers::url_decode;

constexpr std::string_view form = "application/x-www-form-urlencoded";

decoded_input post_form(std::string_view body, std::string_view target = "/api/v2") {
  return decode_input({"POST", target, form, body, {}, {}});
}

const std::string* param(const decoded_input& d, std::string_view name) {
  for (const auto& [n, v] : d.params)
    if (n == name) return &v;
  return nullptr;
}

parse_result parse_form(std::string_view body) {
  const auto d = post_form(body);
  EXPECT_TRUE(d.error.empty()) << d.error;
  return parse_request(d.params);
}

TEST(ApiV2Decode, UrlDecodeLikePhp) {
  EXPECT_EQ(url_decode("good+pic%0Agreat%20photo"), "good pic\ngreat photo");
  EXPECT_EQ(url_decode("https%3A%2F%2Fexample.com%2Ftest%3Fa%3D1%26b%3D2"),
            "https://example.com/test?a=1&b=2");
  EXPECT_EQ(url_decode("%e2%9c%93"), "\xe2\x9c\x93");
  // A '%' without two hex digits stays, as PHP's urldecode leaves it.
  EXPECT_EQ(url_decode("100%"), "100%");
  EXPECT_EQ(url_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(url_decode(""), "");
}

TEST(ApiV2Decode, FormBodyAsThePhpClientSendsIt) {
  // What connect() builds: name=urlencode(value) joined by '&'.
  const auto d = post_form(
      "key=secret%2Bkey&action=add&service=1&link=http%3A%2F%2Fexample.com%2Ftest"
      "&comments=good+pic%0Agreat+photo%0A%3A%29%0A%3B%29");
  ASSERT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(d.key, "secret+key");
  EXPECT_EQ(param(d, "key"), nullptr) << "the key never travels with the parameters";
  EXPECT_EQ(*param(d, "action"), "add");
  EXPECT_EQ(*param(d, "link"), "http://example.com/test");
  EXPECT_EQ(*param(d, "comments"), "good pic\ngreat photo\n:)\n;)");
}

TEST(ApiV2Decode, GetQueryStringAndPostWithAQueryToo) {
  auto d = decode_input({"GET", "/api/v2?key=k1&action=status&order=23501", {}, {}, {}, {}});
  ASSERT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(d.key, "k1");
  EXPECT_EQ(*param(d, "order"), "23501");

  d = post_form("action=balance", "/api/v2?key=k2");
  ASSERT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(d.key, "k2");
  EXPECT_EQ(*param(d, "action"), "balance");
}

TEST(ApiV2Decode, JsonBody) {
  const auto d = decode_input({"POST",
                               "/api/v2",
                               "application/json; charset=utf-8",
                               R"({"key":"k","action":"add","service":3,"link":"https://x.y/z","quantity":100,
                                   "orders":[1,2,"3"],"comments":["a","b"],"runs":null,"flag":true})",
                               {},
                               {}});
  ASSERT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(d.key, "k");
  EXPECT_EQ(*param(d, "service"), "3");
  EXPECT_EQ(*param(d, "quantity"), "100");
  EXPECT_EQ(*param(d, "orders"), "1,2,3");
  EXPECT_EQ(*param(d, "comments"), "a\nb");
  EXPECT_EQ(param(d, "runs"), nullptr) << "null is an absent parameter";
  EXPECT_EQ(*param(d, "flag"), "1");
}

TEST(ApiV2Decode, JsonBodyErrorsNameTheProblem) {
  auto bad = [](std::string_view body) {
    return decode_input({"POST", "/api/v2", "application/json", body, {}, {}}).error;
  };
  EXPECT_EQ(bad(R"({"key":)"),
            "Invalid JSON body: The JSON document has an improper structure: missing or superfluous commas, "
            "braces, missing keys, etc.");
  EXPECT_EQ(bad(std::string(5000, '[') + std::string(5000, ']')),
            "Invalid JSON body: The JSON document was too deep (too many nested objects and arrays)");
  EXPECT_EQ(bad(R"({"quantity":1e400})"), "Invalid JSON body: a number is out of range or malformed");
  EXPECT_EQ(bad(R"({"quantity":99999999999999999999})"),
            "Invalid JSON body: a number is out of range or malformed");
  EXPECT_EQ(bad("{\"link\":\"a\tb\"}"), "Invalid JSON body: a string holds an unescaped control character");
  EXPECT_EQ(bad("{\"link\":\"\xC3\x28\"}"), "Invalid JSON body: The input is not valid UTF-8");
  EXPECT_EQ(bad(R"([1,2])"), "Invalid JSON body: expected an object of parameters");
  EXPECT_EQ(bad(R"({"link":{"a":1}})"), "Invalid parameter: link must be a string or a number");
  EXPECT_EQ(bad(R"({"orders":[[1]]})"), "Invalid parameter: orders must be a list of strings or numbers");
  // A fractional quantity reaches the typed layer as text, which refuses it by name.
  const auto d = decode_input(
      {"POST", "/", "application/json", R"({"action":"add","service":1,"quantity":1.5})", {}, {}});
  ASSERT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(parse_request(d.params).error, "Invalid parameter: quantity must be an integer");
}

TEST(ApiV2Decode, ValuesMustBeUtf8AndIntegersInRange) {
  auto form = [](std::string_view body) {
    return decode_input({"POST", "/api/v2", "application/x-www-form-urlencoded", body, {}, {}}).error;
  };
  // Percent-decoded bytes that are not UTF-8 would reach the journal, the provider and every
  // JSON answer.
  EXPECT_EQ(form("action=add&link=https%3A%2F%2Fx.y%2F%C3%28"), "Invalid parameter: link is not valid UTF-8");
  EXPECT_EQ(form("action=add&comments=a%C0%AFb"), "Invalid parameter: comments is not valid UTF-8");
  EXPECT_EQ(form("%C3%28=1&action=balance"), "Invalid parameter name: not valid UTF-8");
  EXPECT_EQ(form("key=%C3%28&action=balance"), "") << "the key is only compared, never stored";
  EXPECT_EQ(form("action=add&comments=caf%C3%A9"), "");
  EXPECT_EQ(parse_form("action=add&service=1&quantity=99999999999999999999").error,
            "Invalid parameter: quantity is out of range");
  EXPECT_EQ(parse_form("action=add&service=1&quantity=-99999999999999999999").error,
            "Invalid parameter: quantity is out of range");
  EXPECT_EQ(parse_form("action=add&service=1&quantity=1e400").error,
            "Invalid parameter: quantity must be an integer");
}

TEST(ApiV2Decode, RepeatedKeys) {
  // List parameters add up, whether repeated plainly or PHP-array style.
  auto d = post_form("orders=1&orders=2&orders%5B%5D=3&orders[7]=4&comments[]=a&comments[]=b");
  ASSERT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(*param(d, "orders"), "1,2,3,4");
  EXPECT_EQ(*param(d, "comments"), "a\nb");
  // The same scalar twice with one value is harmless; with two values it is ambiguous.
  d = post_form("action=status&action=status");
  EXPECT_TRUE(d.error.empty()) << d.error;
  d = post_form("action=add&service=1&quantity=10&quantity=20");
  EXPECT_EQ(d.error, "Parameter given twice with different values: quantity");
  d = post_form("key=a", "/api/v2?key=b");
  EXPECT_EQ(d.error, "Parameter given twice with different values: key");
}

TEST(ApiV2Decode, KeyFromHeaders) {
  auto d = decode_input({"POST", "/api/v2", form, "action=balance", "hdr-key", {}});
  EXPECT_EQ(d.key, "hdr-key");
  d = decode_input({"POST", "/api/v2", form, "action=balance", {}, "Bearer bearer-key"});
  EXPECT_EQ(d.key, "bearer-key");
  d = decode_input({"POST", "/api/v2", form, "action=balance", {}, "bearer  spaced "});
  EXPECT_EQ(d.key, "spaced");
  d = decode_input({"POST", "/api/v2", form, "action=balance", {}, "Basic dXNlcjpwYXNz"});
  EXPECT_EQ(d.key, "") << "only Bearer carries a key";
  // The parameter wins over the headers.
  d = decode_input({"POST", "/api/v2", form, "key=param-key&action=balance", "hdr-key", "Bearer b"});
  EXPECT_EQ(d.key, "param-key");
}

TEST(ApiV2Decode, CapsAndRefusals) {
  std::string many;
  for (int i = 0; i < 11; ++i) many += "p" + std::to_string(i) + "=1&";
  EXPECT_EQ(decode_input({"POST", "/", form, many, {}, {}}, request_limits{10, 100}).error,
            "Too many parameters: at most 10");
  EXPECT_EQ(post_form("action=add&link=a%00b").error, "Invalid parameter: link contains a NUL byte");
  EXPECT_EQ(decode_input({"POST", "/", "multipart/form-data; boundary=x", "--x", {}, {}}).error,
            "Unsupported Content-Type: multipart/form-data (send application/x-www-form-urlencoded or "
            "application/json)");
  // No Content-Type: a body is read as a form (curl's default for a string body).
  EXPECT_TRUE(decode_input({"POST", "/", {}, "action=balance", {}, {}}).error.empty());
  // Empty pairs and names are skipped.
  const auto d = post_form("&&=x&action=services&");
  ASSERT_TRUE(d.error.empty());
  ASSERT_EQ(d.params.size(), 1u);
}

TEST(ApiV2Parse, EveryActionByName) {
  auto r = parse_form("action=services");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->act, action::services);
  r = parse_form("action=balance");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->act, action::balance);
  r = parse_form("action=status&order=23501");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->act, action::status);
  EXPECT_FALSE(r.req->multi);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"23501"}));
  r = parse_form("action=status&orders=1%2C10%2C100");
  ASSERT_TRUE(r) << r.error;
  EXPECT_TRUE(r.req->multi);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"1", "10", "100"}));
  r = parse_form("action=refill&orders=1,2");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->act, action::refill);
  EXPECT_TRUE(r.req->multi);
  r = parse_form("action=refill_status&refill=5");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->act, action::refill_status);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"5"}));
  r = parse_form("action=refill_status&refills=5,6");
  ASSERT_TRUE(r) << r.error;
  EXPECT_TRUE(r.req->multi);
  r = parse_form("action=cancel&orders=9,2");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->act, action::cancel);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"9", "2"}));
  // cancel with a single `order` is answered as a list too.
  r = parse_form("action=cancel&order=9");
  ASSERT_TRUE(r) << r.error;
  EXPECT_TRUE(r.req->multi);
  // Action names are matched without regard to case.
  r = parse_form("action=Balance");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->act, action::balance);
}

TEST(ApiV2Parse, MissingActionIsInferredForThePhpClientsRefillCalls) {
  struct row {
    std::string body;
    action act;
    bool multi;
  };
  for (const auto& [body, act, multi] : std::vector<row>{{"order=7", action::refill, false},
                                                         {"orders=7,8", action::refill, true},
                                                         {"refill=7", action::refill_status, false},
                                                         {"refills=7,8", action::refill_status, true}}) {
    SCOPED_TRACE(body);
    const auto r = parse_form(body);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.req->act, act);
    EXPECT_EQ(r.req->multi, multi);
    EXPECT_TRUE(r.req->inferred);
  }
  EXPECT_EQ(parse_form("").error, "Missing required parameter: action");
  EXPECT_EQ(parse_form("service=1&link=x").error, "Missing required parameter: action");
  EXPECT_EQ(parse_form("order=1&refill=2").error, "Missing required parameter: action") << "ambiguous";
  EXPECT_EQ(parse_form("action=").error, "Missing required parameter: action");
  EXPECT_EQ(parse_form("action=delete_everything").error, "This action is Invalid");
}

TEST(ApiV2Parse, IdsAreTrimmedDeduplicatedAndCapped) {
  auto r = parse_form("action=status&orders=+1+,2,,1,abc");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"1", "2", "abc"})) << "bad ids are answered per id";
  std::string hundred, hundred_one;
  for (int i = 1; i <= 101; ++i) (i <= 100 ? hundred : hundred_one) += std::to_string(i) + ",";
  hundred_one = hundred + hundred_one;
  r = parse_form("action=status&orders=" + hundred);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.req->ids.size(), 100u);
  EXPECT_EQ(parse_form("action=status&orders=" + hundred_one).error, "Too many IDs in orders: at most 100");
  EXPECT_EQ(parse_form("action=status&orders=,").error, "Missing required parameter: orders");
  EXPECT_EQ(parse_form("action=status").error, "Missing required parameter: order");
  EXPECT_EQ(parse_form("action=refill_status").error, "Missing required parameter: refill");
  EXPECT_EQ(parse_form("action=cancel").error, "Missing required parameter: order");
}

TEST(ApiV2Parse, AddCarriesEveryFieldOfTheOrder) {
  const auto r = parse_form(
      "action=add&service=12&link=https%3A%2F%2Fx.y%2Fp&quantity=100&runs=10&interval=60"
      "&comments=a%0D%0Ab%0A%0Ac&usernames=test%2C+testing&hashtags=%23goodphoto&keywords=k1%0Ak2&groups=g1%"
      "0Ag2"
      "&hashtag=test&username=bob&media=https%3A%2F%2Fm&answer_number=7&min=100&max=110&posts=0&old_posts=5"
      "&delay=30&expiry=11%2F11%2F2022&unknown_extra=ignored");
  ASSERT_TRUE(r) << r.error;
  const request& q = *r.req;
  EXPECT_EQ(q.act, action::add);
  EXPECT_EQ(q.service, 12);
  const auto& o = q.order;
  EXPECT_EQ(o.link, "https://x.y/p");
  EXPECT_EQ(o.quantity, 100);
  EXPECT_EQ(o.runs, 10);
  EXPECT_EQ(o.interval, 60);
  EXPECT_EQ(o.comments, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(o.usernames, (std::vector<std::string>{"test, testing"}));
  EXPECT_EQ(o.hashtags, (std::vector<std::string>{"#goodphoto"}));
  EXPECT_EQ(o.keywords, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(o.groups, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(o.hashtag, "test");
  EXPECT_EQ(o.username, "bob");
  EXPECT_EQ(o.media, "https://m");
  EXPECT_EQ(o.answer_number, "7");
  EXPECT_EQ(o.min, 100);
  EXPECT_EQ(o.max, 110);
  EXPECT_EQ(o.posts, 0);
  EXPECT_EQ(o.old_posts, 5);
  EXPECT_EQ(o.delay, 30);
  EXPECT_EQ(o.expiry, "11/11/2022");
  EXPECT_TRUE(o.service.empty()) << "the engine fills the provider's service id per hop";
}

TEST(ApiV2Parse, AddErrorsNameTheParameter) {
  EXPECT_EQ(parse_form("action=add&link=x&quantity=1").error, "Missing required parameter: service");
  EXPECT_EQ(parse_form("action=add&service=&quantity=1").error, "Missing required parameter: service");
  EXPECT_EQ(parse_form("action=add&service=abc").error, "Incorrect service ID");
  EXPECT_EQ(parse_form("action=add&service=0").error, "Incorrect service ID");
  EXPECT_EQ(parse_form("action=add&service=1&quantity=ten").error,
            "Invalid parameter: quantity must be an integer");
  EXPECT_EQ(parse_form("action=add&service=1&quantity=1&runs=2x").error,
            "Invalid parameter: runs must be an integer");
  // Empty optional fields (a panel's blank form inputs) are absent, not zero.
  const auto r = parse_form("action=add&service=1&link=l&quantity=50&runs=&interval=");
  ASSERT_TRUE(r) << r.error;
  EXPECT_FALSE(r.req->order.runs.has_value());
  EXPECT_FALSE(r.req->order.interval.has_value());
  // The documented `intervals` spelling (api-v2.md §1.5).
  const auto v = parse_form("action=add&service=1&link=l&quantity=50&runs=2&intervals=15");
  ASSERT_TRUE(v) << v.error;
  EXPECT_EQ(v.req->order.interval, 15);
}

TEST(ApiV2Decode, ArbitraryBytesNeverThrow) {
  // Deterministic noise biased towards the characters the decoders care about.
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  static constexpr char chars[] = "=&%+[]{}\":,0123456789abcdefkeyorderaction \r\n\x00\xff";
  constexpr std::string_view alphabet(chars, sizeof chars - 1);  // the NUL included
  int errors = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text(next() % 200, ' ');
    for (char& c : text)
      c = (next() % 4 == 0) ? static_cast<char>(next()) : alphabet[next() % alphabet.size()];
    const std::string_view type = (i % 2 == 0) ? form : std::string_view("application/json");
    ASSERT_NO_THROW({
      const auto d =
          decode_input({"POST", "/api/v2?" + text.substr(0, text.size() / 3), type, text, text, text});
      if (!d.error.empty()) {
        ++errors;
      } else {
        const auto r = parse_request(d.params);
        EXPECT_TRUE(r.req.has_value() != !r.error.empty());
      }
    }) << i;
  }
  EXPECT_GT(errors, 0) << "the noise never reached an error path";
}

TEST(ApiV2Parse, IdsAsNumbers) {
  EXPECT_EQ(parse_id("23501"), 23501);
  EXPECT_EQ(parse_id("000000000000000001"), 1);
  EXPECT_FALSE(parse_id("0"));
  EXPECT_FALSE(parse_id("-1"));
  EXPECT_FALSE(parse_id("1e3"));
  EXPECT_FALSE(parse_id(""));
  EXPECT_FALSE(parse_id("1234567890123456789")) << "19 digits may overflow";
}

}  // namespace
}  // namespace smm::daemon::apiv2
