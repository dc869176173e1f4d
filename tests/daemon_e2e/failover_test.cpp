// Route failover: when provider A runs out of funds ("Not enough funds") or its breaker opens,
// the next hop B takes the orders; none is lost and none is placed on both.
#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

using failover = daemon_env;

TEST_F(failover, provider_out_of_funds_hands_orders_to_the_next_hop) {
  // The mock charges 0.90 per 1000: 0.09 per order of 100, so A can afford exactly one.
  mock_process a({"--balance", "0.10", "--pending-ms", "100", "--speed", "5000"});
  mock_process b({"--pending-ms", "100", "--speed", "5000"});
  config_spec c;
  c.providers.push_back({.name = "a", .port = a.port(), .max_in_flight = 2});
  c.providers.push_back({.name = "b", .port = b.port()});
  c.services.push_back({.id = 1, .rate = "0.90", .min = 50, .max = 10000, .route = {{"a", 1}, {"b", 1}}});
  write_config(c);
  start_daemon();

  constexpr int n = 12;
  std::vector<std::string> ids, links;
  for (int i = 0; i < n; ++i) {
    ids.push_back("f" + std::to_string(i));
    links.push_back("https://instagram.com/failover_" + std::to_string(i));
  }
  const auto acks = add_pipelined(ids, 1, links, 100);
  ASSERT_EQ(acks.size(), ids.size());
  for (const auto& r : acks) ASSERT_EQ(r.status, "accepted") << r.raw;

  const auto settled = wait_settled(ids, 40s);
  ASSERT_EQ(settled.size(), ids.size()) << "an acknowledged order is missing";
  const audit_by_link audit_a = read_audit_links(a.port());
  const audit_by_link audit_b = read_audit_links(b.port());

  int on_a = 0, on_b = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& s = settled.at(ids[i]);
    SCOPED_TRACE(ids[i] + " " + s.state + " on '" + s.provider + "' note: " + s.note);
    ASSERT_TRUE(is_final_state(s.state));
    EXPECT_EQ(s.state, "completed");
    ASSERT_TRUE(s.provider == "a" || s.provider == "b");
    const audit_by_link& mine = s.provider == "a" ? audit_a : audit_b;
    const audit_by_link& other = s.provider == "a" ? audit_b : audit_a;
    (s.provider == "a" ? on_a : on_b)++;
    // Placed exactly once, where the status says, with the id the status says.
    ASSERT_EQ(mine.orders.count(links[i]), 1u);
    ASSERT_EQ(mine.orders.at(links[i]).size(), 1u);
    EXPECT_EQ(mine.orders.at(links[i]).front(), s.provider_order_id);
    EXPECT_EQ(other.orders.count(links[i]), 0u) << "placed on both providers";
  }
  EXPECT_LE(on_a, 1) << "A could afford one order only";
  EXPECT_GE(on_b, n - 1);
  EXPECT_GT(audit_a.total, on_a) << "A never refused an add: the test did not exercise the failover";
  std::printf("failover: %d on a, %d on b; a saw %d adds\n", on_a, on_b, audit_a.total);
}

TEST_F(failover, provider_with_an_open_breaker_hands_orders_to_the_next_hop) {
  // A refuses every connection: its adds provably never arrive, its breaker opens, B takes over.
  const unsigned short dead = closed_loopback_port();
  mock_process b({"--pending-ms", "100", "--speed", "5000"});
  config_spec c;
  c.providers.push_back({.name = "a", .port = dead, .max_in_flight = 2});
  c.providers.push_back({.name = "b", .port = b.port()});
  c.services.push_back({.id = 1, .rate = "0.90", .min = 50, .max = 10000, .route = {{"a", 1}, {"b", 1}}});
  write_config(c);
  start_daemon();

  constexpr int n = 8;
  std::vector<std::string> ids, links;
  for (int i = 0; i < n; ++i) {
    ids.push_back("b" + std::to_string(i));
    links.push_back("https://instagram.com/breaker_" + std::to_string(i));
  }
  const auto acks = add_pipelined(ids, 1, links, 100);
  ASSERT_EQ(acks.size(), ids.size());
  for (const auto& r : acks) ASSERT_EQ(r.status, "accepted") << r.raw;

  const auto settled = wait_settled(ids, 40s);
  ASSERT_EQ(settled.size(), ids.size());
  const audit_by_link audit_b = read_audit_links(b.port());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& s = settled.at(ids[i]);
    SCOPED_TRACE(ids[i] + " " + s.state + " note: " + s.note);
    EXPECT_EQ(s.state, "completed");
    EXPECT_EQ(s.provider, "b");
    ASSERT_EQ(audit_b.adds.count(links[i]), 1u);
    EXPECT_EQ(audit_b.adds.at(links[i]), 1);
  }
  const std::string providers = panel_->call("{\"id\":7,\"op\":\"providers\"}");
  ASSERT_NE(providers.find("\"name\":\"a\",\"breaker\":"), std::string::npos) << providers;
  EXPECT_EQ(providers.find("\"name\":\"a\",\"breaker\":\"closed\""), std::string::npos)
      << "A never answered, yet its breaker is closed: " << providers;
}

}  // namespace
}  // namespace smm::test
