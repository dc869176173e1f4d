// Parser tests: every api-v2.md §9 sample as a fixture file, plus the malformed inputs and
// quirks providers send (§4.1, §4.3, §5, §6.1).
#include "providers/response_parser.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace smm::providers {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(SMM_SOURCE_DIR) + "/tests/providers/fixtures/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

money m(std::string_view text) { return parse_money(text).value; }

// ---- §9 samples ----

TEST(ResponseParser, Sample_9_1_Services) {
  const auto r = parse_services(fixture("9.1_services.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.services.size(), 2u);
  const auto& a = r.value.services[0];
  EXPECT_EQ(a.service, "1");
  EXPECT_EQ(a.name, "Followers");
  EXPECT_EQ(a.type, "Default");
  EXPECT_EQ(a.category, "First Category");
  EXPECT_EQ(a.rate_text, "0.90");
  EXPECT_EQ(a.rate, m("0.9"));
  EXPECT_EQ(a.min, 50);
  EXPECT_EQ(a.max, 10000);
  EXPECT_EQ(a.refill, true);
  EXPECT_EQ(a.cancel, true);
  EXPECT_FALSE(a.dripfeed.has_value());
  const auto& b = r.value.services[1];
  EXPECT_EQ(b.type, "Custom Comments");
  EXPECT_EQ(b.rate, money::from_units(8));
  EXPECT_EQ(b.refill, false);
}

TEST(ResponseParser, Sample_9_1_Add) {
  const auto r = parse_add(fixture("9.1_add.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.order, "23501");
}

TEST(ResponseParser, Sample_9_1_Status) {
  const auto r = parse_status(fixture("9.1_status.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.charge_text, "0.27819");
  EXPECT_EQ(r.value.charge, money::from_micros(278190));
  EXPECT_EQ(r.value.start_count, 3572);
  EXPECT_EQ(r.value.status, "Partial");
  EXPECT_EQ(r.value.remains, 157);
  EXPECT_EQ(r.value.currency, "USD");
}

TEST(ResponseParser, Sample_9_1_StatusMulti) {
  const auto r = parse_status_multi(fixture("9.1_status_multi.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 3u);
  EXPECT_EQ(r.value[0].id, "1");
  ASSERT_TRUE(r.value[0].status);
  EXPECT_EQ(r.value[0].status->remains, 157);
  EXPECT_EQ(r.value[1].id, "10");
  ASSERT_TRUE(r.value[1].error);
  EXPECT_FALSE(r.value[1].status);
  EXPECT_EQ(r.value[1].error->message, "Incorrect order ID");
  EXPECT_EQ(r.value[1].error->category, error_category::order_not_found);
  EXPECT_EQ(r.value[2].id, "100");
  ASSERT_TRUE(r.value[2].status);
  EXPECT_EQ(r.value[2].status->status, "In progress");
  EXPECT_EQ(r.value[2].status->charge, m("1.44219"));
}

TEST(ResponseParser, Sample_9_1_Refill) {
  const auto r = parse_refill(fixture("9.1_refill.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value, "1");
}

TEST(ResponseParser, Sample_9_1_RefillMulti) {
  const auto r = parse_refill_multi(fixture("9.1_refill_multi.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 3u);
  EXPECT_EQ(r.value[0].id, "1");
  EXPECT_EQ(r.value[0].value, "1");
  EXPECT_FALSE(r.value[0].error);
  EXPECT_EQ(r.value[1].value, "2");
  EXPECT_EQ(r.value[2].id, "3");
  ASSERT_TRUE(r.value[2].error);
  EXPECT_EQ(r.value[2].error->message, "Incorrect order ID");
}

TEST(ResponseParser, Sample_9_1_RefillStatus) {
  const auto r = parse_refill_status(fixture("9.1_refill_status.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value, "Completed");
}

TEST(ResponseParser, Sample_9_2_RefillStatusMulti) {
  const auto r = parse_refill_status_multi(fixture("9.2_refill_status_multi.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 3u);
  EXPECT_EQ(r.value[0].value, "Completed");
  EXPECT_EQ(r.value[1].id, "2");
  EXPECT_EQ(r.value[1].value, "Rejected");
  ASSERT_TRUE(r.value[2].error);
  EXPECT_EQ(r.value[2].error->message, "Refill not found");
  EXPECT_EQ(r.value[2].error->category, error_category::order_not_found);
}

TEST(ResponseParser, Sample_9_2_And_9_12_Cancel) {
  for (const char* name : {"9.2_cancel.json", "9.12_cancel.json"}) {
    const auto r = parse_cancel(fixture(name));
    ASSERT_TRUE(r.ok()) << name << ": " << r.error;
    ASSERT_EQ(r.value.size(), 2u);
    EXPECT_EQ(r.value[0].id, "9");
    ASSERT_TRUE(r.value[0].error);
    EXPECT_EQ(r.value[0].error->message, "Incorrect order ID");
    EXPECT_EQ(r.value[1].id, "2");
    EXPECT_EQ(r.value[1].value, "1");
    EXPECT_FALSE(r.value[1].error);
  }
}

TEST(ResponseParser, Sample_9_2_Balance) {
  const auto r = parse_balance(fixture("9.2_balance.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.balance_text, "100.84292");
  EXPECT_EQ(r.value.balance, money::from_micros(100842920));
  EXPECT_EQ(r.value.currency, "USD");
}

TEST(ResponseParser, Sample_9_6_TrailingCommaIsAClearError) {
  const auto r = parse_services(fixture("9.6_services_trailing_comma.txt"));
  EXPECT_EQ(r.kind, reply_kind::malformed);
  EXPECT_NE(r.error.find("invalid JSON"), std::string::npos) << r.error;
  // The bare trailing comma, without the page's "...", is refused too.
  const auto t = parse_services(R"([{"service": 101, "rate": "250.00", "type": "default",}])");
  EXPECT_EQ(t.kind, reply_kind::malformed);
  EXPECT_NE(t.error.find("invalid JSON"), std::string::npos) << t.error;
}

TEST(ResponseParser, Sample_9_6_Status) {
  const auto r = parse_status(fixture("9.6_status.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.charge, money::from_micros(10000));
  EXPECT_EQ(r.value.remains, 157);
}

TEST(ResponseParser, Sample_9_8_StringServiceIdsNoRefillKeys) {
  const auto r = parse_services(fixture("9.8_services_string_ids.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.services.size(), 1u);
  EXPECT_EQ(r.value.services[0].service, "1");
  EXPECT_FALSE(r.value.services[0].refill.has_value());
  EXPECT_FALSE(r.value.services[0].cancel.has_value());
  EXPECT_EQ(parse_add(fixture("9.8_add_keywords.json")).value.order, "23502");
  EXPECT_EQ(parse_add(fixture("9.8_add_comments.json")).value.order, "23503");
}

TEST(ResponseParser, Sample_9_9_DocumentationPageIsNotJson) {
  const auto r = parse_services(fixture("9.9_panelsend_service_doc.txt"));
  EXPECT_EQ(r.kind, reply_kind::malformed);
  EXPECT_FALSE(r.error.empty());
}

TEST(ResponseParser, Sample_9_10_NoCancelKey) {
  const auto r = parse_services(fixture("9.10_services_no_cancel.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.services.size(), 2u);
  EXPECT_EQ(r.value.services[0].refill, true);
  EXPECT_FALSE(r.value.services[0].cancel.has_value());
  EXPECT_EQ(r.value.services[1].refill, false);
}

TEST(ResponseParser, Sample_9_11_RefillStatusMulti) {
  const auto r = parse_refill_status_multi(fixture("9.11_refill_status_multi.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 1u);
  EXPECT_EQ(r.value[0].id, "1");
  EXPECT_EQ(r.value[0].value, "Completed");
}

// ---- quirks ----

TEST(ResponseParser, ErrorWinsOverOrder) {
  const auto r = parse_add(R"({"error": "low balance", "order": 32})");
  EXPECT_EQ(r.kind, reply_kind::provider_error);
  EXPECT_EQ(r.error, "low balance");
  EXPECT_EQ(r.category, error_category::not_enough_funds);
  EXPECT_TRUE(r.value.order.empty());
  const auto o = parse_add(R"({"order": 32, "error": "low balance"})");
  EXPECT_EQ(o.kind, reply_kind::provider_error);
  EXPECT_TRUE(o.value.order.empty());
}

TEST(ResponseParser, OrderBesideAnErrorIsKeptUnconfirmed) {
  // Either key order, a number or a string: the id survives as evidence, never as `order`.
  for (const char* body :
       {R"({"error": "low balance", "order": 32})", R"({"order": 32, "error": "low balance"})",
        R"({"error": {"message": "low balance"}, "order": "32"})"}) {
    const auto r = parse_add(body);
    EXPECT_EQ(r.kind, reply_kind::provider_error) << body;
    EXPECT_EQ(r.value.unconfirmed_order, "32") << body;
    EXPECT_TRUE(r.value.order.empty()) << body;
  }
  // No usable id beside the error: nothing to check.
  for (const char* body :
       {R"({"error": "low balance"})", R"({"error": "low balance", "order": null})",
        R"({"error": "low balance", "order": ""})", R"({"error": "x", "order": {"id": 1}})"}) {
    const auto r = parse_add(body);
    EXPECT_EQ(r.kind, reply_kind::provider_error) << body;
    EXPECT_TRUE(r.value.unconfirmed_order.empty()) << body;
  }
  // A plain success names its id in `order` only.
  const auto ok = parse_add(R"({"order": 23501})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value.order, "23501");
  EXPECT_TRUE(ok.value.unconfirmed_order.empty());
}

TEST(ResponseParser, OrderIdsAreOpaqueExactText) {
  EXPECT_EQ(parse_add(R"({"order": "ord_7f3A"})").value.order, "ord_7f3A");
  EXPECT_EQ(parse_add(R"({"order":12345678901234567890})").value.order, "12345678901234567890");
  EXPECT_EQ(parse_add(R"({"status":"success","order": 0042 })").kind, reply_kind::malformed);  // not JSON
  EXPECT_EQ(parse_add(R"({"status":"success","order": 42 })").value.order, "42");
  EXPECT_EQ(parse_refill(R"({"refill": "ref_01HG9XAZQM"})").value, "ref_01HG9XAZQM");
  EXPECT_EQ(parse_refill(R"({"success": "Your order will be refill asap", "refill": 12345})").value, "12345");
}

TEST(ResponseParser, AddWithoutOrderIsMalformed) {
  for (const char* body : {R"({})", R"({"order": null})", R"({"order": ""})", R"({"order": {"id": 1}})"}) {
    const auto r = parse_add(body);
    EXPECT_EQ(r.kind, reply_kind::malformed) << body;
    EXPECT_EQ(r.error, "no order id in add reply") << body;
  }
}

TEST(ResponseParser, NumbersOrStringsAndUnknownMeansEmpty) {
  const auto r = parse_status(
      R"({"charge": 0.08011655652, "start_count": "Unknown", "status": "processing", "remains": null})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.charge_text, "0.08011655652");       // exact, never via double
  EXPECT_EQ(r.value.charge, money::from_micros(80116));  // past 6 decimals: toward zero
  EXPECT_FALSE(r.value.start_count.has_value());
  EXPECT_FALSE(r.value.remains.has_value());
  EXPECT_TRUE(r.value.currency.empty());
  const auto e = parse_status(R"({"charge": "", "start_count": "", "status": "Pending", "remains": "abc"})");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e.value.charge.has_value());
  EXPECT_FALSE(e.value.start_count.has_value());
  EXPECT_FALSE(e.value.remains.has_value());
  const auto n = parse_status(R"({"charge": 1.5, "start_count": 300, "status": "Completed", "remains": 0})");
  EXPECT_EQ(n.value.start_count, 300);
  EXPECT_EQ(n.value.remains, 0);  // a real zero stays zero
  EXPECT_EQ(n.value.charge, money::from_micros(1500000));
}

TEST(ResponseParser, NegativeRemainsKept) {
  EXPECT_EQ(parse_status(R"({"status": "Completed", "remains": "-5"})").value.remains, -5);
  EXPECT_EQ(parse_status(R"({"status": "Completed", "remains": -12})").value.remains, -12);
  // SmartPanel writes over-delivery as "+N" (api-v2.md §4.1).
  EXPECT_EQ(parse_status(R"({"status": "Completed", "remains": "+7"})").value.remains, -7);
  EXPECT_EQ(parse_status(R"({"status": "Completed", "remains": "157.0"})").value.remains, 157);
  EXPECT_FALSE(parse_status(R"({"status": "Completed", "remains": "157.5"})").value.remains.has_value());
}

TEST(ResponseParser, MultiStatusBareStringErrorAndGarbageEntries) {
  const auto r = parse_status_multi(
      R"({"1": {"status": "Pending", "order": 1}, "2": "Incorrect order ID", "3": [1, 2], "4": 17,
          "ord-x": {"status": "Completed", "orders": [11, "12"], "runs": "3"}})");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.size(), 5u);
  EXPECT_EQ(r.value[0].status->status, "Pending");
  ASSERT_TRUE(r.value[1].error);
  EXPECT_EQ(r.value[1].error->message, "Incorrect order ID");
  EXPECT_EQ(r.value[1].error->category, error_category::order_not_found);
  ASSERT_TRUE(r.value[2].error);
  EXPECT_EQ(r.value[2].error->message, "unexpected array for this order");
  ASSERT_TRUE(r.value[3].error);
  EXPECT_EQ(r.value[4].id, "ord-x");
  ASSERT_TRUE(r.value[4].status);
  EXPECT_EQ(r.value[4].status->runs, 3);
  EXPECT_EQ(r.value[4].status->child_orders, (std::vector<std::string>{"11", "12"}));
}

TEST(ResponseParser, MultiStatusWholeRequestError) {
  const auto r = parse_status_multi(R"({"error": "Incorrect request key"})");
  EXPECT_EQ(r.kind, reply_kind::provider_error);
  EXPECT_EQ(r.category, error_category::bad_key);
}

TEST(ResponseParser, ServicesToleratesTypesAndSkipsJunk) {
  const auto r = parse_services(
      R"([{"service": "7", "rate": 95200, "min": 10, "max": "5000", "refill": "1", "cancel": 0,
           "dripfeed": "true", "desc": "x", "name_lang": {"ru": "y"}, "extra": [1, {"a": 2}]},
          {"name": "no id"}, 42, "str",
          {"service": 8, "rate": "0.0000001", "refill": "maybe", "min": "Unknown"}])");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.value.services.size(), 2u);
  EXPECT_EQ(r.value.skipped, 3u);
  const auto& a = r.value.services[0];
  EXPECT_EQ(a.rate, money::from_units(95200));
  EXPECT_EQ(a.min, 10);
  EXPECT_EQ(a.max, 5000);
  EXPECT_EQ(a.refill, true);
  EXPECT_EQ(a.cancel, false);
  EXPECT_EQ(a.dripfeed, true);
  EXPECT_EQ(a.description, "x");
  const auto& b = r.value.services[1];
  EXPECT_EQ(b.rate_text, "0.0000001");
  EXPECT_FALSE(b.rate.has_value());  // a price must be exact
  EXPECT_FALSE(b.refill.has_value());
  EXPECT_FALSE(b.min.has_value());
}

TEST(ResponseParser, BalanceAsNumberStaysExact) {
  const auto r = parse_balance(R"({"status": "success", "balance": 100.84292, "currency": "USD"})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.balance_text, "100.84292");
  EXPECT_EQ(r.value.balance, money::from_micros(100842920));
  EXPECT_EQ(parse_balance(R"({"balance": "-3.5"})").value.balance, money::from_micros(-3500000));
  const auto bad = parse_balance(R"({"balance": "lots"})");
  EXPECT_EQ(bad.kind, reply_kind::malformed);
  EXPECT_NE(bad.error.find("not a number"), std::string::npos);
  EXPECT_EQ(parse_balance(R"({"error": "Invalid API key"})").category, error_category::bad_key);
}

TEST(ResponseParser, RefillStatusNestedError) {
  const auto r = parse_refill_status(R"({"status": {"error": "Refill not found"}})");
  EXPECT_EQ(r.kind, reply_kind::provider_error);
  EXPECT_EQ(r.error, "Refill not found");
  const auto e = parse_refill(R"({"error": "Order not eligible for refill."})");
  EXPECT_EQ(e.kind, reply_kind::provider_error);
  EXPECT_EQ(e.category, error_category::refill_not_allowed);
}

// ---- malformed bodies ----

TEST(ResponseParser, HtmlPageSaysSo) {
  const std::string html =
      "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>\r\n<h1>502 Bad Gateway</h1>"
      "<p>cloudflare</p>\x01\xff</body></html>";
  const auto r = parse_status(html);
  EXPECT_EQ(r.kind, reply_kind::malformed);
  EXPECT_EQ(r.error.rfind("provider returned HTML, not JSON: \"<!DOCTYPE html> <html><head><title>502", 0),
            0u)
      << r.error;
  EXPECT_LT(r.error.size(), 140u);
  EXPECT_EQ(r.error.find('\n'), std::string::npos);
  const auto t = parse_balance("Internal Server Error");
  EXPECT_EQ(t.error, "provider returned a non-JSON body: \"Internal Server Error\"");
}

TEST(ResponseParser, TruncatedBodies) {
  const std::string full = fixture("9.1_status_multi.json");
  for (std::size_t cut : {std::size_t{1}, std::size_t{10}, full.size() / 2, full.size() - 3}) {
    const auto r = parse_status_multi(full.substr(0, cut));
    EXPECT_EQ(r.kind, reply_kind::malformed) << cut;
    EXPECT_EQ(r.error.rfind("truncated JSON body", 0), 0u) << cut << ": " << r.error;
  }
  EXPECT_EQ(parse_add(R"({"order": "123)").error.rfind("truncated", 0), 0u);
}

TEST(ResponseParser, ByteOrderMarkIsStripped) {
  const auto r = parse_add("\xEF\xBB\xBF{\"order\": 77}");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.order, "77");
}

TEST(ResponseParser, EmptyBody) {
  EXPECT_EQ(parse_add("").error, "empty body");
  EXPECT_EQ(parse_add(" \r\n\t").error, "empty body");
  EXPECT_EQ(parse_add("\xEF\xBB\xBF").error, "empty body");
}

TEST(ResponseParser, OverTheCap) {
  std::string huge = "[";
  huge.append(max_body_bytes, ' ');
  huge += "]";
  const auto r = parse_services(huge);
  EXPECT_EQ(r.kind, reply_kind::malformed);
  EXPECT_EQ(r.error, "body of 8388610 bytes exceeds the 8 MiB cap");
}

TEST(ResponseParser, WrongTopLevelType) {
  EXPECT_EQ(parse_services(R"({"service": 1})").error, "expected a JSON array, got object");
  EXPECT_EQ(parse_status("[1,2]").error, "expected a JSON object, got array");
  EXPECT_EQ(parse_add(R"("23501")").error, "expected a JSON object, got string");
  EXPECT_EQ(parse_add("23501").error, "expected a JSON object, got number");
  EXPECT_EQ(parse_add("null").error, "expected a JSON object, got null");
  // An object with "error" where an array was expected is the provider speaking.
  const auto e = parse_cancel(R"({"error": "Incorrect request key"})");
  EXPECT_EQ(e.kind, reply_kind::provider_error);
  EXPECT_EQ(e.category, error_category::bad_key);
}

TEST(ResponseParser, NestedGarbageNeverCrashes) {
  std::string deep(2000, '[');
  for (const std::string& body :
       {deep, std::string(R"({"order": [[[{"a": {"b": [}}]]]})"), std::string(R"({"charge": {"x": )"),
        std::string("{\"order\": \"\xff\xfe\"}"),
        std::string(R"({"1": {"status": {"error": {"deep": [1,2,3]}}}})"),
        std::string(R"([{"order": 1, "cancel": [1, {"error": 2}]}])"),
        std::string("{\"a\":1}\0garbage", 16)}) {
    EXPECT_NO_THROW({
      (void)parse_add(body);
      (void)parse_status(body);
      (void)parse_status_multi(body);
      (void)parse_services(body);
      (void)parse_refill(body);
      (void)parse_refill_multi(body);
      (void)parse_refill_status(body);
      (void)parse_cancel(body);
      (void)parse_balance(body);
    });
  }
  EXPECT_EQ(parse_add(deep).kind, reply_kind::malformed);
}

TEST(ResponseParser, PaddedStringParsedInPlaceGivesSameResult) {
  std::string body = R"({"order": 9})";
  body.reserve(body.size() + 64);
  const auto r = parse_add(body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.order, "9");
}

// Found by fuzz/provider_response_fuzz: a repeated key replaced the text but left the amount
// read from the first one, so a rate or charge the reply no longer states was still used.
TEST(ResponseParser, RepeatedMoneyKeyReplacesTheAmountToo) {
  const auto services = parse_services(R"([
{
"service": "1",
"name": "Followers",
"type": "Default",
"rate": "0.90",
"min": "50ollowers",
"type": "Default",
"rate": "",
"max": "10000",
"category": "First Category"
}
])");
  ASSERT_TRUE(services.ok()) << services.error;
  ASSERT_EQ(services.value.services.size(), 1u);
  EXPECT_EQ(services.value.services[0].rate_text, "");
  EXPECT_FALSE(services.value.services[0].rate.has_value());

  const auto status = parse_status(R"({"status":"Completed","charge":"1.00","charge":"junk"})");
  ASSERT_TRUE(status.ok()) << status.error;
  EXPECT_EQ(status.value.charge_text, "junk");
  EXPECT_FALSE(status.value.charge.has_value());

  const auto balance = parse_balance(R"({"balance":"100.5","balance":"n/a","currency":"USD"})");
  EXPECT_EQ(balance.kind, reply_kind::malformed);
  EXPECT_EQ(balance.error, "balance 'n/a' is not a number");

  const auto last_wins = parse_status(R"({"status":"Partial","charge":"junk","charge":"0.5"})");
  ASSERT_TRUE(last_wins.ok());
  EXPECT_EQ(last_wins.value.charge, m("0.5"));
}

}  // namespace
}  // namespace smm::providers
