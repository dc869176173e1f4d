// Every action of the client against the real mock provider, over plain HTTP.
#include "tests/providers_client/client_fixture.hpp"

namespace smm::providers {
namespace {

using test_support::client_test;
using test_support::order_for;

TEST_F(client_test, every_action_round_trips) {
  auto c = make();
  auto bal = run(c->balance());
  ASSERT_TRUE(bal.ok()) << bal.error;
  EXPECT_TRUE(bal.value.balance.has_value());

  auto svc = run(c->services());
  ASSERT_TRUE(svc.ok()) << svc.error;
  EXPECT_FALSE(svc.value.services.empty());

  auto a = run(c->add(order_for("actions_a")));
  ASSERT_TRUE(a.ok()) << a.error;
  ASSERT_FALSE(a.value.order.empty());
  auto b = run(c->add(order_for("actions_b")));
  ASSERT_TRUE(b.ok()) << b.error;

  auto st = run(c->status(a.value.order));
  ASSERT_TRUE(st.ok()) << st.error;
  EXPECT_FALSE(st.value.status.empty());

  auto multi = run(c->status_multi({a.value.order, b.value.order, "999999"}));
  ASSERT_TRUE(multi.ok()) << multi.error;
  ASSERT_EQ(multi.value.size(), 3u);
  int errors = 0;
  for (const auto& e : multi.value) errors += e.error.has_value() ? 1 : 0;
  EXPECT_EQ(errors, 1);  // the unknown id

  auto rf = run(c->refill(a.value.order));
  EXPECT_TRUE(rf.ok() || rf.outcome == call_outcome::rejected) << rf.error;
  auto rfm = run(c->refill_multi({a.value.order, b.value.order}));
  ASSERT_TRUE(rfm.ok()) << rfm.error;
  EXPECT_EQ(rfm.value.size(), 2u);
  auto rs = run(c->refill_status("1"));
  EXPECT_TRUE(rs.ok() || rs.outcome == call_outcome::rejected) << rs.error;
  auto rsm = run(c->refill_status_multi({"1", "2"}));
  ASSERT_TRUE(rsm.ok()) << rsm.error;
  EXPECT_EQ(rsm.value.size(), 2u);
  auto cn = run(c->cancel({b.value.order}));
  ASSERT_TRUE(cn.ok()) << cn.error;
  ASSERT_EQ(cn.value.size(), 1u);

  const auto audit = mock_.read_audit();
  EXPECT_EQ(audit.adds, 2);
  const auto f = c->figures();
  EXPECT_EQ(f.total(action::add), 2u);
  EXPECT_EQ(f.calls[static_cast<std::size_t>(action::balance)][static_cast<std::size_t>(call_outcome::ok)],
            1u);
  EXPECT_EQ(f.connections_opened, 1u);  // keep-alive: one connection for every call
}

TEST_F(client_test, status_multi_over_100_ids_is_chunked) {
  auto c = make();
  std::vector<std::string> ids;
  for (int i = 0; i < 250; ++i) ids.push_back(std::to_string(500000 + i));  // unknown ids: per-id errors
  auto r = run(c->status_multi(ids));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value.size(), 250u);
  EXPECT_EQ(r.attempts, 3u);
  EXPECT_EQ(mock_.read_audit().count("status"), 3);
}

TEST_F(client_test, provider_error_is_rejected_with_category_and_not_retried) {
  auto c = make();
  auto bad = order_for("too_small", 1);  // below the service minimum
  auto r = run(c->add(bad));
  EXPECT_EQ(r.outcome, call_outcome::rejected) << r.error;
  EXPECT_EQ(r.category, error_category::quantity_out_of_range) << r.error;
  EXPECT_EQ(r.attempts, 1u);
}

TEST_F(client_test, duplicate_link_is_retry_later) {
  auto c = make();
  ASSERT_TRUE(run(c->add(order_for("dup"))).ok());
  auto r = run(c->add(order_for("dup")));
  EXPECT_EQ(r.outcome, call_outcome::retry_later) << r.error;
  EXPECT_EQ(r.category, error_category::duplicate_active_order);
  EXPECT_EQ(r.attempts, 1u);
}

TEST_F(client_test, not_enough_funds_pauses_the_provider) {
  mock_.request("POST", "/admin/balance", "amount=0");
  auto c = make();
  auto r = run(c->add(order_for("funds")));
  EXPECT_EQ(r.outcome, call_outcome::pause_provider) << r.error;
  EXPECT_EQ(r.category, error_category::not_enough_funds);
}

TEST_F(client_test, json_body_and_header_key_styles_work) {
  for (auto style : {request_style::get_query, request_style::json_post}) {
    auto o = test_support::fast_options(mock_.url());
    o.request.style = style;
    o.request.key = key_placement::header;
    auto c = make(o);
    auto r = run(c->balance());
    EXPECT_TRUE(r.ok()) << r.error;
  }
}

// A key with a line break would add a header of its choosing to every request: the request is
// refused before it is written, and the error names the header, never the key.
TEST_F(client_test, a_key_with_a_line_break_is_never_sent_in_a_header) {
  auto o = test_support::fast_options(mock_.url());
  o.request.style = request_style::json_post;
  o.request.key = key_placement::header;
  o.key = "test-key\r\nX-Injected: yes";
  auto c = make(o);
  auto r = run(c->balance());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("line break"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("test-key"), std::string::npos) << r.error;
  auto add = run(c->add(test_support::order_for("crlf-key")));
  EXPECT_FALSE(add.ok());
  // Refused before a byte left: never unknown, so the order is not held for reconciliation.
  EXPECT_NE(add.outcome, call_outcome::unknown) << add.error;
}

}  // namespace
}  // namespace smm::providers
