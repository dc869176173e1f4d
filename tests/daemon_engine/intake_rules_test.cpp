// Intake validation, parameter encoding and the request hash (no I/O).
#include "daemon/engine/intake_rules.hpp"

#include <gtest/gtest.h>

#include "config/config_error.hpp"
#include "config/loader.hpp"

namespace smm::daemon {
namespace {

config test_config() {
  const std::string text = R"([daemon]
journal_path = "/tmp/unused.sqlite"

[[providers]]
name = "alpha"
api_url = "http://127.0.0.1:1/api/v2"
key = "k"

[[services]]
id = 1
name = "Followers"
type = "Default"
rate = "0.90"
min = 50
max = 10000
route = [{ provider = "alpha", service = "1" }]

[[services]]
id = 2
name = "Comments"
type = "Custom Comments"
rate = "8"
min = 1
max = 3
route = [{ provider = "alpha", service = "2" }]

[[services]]
id = 3
name = "Drip likes"
type = "Default"
rate = "0.25"
min = 10
max = 1000
dripfeed = true
route = [{ provider = "alpha", service = "3" }]

[[services]]
id = 4
name = "Mentions hashtag"
type = "Mentions Hashtag"
rate = "3"
min = 10
max = 5000
route = [{ provider = "alpha", service = "7" }]
)";
  auto r = load_config_string(text, "t.toml", "/tmp");
  if (!r.value) throw std::runtime_error(to_string(r.errors));
  return *r.value;
}

panel_order order(std::int64_t service, std::string link, std::optional<std::int64_t> qty) {
  panel_order o;
  o.panel_order_id = "p1";
  o.service_id = service;
  o.params.link = std::move(link);
  o.params.quantity = qty;
  return o;
}

TEST(intake_rules, charge_is_rate_times_quantity_over_1000) {
  const auto cfg = test_config();
  const auto p = prepare_order(order(1, "https://instagram.com/a", 1000), cfg);
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.charge, parse_money("0.90").value);
  EXPECT_EQ(p.quantity, 1000);
  // 0.90 * 333 / 1000 = 0.2997 exactly.
  EXPECT_EQ(prepare_order(order(1, "https://instagram.com/a", 333), cfg).charge, parse_money("0.2997").value);
}

TEST(intake_rules, quantity_outside_min_max_is_invalid) {
  const auto cfg = test_config();
  EXPECT_NE(prepare_order(order(1, "x.com/a", 49), cfg).error.find("quantity"), std::string::npos);
  EXPECT_NE(prepare_order(order(1, "x.com/a", 10001), cfg).error.find("quantity"), std::string::npos);
  EXPECT_NE(prepare_order(order(1, "x.com/a", std::nullopt), cfg).error.find("quantity"), std::string::npos);
  EXPECT_EQ(prepare_order(order(1, "x.com/a", 50), cfg).error, "");
  EXPECT_EQ(prepare_order(order(1, "x.com/a", 10000), cfg).error, "");
}

TEST(intake_rules, unknown_service_and_bad_links_are_invalid) {
  const auto cfg = test_config();
  EXPECT_NE(prepare_order(order(99, "x.com/a", 100), cfg).error.find("service"), std::string::npos);
  EXPECT_NE(prepare_order(order(1, "", 100), cfg).error.find("link"), std::string::npos);
  EXPECT_NE(prepare_order(order(1, "x.com/a b", 100), cfg).error.find("link"), std::string::npos);
  EXPECT_NE(prepare_order(order(1, std::string("x.com/\x01"), 100), cfg).error.find("link"),
            std::string::npos);
  EXPECT_NE(prepare_order(order(1, "x.com/" + std::string(2048, 'a'), 100), cfg).error.find("link"),
            std::string::npos);
  EXPECT_FALSE(plausible_link(std::string(2049, 'a')));
  EXPECT_TRUE(plausible_link(std::string(2048, 'a')));
}

TEST(intake_rules, custom_comments_quantity_is_the_number_of_non_empty_lines) {
  const auto cfg = test_config();
  auto o = order(2, "https://instagram.com/p/x", std::nullopt);
  EXPECT_NE(prepare_order(o, cfg).error.find("comments"), std::string::npos);
  o.params.comments = {"nice", "", "great\r", "  "};
  auto p = prepare_order(o, cfg);
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.quantity, 2);
  EXPECT_EQ(p.charge, parse_money("0.016").value);  // 8 * 2 / 1000
  o.params.comments = {"a", "b", "c", "d"};         // max 3
  EXPECT_NE(prepare_order(o, cfg).error.find("quantity"), std::string::npos);
}

TEST(intake_rules, drip_feed_needs_a_dripfeed_service_runs_and_interval) {
  const auto cfg = test_config();
  auto o = order(1, "x.com/a", 100);
  o.params.runs = 3;
  o.params.interval = 10;
  EXPECT_NE(prepare_order(o, cfg).error.find("drip-feed"), std::string::npos);
  o.service_id = 3;
  auto p = prepare_order(o, cfg);
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.quantity, 300);
  EXPECT_EQ(p.charge, parse_money("0.075").value);  // 0.25 * 300 / 1000
  o.params.runs = 1;
  EXPECT_NE(prepare_order(o, cfg).error.find("runs"), std::string::npos);
  o.params.runs = 2;
  o.params.interval = 0;
  EXPECT_NE(prepare_order(o, cfg).error.find("interval"), std::string::npos);
}

TEST(intake_rules, type_specific_fields_are_required) {
  const auto cfg = test_config();
  auto o = order(4, "https://instagram.com/p/x", 100);
  EXPECT_NE(prepare_order(o, cfg).error.find("hashtag"), std::string::npos);
  o.params.hashtag = "#fun";
  EXPECT_EQ(prepare_order(o, cfg).error, "");
}

TEST(intake_rules, params_round_trip_and_hash_follows_content) {
  providers::add_order p;
  p.link = "https://x.com/a?b=c&d=e f";
  p.quantity = 100;
  p.comments = {"one & two", "th=ree", "100%"};
  p.hashtag = "#x";
  p.min = 1;
  const std::string text = encode_params(p);
  const auto back = decode_params(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->link, p.link);
  EXPECT_EQ(back->quantity, p.quantity);
  EXPECT_EQ(back->comments, p.comments);
  EXPECT_EQ(back->hashtag, p.hashtag);
  EXPECT_EQ(back->min, p.min);
  EXPECT_EQ(encode_params(*back), text);
  EXPECT_FALSE(decode_params("link=%G1"));
  EXPECT_FALSE(decode_params("bogus=1"));

  const auto cfg = test_config();
  const auto a = prepare_order(order(1, "x.com/a", 100), cfg);
  const auto same = prepare_order(order(1, " x.com/a ", 100), cfg);  // trimmed: same content
  const auto other = prepare_order(order(1, "x.com/a", 101), cfg);
  EXPECT_EQ(a.request_hash, same.request_hash);
  EXPECT_NE(a.request_hash, other.request_hash);
}

}  // namespace
}  // namespace smm::daemon
