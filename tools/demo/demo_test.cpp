// Unit tests of smm-demo's pure parts: synthetic orders, client options from the config, and
// the summary's tally (the accounting the ctest smm_demo.small_run relies on).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <set>

#include "tools/demo/report.hpp"
#include "tools/demo/run_state.hpp"
#include "tools/demo/synthetic_orders.hpp"

namespace smm::demo {
namespace {

service_def service(std::int64_t id, service_type t, const char* rate, std::int64_t lo, std::int64_t hi) {
  service_def s;
  s.id = id;
  s.type = t;
  s.rate_per_1000 = parse_money(rate).value;
  s.min_quantity = lo;
  s.max_quantity = hi;
  s.route = {{"alpha", "101"}};
  return s;
}

TEST(synthetic_orders, quantities_charges_and_comments_follow_the_service) {
  const auto plain = service(1, service_type::default_, "0.27819", 50, 10000);
  const auto comments = service(3, service_type::custom_comments, "8", 10, 1500);
  const std::vector<service_choice> choices{{&plain, 1.0, {0}}, {&comments, 1.0, {0}}};
  const auto orders = make_orders(choices, {.count = 500, .seed = 7}, 1000);
  ASSERT_EQ(orders.size(), 500u);
  std::set<std::int64_t> services_seen;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& d = orders[i];
    EXPECT_EQ(d.core.panel_order_id, static_cast<std::int64_t>(i) + 1);
    EXPECT_GE(d.core.quantity, d.service->min_quantity);
    EXPECT_LE(d.core.quantity, d.service->max_quantity);
    EXPECT_EQ(d.core.charge, charge_for(d.service->rate_per_1000, d.core.quantity).value);
    if (d.service == &comments) {
      EXPECT_EQ(static_cast<std::int64_t>(d.comments.size()), d.core.quantity);
    } else {
      EXPECT_TRUE(d.comments.empty());
    }
    services_seen.insert(d.service->id);
  }
  EXPECT_EQ(services_seen.size(), 2u);
}

TEST(synthetic_orders, duplicates_are_other_spellings_of_an_earlier_account) {
  const auto plain = service(1, service_type::default_, "0.90", 50, 10000);
  const std::vector<service_choice> choices{{&plain, 1.0, {0}}};
  const auto orders = make_orders(choices, {.count = 2000, .seed = 3, .duplicate_per_mille = 50}, 1000);
  std::set<std::string> keys;
  std::size_t duplicates = 0;
  for (const auto& d : orders) {
    if (!keys.insert(d.link_key).second) {
      ++duplicates;
      EXPECT_NE(d.link.find("www.instagram.com/User"), std::string::npos) << d.link;
    }
  }
  // 5% of 2000 drawn; a few may name an account that itself had only a duplicate spelling.
  EXPECT_GT(duplicates, 50u);
  EXPECT_LT(duplicates, 150u);
}

TEST(synthetic_orders, one_seed_gives_one_history) {
  const auto plain = service(1, service_type::default_, "0.90", 50, 10000);
  const std::vector<service_choice> choices{{&plain, 1.0, {0}}};
  const auto a = make_orders(choices, {.count = 100, .seed = 9}, 1000);
  const auto b = make_orders(choices, {.count = 100, .seed = 9}, 1000);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].link, b[i].link);
    EXPECT_EQ(a[i].core.quantity, b[i].core.quantity);
  }
}

TEST(synthetic_orders, no_sellable_service_is_an_error) {
  EXPECT_THROW(make_orders({}, {}, 0), std::invalid_argument);
}

TEST(client_options, keep_the_configured_limits) {
  provider_config p;
  p.name = "beta";
  p.api_url = "http://127.0.0.1:18082/api/v2";
  p.key = secret("k");
  p.style = request_style::json;
  p.key_in = key_placement::header;
  p.max_in_flight = 4;
  p.requests_per_second = 20;
  p.max_retries = 2;
  p.call_deadline = std::chrono::milliseconds{5000};
  auto o = client_options_for(p);
  EXPECT_EQ(o.rate_tokens, 20u);
  EXPECT_EQ(o.rate_period, std::chrono::milliseconds{1000});
  EXPECT_EQ(o.max_in_flight, 4u);
  EXPECT_EQ(o.max_attempts, 3u);
  EXPECT_EQ(o.call_timeout, std::chrono::milliseconds{5000});
  EXPECT_EQ(o.request.style, providers::request_style::json_post);
  EXPECT_EQ(o.request.key, providers::key_placement::header);
  EXPECT_EQ(o.key, "k");

  p.requests_per_second = 0.5;  // below one per second: one token per two seconds
  o = client_options_for(p);
  EXPECT_EQ(o.rate_tokens, 1u);
  EXPECT_EQ(o.rate_period, std::chrono::milliseconds{2000});
}

TEST(tally, rows_account_for_every_order_and_sum_refunds) {
  const auto dir = std::filesystem::temp_directory_path() / ("smm-demo-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    boost::asio::io_context io;
    store::journal j({.path = (dir / "j.sqlite").string()});
    config cfg;
    provider_config alpha;
    alpha.name = "alpha";
    cfg.providers.push_back(alpha);
    run_state st(cfg, io.get_executor(), j);
    st.providers["alpha"].config = &cfg.providers[0];
    const auto svc = service(1, service_type::default_, "1", 1, 1000);

    auto make = [&](order_state s, const char* provider, std::int64_t remains) {
      demo_order d;
      d.service = &svc;
      d.core.quantity = 100;
      d.core.charge = money::from_units(10);
      d.core.state = s;
      d.core.remains = remains;
      d.provider = provider;
      if (is_final(s)) d.refund = compute_refund(d.core);
      st.orders.push_back(d);
    };
    make(order_state::completed, "alpha", 0);
    make(order_state::partial, "alpha", 25);    // refund 10 * 25 / 100 = 2.5
    make(order_state::canceled, "alpha", 100);  // refund 10
    make(order_state::in_progress, "alpha", 50);
    make(order_state::unknown, "alpha", no_value);
    make(order_state::rejected, "", no_value);  // refund 10
    st.accepted = st.orders.size();

    const auto rows = tally(st);
    const auto& a = rows.at("alpha");
    EXPECT_EQ(a.placed, 4u);
    EXPECT_EQ(a.completed, 1u);
    EXPECT_EQ(a.partial, 1u);
    EXPECT_EQ(a.canceled, 1u);
    EXPECT_EQ(a.open, 1u);
    EXPECT_EQ(a.unknown, 1u);
    EXPECT_EQ(a.refunds, parse_money("12.5").value);
    EXPECT_EQ(rows.at(panel_row).rejected, 1u);
    const auto t = total_of(rows);
    EXPECT_EQ(t.placed + t.rejected + t.unknown, st.accepted);
    EXPECT_EQ(t.refunds, parse_money("22.5").value);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace smm::demo
