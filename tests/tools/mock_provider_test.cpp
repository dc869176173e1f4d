// The provider's request handling without sockets: canonical JSON of every action, keys,
// quirks, fault decisions, the audit and /admin/*.
#include <gtest/gtest.h>

#include <regex>

#include "tools/mockprovider/provider.hpp"

namespace smm::mock {
namespace {

struct MockProvider : ::testing::Test {
  std::int64_t now = 0;
  provider_options options() {
    provider_options o;
    o.key = "k";
    o.sim.initial_balance = money::from_units(100);
    o.sim.speed_per_s = 10;
    o.sim.pending_ms = 1000;
    o.sim.start_count_max = 0;  // start_count "0": exact bodies
    return o;
  }
  std::unique_ptr<provider> p = std::make_unique<provider>(options(), [this] { return now; });

  reply post(const std::string& body, const std::string& target = "/api/v2") {
    incoming in;
    in.target = target;
    in.content_type = "application/x-www-form-urlencoded";
    in.body = body;
    return p->handle(in);
  }
  std::string api(const std::string& body) { return post("key=k&" + body).body; }
  std::string get_audit() {
    incoming in;
    in.method = "GET";
    in.target = "/admin/audit";
    return p->handle(in).body;
  }
};

TEST_F(MockProvider, ServicesUseTheCanonicalShape) {
  const std::string body = api("action=services");
  EXPECT_EQ(
      body.rfind(
          R"([{"service":1,"name":"Followers","type":"Default","category":"Mock Default","rate":"0.90",)"
          R"("min":"50","max":"10000","refill":true,"cancel":true},{"service":2,)",
          0),
      0u)
      << body;
}

TEST_F(MockProvider, AddStatusBalanceAreCanonical) {
  EXPECT_EQ(api("action=add&service=1&link=https%3A%2F%2Fx%2Fa&quantity=100"), R"({"order":1})");
  EXPECT_EQ(api("action=status&order=1"),
            R"({"charge":"0.09","start_count":"0","status":"Pending","remains":"100","currency":"USD"})");
  now = 6000;
  EXPECT_EQ(
      api("action=status&orders=1,77"),
      R"({"1":{"charge":"0.09","start_count":"0","status":"In progress","remains":"50","currency":"USD"},)"
      R"("77":{"error":"Incorrect order ID"}})");
  EXPECT_EQ(api("action=status&order=77"), R"({"error":"Incorrect order ID"})");
  EXPECT_EQ(api("action=status"),
            R"({"error":"Order ID is required parameter. Please check your API Manual"})");
  EXPECT_EQ(api("action=balance"), R"({"balance":"99.91","currency":"USD"})");
}

TEST_F(MockProvider, KeysActionsAndRequestStyles) {
  EXPECT_EQ(post("key=wrong&action=balance").body, R"({"error":"Invalid API key"})");
  EXPECT_EQ(post("action=balance").body, R"({"error":"Invalid API key"})");
  EXPECT_EQ(api("action=nope"), R"({"error":"This action is Invalid"})");
  EXPECT_EQ(api(""), R"({"error":"This action is Invalid"})");
  incoming in;
  in.body = "action=balance";
  in.x_api_key = "k";
  EXPECT_EQ(p->handle(in).body, R"({"balance":"100.00","currency":"USD"})");
  in.x_api_key.clear();
  in.authorization = "Bearer k";
  EXPECT_EQ(p->handle(in).body, R"({"balance":"100.00","currency":"USD"})");
  incoming json;
  json.content_type = "application/json";
  json.body = R"({"key":"k","action":"add","service":1,"link":"https://x/j","quantity":"60"})";
  EXPECT_EQ(p->handle(json).body, R"({"order":1})");
  incoming get;
  get.method = "GET";
  get.target = "/api/v2?key=k&action=status&order=1";
  EXPECT_NE(p->handle(get).body.find(R"("remains":"60")"), std::string::npos);
  EXPECT_EQ(post("key=k&action=balance", "/elsewhere").status, 404);
}

TEST_F(MockProvider, AddHandlesEveryServiceType) {
  // Custom comments: quantity is the number of non-empty lines.
  EXPECT_EQ(api("action=add&service=2&link=l1&comments=good%0A%0Agreat%0D%0A%3A)%0A"), R"({"order":1})");
  EXPECT_NE(get_audit().find(R"("quantity":3)"), std::string::npos);
  EXPECT_EQ(api("action=add&service=2&link=l2"),
            R"({"error":"There are missing required parameters. Please check your API Manual"})");
  EXPECT_EQ(api("action=add&service=4&link=l3"), R"({"order":2})");  // package: no quantity
  EXPECT_EQ(api("action=add&service=5&link=l4&quantity=100&usernames=a&hashtags=%23b"), R"({"order":3})");
  EXPECT_EQ(api("action=add&service=5&link=l5&quantity=100&usernames=a"),
            R"({"error":"There are missing required parameters. Please check your API Manual"})");
  EXPECT_EQ(api("action=add&service=12&link=l6&quantity=100&answer_number=7"), R"({"order":4})");
  EXPECT_EQ(api("action=add&service=15&username=u&min=100&max=110&delay=30"), R"({"order":5})");
  EXPECT_EQ(api("action=add&service=1&link=l7&quantity=100&runs=3&interval=5"), R"({"order":6})");
  EXPECT_EQ(api("action=status&order=6").find(R"("charge":"0.27")"), 1u);  // 300 units at 0.90
  EXPECT_EQ(api("action=add&service=99&link=l8&quantity=100"), R"({"error":"Service ID does not exists"})");
  EXPECT_EQ(api("action=add&service=1&link=l9&quantity=10"),
            R"({"error":"Quantity must to be greater than or equal to minimum amount"})");
  EXPECT_EQ(api("action=add&service=1&link=l9&quantity=10001"),
            R"({"error":"Quantity must to be less than or equal to maximum amount"})");
  EXPECT_EQ(api("action=add&service=1&link=bad%20link&quantity=100"), R"({"error":"Invalid Link"})");
  EXPECT_EQ(api("action=add&service=1&link=l7&quantity=100"),
            R"({"error":"You have active order with this link. Please wait until order being completed."})");
}

TEST_F(MockProvider, RefillRefillStatusAndCancelAreCanonical) {
  api("action=add&service=1&link=a&quantity=100");  // refill + cancel
  api("action=add&service=3&link=b&quantity=100");  // neither
  EXPECT_EQ(api("action=cancel&orders=2,9"),
            R"([{"order":2,"cancel":{"error":"Order not eligible for cancel."}},)"
            R"({"order":9,"cancel":{"error":"Incorrect order ID"}}])");
  now = 20'000;  // both completed
  EXPECT_EQ(api("action=refill&order=1"), R"({"refill":"1"})");
  EXPECT_EQ(api("action=refill&orders=1,2,5"),
            R"([{"order":1,"refill":{"error":"Order not eligible for refill."}},)"
            R"({"order":2,"refill":{"error":"Order not eligible for refill."}},)"
            R"({"order":5,"refill":{"error":"Incorrect order ID"}}])");
  EXPECT_EQ(api("action=refill_status&refill=1"), R"({"status":"Pending"})");
  EXPECT_EQ(api("action=refill_status&refills=1,8"),
            R"([{"refill":1,"status":"Pending"},{"refill":8,"status":{"error":"Refill not found"}}])");
  EXPECT_EQ(api("action=refill_status&refill=8"), R"({"error":"Refill not found"})");
  api("action=add&service=1&link=c&quantity=100");
  EXPECT_EQ(api("action=cancel&orders=3"), R"([{"order":3,"cancel":1}])");
  EXPECT_NE(api("action=status&order=3").find(R"("status":"Canceled")"), std::string::npos);
  std::string many = "action=status&orders=1";
  for (int i = 2; i <= 101; ++i) many += "," + std::to_string(i);
  EXPECT_EQ(api(many), R"({"error":"Invalid Request"})");
}

TEST_F(MockProvider, QuirksChangeTheShapes) {
  ASSERT_EQ(post("numbers=numbers&status_style=alt&bare_errors=1&string_ids=1", "/admin/quirks").status, 200);
  EXPECT_EQ(api("action=add&service=1&link=a&quantity=100"), R"({"order":"ord_1"})");
  EXPECT_EQ(api("action=status&orders=ord_1,2"),
            R"({"ord_1":{"charge":0.09,"start_count":0,"status":"Pending","remains":100,"currency":"USD"},)"
            R"("2":"Incorrect order ID"})");
  now = 5000;
  EXPECT_NE(api("action=status&order=ord_1").find(R"("status":"Inprogress")"), std::string::npos);
  EXPECT_EQ(api("action=cancel&orders=ord_1"), R"([{"order":"ord_1","cancel":1}])");
  EXPECT_NE(api("action=status&order=ord_1").find(R"("status":"Partially Completed")"), std::string::npos);
  EXPECT_EQ(post("status_style=snake", "/admin/quirks").status, 200);
  EXPECT_NE(api("action=status&order=ord_1").find(R"("status":"partial")"), std::string::npos);
  EXPECT_EQ(post("bogus=1", "/admin/quirks").status, 400);
}

TEST_F(MockProvider, FaultRulesMatchActionsAndCountsAndAreAudited) {
  ASSERT_EQ(post(R"({"kind":"http_5xx","action":"add","count":2,"status":502})", "/admin/faults").status,
            200);
  EXPECT_EQ(post("key=k&action=balance").status, 200);  // other actions untouched
  const reply first = post("key=k&action=add&service=1&link=a&quantity=100");
  EXPECT_EQ(first.status, 502);
  EXPECT_EQ(post("key=k&action=add&service=1&link=a&quantity=100").status, 502);
  EXPECT_EQ(post("key=k&action=add&service=1&link=a&quantity=100").body, R"({"order":1})");  // count used up

  post("kind=rate_limit&retry_after=7&count=1", "/admin/faults");
  const reply limited = post("key=k&action=status&order=1");
  EXPECT_EQ(limited.status, 429);
  ASSERT_EQ(limited.headers.size(), 1u);
  EXPECT_EQ(limited.headers[0], (std::pair<std::string, std::string>{"Retry-After", "7"}));

  // A reset after the action ran: the order exists though the client never hears of it.
  post("kind=reset&action=add&count=1", "/admin/faults");
  const reply lost = post("key=k&action=add&service=1&link=b&quantity=100");
  EXPECT_EQ(lost.transport, fault_kind::reset);
  p->finish(lost.audit_seq, false);
  post("kind=html&count=1", "/admin/faults");
  const reply html = post("key=k&action=balance");
  EXPECT_EQ(html.status, 502);
  EXPECT_EQ(html.content_type.substr(0, 9), "text/html");
  post("kind=invalid_json&count=1", "/admin/faults");
  EXPECT_EQ(post("key=k&action=balance").body, R"({"balance":"99.82","currency":"USD")");
  post("kind=error&message=Server%20busy&count=1", "/admin/faults");
  EXPECT_EQ(post("key=k&action=add&service=1&link=c&quantity=100").body, R"({"error":"Server busy"})");

  const std::string audit = get_audit();
  const std::regex order_field(R"re("order":"(\d+)")re");
  int orders = 0;
  for (auto it = std::sregex_iterator(audit.begin(), audit.end(), order_field); it != std::sregex_iterator();
       ++it)
    ++orders;
  EXPECT_EQ(orders, 2) << audit;  // order 1 and the lost order 2
  EXPECT_NE(audit.find(R"("order":"2","error":null,"fault":"reset","delivered":false)"), std::string::npos)
      << audit;
  EXPECT_NE(audit.find(R"("order":null,"error":null,"fault":"http_5xx")"), std::string::npos) << audit;
  EXPECT_NE(audit.find(R"("order":null,"error":"Server busy","fault":"error")"), std::string::npos) << audit;
  EXPECT_NE(audit.find(R"("counts":{"add":5,"balance":3,"status":1})"), std::string::npos) << audit;
  EXPECT_EQ(audit.find("\"k\""), std::string::npos);  // the key itself is never listed

  EXPECT_EQ(post("", "/admin/reset").status, 200);
  EXPECT_EQ(get_audit(), R"({"adds":[],"counts":{},"requests":0,"in_flight":0,"peak_in_flight":0})");
  EXPECT_EQ(api("action=balance"), R"({"balance":"100.00","currency":"USD"})");
}

TEST_F(MockProvider, ProviderSideRateLimitAnswers429) {
  ASSERT_EQ(post("per_s=2&burst=2", "/admin/ratelimit").status, 200);
  EXPECT_EQ(post("key=k&action=balance").status, 200);
  EXPECT_EQ(post("key=k&action=balance").status, 200);
  const reply over = post("key=k&action=balance");  // burst of 2 spent at t=0
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(over.headers.at(0).first, "Retry-After");
  now = 499;  // 0.998 tokens: still over
  EXPECT_EQ(post("key=k&action=balance").status, 429);
  now = 500;  // one token back at 2/s
  EXPECT_EQ(post("key=k&action=balance").status, 200);
  EXPECT_EQ(post("key=k&action=balance").status, 429);
  incoming stats;
  stats.method = "GET";
  stats.target = "/admin/stats";
  EXPECT_NE(p->handle(stats).body.find(R"("rate_limited":3)"), std::string::npos);
  ASSERT_EQ(post("per_s=0", "/admin/ratelimit").status, 200);
  EXPECT_EQ(post("key=k&action=balance").status, 200);
}

// The echo faults quote the request, key and key headers included: what the daemon's key
// scrubbing is tested against.
TEST_F(MockProvider, EchoFaultsQuoteTheRequestWithItsKey) {
  post("kind=echo&action=add&count=1&message=Invalid%20request", "/admin/faults");
  incoming in;
  in.target = "/api/v2?action=add";
  in.body = "key=k&service=1&link=x&quantity=100";
  in.x_api_key = "hdr-key";
  in.authorization = "Bearer hdr-key";
  const reply echoed = p->handle(in);
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body, R"({"error":"Invalid request: POST /api/v2?action=add\nX-Api-Key: hdr-key\n)"
                         R"(Authorization: Bearer hdr-key\n\nkey=k&service=1&link=x&quantity=100"})");

  post("kind=echo_html&count=1", "/admin/faults");
  const reply page = post("key=k&action=balance");
  EXPECT_EQ(page.status, 500);
  EXPECT_EQ(page.content_type.substr(0, 9), "text/html");
  EXPECT_EQ(page.body, "<html><body><pre>POST /api/v2\n\nkey=k&action=balance</pre></body></html>\r\n");
  const std::string audit = get_audit();
  EXPECT_NE(audit.find(R"("error":"Invalid request","fault":"echo")"), std::string::npos) << audit;
  EXPECT_EQ(audit.find("hdr-key"), std::string::npos) << "the audit never holds a key";
}

TEST(MockFaults, SpecsParseAndRejectNonsense) {
  std::string error;
  const auto rule = parse_fault_spec("trickle,action=status,count=3,trickle_bytes=4,trickle_ms=10", error);
  ASSERT_TRUE(rule) << error;
  EXPECT_EQ(rule->kind, fault_kind::trickle);
  EXPECT_EQ(rule->action, "status");
  EXPECT_EQ(rule->remaining, 3);
  EXPECT_TRUE(rule->after);
  EXPECT_EQ(parse_fault_spec("echo", error)->status, 200);
  EXPECT_EQ(parse_fault_spec("echo", error)->message, "Bad request");
  EXPECT_EQ(parse_fault_spec("echo_html,status=403", error)->status, 403);
  EXPECT_FALSE(parse_fault_spec("melt", error));
  EXPECT_FALSE(parse_fault_spec("http_5xx,status=404", error));
  EXPECT_FALSE(parse_fault_spec("reset,rate=2", error));
  EXPECT_FALSE(parse_fault_spec("reset,colour=red", error));

  fault_plan plan;
  plan.add(*parse_fault_spec("error,rate=0.25", error));
  std::mt19937_64 rng(3);
  int hits = 0;
  for (int i = 0; i < 1000; ++i) hits += plan.decide("add", rng) ? 1 : 0;
  EXPECT_GT(hits, 150);  // p=0.25 over 1000 fixed-seed draws
  EXPECT_LT(hits, 350);

  ASSERT_TRUE(parse_latency("uniform:5-10"));
  for (int i = 0; i < 100; ++i) {
    const auto ms = parse_latency("uniform:5-10")->sample(rng);
    EXPECT_GE(ms, 5);
    EXPECT_LE(ms, 10);
  }
  EXPECT_EQ(parse_latency("fixed:12")->sample(rng), 12);
  EXPECT_FALSE(parse_latency("uniform:10-5"));
  EXPECT_FALSE(parse_latency("gauss:3"));
}

TEST_F(MockProvider, ForeignOrdersInterleaveIdsAndAreHiddenFromOurKey) {
  EXPECT_EQ(api("action=add&service=1&link=a&quantity=100"), R"({"order":1})");
  EXPECT_EQ(post("count=2&link=https%3A%2F%2Fother", "/admin/foreign_add").body,
            R"({"ok":true,"orders":[2,3]})");
  EXPECT_EQ(api("action=add&service=1&link=b&quantity=100"), R"({"order":4})");
  EXPECT_EQ(api("action=balance"), R"({"balance":"99.82","currency":"USD"})");  // only ours were debited
  // Without the quirk, status answers for any id (a provider that does not check the key).
  EXPECT_NE(api("action=status&order=2").find(R"("status":"Pending")"), std::string::npos);
  ASSERT_EQ(post("status_own_orders_only=1", "/admin/quirks").status, 200);
  EXPECT_EQ(api("action=status&order=2"), R"({"error":"Incorrect order ID"})");
  const std::string multi = api("action=status&orders=1,2,3,4,5");
  EXPECT_NE(multi.find(R"("1":{"charge":"0.09")"), std::string::npos) << multi;
  EXPECT_NE(multi.find(R"("2":{"error":"Incorrect order ID"},"3":{"error":"Incorrect order ID"},"4":{)"),
            std::string::npos)
      << multi;
  EXPECT_NE(multi.find(R"("5":{"error":"Incorrect order ID"})"), std::string::npos) << multi;
  EXPECT_EQ(api("action=cancel&orders=3"), R"([{"order":3,"cancel":{"error":"Incorrect order ID"}}])");
  EXPECT_EQ(post("count=0", "/admin/foreign_add").status, 400);
}

TEST_F(MockProvider, IdempotentAddsAnswerTheOriginalOrderAndCreateNothing) {
  auto o = options();
  o.idempotency = true;
  p = std::make_unique<provider>(o, [this] { return now; });
  const std::string add = "action=add&service=1&link=a&quantity=100&request_id=r-1";
  // The first answer is lost (a reset after the order was created): the repeat finds it.
  post("kind=reset&action=add&count=1&apply=after", "/admin/faults");
  EXPECT_EQ(post("key=k&" + add).transport, fault_kind::reset);
  EXPECT_EQ(api(add), R"({"order":1})");
  EXPECT_EQ(api(add), R"({"order":1})");
  EXPECT_EQ(api("action=add&service=1&link=b&quantity=100&request_id=r-2"), R"({"order":2})");
  EXPECT_EQ(api("action=balance"), R"({"balance":"99.82","currency":"USD"})");  // two orders paid
  // An add that created nothing is not remembered: its repeat runs again.
  EXPECT_EQ(api("action=add&service=1&link=c&quantity=1&request_id=r-3"),
            R"({"error":"Quantity must to be greater than or equal to minimum amount"})");
  EXPECT_EQ(api("action=add&service=1&link=c&quantity=100&request_id=r-3"), R"({"order":3})");
  // Without a request_id every add is new.
  EXPECT_EQ(api("action=add&service=1&link=d&quantity=100"), R"({"order":4})");
  const std::string audit = get_audit();
  EXPECT_NE(
      audit.find(R"("fault":"reset","delivered":null,"request_id":"r-1","replayed":false,"created":true)"),
      std::string::npos)
      << audit;
  EXPECT_NE(audit.find(R"("order":"1","error":null,"fault":null,"delivered":null,"request_id":"r-1",)"
                       R"("replayed":true,"created":false)"),
            std::string::npos)
      << audit;
  const std::regex created(R"re("created":true)re");
  EXPECT_EQ(std::distance(std::sregex_iterator(audit.begin(), audit.end(), created), std::sregex_iterator()),
            4)
      << audit;
}

}  // namespace
}  // namespace smm::mock
