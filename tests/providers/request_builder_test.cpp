// Exact bytes of every action in every request style (api-v2.md §1-§3, §10).
#include "providers/request_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smm::providers {
namespace {

provider_url url(const char* text = "https://panel.example/api/v2") { return *parse_provider_url(text).url; }

request_builder form(const char* key = "k3y") { return request_builder(url(), key); }

const std::string form_ct = "application/x-www-form-urlencoded";

TEST(RequestBuilder, UrlencodeMatchesPhp) {
  EXPECT_EQ(form_urlencode("aZ09-_.~ +/&=\n:é"), "aZ09-_.%7E+%2B%2F%26%3D%0A%3A%C3%A9");
  EXPECT_EQ(form_urlencode("http://example.com/test?a=1&b=2"),
            "http%3A%2F%2Fexample.com%2Ftest%3Fa%3D1%26b%3D2");
}

TEST(RequestBuilder, FormPostEveryAction) {
  const auto b = form();
  const std::vector<std::string> ids{"1", "2", "3"};
  struct row {
    http_request req;
    std::string body;
  };
  const std::vector<row> rows{
      {b.services(), "key=k3y&action=services"},
      {b.balance(), "key=k3y&action=balance"},
      {b.status("23501"), "key=k3y&action=status&order=23501"},
      {*b.status_multi(ids).request, "key=k3y&action=status&orders=1%2C2%2C3"},
      {b.refill("7"), "key=k3y&action=refill&order=7"},
      {*b.refill_multi(ids).request, "key=k3y&action=refill&orders=1%2C2%2C3"},
      {b.refill_status("ref_1"), "key=k3y&action=refill_status&refill=ref_1"},
      {*b.refill_status_multi(ids).request, "key=k3y&action=refill_status&refills=1%2C2%2C3"},
      {*b.cancel(ids).request, "key=k3y&action=cancel&orders=1%2C2%2C3"},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(r.req.method, "POST");
    EXPECT_EQ(r.req.target, "/api/v2");
    EXPECT_EQ(r.req.content_type, form_ct);
    EXPECT_EQ(r.req.body, r.body);
    EXPECT_TRUE(r.req.headers.empty());
  }
}

std::string add_body(const add_order& o) {
  const auto r = form().add(o);
  EXPECT_TRUE(r) << r.error;
  return r ? r.request->body : r.error;
}

TEST(RequestBuilder, AddEveryServiceType) {
  using st = service_type;
  const std::string head = "key=k3y&action=add&service=1&link=http%3A%2F%2Fexample.com%2Ftest";
  add_order o{.service = "1", .type = st::default_, .link = "http://example.com/test", .quantity = 100};
  EXPECT_EQ(add_body(o), head + "&quantity=100");
  o.runs = 10;
  o.interval = 60;
  EXPECT_EQ(add_body(o), head + "&quantity=100&runs=10&interval=60");  // drip-feed

  add_order p{.service = "1", .type = st::package, .link = "http://example.com/test", .quantity = 5};
  EXPECT_EQ(add_body(p), head);  // no quantity for packages

  add_order c{.service = "1",
              .type = st::custom_comments,
              .link = "http://example.com/test",
              .comments = {"good pic", "great photo", ":)", ";)"}};
  EXPECT_EQ(add_body(c), head + "&comments=good+pic%0Agreat+photo%0A%3A%29%0A%3B%29");

  add_order mh{.service = "1",
               .type = st::mentions_with_hashtags,
               .link = "http://example.com/test",
               .quantity = 100,
               .usernames = {"test", "testing"},
               .hashtags = {"#goodphoto"}};
  EXPECT_EQ(add_body(mh), head + "&quantity=100&usernames=test%0Atesting&hashtags=%23goodphoto");

  add_order ml{.service = "1",
               .type = st::mentions_custom_list,
               .link = "http://example.com/test",
               .usernames = {"test", "example", "fb"}};
  EXPECT_EQ(add_body(ml), head + "&usernames=test%0Aexample%0Afb");

  add_order mhash{.service = "1",
                  .type = st::mentions_hashtag,
                  .link = "http://example.com/test",
                  .quantity = 100,
                  .hashtag = "test"};
  EXPECT_EQ(add_body(mhash), head + "&quantity=100&hashtag=test");

  add_order mentions{.service = "1",
                     .type = st::mentions,
                     .link = "http://example.com/test",
                     .quantity = 1000,
                     .usernames = {"test"}};
  EXPECT_EQ(add_body(mentions), head + "&quantity=1000&usernames=test");

  add_order muf{.service = "1",
                .type = st::mentions_user_followers,
                .link = "http://example.com/test",
                .quantity = 1000,
                .username = "test"};
  EXPECT_EQ(add_body(muf), head + "&quantity=1000&username=test");

  add_order media{.service = "1",
                  .type = st::mentions_media_likers,
                  .link = "http://example.com/test",
                  .quantity = 100,
                  .media = "http://example.com/p/1"};
  EXPECT_EQ(add_body(media), head + "&quantity=100&media=http%3A%2F%2Fexample.com%2Fp%2F1");

  add_order likes{.service = "1",
                  .type = st::comment_likes,
                  .link = "http://example.com/test",
                  .quantity = 100,
                  .username = "test"};
  EXPECT_EQ(add_body(likes), head + "&quantity=100&username=test");

  add_order poll{.service = "1",
                 .type = st::poll,
                 .link = "http://example.com/test",
                 .quantity = 100,
                 .answer_number = "7"};
  EXPECT_EQ(add_body(poll), head + "&quantity=100&answer_number=7");

  add_order seo{.service = "1",
                .type = st::seo,
                .link = "http://example.com/test",
                .quantity = 100,
                .keywords = {"buy likes", "smm"}};
  EXPECT_EQ(add_body(seo), head + "&quantity=100&keywords=buy+likes%0Asmm");

  add_order groups{.service = "1",
                   .type = st::invites_from_groups,
                   .link = "http://example.com/test",
                   .quantity = 100,
                   .groups = {"group1", "group2"}};
  EXPECT_EQ(add_body(groups), head + "&quantity=100&groups=group1%0Agroup2");

  add_order sub{.service = "1", .type = st::subscriptions, .link = "ignored", .username = "username"};
  sub.min = 100;
  sub.max = 110;
  sub.posts = 0;
  sub.delay = 30;
  sub.expiry = "11/11/2022";
  EXPECT_EQ(add_body(sub),
            "key=k3y&action=add&service=1&username=username&min=100&max=110&posts=0&delay=30"
            "&expiry=11%2F11%2F2022");
  sub.posts.reset();
  sub.old_posts = 5;
  sub.expiry.clear();
  EXPECT_EQ(add_body(sub),
            "key=k3y&action=add&service=1&username=username&min=100&max=110&old_posts=5&delay=30");
}

TEST(RequestBuilder, AddCarriesTheRequestIdOnlyWhenSet) {
  // Providers that honour an idempotency key get it last (api-v2.md §3); the others never see it.
  add_order o{.service = "1", .link = "http://example.com/test", .quantity = 100};
  const std::string head = "key=k3y&action=add&service=1&link=http%3A%2F%2Fexample.com%2Ftest&quantity=100";
  EXPECT_EQ(add_body(o), head);
  o.request_id = "smm-42-1700000000-00ff";
  EXPECT_EQ(add_body(o), head + "&request_id=smm-42-1700000000-00ff");
  o.runs = 3;
  o.interval = 5;
  EXPECT_EQ(add_body(o), head + "&runs=3&interval=5&request_id=smm-42-1700000000-00ff");
  const auto json = request_builder(url(), "k3y", {.style = request_style::json_post}).add(o);
  ASSERT_TRUE(json) << json.error;
  EXPECT_NE(json.request->body.find("\"request_id\":\"smm-42-1700000000-00ff\""), std::string::npos)
      << json.request->body;
}

TEST(RequestBuilder, AddRefusesIncompleteOrders) {
  using st = service_type;
  auto error_of = [](const add_order& o) { return form().add(o).error; };
  EXPECT_EQ(error_of({.service = "1", .link = "l"}), "add: missing 'quantity' for this service type");
  EXPECT_EQ(error_of({.service = "1", .link = "l", .quantity = 0}),
            "add: missing 'quantity' for this service type");
  EXPECT_EQ(error_of({.service = "1", .quantity = 5}), "add: missing 'link' for this service type");
  EXPECT_EQ(error_of({.link = "l", .quantity = 5}), "add: missing 'service' for this service type");
  EXPECT_EQ(error_of({.service = "1", .type = st::custom_comments, .link = "l"}),
            "add: missing 'comments' for this service type");
  EXPECT_EQ(error_of({.service = "1", .type = st::poll, .link = "l", .quantity = 5}),
            "add: missing 'answer_number' for this service type");
  EXPECT_EQ(error_of({.service = "1", .link = "l", .quantity = 5, .runs = 3}),
            "add: missing 'interval' for this service type");
  EXPECT_EQ(error_of({.service = "1",
                      .type = st::seo,
                      .link = "l",
                      .quantity = 5,
                      .runs = 3,
                      .interval = 5,
                      .keywords = {"k"}}),
            "add: runs/interval (drip-feed) apply to Default services only");
  add_order sub{.service = "1", .type = st::subscriptions, .username = "u"};
  sub.min = 1;
  sub.max = 2;
  EXPECT_EQ(error_of(sub), "add: missing 'delay' for this service type");
}

TEST(RequestBuilder, MultiIdLimitsAndChunking) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 250; ++i) ids.push_back(std::to_string(i));
  const auto b = form();
  EXPECT_TRUE(b.status_multi(std::span(ids).first(100)));
  const auto too_many = b.status_multi(std::span(ids).first(101));
  EXPECT_FALSE(too_many);
  EXPECT_EQ(too_many.error, "status: 101 ids, at most 100 per request (use chunk_ids)");
  EXPECT_EQ(b.cancel({}).error, "cancel: no ids");
  const std::vector<std::string> comma{"1", "2,3"};
  EXPECT_EQ(b.status_multi(comma).error, "status: id '2,3' is empty or contains ','");

  const auto chunks = chunk_ids(ids);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].size(), 100u);
  EXPECT_EQ(chunks[1].size(), 100u);
  EXPECT_EQ(chunks[2].size(), 50u);
  EXPECT_EQ(chunks[0].front(), "1");
  EXPECT_EQ(chunks[1].front(), "101");
  EXPECT_EQ(chunks[2].back(), "250");
  for (const auto& c : chunks) EXPECT_TRUE(b.status_multi(c));
  EXPECT_TRUE(chunk_ids({}).empty());
  EXPECT_EQ(chunk_ids(std::span(ids).first(7), 3).size(), 3u);
}

TEST(RequestBuilder, GetQueryString) {
  const request_builder b(url("http://panel.example/api/v2"), "k y", {.style = request_style::get_query});
  const auto r = b.status("5");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/api/v2?key=k+y&action=status&order=5");
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(r.content_type.empty());
  // A query already in the configured URL is kept in front.
  const request_builder q(url("http://panel.example/api/v2?lang=en"), "k",
                          {.style = request_style::get_query});
  EXPECT_EQ(q.balance().target, "/api/v2?lang=en&key=k&action=balance");
}

TEST(RequestBuilder, JsonBody) {
  const request_builder b(url(), "k\"1", {.style = request_style::json_post});
  const std::vector<std::string> ids{"1", "2", "3"};
  const auto r = *b.refill_status_multi(ids).request;
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"key":"k\"1","action":"refill_status","refills":"1,2,3"})");
  add_order c{.service = "1",
              .type = service_type::custom_comments,
              .link = "http://x/y",
              .comments = {"a\"b", "c\\d", "\x01"}};
  EXPECT_EQ(
      b.add(c).request->body,
      R"({"key":"k\"1","action":"add","service":"1","link":"http://x/y","comments":"a\"b\nc\\d\n\u0001"})");
}

TEST(RequestBuilder, KeyInHeaders) {
  for (auto style : {request_style::form_post, request_style::get_query, request_style::json_post}) {
    const request_builder b(url(), "SECRET", {.style = style, .key = key_placement::header});
    const auto r = b.balance();
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"X-Api-Key", "SECRET"}));
    EXPECT_EQ(r.headers[1], (std::pair<std::string, std::string>{"Authorization", "Bearer SECRET"}));
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos);
    EXPECT_EQ(r.target.find("SECRET"), std::string::npos);
  }
  const request_builder b(url(), "SECRET", {.key = key_placement::header});
  EXPECT_EQ(b.status("1").body, "action=status&order=1");
}

TEST(RequestBuilder, RedactedNeverShowsTheKey) {
  const std::string key = "s3cr+t/k&y\"=";
  for (auto style : {request_style::form_post, request_style::get_query, request_style::json_post}) {
    for (auto place : {key_placement::body, key_placement::header}) {
      const request_builder b(url(), key, {.style = style, .key = place});
      const std::vector<std::string> ids{"1", "2"};
      for (const auto& r : {b.balance(), b.status("9"), *b.cancel(ids).request}) {
        const std::string text = r.redacted();
        EXPECT_EQ(text.find(key), std::string::npos) << text;
        EXPECT_EQ(text.find(form_urlencode(key)), std::string::npos) << text;
        EXPECT_EQ(text.find("s3cr"), std::string::npos) << text;
        EXPECT_NE(text.find("***"), std::string::npos) << text;
        EXPECT_NE(text.find("action"), std::string::npos) << text;
      }
    }
  }
  EXPECT_EQ(form("abc").status("1").redacted(), "POST /api/v2\n\nkey=***&action=status&order=1");
}

}  // namespace
}  // namespace smm::providers
