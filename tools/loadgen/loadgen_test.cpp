// smm-loadgen's arithmetic and parsing: the percentile rule (nearest rank, exact on small
// sets), the placement window and rate, /proc parsing, the overview answer, the report.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "tools/loadgen/latency_stats.hpp"
#include "tools/loadgen/placement_stats.hpp"
#include "tools/loadgen/placement_watch.hpp"
#include "tools/loadgen/proc_stats.hpp"
#include "tools/loadgen/run_report.hpp"

namespace smm::loadgen {
namespace {

TEST(percentile, nearest_rank_on_sorted_samples) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 1; i <= 100; ++i) v.push_back(i * 10);
  EXPECT_EQ(percentile(v, 500), 500);  // 50th of 100
  EXPECT_EQ(percentile(v, 900), 900);
  EXPECT_EQ(percentile(v, 990), 990);
  EXPECT_EQ(percentile(v, 1000), 1000);
  EXPECT_EQ(percentile(v, 0), 10);
  EXPECT_EQ(percentile(v, 995), 1000);  // 99.5% of 100 rounds up to rank 100
}

TEST(percentile, small_and_empty_sets) {
  EXPECT_EQ(percentile({}, 500), 0);
  const std::vector<std::int64_t> three{5, 7, 100};
  EXPECT_EQ(percentile(three, 500), 7);    // rank ceil(1.5) = 2
  EXPECT_EQ(percentile(three, 990), 100);  // rank ceil(2.97) = 3
  EXPECT_EQ(percentile(three, 333), 5);    // rank ceil(0.999) = 1
}

TEST(summarize, sorts_and_reports_the_tail) {
  std::vector<std::int64_t> v{300, 100, 200, 1000, 400, 500, 600, 700, 800, 900};
  const auto s = summarize(v);
  EXPECT_EQ(s.samples, 10u);
  EXPECT_EQ(s.p50_ns, 500);
  EXPECT_EQ(s.p90_ns, 900);
  EXPECT_EQ(s.p99_ns, 1000);
  EXPECT_EQ(s.max_ns, 1000);
}

constexpr std::int64_t ms_ns = 1'000'000;

TEST(placement_window, leaves_out_the_quiet_lead_in_and_stops_at_the_target) {
  // Nothing placed for 300 ms (providers paused), then 100 orders per 100 ms.
  const std::vector<placement_sample> s{{0, 50},
                                        {100 * ms_ns, 50},
                                        {200 * ms_ns, 50},
                                        {300 * ms_ns, 150},
                                        {400 * ms_ns, 250},
                                        {500 * ms_ns, 350},
                                        {600 * ms_ns, 350}};
  const auto w = placement_window_of(s, 200);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->first, 2u);  // the last sample before the rise
  EXPECT_EQ(w->last, 4u);   // 200 placed since the first sample
  EXPECT_EQ(placement_window_of(s, 201)->last, 5u);
  EXPECT_EQ(placement_window_of(s, 300)->last, 5u);
  EXPECT_DOUBLE_EQ(placed_per_second(s, *placement_window_of(s, 300)), 1000.0);  // 300 in 0.3 s
  // No target, or one never reached: up to the last sample (the idle tail counts then).
  EXPECT_EQ(placement_window_of(s, 0)->last, 6u);
  EXPECT_EQ(placement_window_of(s, 10'000)->last, 6u);
  EXPECT_DOUBLE_EQ(placed_per_second(s, *placement_window_of(s, 0)), 750.0);  // 300 in 0.4 s
}

TEST(placement_window, none_without_a_rise) {
  EXPECT_FALSE(placement_window_of({}, 0).has_value());
  const std::vector<placement_sample> one{{0, 5}};
  EXPECT_FALSE(placement_window_of(one, 0).has_value());
  const std::vector<placement_sample> flat{{0, 5}, {ms_ns, 5}, {2 * ms_ns, 5}};
  EXPECT_FALSE(placement_window_of(flat, 0).has_value());
  const std::vector<placement_sample> same_time{{7, 5}, {7, 9}};
  EXPECT_DOUBLE_EQ(placed_per_second(same_time, *placement_window_of(same_time, 0)), 0.0);
}

TEST(proc_stats, cpu_ticks_after_the_last_parenthesis) {
  // Fields 14 and 15 are utime and stime; the name may hold spaces and ')'.
  const std::string stat =
      "4242 (smm-dispatchd) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 5 0 123 456789 1234";
  EXPECT_EQ(cpu_ticks_of_stat(stat), 325u);
  EXPECT_EQ(cpu_ticks_of_stat("1 (a) R 0 1 1 0 -1 0 0 0 0 0 7 3\n"), 10u);
  EXPECT_FALSE(cpu_ticks_of_stat("1 (a) R 0 1 1 0 -1 0 0 0 0 0 7").has_value());  // stime missing
  EXPECT_FALSE(cpu_ticks_of_stat("no parenthesis 1 2 3").has_value());
  EXPECT_FALSE(cpu_ticks_of_stat("1 (a) R 0 1 1 0 -1 0 0 0 0 0 x 3").has_value());
}

TEST(proc_stats, status_kib_by_exact_key) {
  const std::string status = "Name:\tsmm-dispatchd\nVmHWMx:\t1 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  99 kB\n";
  EXPECT_EQ(status_kib(status, "VmHWM"), 123456u);
  EXPECT_EQ(status_kib(status, "VmRSS"), 99u);
  EXPECT_FALSE(status_kib(status, "VmSwap").has_value());
  EXPECT_FALSE(status_kib(status, "Name").has_value());  // not a number
}

TEST(placed_of_overview, reads_result_placement_placed) {
  EXPECT_EQ(placed_of_overview(R"({"id":3,"ok":true,"result":{"version":"1","placement":{"adds_sent":9,)"
                               R"("placed":7,"rejected":1}}})"),
            7);
  EXPECT_FALSE(placed_of_overview(R"({"id":3,"ok":false,"error":{"code":"forbidden"}})").has_value());
  EXPECT_FALSE(placed_of_overview(R"({"id":3,"ok":true,"result":{"pong":true}})").has_value());
  EXPECT_FALSE(placed_of_overview("not json").has_value());
}

TEST(run_report, cpu_per_1000_orders) {
  EXPECT_DOUBLE_EQ(*cpu_s_per_1000(2.5, 50'000), 0.05);  // 50 us per order
  EXPECT_FALSE(cpu_s_per_1000(std::nullopt, 10).has_value());
  EXPECT_FALSE(cpu_s_per_1000(1.0, 0).has_value());
}

TEST(run_report, json_is_one_parseable_object_with_every_figure) {
  run_figures f;
  f.mode = "max";
  f.sent = f.answered = f.accepted = 1000;
  f.seconds = 0.5;
  f.acked_per_s = 2000;
  f.latency = {1000, 1'000'000, 2'000'000, 4'000'000, 9'000'000};
  f.placement = placement_figures{800, 0.25, 3200, 0.04};
  f.daemon = daemon_figures{0.1, 4096, std::nullopt};
  const std::string text = json_of(f);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(text).get(doc), simdjson::SUCCESS) << text;
  EXPECT_EQ(doc["accepted"].get_int64().value(), 1000);
  EXPECT_DOUBLE_EQ(doc["latency_ms"]["p99"].get_double().value(), 4.0);
  EXPECT_EQ(doc["placed"].get_int64().value(), 800);
  EXPECT_DOUBLE_EQ(doc["placed_per_s"].get_double().value(), 3200.0);
  EXPECT_DOUBLE_EQ(doc["daemon"]["cpu_s_per_1000_acked"].get_double().value(), 0.1);
  EXPECT_DOUBLE_EQ(doc["daemon"]["cpu_s_per_1000_placed"].get_double().value(), 0.05);
  EXPECT_EQ(doc["daemon"]["vmhwm_kib"].get_uint64().value(), 4096u);
  EXPECT_TRUE(doc["daemon"]["vmrss_kib"].is_null());
  const std::string table = table_of(f);
  EXPECT_NE(table.find("placed orders/s"), std::string::npos);
  EXPECT_NE(table.find("3200 (800 in 0.250 s)"), std::string::npos);
}

}  // namespace
}  // namespace smm::loadgen
