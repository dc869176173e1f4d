#include "daemon/metrics/prometheus_writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

namespace smm::daemon::metrics {
namespace {

TEST(PrometheusWriter, WritesHelpTypeAndSamplesExactly) {
  prometheus_writer w;
  w.family("smm_dispatch_things_total", metric_type::counter, "Things done.");
  w.sample({{"kind", "a"}}, std::uint64_t{3});
  w.sample({{"kind", "b"}}, std::uint64_t{0});
  w.family("smm_dispatch_level", metric_type::gauge, "A level.");
  w.sample({}, std::int64_t{-2});
  w.sample({{"x", "1"}, {"y", "2"}}, std::string_view("0.5"));
  EXPECT_EQ(w.text(),
            "# HELP smm_dispatch_things_total Things done.\n"
            "# TYPE smm_dispatch_things_total counter\n"
            "smm_dispatch_things_total{kind=\"a\"} 3\n"
            "smm_dispatch_things_total{kind=\"b\"} 0\n"
            "# HELP smm_dispatch_level A level.\n"
            "# TYPE smm_dispatch_level gauge\n"
            "smm_dispatch_level -2\n"
            "smm_dispatch_level{x=\"1\",y=\"2\"} 0.5\n");
}

TEST(PrometheusWriter, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\n"
                               "d"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_label_value("plain"), "plain");
  prometheus_writer w;
  w.family("m", metric_type::gauge, "line one\nback\\slash \"quoted\"");
  w.sample({{"provider", "we\"ird\\name\n"}}, std::uint64_t{1});
  EXPECT_EQ(w.text(),
            "# HELP m line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE m gauge\n"
            "m{provider=\"we\\\"ird\\\\name\\n\"} 1\n");
}

TEST(PrometheusWriter, HistogramBucketsAreCumulativeWithInfEqualToCount) {
  prometheus_writer w;
  w.family("smm_dispatch_d_seconds", metric_type::histogram, "Durations.");
  const std::vector<std::string> bounds{"0.005", "0.1", "1"};
  const std::array<std::uint64_t, 4> counts{2, 0, 5, 1};
  w.histogram({{"provider", "p"}}, bounds, counts, "1.25");
  EXPECT_EQ(w.text(),
            "# HELP smm_dispatch_d_seconds Durations.\n"
            "# TYPE smm_dispatch_d_seconds histogram\n"
            "smm_dispatch_d_seconds_bucket{provider=\"p\",le=\"0.005\"} 2\n"
            "smm_dispatch_d_seconds_bucket{provider=\"p\",le=\"0.1\"} 2\n"
            "smm_dispatch_d_seconds_bucket{provider=\"p\",le=\"1\"} 7\n"
            "smm_dispatch_d_seconds_bucket{provider=\"p\",le=\"+Inf\"} 8\n"
            "smm_dispatch_d_seconds_sum{provider=\"p\"} 1.25\n"
            "smm_dispatch_d_seconds_count{provider=\"p\"} 8\n");
}

TEST(PrometheusWriter, RefusesMisuse) {
  prometheus_writer w;
  EXPECT_THROW(w.sample({}, std::uint64_t{1}), std::logic_error);  // no family yet
  EXPECT_THROW(w.family("bad-name", metric_type::gauge, "h"), std::logic_error);
  EXPECT_THROW(w.family("9lives", metric_type::gauge, "h"), std::logic_error);
  EXPECT_THROW(w.family("smm_dispatch_things", metric_type::counter, "h"), std::logic_error);
  w.family("smm_dispatch_g", metric_type::gauge, "h");
  EXPECT_THROW(w.family("smm_dispatch_g", metric_type::gauge, "again"), std::logic_error);
  EXPECT_THROW(w.sample({{"bad label", "v"}}, std::uint64_t{1}), std::logic_error);
  EXPECT_THROW(w.sample({{"__reserved", "v"}}, std::uint64_t{1}), std::logic_error);
  EXPECT_THROW(w.sample({}, std::string_view("1e3")), std::logic_error);
  const std::vector<std::string> bounds{"1"};
  const std::array<std::uint64_t, 2> counts{1, 1};
  EXPECT_THROW(w.histogram({}, bounds, counts, "1"), std::logic_error);  // gauge family
  w.family("smm_dispatch_c_total", metric_type::counter, "h");
  EXPECT_THROW(w.sample({}, std::int64_t{-1}), std::logic_error);
  EXPECT_THROW(w.sample({}, std::string_view("-0.5")), std::logic_error);
  w.family("smm_dispatch_h_seconds", metric_type::histogram, "h");
  const std::array<std::uint64_t, 1> short_counts{1};
  EXPECT_THROW(w.histogram({}, bounds, short_counts, "1"), std::logic_error);
  EXPECT_THROW(w.sample({}, std::uint64_t{1}), std::logic_error);  // plain sample in a histogram
}

TEST(PrometheusWriter, NameRules) {
  EXPECT_TRUE(is_valid_metric_name("smm_dispatch_x:y_total"));
  EXPECT_TRUE(is_valid_metric_name("_x"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("a.b"));
  EXPECT_TRUE(is_valid_label_name("provider"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("1a"));
}

TEST(PrometheusWriter, ScaledDecimalIsExact) {
  EXPECT_EQ(scaled_decimal(5, 3), "0.005");
  EXPECT_EQ(scaled_decimal(30000, 3), "30");
  EXPECT_EQ(scaled_decimal(2500, 3), "2.5");
  EXPECT_EQ(scaled_decimal(0, 6), "0");
  EXPECT_EQ(scaled_decimal(1234567, 6), "1.234567");
  EXPECT_EQ(scaled_decimal(18446744073709551615ULL, 6), "18446744073709.551615");
  EXPECT_EQ(scaled_decimal(42, 0), "42");
}

TEST(PrometheusWriter, TakeEmptiesTheWriter) {
  prometheus_writer w;
  w.family("g", metric_type::gauge, "h");
  w.sample({}, std::uint64_t{1});
  EXPECT_FALSE(w.take().empty());
  EXPECT_TRUE(w.text().empty());
}

}  // namespace
}  // namespace smm::daemon::metrics
