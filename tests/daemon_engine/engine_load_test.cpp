// A bounded load run: 2000 orders through intake in calls of 50, then to placement at a
// mock with no latency. Prints the measured rates; asserts only what must hold (every
// order accepted once and placed once), never a time.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/daemon_engine/engine_fixture.hpp"

namespace smm::daemon::test {
namespace {

using smm::test::mock_process;

TEST(engine_load, intake_and_placement_of_2000_orders) {
  temp_dir dir;
  mock_process alpha({"--pending-ms", "600000"});
  engine_harness h(config_text({{"alpha", &alpha}}, "allow", dir.path()), dir.path());
  h.start();
  constexpr int n = 2000;
  constexpr int per_call = 50;
  const auto t0 = std::chrono::steady_clock::now();
  // Several calls in flight at once, as several panel connections would make them.
  std::vector<std::future<std::vector<add_answer>>> calls;
  for (int c = 0; c < n / per_call; ++c) {
    auto p = std::make_shared<std::promise<std::vector<add_answer>>>();
    calls.push_back(p->get_future());
    std::vector<panel_order> batch;
    for (int i = 0; i < per_call; ++i) {
      const std::string id = "load" + std::to_string(c * per_call + i);
      batch.push_back(followers(id, id));
    }
    h.eng().add(std::move(batch), [p](std::vector<add_answer> a) { p->set_value(std::move(a)); });
  }
  int accepted = 0;
  for (auto& f : calls) {
    ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
    for (const auto& a : f.get()) accepted += a.status == add_status::accepted ? 1 : 0;
  }
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(accepted, n);
  const auto end = t1 + 60s;
  while (h.eng().figures().placed < static_cast<std::uint64_t>(n) && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(5ms);
  const auto t2 = std::chrono::steady_clock::now();
  const auto fig = h.eng().figures();
  ASSERT_EQ(fig.placed, static_cast<std::uint64_t>(n));
  EXPECT_EQ(fig.adds_sent, static_cast<std::uint64_t>(n));
  EXPECT_EQ(audit_adds(alpha).size(), static_cast<std::size_t>(n));
  const double intake_s = std::chrono::duration<double>(t1 - t0).count();
  const double all_s = std::chrono::duration<double>(t2 - t0).count();
  std::printf(
      "engine_load: %d orders; intake %.0f orders/s (%.3f s); accepted-to-placed %.0f orders/s (%.3f s "
      "total)\n",
      n, n / intake_s, intake_s, n / all_s, all_s);
}

}  // namespace
}  // namespace smm::daemon::test
