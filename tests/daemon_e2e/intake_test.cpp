// Intake through the real socket: idempotent add and the conflict error, the three
// duplicate-link policies, and bad input (precise error codes; the connection and the daemon
// survive; nothing accepted is lost).
#include <algorithm>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

config_spec one_provider(unsigned short port, const std::string& policy = "reject") {
  config_spec c;
  c.providers.push_back({.name = "a", .port = port});
  c.services.push_back({.id = 1, .rate = "0.90", .min = 50, .max = 10000, .route = {{"a", 1}}});
  c.duplicate_link = policy;
  return c;
}

using intake = daemon_env;
using namespace std::string_literals;

TEST_F(intake, same_add_again_is_replayed_and_other_content_is_a_conflict) {
  mock_process mock({"--pending-ms", "200", "--speed", "5000"});
  write_config(one_provider(mock.port()));
  start_daemon();

  const add_reply first = add("a1", 1, "https://instagram.com/bob", 100);
  ASSERT_EQ(first.status, "accepted") << first.raw;
  EXPECT_EQ(first.charge, "0.09");

  const add_reply again = add("a1", 1, "https://instagram.com/bob", 100);
  EXPECT_EQ(again.status, "replayed") << again.raw;
  EXPECT_EQ(again.order_id, first.order_id);
  EXPECT_EQ(again.charge, first.charge);

  const add_reply other_quantity = add("a1", 1, "https://instagram.com/bob", 200);
  EXPECT_FALSE(other_quantity.ok);
  EXPECT_EQ(other_quantity.error_code, "conflict") << other_quantity.raw;
  const add_reply other_link = add("a1", 1, "https://instagram.com/alice", 100);
  EXPECT_EQ(other_link.error_code, "conflict") << other_link.raw;

  // Replayed on another connection too; the stored order kept its first content.
  auto c2 = connect();
  const add_reply elsewhere = add(*c2, "a1", 1, "https://instagram.com/bob", 100);
  EXPECT_EQ(elsewhere.status, "replayed") << elsewhere.raw;
  EXPECT_EQ(elsewhere.order_id, first.order_id);
  const order_status s = status("a1");
  ASSERT_TRUE(s.found);
  EXPECT_EQ(s.quantity, 100);
  EXPECT_EQ(s.order_id, first.order_id);

  // Only one order reached the provider.
  const auto settled = wait_settled({"a1"}, 20s);
  ASSERT_TRUE(is_final_state(settled.at("a1").state));
  EXPECT_EQ(read_audit_links(mock.port()).total, 1);
}

TEST_F(intake, duplicate_link_reject_refuses_a_second_running_order_on_the_same_link) {
  mock_process mock({"--pending-ms", "5000", "--speed", "5000"});
  write_config(one_provider(mock.port(), "reject"));
  start_daemon();

  ASSERT_EQ(add("r1", 1, "https://instagram.com/bob", 100).status, "accepted");
  // The same profile spelled differently.
  const add_reply dup = add("r2", 1, "https://www.instagram.com/bob/", 100);
  EXPECT_FALSE(dup.ok);
  EXPECT_EQ(dup.error_code, "duplicate_link") << dup.raw;
  EXPECT_FALSE(status("r2").found) << "a rejected order must not be stored";
  // Another link is fine.
  EXPECT_EQ(add("r3", 1, "https://instagram.com/carol", 100).status, "accepted");
}

TEST_F(intake, duplicate_link_hold_places_the_second_order_only_after_the_first_is_final) {
  mock_process mock({"--pending-ms", "1500", "--speed", "2000"});
  write_config(one_provider(mock.port(), "hold"));
  start_daemon();

  auto sub = connect();
  ASSERT_NE(sub->call("{\"id\":1,\"op\":\"subscribe\",\"after_seq\":0}").find("\"subscribed\":true"),
            std::string::npos);

  ASSERT_EQ(add("h1", 1, "https://instagram.com/bob", 100).status, "accepted");
  const add_reply second = add("h2", 1, "https://www.instagram.com/bob/", 120);
  ASSERT_EQ(second.status, "held") << second.raw;
  const order_status held = status("h2");
  EXPECT_TRUE(held.held);
  EXPECT_TRUE(held.provider_order_id.empty());

  const auto settled = wait_settled({"h1", "h2"}, 30s);
  ASSERT_TRUE(is_final_state(settled.at("h1").state));
  ASSERT_TRUE(is_final_state(settled.at("h2").state));
  EXPECT_FALSE(settled.at("h2").provider_order_id.empty());

  // From the feed: h1's final event comes before h2 leaves the queue.
  std::vector<event_line> events;
  std::int64_t h1_final = 0, h2_sent = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((h1_final == 0 || h2_sent == 0) && std::chrono::steady_clock::now() < deadline) {
    const std::string line = sub->read_line(500ms);
    const auto e = parse_event(line);
    if (!e) continue;
    if (e->panel_order_id == "h1" && is_final_state(e->new_state)) h1_final = e->seq;
    if (e->panel_order_id == "h2" && h2_sent == 0 && (e->new_state == "sending" || e->new_state == "placed"))
      h2_sent = e->seq;
  }
  ASSERT_NE(h1_final, 0);
  ASSERT_NE(h2_sent, 0);
  EXPECT_LT(h1_final, h2_sent) << "the held order left before the first one was final";
  // The provider saw exactly two adds, never one refused for an active order on the link.
  EXPECT_EQ(read_audit_links(mock.port()).total, 2);
}

TEST_F(intake, canceling_a_held_order_refunds_it_in_full_and_it_is_never_sent) {
  mock_process mock({"--pending-ms", "1500", "--speed", "2000"});
  write_config(one_provider(mock.port(), "hold"));
  start_daemon();

  ASSERT_EQ(add("h1", 1, "https://instagram.com/bob", 100).status, "accepted");
  const add_reply held = add("h2", 1, "https://instagram.com/bob", 150);
  ASSERT_EQ(held.status, "held") << held.raw;
  const std::string answer = panel_->call("{\"id\":\"c\",\"op\":\"cancel\",\"order\":\"h2\"}");
  ASSERT_FALSE(parse_error(answer).is_error) << answer;
  const order_status s = status("h2");
  EXPECT_EQ(s.state, "canceled");
  ASSERT_TRUE(s.refund.has_value());
  EXPECT_EQ(*s.refund, held.charge) << "a never-sent order is refunded in full";
  EXPECT_EQ(*s.refund, "0.135");

  const auto settled = wait_settled({"h1", "h2"}, 30s);
  ASSERT_TRUE(is_final_state(settled.at("h1").state));
  EXPECT_EQ(settled.at("h2").state, "canceled");
  EXPECT_EQ(read_audit_links(mock.port()).total, 1) << "the canceled held order reached the provider";
}

TEST_F(intake, duplicate_link_allow_accepts_both_orders) {
  mock_process mock({"--pending-ms", "300", "--speed", "5000"});
  write_config(one_provider(mock.port(), "allow"));
  start_daemon();

  ASSERT_EQ(add("x1", 1, "https://instagram.com/bob", 100).status, "accepted");
  const add_reply second = add("x2", 1, "https://www.instagram.com/bob/", 100);
  EXPECT_EQ(second.status, "accepted") << second.raw;
  EXPECT_FALSE(status("x2").held);
  const auto settled = wait_settled({"x1", "x2"}, 30s);
  ASSERT_EQ(settled.size(), 2u);
  EXPECT_TRUE(is_final_state(settled.at("x1").state)) << settled.at("x1").state;
  EXPECT_TRUE(is_final_state(settled.at("x2").state)) << settled.at("x2").state;
}

struct bad_line {
  const char* name;
  std::string bytes;  ///< without the newline
  const char* code;
  const char* message_has;  ///< part of the message naming what was wrong
};

TEST_F(intake, bad_input_gets_precise_errors_and_the_connection_and_daemon_survive) {
  mock_process mock({"--pending-ms", "200", "--speed", "5000"});
  write_config(one_provider(mock.port()));
  start_daemon();
  ASSERT_EQ(add("keep", 1, "https://instagram.com/keep", 100).status, "accepted");

  const std::string huge =
      "{\"id\":17,\"op\":\"ping\",\"pad\":\"" + std::string((1u << 20) + 16, 'a') + "\"}";
  const std::vector<bad_line> cases{
      {"malformed json", "{\"id\":11,\"op\":\"ping\"", "bad_request", ""},
      {"unknown op", "{\"id\":12,\"op\":\"frobnicate\"}", "unknown_op", "frobnicate"},
      {"wrong type (order id)", "{\"id\":13,\"op\":\"status\",\"order\":true}", "bad_request", "order"},
      {"wrong type (service)",
       "{\"id\":14,\"op\":\"add\",\"order\":{\"panel_order_id\":\"z\",\"service\":\"one\",\"link\":\"x\","
       "\"quantity\":100}}",
       "bad_request", "service"},
      {"invalid utf-8", "{\"id\":15,\"op\":\"status\",\"order\":\"\xff\xfe\"}", "bad_request", "UTF-8"},
      {"nul byte", "{\"id\":16,\"op\":\"status\",\"order\":\"a\0b\"}"s, "bad_request", "NUL"},
      {"line over 1 MiB", huge, "too_large", "limit"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    panel_->send_line(c.bytes);
    const std::string answer = panel_->read_line(10s);
    const error_reply e = parse_error(answer);
    ASSERT_TRUE(e.is_error) << answer;
    EXPECT_EQ(e.code, c.code) << answer;
    EXPECT_NE(e.message.find(c.message_has), std::string::npos) << answer;
    // The same connection still answers.
    EXPECT_TRUE(is_pong(panel_->call("{\"id\":99,\"op\":\"ping\"}"))) << "connection lost after " << c.name;
  }
  ASSERT_TRUE(daemon_->running());
  auto fresh = connect();
  EXPECT_TRUE(is_pong(fresh->call("{\"id\":1,\"op\":\"ping\"}")));
  const order_status kept = status("keep");
  ASSERT_TRUE(kept.found);
  EXPECT_EQ(kept.quantity, 100);
}

}  // namespace
}  // namespace smm::test
