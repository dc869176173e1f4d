// The endpoint's answers against the canonical template (api-v2.md §9.1, §9.2): every answer
// is parsed back with simdjson and compared field by field, type by type.
#include "daemon/apiv2/api_render.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>

namespace smm::daemon::apiv2 {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

money m(std::string_view text) { return parse_money(text).value; }

element_type type_of(simdjson::simdjson_result<element> r) {
  element e;
  EXPECT_EQ(r.get(e), simdjson::SUCCESS);
  return e.type();
}

class ApiV2Render : public ::testing::Test {
 protected:
  element parse(const std::string& json) {
    element e;
    const auto err = parser_.parse(json).get(e);
    EXPECT_EQ(err, simdjson::SUCCESS) << json;
    return e;
  }
  static std::string str(element e) {
    std::string_view v;
    EXPECT_EQ(e.get_string().get(v), simdjson::SUCCESS) << simdjson::minify(e);
    return std::string(v);
  }
  static std::set<std::string> keys(element e) {
    std::set<std::string> out;
    for (auto f : e.get_object()) out.emplace(f.key);
    return out;
  }

  simdjson::dom::parser parser_;
};

order_view partial_order() {
  order_view v;
  v.order_id = 1;
  v.state = order_state::partial;
  v.quantity = 1000;
  v.charge = m("0.9");
  v.refund = m("0.62181");
  v.start_count = 3572;
  v.remains = 157;
  return v;
}

TEST_F(ApiV2Render, StatusHasTheTemplatesFieldsAllStrings) {
  // §9.1: {"charge":"0.27819","start_count":"3572","status":"Partial","remains":"157","currency":"USD"}
  const element s = parse(status_body(partial_order(), "USD"));
  EXPECT_EQ(keys(s), (std::set<std::string>{"charge", "start_count", "status", "remains", "currency"}));
  for (auto f : s.get_object()) EXPECT_EQ(f.value.type(), element_type::STRING) << f.key;
  EXPECT_EQ(str(s["charge"]), "0.27819") << "a final order shows what the customer finally pays";
  EXPECT_EQ(str(s["start_count"]), "3572");
  EXPECT_EQ(str(s["status"]), "Partial");
  EXPECT_EQ(str(s["remains"]), "157");
  EXPECT_EQ(str(s["currency"]), "USD");
}

TEST_F(ApiV2Render, StatusOfARunningOrderShowsTheChargeAndDefaultFigures) {
  order_view v;
  v.state = order_state::queued;
  v.quantity = 100;
  v.charge = m("8");
  const element s = parse(status_body(v, "EUR"));
  EXPECT_EQ(str(s["charge"]), "8.00");
  EXPECT_EQ(str(s["start_count"]), "0");
  EXPECT_EQ(str(s["status"]), "Pending");
  EXPECT_EQ(str(s["remains"]), "100") << "nothing known delivered: the whole quantity remains";
  EXPECT_EQ(str(s["currency"]), "EUR");
  v.state = order_state::completed;
  EXPECT_EQ(str(parse(status_body(v, "USD"))["remains"]), "0");
}

TEST_F(ApiV2Render, AnOrderWhoseRefundAwaitsReviewIsNotShownFinal) {
  // A template panel refunds from a final status and remains on its own: until an operator
  // settles the refund, the order is still in progress to it.
  order_view v = partial_order();
  v.refund = money{};
  v.refund_reason = "needs_review";
  const element s = parse(status_body(v, "USD"));
  EXPECT_EQ(str(s["status"]), "In progress");
  EXPECT_EQ(str(s["charge"]), "0.90");
}

TEST_F(ApiV2Render, StatusTextOfEveryState) {
  const std::pair<order_state, std::string_view> table[] = {
      {order_state::received, "Pending"},        {order_state::queued, "Pending"},
      {order_state::sending, "Pending"},         {order_state::placed, "Pending"},
      {order_state::unknown, "Pending"},         {order_state::pending, "Pending"},
      {order_state::in_progress, "In progress"}, {order_state::completed, "Completed"},
      {order_state::partial, "Partial"},         {order_state::canceled, "Canceled"},
      {order_state::refunded, "Canceled"},       {order_state::rejected, "Canceled"},
      {order_state::failed, "Canceled"},
  };
  ASSERT_EQ(std::size(table), order_state_count);
  for (const auto& [state, text] : table) EXPECT_EQ(status_text(state), text) << to_string(state);
}

TEST_F(ApiV2Render, CustomerChargeIsChargeMinusRefundOnceFinal) {
  order_view v = partial_order();
  EXPECT_EQ(customer_charge(v), m("0.27819"));
  v.state = order_state::canceled;
  v.refund = m("0.9");
  EXPECT_EQ(customer_charge(v), money{});
  v.state = order_state::in_progress;  // a refund is never subtracted before the order is final
  EXPECT_EQ(customer_charge(v), m("0.9"));
  v.state = order_state::completed;
  v.refund.reset();
  EXPECT_EQ(customer_charge(v), m("0.9"));
  v.state = order_state::failed;
  v.refund = m("5");  // never below zero
  EXPECT_EQ(customer_charge(v), money{});
}

TEST_F(ApiV2Render, MultiStatusIsKeyedByTheRequestedIdWithInlineErrors) {
  order_view running;
  running.state = order_state::in_progress;
  running.quantity = 250;
  running.charge = m("1.44219");
  running.start_count = 234;
  running.remains = 10;
  const element s = parse(multi_status_body(
      {{"1", partial_order(), {}}, {"10", std::nullopt, "Incorrect order ID"}, {"100", running, {}}}, "USD"));
  EXPECT_EQ(keys(s), (std::set<std::string>{"1", "10", "100"}));
  EXPECT_EQ(str(s["1"]["status"]), "Partial");
  EXPECT_EQ(keys(s["10"]), (std::set<std::string>{"error"}));
  EXPECT_EQ(str(s["10"]["error"]), "Incorrect order ID");
  EXPECT_EQ(str(s["100"]["charge"]), "1.44219");
  EXPECT_EQ(str(s["100"]["status"]), "In progress");
  EXPECT_EQ(str(s["100"]["remains"]), "10");
}

TEST_F(ApiV2Render, ServicesLikeTheTemplate) {
  service_def a;
  a.id = 1;
  a.name = "Followers";
  a.type = service_type::default_;
  a.category = "First Category";
  a.rate_per_1000 = m("0.90");
  a.min_quantity = 50;
  a.max_quantity = 10000;
  a.refill_days = 30;
  a.cancel_allowed = true;
  service_def b;
  b.id = 2;
  b.name = "Comments \"quoted\"";
  b.type = service_type::custom_comments;
  b.category = "Second Category";
  b.rate_per_1000 = m("8");
  b.min_quantity = 10;
  b.max_quantity = 1500;
  b.dripfeed = true;
  const element arr = parse(services_body({a, b}));
  ASSERT_EQ(arr.type(), element_type::ARRAY);
  ASSERT_EQ(arr.get_array().size(), 2u);
  const element s = arr.at(0);
  EXPECT_EQ(keys(s), (std::set<std::string>{"service", "name", "type", "category", "rate", "min", "max",
                                            "refill", "cancel", "dripfeed"}));
  EXPECT_EQ(type_of(s["service"]), element_type::INT64);
  EXPECT_EQ(int64_t(s["service"]), 1);
  EXPECT_EQ(str(s["name"]), "Followers");
  EXPECT_EQ(str(s["type"]), "Default");
  EXPECT_EQ(str(s["category"]), "First Category");
  EXPECT_EQ(str(s["rate"]), "0.90");
  EXPECT_EQ(str(s["min"]), "50");
  EXPECT_EQ(str(s["max"]), "10000");
  EXPECT_EQ(type_of(s["refill"]), element_type::BOOL);
  EXPECT_TRUE(bool(s["refill"]));
  EXPECT_TRUE(bool(s["cancel"]));
  EXPECT_FALSE(bool(s["dripfeed"]));
  const element t = arr.at(1);
  EXPECT_EQ(str(t["name"]), "Comments \"quoted\"");
  EXPECT_EQ(str(t["type"]), "Custom Comments");
  EXPECT_EQ(str(t["rate"]), "8.00");
  EXPECT_FALSE(bool(t["refill"]));
  EXPECT_FALSE(bool(t["cancel"]));
  EXPECT_TRUE(bool(t["dripfeed"]));
  EXPECT_EQ(parse(services_body({})).get_array().size(), 0u);
}

TEST_F(ApiV2Render, TypeNamesAsPanelsPrintThem) {
  EXPECT_EQ(type_display_name(service_type::default_), "Default");
  EXPECT_EQ(type_display_name(service_type::mentions_with_hashtags), "Mentions with Hashtags");
  EXPECT_EQ(type_display_name(service_type::seo), "SEO");
  EXPECT_EQ(type_display_name(service_type::invites_from_groups), "Invites from Groups");
}

TEST_F(ApiV2Render, AddRefillAndRefillStatusSingles) {
  // {"order": 23501}: a number.
  const element a = parse(add_body(23501));
  EXPECT_EQ(keys(a), (std::set<std::string>{"order"}));
  EXPECT_EQ(type_of(a["order"]), element_type::INT64);
  EXPECT_EQ(int64_t(a["order"]), 23501);
  // {"refill": "1"}: a string.
  const element r = parse(refill_body(1));
  EXPECT_EQ(keys(r), (std::set<std::string>{"refill"}));
  EXPECT_EQ(str(r["refill"]), "1");
  // {"status": "Completed"}
  const element s = parse(refill_status_body("Completed"));
  EXPECT_EQ(keys(s), (std::set<std::string>{"status"}));
  EXPECT_EQ(str(s["status"]), "Completed");
  // {"error": "..."}
  const element e = parse(error_body("Incorrect order ID"));
  EXPECT_EQ(keys(e), (std::set<std::string>{"error"}));
  EXPECT_EQ(str(e["error"]), "Incorrect order ID");
}

TEST_F(ApiV2Render, MultiRefillLikeTheTemplate) {
  // §9.1: [{"order":1,"refill":1},{"order":2,"refill":2},{"order":3,"refill":{"error":"Incorrect order ID"}}]
  const element arr = parse(
      list_body("order", "refill",
                {{"1", {}, true, 1, {}}, {"2", {}, true, 2, {}}, {"3", "Incorrect order ID", true, 0, {}}}));
  ASSERT_EQ(arr.get_array().size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const element e = arr.at(static_cast<std::size_t>(i));
    EXPECT_EQ(keys(e), (std::set<std::string>{"order", "refill"}));
    EXPECT_EQ(type_of(e["order"]), element_type::INT64);
    EXPECT_EQ(int64_t(e["order"]), i + 1);
  }
  EXPECT_EQ(int64_t(arr.at(0)["refill"]), 1);
  EXPECT_EQ(int64_t(arr.at(1)["refill"]), 2);
  EXPECT_EQ(str(arr.at(2)["refill"]["error"]), "Incorrect order ID");
}

TEST_F(ApiV2Render, MultiRefillStatusLikeTheTemplate) {
  // §9.2: [{"refill":1,"status":"Completed"},{"refill":2,"status":"Rejected"},
  //        {"refill":3,"status":{"error":"Refill not found"}}]
  const element arr = parse(list_body("refill", "status",
                                      {{"1", {}, false, 0, "Completed"},
                                       {"2", {}, false, 0, "Rejected"},
                                       {"3", "Refill not found", false, 0, {}}}));
  ASSERT_EQ(arr.get_array().size(), 3u);
  EXPECT_EQ(int64_t(arr.at(0)["refill"]), 1);
  EXPECT_EQ(str(arr.at(0)["status"]), "Completed");
  EXPECT_EQ(str(arr.at(1)["status"]), "Rejected");
  EXPECT_EQ(int64_t(arr.at(2)["refill"]), 3);
  EXPECT_EQ(str(arr.at(2)["status"]["error"]), "Refill not found");
}

TEST_F(ApiV2Render, CancelLikeTheTemplateAndNonNumericIdsStayText) {
  // §9.2: [{"order":9,"cancel":{"error":"Incorrect order ID"}},{"order":2,"cancel":1}]
  const element arr = parse(list_body("order", "cancel",
                                      {{"9", "Incorrect order ID", true, 1, {}},
                                       {"2", {}, true, 1, {}},
                                       {"x1", "Incorrect order ID", true, 1, {}}}));
  ASSERT_EQ(arr.get_array().size(), 3u);
  EXPECT_EQ(int64_t(arr.at(0)["order"]), 9);
  EXPECT_EQ(str(arr.at(0)["cancel"]["error"]), "Incorrect order ID");
  EXPECT_EQ(int64_t(arr.at(1)["order"]), 2);
  EXPECT_EQ(type_of(arr.at(1)["cancel"]), element_type::INT64);
  EXPECT_EQ(int64_t(arr.at(1)["cancel"]), 1);
  EXPECT_EQ(str(arr.at(2)["order"]), "x1");
}

TEST_F(ApiV2Render, BalanceWithFiveDecimalsRoundedDown) {
  // §9.2: {"balance": "100.84292", "currency": "USD"}
  const element b = parse(balance_body(m("100.842929"), "USD"));
  EXPECT_EQ(keys(b), (std::set<std::string>{"balance", "currency"}));
  EXPECT_EQ(str(b["balance"]), "100.84292");
  EXPECT_EQ(str(b["currency"]), "USD");
  EXPECT_EQ(fixed_decimals(m("0"), 5), "0.00000");
  EXPECT_EQ(fixed_decimals(m("12"), 5), "12.00000");
  EXPECT_EQ(fixed_decimals(m("0.000009"), 5), "0.00000");
  EXPECT_EQ(fixed_decimals(m("-1.234569"), 5), "-1.23456") << "toward zero";
  EXPECT_EQ(fixed_decimals(m("1.5"), 0), "1");
  EXPECT_EQ(fixed_decimals(m("1.123456"), 6), "1.123456");
}

TEST_F(ApiV2Render, EngineReasonsBecomeTemplateTexts) {
  // The reason decides; the message is shown only when the template has no words of its own.
  using r = invalid_reason;
  EXPECT_EQ(add_error_text(r::missing_field, "quantity", "quantity: required"),
            "Missing required parameter: quantity");
  EXPECT_EQ(add_error_text(r::missing_field, "comments", "comments: required for custom comments"),
            "Missing required parameter: comments");
  EXPECT_EQ(add_error_text(r::missing_field, "username", "missing 'username' for this service type"),
            "Missing required parameter: username");
  EXPECT_EQ(add_error_text(r::unknown_service, "service", "service: no service 42"), "Incorrect service ID");
  EXPECT_EQ(add_error_text(r::bad_value, "quantity", "quantity: 5 outside [10, 100]"),
            "quantity: 5 outside [10, 100]");
  // Text that looks like a rule is not read: a bad value that says "required" stays as it is.
  EXPECT_EQ(add_error_text(r::bad_value, "link", "link: required"), "link: required");
  EXPECT_EQ(add_error_text(r::missing_field, "", "something missing"), "something missing");
  EXPECT_EQ(refill_not_eligible_text("not_completed"), "Order not eligible for refill: not_completed");
}

}  // namespace
}  // namespace smm::daemon::apiv2
