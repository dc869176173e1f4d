// Request parsing: every request shape, and every bad input with its exact code and message.
#include "daemon/panel/panel_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace smm::daemon::panel {
namespace {

parse_result ok(std::string_view line) {
  parse_result r = parse_request(line);
  EXPECT_TRUE(r) << line << " -> " << r.message;
  return r;
}

void expect_error(std::string_view line, failure_code code, std::string_view message,
                  std::string_view id_json = {}) {
  const parse_result r = parse_request(line);
  ASSERT_FALSE(r) << line;
  EXPECT_EQ(to_string(r.code), to_string(code)) << line;
  EXPECT_EQ(r.message, message) << line;
  EXPECT_EQ(r.id_json, id_json) << line;
}

TEST(PanelProtocol, AddSingleOrderWithEveryField) {
  const auto r = ok(R"({"id":"c1","op":"add","order":{"panel_order_id":"p-1","service":7,
    "link":"https://x.test/a","quantity":1000,"comments":["nice","great"],"usernames":"u1\nu2\r\n",
    "hashtags":["#a"],"keywords":["k"],"groups":["g"],"hashtag":"#h","username":"bob","media":"m",
    "answer_number":3,"runs":5,"interval":30,"min":10,"max":20,"posts":4,"old_posts":2,"delay":60,
    "expiry":"01/02/2027"}})");
  EXPECT_EQ(r.id_json, R"("c1")");
  ASSERT_EQ(r.req->kind, op::add);
  EXPECT_TRUE(r.req->single);
  ASSERT_EQ(r.req->orders.size(), 1u);
  const auto& o = r.req->orders[0];
  EXPECT_EQ(o.panel_order_id, "p-1");
  EXPECT_EQ(o.service_id, 7);
  EXPECT_EQ(o.params.link, "https://x.test/a");
  EXPECT_EQ(o.params.quantity, 1000);
  EXPECT_EQ(o.params.comments, (std::vector<std::string>{"nice", "great"}));
  EXPECT_EQ(o.params.usernames, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(o.params.hashtags, (std::vector<std::string>{"#a"}));
  EXPECT_EQ(o.params.keywords, (std::vector<std::string>{"k"}));
  EXPECT_EQ(o.params.groups, (std::vector<std::string>{"g"}));
  EXPECT_EQ(o.params.hashtag, "#h");
  EXPECT_EQ(o.params.username, "bob");
  EXPECT_EQ(o.params.media, "m");
  EXPECT_EQ(o.params.answer_number, "3");
  EXPECT_EQ(o.params.runs, 5);
  EXPECT_EQ(o.params.interval, 30);
  EXPECT_EQ(o.params.min, 10);
  EXPECT_EQ(o.params.max, 20);
  EXPECT_EQ(o.params.posts, 4);
  EXPECT_EQ(o.params.old_posts, 2);
  EXPECT_EQ(o.params.delay, 60);
  EXPECT_EQ(o.params.expiry, "01/02/2027");
}

TEST(PanelProtocol, AddBatchAndIntegerPanelIds) {
  const auto r =
      ok(R"({"op":"add","id":17,"orders":[{"panel_order_id":42,"service":1,"link":"l","quantity":5},
    {"service":2,"panel_order_id":"b","comments":"one\ntwo\n\nthree"}]})");
  EXPECT_EQ(r.id_json, "17");
  EXPECT_FALSE(r.req->single);
  ASSERT_EQ(r.req->orders.size(), 2u);
  EXPECT_EQ(r.req->orders[0].panel_order_id, "42");
  EXPECT_EQ(r.req->orders[1].service_id, 2);
  EXPECT_EQ(r.req->orders[1].params.comments, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_FALSE(r.req->orders[1].params.quantity.has_value());
}

TEST(PanelProtocol, LookupsAndActions) {
  auto r = ok(R"({"id":1,"op":"status","orders":["a",7]})");
  EXPECT_EQ(r.req->kind, op::status);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"a", "7"}));
  EXPECT_FALSE(r.req->single);
  r = ok(R"({"id":1,"op":"status","order":"a"})");
  EXPECT_TRUE(r.req->single);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"a"}));
  r = ok(R"({"id":1,"op":"cancel","orders":["a","b"]})");
  EXPECT_EQ(r.req->kind, op::cancel);
  EXPECT_EQ(r.req->ids.size(), 2u);
  r = ok(R"({"id":1,"op":"refill","order":"a","current_count":120})");
  EXPECT_EQ(r.req->kind, op::refill);
  EXPECT_EQ(r.req->current_count, 120);
  r = ok(R"({"id":1,"op":"refill","order":"a","current_count":null})");
  EXPECT_FALSE(r.req->current_count.has_value());
  r = ok(R"({"id":1,"op":"refill_status","order":"a"})");
  EXPECT_EQ(r.req->kind, op::refill_status);
  r = ok(R"({"id":1,"op":"speedup","order":"a"})");
  EXPECT_EQ(r.req->kind, op::speedup);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"a"}));
}

TEST(PanelProtocol, SubscribeResolveAndBareOps) {
  auto r = ok(R"({"id":1,"op":"subscribe","after_seq":99})");
  EXPECT_EQ(r.req->kind, op::subscribe);
  EXPECT_EQ(r.req->after_seq, 99);
  r = ok(R"({"id":1,"op":"subscribe"})");
  EXPECT_EQ(r.req->after_seq, 0);
  r = ok(R"({"id":1,"op":"resolve","order":"a","placed":true,"provider_order_id":"123"})");
  EXPECT_EQ(r.req->kind, op::resolve);
  EXPECT_TRUE(r.req->placed);
  EXPECT_EQ(r.req->provider_order_id, "123");
  r = ok(R"({"id":1,"op":"resolve","order":"a","placed":false})");
  EXPECT_FALSE(r.req->placed);
  for (const auto* name : {"unsubscribe", "services", "providers", "ping"}) {
    r = ok(std::string(R"({"id":1,"op":")") + name + "\"}");
    EXPECT_EQ(to_string(r.req->kind), name);
  }
}

TEST(PanelProtocol, HelloCarriesTheKeyAndNoErrorEverShowsIt) {
  auto r = ok(R"({"id":1,"op":"hello","key":"s3cret-Key"})");
  EXPECT_EQ(r.req->kind, op::hello);
  EXPECT_EQ(r.req->key, "s3cret-Key");
  r = ok(R"({"id":1,"op":"hello","key":""})");  // the gate judges it (a wrong key), not the parser
  EXPECT_EQ(r.req->key, "");
  expect_error(R"({"id":1,"op":"hello"})", failure_code::bad_request, "missing field \"key\"", "1");
  expect_error(R"({"id":1,"op":"hello","key":12345})", failure_code::bad_request, "key: expected a string",
               "1");
  expect_error(R"({"id":1,"op":"hello","key":"s3cret-Key","order":"a"})", failure_code::bad_request,
               "unknown field \"order\" for op hello", "1");
  // "key" belongs to hello only; the message names the field, never the value.
  const parse_result p = parse_request(R"({"id":1,"op":"status","order":"a","key":"s3cret-Key"})");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.message, "unknown field \"key\" for op status");
  EXPECT_EQ(p.message.find("s3cret"), std::string::npos);
}

TEST(PanelProtocol, IdIsEchoedAsJson) {
  EXPECT_EQ(ok(R"({"id":"a\"b\u00e9","op":"ping"})").id_json, "\"a\\\"b\xC3\xA9\"");
  EXPECT_EQ(ok(R"({"id":12.50 ,"op":"ping"})").id_json, "12.50");
  EXPECT_EQ(ok(R"({"op":"ping"})").id_json, "");
  EXPECT_EQ(ok("{\"id\":1,\"op\":\"ping\"}\r").id_json, "1");
  expect_error(R"({"id":{"x":1},"op":"ping"})", failure_code::bad_request,
               "id: expected a string or a number");
  expect_error(R"({"id":1e400,"op":"ping"})", failure_code::bad_request,
               "id: number out of range (send a string or a smaller number)");
}

TEST(PanelProtocol, MalformedJsonKeepsTheIdWhenItWasRead) {
  expect_error(R"({"id":5,"op":"add","orders":[{"service":1,})", failure_code::bad_request,
               "malformed JSON: The JSON document has an improper structure: missing or superfluous "
               "commas, braces, missing keys, etc.",
               "5");
  const auto r = parse_request("{\"op\":");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.id_json, "");
  EXPECT_EQ(r.message.rfind("malformed JSON: ", 0), 0u) << r.message;
  expect_error(R"({"id":1,"op":"ping"} {"op":"ping"})", failure_code::bad_request,
               "malformed JSON: trailing content after the request object", "1");
}

TEST(PanelProtocol, ShapeErrors) {
  expect_error(R"([1,2])", failure_code::bad_request, "request must be a JSON object");
  expect_error(R"("ping")", failure_code::bad_request, "request must be a JSON object");
  expect_error(R"({"id":3})", failure_code::bad_request, "missing field \"op\"", "3");
  expect_error(R"({"id":3,"op":"explode"})", failure_code::unknown_op, "unknown op \"explode\"", "3");
  expect_error(R"({"id":3,"op":7})", failure_code::bad_request, "op: expected a string", "3");
  expect_error(R"({"id":3,"op":"ping","op":"add"})", failure_code::bad_request, "duplicate field \"op\"",
               "3");
  expect_error(R"({"id":3,"op":"ping","extra":1})", failure_code::bad_request,
               "unknown field \"extra\" for op ping", "3");
  expect_error(R"({"id":3,"op":"status","after_seq":1,"order":"a"})", failure_code::bad_request,
               "unknown field \"after_seq\" for op status", "3");
}

TEST(PanelProtocol, AddErrorsNameTheField) {
  expect_error(
      R"({"id":1,"op":"add","orders":[{"panel_order_id":"a","service":1},{"panel_order_id":"b","service":1},
      {"panel_order_id":"c","service":1},{"panel_order_id":"d","service":1,"quantity":"100"}]})",
      failure_code::bad_request, "orders[3].quantity: expected an integer", "1");
  expect_error(R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":1,"quantity":1.5}})",
               failure_code::bad_request, "order.quantity: expected an integer", "1");
  expect_error(
      R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":1,"quantity":99999999999999999999}})",
      failure_code::bad_request, "order.quantity: integer out of range", "1");
  expect_error(R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":"1"}})",
               failure_code::bad_request, "order.service: expected an integer", "1");
  expect_error(R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":1,"colour":"red"}})",
               failure_code::bad_request, "order: unknown field \"colour\"", "1");
  expect_error(R"({"id":1,"op":"add","orders":[{"service":1}]})", failure_code::bad_request,
               "orders[0]: missing field \"panel_order_id\"", "1");
  expect_error(R"({"id":1,"op":"add","orders":[{"panel_order_id":"a"}]})", failure_code::bad_request,
               "orders[0]: missing field \"service\"", "1");
  expect_error(R"({"id":1,"op":"add","orders":[{"panel_order_id":"","service":1}]})",
               failure_code::bad_request, "orders[0].panel_order_id: must not be empty", "1");
  expect_error(
      R"({"id":1,"op":"add","orders":[{"panel_order_id":")" + std::string(129, 'x') + R"(","service":1}]})",
      failure_code::bad_request, "orders[0].panel_order_id: longer than 128 bytes", "1");
  expect_error(R"({"id":1,"op":"add","orders":[{"panel_order_id":true,"service":1}]})",
               failure_code::bad_request, "orders[0].panel_order_id: expected a string or an integer", "1");
  expect_error(R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":1,"comments":["x",2]}})",
               failure_code::bad_request, "order.comments[1]: expected a string", "1");
  expect_error(R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":1,"comments":5}})",
               failure_code::bad_request, "order.comments: expected an array of strings or a string", "1");
  expect_error(R"({"id":1,"op":"add","orders":[1]})", failure_code::bad_request,
               "orders[0]: expected an object", "1");
  expect_error(R"({"id":1,"op":"add","orders":{}})", failure_code::bad_request,
               "orders: expected an array of objects", "1");
  expect_error(R"({"id":1,"op":"add","orders":[]})", failure_code::bad_request, "orders: must not be empty",
               "1");
  expect_error(R"({"id":1,"op":"add"})", failure_code::bad_request, "missing field \"order\" or \"orders\"",
               "1");
  expect_error(R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":1},"orders":[]})",
               failure_code::bad_request, "give either \"order\" or \"orders\", not both", "1");
  expect_error(R"({"id":1,"op":"add","order":{"panel_order_id":"a","service":1,"service":2}})",
               failure_code::bad_request, "order: duplicate field \"service\"", "1");
}

TEST(PanelProtocol, OtherOpErrorsNameTheField) {
  expect_error(R"({"id":1,"op":"status","orders":"a"})", failure_code::bad_request,
               "orders: expected an array of ids", "1");
  expect_error(R"({"id":1,"op":"status","orders":["a",null]})", failure_code::bad_request,
               "orders[1]: expected a string or an integer", "1");
  expect_error(R"({"id":1,"op":"cancel"})", failure_code::bad_request,
               "missing field \"order\" or \"orders\"", "1");
  expect_error(R"({"id":1,"op":"refill"})", failure_code::bad_request, "missing field \"order\"", "1");
  expect_error(R"({"id":1,"op":"refill","order":"a","current_count":"5"})", failure_code::bad_request,
               "current_count: expected an integer", "1");
  expect_error(R"({"id":1,"op":"speedup","orders":["a"]})", failure_code::bad_request,
               "unknown field \"orders\" for op speedup", "1");
  expect_error(R"({"id":1,"op":"subscribe","after_seq":-1})", failure_code::bad_request,
               "after_seq: must be >= 0", "1");
  expect_error(R"({"id":1,"op":"subscribe","after_seq":"1"})", failure_code::bad_request,
               "after_seq: expected an integer", "1");
  expect_error(R"({"id":1,"op":"resolve","order":"a"})", failure_code::bad_request,
               "missing field \"placed\"", "1");
  expect_error(R"({"id":1,"op":"resolve","order":"a","placed":"yes"})", failure_code::bad_request,
               "placed: expected a boolean", "1");
  expect_error(R"({"id":1,"op":"resolve","order":"a","placed":true})", failure_code::bad_request,
               "provider_order_id: required when placed is true", "1");
  expect_error(R"({"id":1,"op":"resolve","order":"a","placed":false,"provider_order_id":"9"})",
               failure_code::bad_request, "provider_order_id: only allowed when placed is true", "1");
}

TEST(PanelProtocol, AdminOps) {
  auto r = ok(R"({"id":1,"op":"overview"})");
  EXPECT_EQ(r.req->kind, op::overview);
  r = ok(R"({"id":1,"op":"reload"})");
  EXPECT_EQ(r.req->kind, op::reload);

  r = ok(R"({"id":1,"op":"orders","state":"in_progress"})");
  EXPECT_EQ(r.req->kind, op::orders);
  EXPECT_EQ(r.req->state, order_state::in_progress);
  EXPECT_EQ(r.req->after_id, 0);
  EXPECT_EQ(r.req->limit, default_page_limit);
  r = ok(R"({"id":1,"op":"orders","state":"unknown","after_id":41,"limit":1000})");
  EXPECT_EQ(r.req->state, order_state::unknown);
  EXPECT_EQ(r.req->after_id, 41);
  EXPECT_EQ(r.req->limit, 1000u);
  r = ok(R"({"id":1,"op":"orders","limit":1,"state":"received"})");
  EXPECT_EQ(r.req->limit, 1u);

  r = ok(R"({"id":1,"op":"history","order":"a1"})");
  EXPECT_EQ(r.req->kind, op::history);
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"a1"}));
  r = ok(R"({"id":1,"op":"history","order":42})");
  EXPECT_EQ(r.req->ids, (std::vector<std::string>{"42"}));

  r = ok(R"({"id":1,"op":"pause","provider":"alpha","reason":"maintenance until 14:00"})");
  EXPECT_EQ(r.req->kind, op::pause);
  EXPECT_EQ(r.req->provider, "alpha");
  EXPECT_EQ(r.req->reason, "maintenance until 14:00");
  r = ok(R"({"id":1,"op":"pause","provider":"alpha"})");
  EXPECT_EQ(r.req->reason, default_pause_reason);
  r = ok(R"({"id":1,"op":"pause","provider":"alpha","reason":""})");
  EXPECT_EQ(r.req->reason, default_pause_reason);
  r = ok(R"({"id":1,"op":"resume","provider":"beta"})");
  EXPECT_EQ(r.req->kind, op::resume);
  EXPECT_EQ(r.req->provider, "beta");
  EXPECT_EQ(r.req->reason, "");
}

TEST(PanelProtocol, AdminOpErrorsNameTheField) {
  expect_error(R"({"id":1,"op":"orders"})", failure_code::bad_request, "missing field \"state\"", "1");
  expect_error(R"({"id":1,"op":"orders","state":"done"})", failure_code::bad_request,
               "state: unknown state \"done\" (expected one of received, queued, sending, placed, unknown, "
               "rejected, pending, in_progress, completed, partial, canceled, refunded, failed)",
               "1");
  expect_error(R"({"id":1,"op":"orders","state":3})", failure_code::bad_request, "state: expected a string",
               "1");
  expect_error(R"({"id":1,"op":"orders","state":"queued","after_id":-1})", failure_code::bad_request,
               "after_id: must be >= 0", "1");
  expect_error(R"({"id":1,"op":"orders","state":"queued","after_id":"5"})", failure_code::bad_request,
               "after_id: expected an integer", "1");
  expect_error(R"({"id":1,"op":"orders","state":"queued","limit":0})", failure_code::bad_request,
               "limit: must be between 1 and 1000", "1");
  expect_error(R"({"id":1,"op":"orders","state":"queued","limit":1001})", failure_code::bad_request,
               "limit: must be between 1 and 1000", "1");
  expect_error(R"({"id":1,"op":"orders","state":"queued","order":"a"})", failure_code::bad_request,
               "unknown field \"order\" for op orders", "1");
  expect_error(R"({"id":1,"op":"history"})", failure_code::bad_request, "missing field \"order\"", "1");
  expect_error(R"({"id":1,"op":"history","orders":["a"]})", failure_code::bad_request,
               "unknown field \"orders\" for op history", "1");
  expect_error(R"({"id":1,"op":"history","order":""})", failure_code::bad_request, "order: must not be empty",
               "1");
  expect_error(R"({"id":1,"op":"pause"})", failure_code::bad_request, "missing field \"provider\"", "1");
  expect_error(R"({"id":1,"op":"pause","provider":""})", failure_code::bad_request,
               "provider: must not be empty", "1");
  expect_error(R"({"id":1,"op":"pause","provider":7})", failure_code::bad_request,
               "provider: expected a string", "1");
  expect_error(R"({"id":1,"op":"pause","provider":"a","reason":")" + std::string(201, 'r') + R"("})",
               failure_code::bad_request, "reason: longer than 200 bytes", "1");
  expect_error(R"({"id":1,"op":"resume","provider":"a","reason":"x"})", failure_code::bad_request,
               "unknown field \"reason\" for op resume", "1");
  expect_error(R"({"id":1,"op":"resume"})", failure_code::bad_request, "missing field \"provider\"", "1");
  expect_error(R"({"id":1,"op":"overview","state":"queued"})", failure_code::bad_request,
               "unknown field \"state\" for op overview", "1");
  expect_error(R"({"id":1,"op":"reload","provider":"a"})", failure_code::bad_request,
               "unknown field \"provider\" for op reload", "1");
}

TEST(PanelProtocol, EveryOpNameRoundTrips) {
  for (std::uint8_t i = 0; i <= static_cast<std::uint8_t>(last_op); ++i) {
    const auto o = static_cast<op>(i);
    EXPECT_NE(to_string(o), "?");
  }
  EXPECT_EQ(to_string(failure_code::not_supported), "not_supported");
}

TEST(PanelProtocol, ByteLevelErrors) {
  expect_error(std::string("{\"id\":1,\"op\":\"pi\0ng\"}", 22), failure_code::bad_request,
               "NUL byte at offset 16 of the request line");
  expect_error("{\"id\":1,\"op\":\"ping\",\"x\":\"\xC3\x28\"}", failure_code::bad_request,
               "request line is not valid UTF-8");
  expect_error("{\"id\":1,\"op\":\"p\xED\xA0\x80\"}", failure_code::bad_request,
               "request line is not valid UTF-8");
  const std::string big = R"({"id":1,"op":"ping","pad":")" + std::string(100, 'x') + "\"}";
  const auto r = parse_request(big, 64);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code, failure_code::too_large);
  EXPECT_EQ(r.message, "request line is over the 64-byte limit");
  // Exactly at the cap is fine.
  const std::string at_cap = R"({"id":1,"op":"ping"})";
  EXPECT_TRUE(parse_request(at_cap, at_cap.size()));
}

}  // namespace
}  // namespace smm::daemon::panel
