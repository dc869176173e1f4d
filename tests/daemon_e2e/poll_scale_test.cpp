// Every running order is followed to its end at a large panel's scale: with 200,000 running
// orders across 4 providers, each order is asked about within 1.5 x its interval (checked
// from the mocks' poll audit, not from timings), in calls that carry full 100-id chunks.
// The daemon's CPU between polls is reported (a figure, not an assertion).
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"

namespace smm::test {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int total_orders = 40'000;  // the same shape, sized for a sanitizer's slowdown
// Slow placement spreads first polls (new orders never ride along early): more partial calls.
constexpr double min_ids_per_call = 60;
#else
constexpr int total_orders = 200'000;
constexpr double min_ids_per_call = 80;
#endif
constexpr int providers = 4;
constexpr int base_interval_s = 20;  // young orders (< 10 min) are polled every base / 2

// User plus system CPU seconds of a process so far.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::int64_t field(const std::string& json, std::string_view name) {
  std::string key;  // built by appends: GCC 12 warns (-Wrestrict) on a chain of operator+
  key.append(1, '"').append(name).append("\":");
  const auto at = json.find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(json.substr(at + key.size()));
}

using poll_scale = daemon_env;

TEST_F(poll_scale, every_running_order_is_polled_within_its_interval_in_full_chunks) {
  std::vector<std::unique_ptr<mock_process>> mocks;
  config_spec spec;
  for (int i = 0; i < providers; ++i) {
    // Orders go In progress and never finish: all of them stay running.
    mocks.push_back(std::make_unique<mock_process>(std::vector<std::string>{
        "--speed", "0", "--pending-ms", "100", "--balance", "100000000", "--seed", std::to_string(i + 1)}));
    const std::string name = "p" + std::to_string(i);
    spec.providers.push_back({.name = name,
                              .port = mocks.back()->port(),
                              .max_in_flight = 32,
                              .requests_per_second = 10000,
                              .poll_interval_s = base_interval_s});
    spec.services.push_back({.id = i + 1, .rate = "0.90", .min = 10, .max = 100000, .route = {{name, 1}}});
  }
  write_config(spec);
  start_daemon();

  // Intake in pipelined batches, one service (so one provider) after another.
  constexpr int batch = 5000;
  for (int at = 0; at < total_orders; at += batch) {
    std::vector<std::string> ids, links;
    for (int i = at; i < at + batch; ++i) {
      ids.push_back("o" + std::to_string(i));
      links.push_back("https://instagram.com/scale_" + std::to_string(i));
    }
    const auto acks = add_pipelined(ids, 1 + (at / batch) % providers, links, 100);
    ASSERT_EQ(acks.size(), ids.size());
    for (const auto& a : acks) ASSERT_EQ(a.status, "accepted") << a.raw;
  }
  const auto placed = [&] {
    std::int64_t n = 0;
    for (const auto& m : mocks) n += field(m->request("GET", "/admin/stats"), "orders");
    return n;
  };
  ASSERT_TRUE(eventually([&] { return placed() == total_orders; }, 300s))
      << "placed " << placed() << " of " << total_orders;

  // Let every order live through at least two of its intervals, measuring the daemon's CPU.
  const double cpu_before = cpu_seconds(daemon_->pid());
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(base_interval_s));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_share = (cpu_seconds(daemon_->pid()) - cpu_before) / wall;

  const std::int64_t interval_ms = base_interval_s * 1000 / 2;
  std::int64_t calls = 0, ids_polled = 0, max_gap = 0;
  for (const auto& m : mocks) {
    const std::string polls =
        m->request("GET", "/admin/polls?late_ms=" + std::to_string(interval_ms * 3 / 2));
    SCOPED_TRACE(polls);
    EXPECT_EQ(field(polls, "orders"), total_orders / providers);
    EXPECT_EQ(field(polls, "never_polled"), 0);
    EXPECT_EQ(field(polls, "late"), 0) << "orders waited longer than 1.5 x their interval";
    calls += field(polls, "status_calls");
    ids_polled += field(polls, "ids_polled");
    max_gap = std::max(max_gap, field(polls, "max_gap_ms"));
  }
  ASSERT_GT(calls, 0);
  const double ids_per_call = static_cast<double>(ids_polled) / static_cast<double>(calls);
  EXPECT_GE(ids_per_call, min_ids_per_call) << "status calls do not carry full chunks";
  std::printf(
      "poll scale: %d running orders on %d providers, interval %lld ms: longest gap %lld ms, "
      "%.1f ids per status call, daemon CPU %.1f%% of a core over %.0f s of polling\n",
      total_orders, providers, static_cast<long long>(interval_ms), static_cast<long long>(max_gap),
      ids_per_call, 100.0 * cpu_share, wall);
  RecordProperty("daemon_cpu_percent_while_polling", std::to_string(100.0 * cpu_share));
  RecordProperty("ids_per_status_call", std::to_string(ids_per_call));
}

}  // namespace
}  // namespace smm::test
