// The mapping of API v2 requests onto order_service: daemon ids, a panel's own orders only,
// refill ids named by their order, and the answers' shapes (checked with simdjson).
#include "daemon/apiv2/api_handler.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <regex>

#include "daemon/auth/panel_scope.hpp"
#include "tests/daemon_apiv2/fake_order_service.hpp"

namespace smm::daemon::apiv2 {
namespace {

using test::fake_order_service;

money m(std::string_view text) { return parse_money(text).value; }

class ApiV2Handler : public ::testing::Test {
 protected:
  // Runs one request (form body) for `panel` and returns the answer body.
  std::string call(const std::string& body, const std::string& panel = "shop") {
    const auto d = decode_input({"POST", "/api/v2", "application/x-www-form-urlencoded", body, {}, {}});
    EXPECT_TRUE(d.error.empty()) << d.error;
    const auto r = parse_request(d.params);
    EXPECT_TRUE(r) << r.error;
    if (!r) return {};
    std::string out;
    int calls = 0;
    handler_.handle(*r.req, panel, [&](api_reply reply) {
      out = std::move(reply.body);
      last_outcome_ = reply.outcome;
      ++calls;
    });
    EXPECT_EQ(calls, 1) << "done runs exactly once";
    return out;
  }
  simdjson::dom::element parse(const std::string& json) {
    simdjson::dom::element e;
    EXPECT_EQ(parser_.parse(json).get(e), simdjson::SUCCESS) << json;
    return e;
  }
  static std::string str(simdjson::dom::element e) {
    std::string_view v;
    EXPECT_EQ(e.get_string().get(v), simdjson::SUCCESS) << simdjson::minify(e);
    return std::string(v);
  }

  fake_order_service svc_;
  api_handler handler_{svc_, "USD"};
  simdjson::dom::parser parser_;
  api_outcome last_outcome_ = api_outcome::bad_request;  ///< of the last call()
};

TEST_F(ApiV2Handler, PanelOrderIdsAreRandomAndNamedByPanel) {
  const std::string a = auth::new_panel_order_id("shop");
  const std::string b = auth::new_panel_order_id("shop");
  EXPECT_TRUE(std::regex_match(a, std::regex("v2:shop:[0-9a-f]{32}"))) << a;
  EXPECT_NE(a, b);
  EXPECT_EQ(auth::panel_prefix("shop"), "v2:shop:");
}

TEST_F(ApiV2Handler, AddAnswersTheDaemonOrderId) {
  svc_.next_id = 23501;
  const auto doc =
      parse(call("action=add&service=1&link=https%3A%2F%2Fx.y%2Fa&quantity=100&runs=2&interval=5"));
  EXPECT_EQ(int64_t(doc["order"]), 23501);
  ASSERT_EQ(svc_.added.size(), 1u);
  const panel_order& o = svc_.added[0];
  EXPECT_EQ(o.panel_order_id.rfind("v2:shop:", 0), 0u) << o.panel_order_id;
  EXPECT_EQ(o.service_id, 1);
  EXPECT_EQ(o.params.link, "https://x.y/a");
  EXPECT_EQ(o.params.quantity, 100);
  EXPECT_EQ(o.params.runs, 2);
  EXPECT_EQ(o.params.interval, 5);
  // Each add is a new order (API v2 has no idempotency key).
  call("action=add&service=1&link=https%3A%2F%2Fx.y%2Fa&quantity=100");
  ASSERT_EQ(svc_.added.size(), 2u);
  EXPECT_NE(svc_.added[0].panel_order_id, svc_.added[1].panel_order_id);
}

TEST_F(ApiV2Handler, AddRefusalsInTheTemplatesWords) {
  svc_.next_add_error = "quantity: required";
  svc_.next_add_reason = invalid_reason::missing_field;
  svc_.next_add_field = "quantity";
  EXPECT_EQ(str(parse(call("action=add&service=1&link=l"))["error"]), "Missing required parameter: quantity");
  EXPECT_EQ(last_outcome_, api_outcome::error);
  svc_.next_add_error = "service: no service 9";
  svc_.next_add_reason = invalid_reason::unknown_service;
  svc_.next_add_field = "service";
  EXPECT_EQ(str(parse(call("action=add&service=9&link=l&quantity=1"))["error"]), "Incorrect service ID");
  // The reason decides, not the words: a bad value is shown as the engine said it.
  svc_.next_add_error = "quantity: required";
  svc_.next_add_reason = invalid_reason::bad_value;
  svc_.next_add_field = "quantity";
  EXPECT_EQ(str(parse(call("action=add&service=1&link=l"))["error"]), "quantity: required");
  svc_.next_add_status = add_status::duplicate_link;
  svc_.next_add_error = "a running order (7) has this link";
  EXPECT_EQ(str(parse(call("action=add&service=1&link=l&quantity=100"))["error"]),
            "You have active order with this link. Please wait until order being completed.");
  svc_.next_add_status = add_status::unavailable;
  svc_.next_add_error = "journal down";
  EXPECT_EQ(str(parse(call("action=add&service=1&link=l&quantity=100"))["error"]),
            "Temporarily unable to accept orders, try again later");
}

TEST_F(ApiV2Handler, StatusOfOwnOrdersOnly) {
  const auto own = svc_.put("v2:shop:aa", order_state::in_progress, m("1.44219"), 250);
  svc_.at(own).view.start_count = 234;
  svc_.at(own).view.remains = 10;
  const auto other_panel = svc_.put("v2:other:bb", order_state::completed, m("1"));
  const auto socket_order = svc_.put("ndjson-1", order_state::completed, m("1"));
  const auto prefix_trap = svc_.put("v2:shopx:cc", order_state::completed, m("1"));

  auto s = parse(call("action=status&order=" + std::to_string(own)));
  EXPECT_EQ(str(s["status"]), "In progress");
  EXPECT_EQ(str(s["charge"]), "1.44219");
  EXPECT_EQ(str(s["start_count"]), "234");
  EXPECT_EQ(str(s["remains"]), "10");
  EXPECT_EQ(str(s["currency"]), "USD");

  for (const auto id : {other_panel, socket_order, prefix_trap, std::int64_t{999}}) {
    SCOPED_TRACE(id);
    s = parse(call("action=status&order=" + std::to_string(id)));
    EXPECT_EQ(str(s["error"]), "Incorrect order ID");
  }
  EXPECT_EQ(str(parse(call("action=status&order=abc"))["error"]), "Incorrect order ID");
  // The engine is asked only about the panel's own orders.
  for (const auto& ids : svc_.status_calls)
    for (const auto& id : ids) EXPECT_EQ(id.rfind("v2:shop:", 0), 0u) << id;
}

TEST_F(ApiV2Handler, MultiStatusKeyedByRequestedIds) {
  const auto a = svc_.put("v2:shop:a", order_state::partial, m("0.9"), 1000);
  svc_.at(a).view.refund = m("0.62181");
  svc_.at(a).view.remains = 157;
  svc_.at(a).view.start_count = 3572;
  const auto b = svc_.put("v2:shop:b", order_state::queued, m("2"), 100);
  const auto foreign = svc_.put("v2:other:c", order_state::queued, m("2"));
  const std::string body = "action=status&orders=" + std::to_string(a) + "," + std::to_string(b) + "," +
                           std::to_string(foreign) + ",bogus,777";
  const auto s = parse(call(body));
  std::size_t n = 0;
  for ([[maybe_unused]] auto f : s.get_object()) ++n;
  EXPECT_EQ(n, 5u);
  const auto sa = s[std::to_string(a)];
  EXPECT_EQ(str(sa["charge"]), "0.27819");
  EXPECT_EQ(str(sa["status"]), "Partial");
  EXPECT_EQ(str(sa["remains"]), "157");
  EXPECT_EQ(str(s[std::to_string(b)]["status"]), "Pending");
  EXPECT_EQ(str(s[std::to_string(foreign)]["error"]), "Incorrect order ID");
  EXPECT_EQ(str(s["bogus"]["error"]), "Incorrect order ID");
  EXPECT_EQ(str(s["777"]["error"]), "Incorrect order ID");
}

TEST_F(ApiV2Handler, RefillIsNamedByItsOrderAndRefillStatusFollowsIt) {
  const auto a = svc_.put("v2:shop:a", order_state::completed, m("1"));
  const auto b = svc_.put("v2:shop:b", order_state::completed, m("1"));
  svc_.at(b).refill_error = "not_completed";
  svc_.at(b).refill_code = result_code::not_eligible;
  const auto foreign = svc_.put("v2:other:c", order_state::completed, m("1"));

  // Single refill, as the PHP client sends it (no action): {"refill": "<order id>"}.
  auto r = parse(call("order=" + std::to_string(a)));
  EXPECT_EQ(str(r["refill"]), std::to_string(a));
  r = parse(call("order=" + std::to_string(b)));
  EXPECT_EQ(str(r["error"]), "Order not eligible for refill: not_completed");
  r = parse(call("action=refill&order=" + std::to_string(foreign)));
  EXPECT_EQ(str(r["error"]), "Incorrect order ID");
  EXPECT_EQ(svc_.refill_calls.size(), 2u) << "another panel's order never reaches the engine";

  // Multi refill: [{"order":N,"refill":N}, {"order":M,"refill":{"error":...}}]
  const auto arr = parse(call("orders=" + std::to_string(a) + "," + std::to_string(b) + ",x"));
  ASSERT_EQ(arr.get_array().size(), 3u);
  EXPECT_EQ(int64_t(arr.at(0)["order"]), a);
  EXPECT_EQ(int64_t(arr.at(0)["refill"]), a);
  EXPECT_EQ(int64_t(arr.at(1)["order"]), b);
  EXPECT_EQ(str(arr.at(1)["refill"]["error"]), "Order not eligible for refill: not_completed");
  EXPECT_EQ(str(arr.at(2)["order"]), "x");
  EXPECT_EQ(str(arr.at(2)["refill"]["error"]), "Incorrect order ID");

  // refill_status by the refill id (= the order id), single and multi.
  svc_.at(a).refill_status = "Completed";
  EXPECT_EQ(str(parse(call("refill=" + std::to_string(a)))["status"]), "Completed");
  EXPECT_EQ(str(parse(call("refill=" + std::to_string(b)))["error"]), "Refill not found") << "none requested";
  const auto st =
      parse(call("refills=" + std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(foreign)));
  ASSERT_EQ(st.get_array().size(), 3u);
  EXPECT_EQ(int64_t(st.at(0)["refill"]), a);
  EXPECT_EQ(str(st.at(0)["status"]), "Completed");
  EXPECT_EQ(str(st.at(1)["status"]["error"]), "Refill not found");
  EXPECT_EQ(str(st.at(2)["status"]["error"]), "Refill not found");
}

TEST_F(ApiV2Handler, CancelAnswersAList) {
  const auto a = svc_.put("v2:shop:a", order_state::in_progress, m("1"));
  const auto b = svc_.put("v2:shop:b", order_state::completed, m("1"));
  svc_.at(b).cancel_error = "order is final (completed)";
  svc_.at(b).cancel_code = result_code::not_eligible;
  const auto foreign = svc_.put("other", order_state::in_progress, m("1"));
  const auto arr = parse(call("action=cancel&orders=" + std::to_string(a) + "," + std::to_string(b) + "," +
                              std::to_string(foreign)));
  ASSERT_EQ(arr.get_array().size(), 3u);
  EXPECT_EQ(int64_t(arr.at(0)["order"]), a);
  EXPECT_EQ(int64_t(arr.at(0)["cancel"]), 1);
  EXPECT_EQ(str(arr.at(1)["cancel"]["error"]), "order is final (completed)");
  EXPECT_EQ(str(arr.at(2)["cancel"]["error"]), "Incorrect order ID");
  EXPECT_EQ(svc_.cancel_calls, (std::vector<std::string>{"v2:shop:a", "v2:shop:b"}));
  // A single `order` is answered as a one-element list.
  const auto one = parse(call("action=cancel&order=" + std::to_string(a)));
  ASSERT_EQ(one.get_array().size(), 1u);
}

// Every code the engine can give for each action, and the template's words for it: decided by
// the code alone. The messages are deliberately misleading ("order not found" on a provider's
// refusal, an unrelated text on not_found): a face that read them would fail here.
TEST_F(ApiV2Handler, EveryResultCodeMapsToTheTemplateByCodeNotByText) {
  struct row {
    result_code code;
    std::string cancel;         ///< the cancel entry's error
    std::string refill;         ///< the single refill's error
    std::string refill_status;  ///< the single refill_status's error
  };
  const std::string msg = "order not found";  // what the old faces matched on
  const std::vector<row> table{
      {result_code::not_found, "Incorrect order ID", "Incorrect order ID", "Refill not found"},
      {result_code::not_eligible, msg, "Order not eligible for refill: " + msg, msg},
      {result_code::busy, msg, msg, msg},
      {result_code::invalid, msg, msg, msg},
      {result_code::conflict, msg, msg, msg},
      {result_code::unavailable, msg, msg, msg},
      {result_code::provider_refused, msg, msg, msg},
      {result_code::internal, msg, msg, msg},
  };
  const auto id = svc_.put("v2:shop:t", order_state::completed, m("1"));
  auto& o = svc_.at(id);
  o.refill_status = "Pending";
  for (const auto& r : table) {
    SCOPED_TRACE(std::string(to_string(r.code)));
    o.cancel_error = o.refill_error = o.refill_status_error = r.code == result_code::not_found ? "gone" : msg;
    o.cancel_code = o.refill_code = o.refill_status_code = r.code;
    const auto cancel = parse(call("action=cancel&orders=" + std::to_string(id)));
    EXPECT_EQ(str(cancel.at(0)["cancel"]["error"]), r.cancel);
    EXPECT_EQ(last_outcome_, api_outcome::ok) << "a list answer is not an error answer";
    EXPECT_EQ(str(parse(call("action=refill&order=" + std::to_string(id)))["error"]), r.refill);
    EXPECT_EQ(last_outcome_, api_outcome::error);
    EXPECT_EQ(str(parse(call("action=refill_status&refill=" + std::to_string(id)))["error"]),
              r.refill_status);
    EXPECT_EQ(last_outcome_, api_outcome::error);
  }
  // ok: no error, and the outcome counts as ok.
  o.cancel_error.clear();
  o.refill_error.clear();
  o.refill_status_error.clear();
  EXPECT_EQ(int64_t(parse(call("action=cancel&orders=" + std::to_string(id))).at(0)["cancel"]), 1);
  EXPECT_EQ(last_outcome_, api_outcome::ok);
  EXPECT_EQ(str(parse(call("action=refill_status&refill=" + std::to_string(id)))["status"]), "Pending");
  EXPECT_EQ(last_outcome_, api_outcome::ok);
  // status: found or not, by the lookup's code.
  EXPECT_EQ(str(parse(call("action=status&order=" + std::to_string(id)))["status"]), "Completed");
  EXPECT_EQ(last_outcome_, api_outcome::ok);
  EXPECT_EQ(str(parse(call("action=status&order=424242"))["error"]), "Incorrect order ID");
  EXPECT_EQ(last_outcome_, api_outcome::error);
}

TEST_F(ApiV2Handler, BalanceSumsProvidersInTheApiCurrency) {
  provider_view p1, p2, p3, p4;
  p1.balance = m("100.5");
  p1.currency = "USD";
  p2.balance = m("0.342929");
  p2.currency = "USD";
  p3.balance = m("999");
  p3.currency = "EUR";  // no exchange rate: not counted
  p4.currency = "USD";  // balance not known yet
  svc_.provider_views = {p1, p2, p3, p4};
  const auto b = parse(call("action=balance"));
  EXPECT_EQ(str(b["balance"]), "100.84292");
  EXPECT_EQ(str(b["currency"]), "USD");
}

TEST_F(ApiV2Handler, ServicesFromTheEngine) {
  service_def s;
  s.id = 4;
  s.name = "Likes";
  s.rate_per_1000 = m("0.5");
  svc_.service_defs = {s};
  const auto arr = parse(call("action=services"));
  ASSERT_EQ(arr.get_array().size(), 1u);
  EXPECT_EQ(int64_t(arr.at(0)["service"]), 4);
  EXPECT_EQ(str(arr.at(0)["category"]), "General");
  EXPECT_EQ(str(arr.at(0)["rate"]), "0.50");
}

}  // namespace
}  // namespace smm::daemon::apiv2
