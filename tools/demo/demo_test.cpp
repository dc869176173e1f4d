// Unit tests of smm-demo's pure parts, against the daemon's own parser and writers: the
// request lines the demo sends, how it reads answers and events, the synthetic orders, the
// tracker behind the progress line, and the summary's tally (the accounting the ctest
// smm_demo.small_run relies on).
#include <gtest/gtest.h>

#include <set>

#include "daemon/panel/panel_protocol.hpp"
#include "daemon/panel/panel_response.hpp"
#include "tools/demo/order_tracker.hpp"
#include "tools/demo/panel_messages.hpp"
#include "tools/demo/report.hpp"
#include "tools/demo/synthetic_orders.hpp"

namespace smm::demo {
namespace {

namespace panel = daemon::panel;

money m(std::string_view text) { return parse_money(text).value; }

service_def service(std::int64_t id, service_type t, const char* rate, std::int64_t lo, std::int64_t hi) {
  service_def s;
  s.id = id;
  s.type = t;
  s.rate_per_1000 = m(rate);
  s.min_quantity = lo;
  s.max_quantity = hi;
  s.route = {{"alpha", "101"}};
  return s;
}

std::string without_newline(std::string line) {
  EXPECT_EQ(line.back(), '\n');
  line.pop_back();
  return line;
}

TEST(synthetic_orders, quantities_charges_and_comments_follow_the_service) {
  const auto plain = service(1, service_type::default_, "0.27819", 50, 10000);
  const auto comments = service(3, service_type::custom_comments, "8", 10, 1500);
  const auto package = service(4, service_type::package, "25.50", 1, 1);
  const std::vector<service_choice> choices{{&plain, 1.0}, {&comments, 1.0}, {&package, 1.0}};
  const auto orders = make_orders(choices, {.count = 600, .seed = 7, .id_prefix = "t-"});
  ASSERT_EQ(orders.size(), 600u);
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& d = orders[i];
    EXPECT_EQ(d.panel_order_id, "t-" + std::to_string(i + 1));
    const service_def& s = d.service_id == 1 ? plain : d.service_id == 3 ? comments : package;
    EXPECT_GE(d.quantity, s.min_quantity);
    EXPECT_LE(d.quantity, s.max_quantity);
    EXPECT_EQ(d.charge, charge_for(s.rate_per_1000, d.quantity).value);
    EXPECT_EQ(d.send_quantity, &s == &plain);
    EXPECT_EQ(static_cast<std::int64_t>(d.comments.size()), &s == &comments ? d.quantity : 0);
    seen.insert(d.service_id);
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST(synthetic_orders, duplicates_are_other_spellings_of_an_earlier_account) {
  const auto plain = service(1, service_type::default_, "0.90", 50, 10000);
  const auto orders = make_orders({{&plain, 1.0}}, {.count = 2000, .seed = 3, .duplicate_per_mille = 50});
  std::size_t duplicates = 0;
  for (const auto& d : orders) duplicates += d.link.find("www.instagram.com/User") != std::string::npos;
  EXPECT_GT(duplicates, 50u);  // 5% of 2000 drawn
  EXPECT_LT(duplicates, 150u);
  const auto none = make_orders({{&plain, 1.0}}, {.count = 500, .seed = 3, .duplicate_per_mille = 0});
  std::set<std::string> links;
  for (const auto& d : none) links.insert(d.link);
  EXPECT_EQ(links.size(), none.size());
}

TEST(synthetic_orders, one_seed_gives_one_history_and_no_service_is_an_error) {
  const auto plain = service(1, service_type::default_, "0.90", 50, 10000);
  const auto a = make_orders({{&plain, 1.0}}, {.count = 100, .seed = 9});
  const auto b = make_orders({{&plain, 1.0}}, {.count = 100, .seed = 9});
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].link, b[i].link);
    EXPECT_EQ(a[i].quantity, b[i].quantity);
  }
  EXPECT_THROW(make_orders({}, {}), std::invalid_argument);
}

TEST(synthetic_orders, weights_share_the_first_providers_rate) {
  config cfg;
  provider_config alpha, beta;
  alpha.name = "alpha";
  alpha.requests_per_second = 200;
  beta.name = "beta";
  beta.requests_per_second = 100;
  cfg.providers = {alpha, beta};
  auto s1 = service(1, service_type::default_, "1", 1, 10);
  auto s2 = service(2, service_type::default_, "1", 1, 10);
  s2.route = {{"beta", "7"}, {"alpha", "8"}};
  auto s3 = service(3, service_type::default_, "1", 1, 10);
  s3.route = {{"beta", "9"}};
  auto s4 = service(4, service_type::default_, "1", 1, 10);
  s4.route.clear();  // nothing to sell it with
  cfg.services = {s1, s2, s3, s4};
  const auto c = choices_of(cfg);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_DOUBLE_EQ(c[0].weight, 200.0);
  EXPECT_DOUBLE_EQ(c[1].weight, 50.0);  // beta's 100 shared by two services
  EXPECT_DOUBLE_EQ(c[2].weight, 50.0);
}

TEST(panel_messages, add_line_is_what_the_daemon_parses) {
  demo_order a;
  a.panel_order_id = "d-1";
  a.service_id = 2;
  a.link = "https://instagram.com/x \"q\"";
  a.quantity = 150;
  demo_order b;
  b.panel_order_id = "d-2";
  b.service_id = 3;
  b.link = "https://instagram.com/y";
  b.quantity = 2;
  b.send_quantity = false;
  b.comments = {"nice", "great\npost"};
  const std::vector<demo_order> orders{a, b};
  const auto r = panel::parse_request(without_newline(add_line(1001, orders)));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.id_json, "1001");
  EXPECT_EQ(r.req->kind, panel::op::add);
  EXPECT_FALSE(r.req->single);
  ASSERT_EQ(r.req->orders.size(), 2u);
  EXPECT_EQ(r.req->orders[0].panel_order_id, "d-1");
  EXPECT_EQ(r.req->orders[0].service_id, 2);
  EXPECT_EQ(r.req->orders[0].params.link, a.link);
  EXPECT_EQ(r.req->orders[0].params.quantity, 150);
  EXPECT_TRUE(r.req->orders[0].params.comments.empty());
  EXPECT_FALSE(r.req->orders[1].params.quantity.has_value());
  EXPECT_EQ(r.req->orders[1].params.comments, b.comments);
}

TEST(panel_messages, status_subscribe_and_bare_lines_are_what_the_daemon_parses) {
  const std::vector<std::string> ids{"a1", "a2"};
  auto r = panel::parse_request(without_newline(status_line(7, ids)));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.req->kind, panel::op::status);
  EXPECT_EQ(r.req->ids, ids);
  r = panel::parse_request(without_newline(subscribe_line(1, 42)));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.req->kind, panel::op::subscribe);
  EXPECT_EQ(r.req->after_seq, 42);
  r = panel::parse_request(without_newline(bare_line(3, "providers")));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.req->kind, panel::op::providers);
  r = panel::parse_request(without_newline(hello_line(4, "k\"ey")));
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(r.req->kind, panel::op::hello);
  EXPECT_EQ(r.req->key, "k\"ey");
}

TEST(panel_messages, reads_the_daemons_add_answers) {
  daemon::add_answer ok;
  ok.panel_order_id = "d-1";
  ok.status = daemon::add_status::accepted;
  ok.order_id = 5;
  ok.state = order_state::queued;
  ok.charge = m("0.9");
  daemon::add_answer dup;
  dup.panel_order_id = "d-2";
  dup.status = daemon::add_status::duplicate_link;
  dup.error = "running order d-1 on this link";
  const std::vector<daemon::add_answer> answers{ok, dup};
  std::string line;
  panel::write_add(line, "1003", false, answers);
  message_reader mr;
  const auto p = mr.read(without_newline(line));
  EXPECT_EQ(p.kind, line_kind::answer);
  EXPECT_EQ(p.id, 1003);
  EXPECT_TRUE(p.ok);
  const auto items = mr.add_items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].panel_order_id, "d-1");
  EXPECT_TRUE(items[0].taken());
  EXPECT_EQ(items[1].status, "duplicate_link");
  EXPECT_FALSE(items[1].taken());
  EXPECT_EQ(items[1].error, dup.error);
  std::size_t taken = 0;
  EXPECT_EQ(mr.item_count(&taken), 2u);
  EXPECT_EQ(taken, 1u);
}

TEST(panel_messages, reads_errors_status_answers_and_events) {
  std::string line;
  panel::write_error(line, "9", panel::failure_code::bad_request, "orders[0].quantity: expected an integer");
  message_reader mr;
  auto p = mr.read(without_newline(line));
  EXPECT_EQ(p.kind, line_kind::answer);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.id, 9);
  EXPECT_EQ(p.error_code, "bad_request");
  EXPECT_TRUE(mr.add_items().empty());

  daemon::order_view v;
  v.panel_order_id = "d-1";
  v.order_id = 5;
  v.service_id = 1;
  v.state = order_state::partial;
  v.provider = "alpha";
  v.provider_order_id = "77";
  v.quantity = 100;
  v.charge = m("0.9");
  v.remains = 25;
  v.refund = m("0.225");
  const std::vector<daemon::lookup_answer> lookups{
      {"d-1", v, daemon::result_code::ok, ""},
      {"d-9", std::nullopt, daemon::result_code::not_found, "order not found"}};
  line.clear();
  panel::write_status(line, "10", false, lookups);
  p = mr.read(without_newline(line));
  ASSERT_TRUE(p.ok);
  const auto items = mr.status_items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].state, order_state::partial);
  EXPECT_EQ(items[0].provider, "alpha");
  EXPECT_EQ(items[0].provider_order_id, "77");
  EXPECT_EQ(items[0].refund, "0.225");
  EXPECT_FALSE(items[1].state.has_value());
  EXPECT_EQ(items[1].error, "order not found");

  daemon::event_view e;
  e.seq = 12;
  e.panel_order_id = "d-1";
  e.order_id = 5;
  e.old_state = order_state::sending;
  e.new_state = order_state::placed;
  line.clear();
  panel::write_events(line, std::span(&e, 1));
  p = mr.read(without_newline(line));
  EXPECT_EQ(p.kind, line_kind::event);
  EXPECT_EQ(p.event.seq, 12);
  EXPECT_EQ(p.event.panel_order_id, "d-1");
  EXPECT_EQ(p.event.new_state, order_state::placed);

  EXPECT_EQ(mr.read("{not json").kind, line_kind::bad);
  EXPECT_EQ(mr.read(R"({"event":{"seq":1,"new_state":"teleported"}})").kind, line_kind::bad);
}

TEST(order_tracker, counts_stages_of_its_own_orders_only) {
  std::vector<demo_order> orders(4);
  for (std::size_t i = 0; i < orders.size(); ++i) orders[i].panel_order_id = "d-" + std::to_string(i + 1);
  order_tracker t(orders);
  const auto now = order_tracker::clock::now();
  t.on_add({"d-1", "accepted", ""}, now);
  t.on_add({"d-2", "accepted", ""}, now);
  t.on_add({"d-3", "accepted", ""}, now);
  EXPECT_FALSE(t.all_settled());  // d-4 unanswered
  t.on_add({"d-4", "duplicate_link", "x"}, now);
  t.on_add({"d-4", "accepted", ""}, now);  // a second answer changes nothing
  EXPECT_EQ(t.accepted(), 3u);
  EXPECT_EQ(t.refused(), 1u);

  t.on_event({1, "other-1", order_state::completed}, now);  // not ours
  t.on_event({2, "d-1", order_state::queued}, now);
  t.on_event({3, "d-1", order_state::placed}, now);
  t.on_event({4, "d-1", order_state::pending}, now);
  t.on_event({5, "d-1", order_state::completed}, now);
  t.on_event({6, "d-2", order_state::unknown}, now);
  EXPECT_EQ(t.placed(), 1u);
  EXPECT_EQ(t.settled(), 2u);
  EXPECT_FALSE(t.all_settled());
  EXPECT_NE(t.progress_line().find(" 75%"), std::string::npos) << t.progress_line();  // (2 + 1) of 4
  t.on_event({7, "d-3", order_state::rejected}, now);
  EXPECT_EQ(t.placed(), 1u);
  EXPECT_TRUE(t.all_settled());
  EXPECT_NE(t.progress_line().find("100%"), std::string::npos) << t.progress_line();
}

status_item item(const char* id, std::optional<order_state> s, const char* provider, const char* refund) {
  status_item it;
  it.panel_order_id = id;
  it.state = s;
  it.provider = provider;
  it.refund = refund;
  return it;
}

TEST(tally, rows_account_for_every_order_and_sum_refunds_exactly) {
  const std::vector<status_item> items{
      item("1", order_state::completed, "alpha", ""),
      item("2", order_state::partial, "alpha", "0.000001"),
      item("3", order_state::canceled, "alpha", "2.5"),
      item("4", order_state::in_progress, "beta", ""),
      item("5", order_state::unknown, "alpha", ""),
      item("6", order_state::rejected, "", "0.1"),
      item("7", order_state::refunded, "beta", "0.2"),
      item("8", order_state::queued, "", ""),
      item("9", std::nullopt, "", ""),
  };
  const auto t = tally(items);
  const auto& a = t.rows.at("alpha");
  EXPECT_EQ(a.placed, 3u);
  EXPECT_EQ(a.completed, 1u);
  EXPECT_EQ(a.partial, 1u);
  EXPECT_EQ(a.canceled, 1u);
  EXPECT_EQ(a.unknown, 1u);
  EXPECT_EQ(a.refunds, m("2.500001"));
  const auto& b = t.rows.at("beta");
  EXPECT_EQ(b.placed, 2u);
  EXPECT_EQ(b.open, 1u);
  EXPECT_EQ(b.canceled, 1u);
  EXPECT_EQ(t.rows.at(panel_row).rejected, 1u);
  EXPECT_EQ(t.rows.at(panel_row).waiting, 1u);
  EXPECT_EQ(t.total.not_found, 1u);
  EXPECT_EQ(t.total.placed + t.total.rejected + t.total.unknown, 7u);
  EXPECT_EQ(t.total.refunds, m("2.800001"));  // 0.000001 + 2.5 + 0.1 + 0.2, exact
  EXPECT_EQ(to_string(t.total.refunds), "2.800001");
  EXPECT_EQ(t.bad_money, 0u);
}

TEST(tally, unparsable_or_overflowing_refunds_are_counted_not_added) {
  const std::vector<status_item> items{
      item("1", order_state::canceled, "alpha", "1.5"),
      item("2", order_state::canceled, "alpha", "1,5"),
      item("3", order_state::canceled, "alpha", "9000000000000"),
      item("4", order_state::canceled, "alpha", "9000000000000"),
  };
  const auto t = tally(items);
  EXPECT_GE(t.bad_money, 2u);
  EXPECT_EQ(t.rows.at("alpha").canceled, 4u);
}

}  // namespace
}  // namespace smm::demo
