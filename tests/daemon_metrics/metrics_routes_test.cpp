#include "daemon/metrics/metrics_routes.hpp"

#include <gtest/gtest.h>

#include "daemon/engine/engine_options.hpp"
#include "daemon/metrics/engine_counts_from.hpp"
#include "daemon/metrics/metrics_render.hpp"

namespace smm::daemon::metrics {
namespace {

struct calls {
  int render = 0;
  int ready = 0;
};

route_answer ask(std::string_view method, std::string_view target, calls& c, bool is_ready = true) {
  return route_request(
      method, target,
      [&] {
        ++c.render;
        return std::string("body");
      },
      [&] {
        ++c.ready;
        return is_ready;
      });
}

TEST(MetricsRoutes, MetricsRendersOnlyForItsPath) {
  calls c;
  auto a = ask("GET", "/metrics", c);
  EXPECT_EQ(a.status, 200U);
  EXPECT_EQ(a.body, "body");
  EXPECT_EQ(a.content_type, metrics_content_type);
  EXPECT_EQ(c.render, 1);
  EXPECT_EQ(ask("GET", "/metrics?name[]=x", c).status, 200U);  // query ignored
  EXPECT_EQ(ask("GET", "/healthz", c).body, "ok\n");
  EXPECT_EQ(c.render, 2);
  EXPECT_EQ(c.ready, 0);
}

TEST(MetricsRoutes, ReadinessFollowsTheCallback) {
  calls c;
  EXPECT_EQ(ask("GET", "/readyz", c, true).status, 200U);
  EXPECT_EQ(ask("GET", "/readyz", c, false).status, 503U);
  EXPECT_EQ(c.ready, 2);
  EXPECT_EQ(route_request("GET", "/readyz", {}, {}).status, 503U);  // no callback: never ready
}

TEST(MetricsRoutes, UnknownPathsAndMethods) {
  calls c;
  EXPECT_EQ(ask("GET", "/", c).status, 404U);
  EXPECT_EQ(ask("GET", "/metricsx", c).status, 404U);
  EXPECT_EQ(ask("POST", "/nope", c).status, 404U);
  for (auto m : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    auto a = ask(m, "/metrics", c);
    EXPECT_EQ(a.status, 405U) << m;
    EXPECT_TRUE(a.method_not_allowed) << m;
  }
  EXPECT_EQ(ask("HEAD", "/healthz", c).status, 200U);
  EXPECT_EQ(c.render, 0);
}

// The copy from the engine's struct: every field lands in its own place.
TEST(EngineCountsFrom, CopiesEveryField) {
  engine_figures f;
  for (std::size_t i = 0; i < f.orders_by_state.size(); ++i)
    f.orders_by_state[i] = static_cast<std::int64_t>(100 + i);
  f.held = 1;
  f.intake_accepted = 2;
  f.intake_replayed = 3;
  f.intake_conflicts = 4;
  f.intake_invalid = 5;
  f.intake_duplicate_link = 6;
  f.intake_unavailable = 7;
  f.adds_sent = 8;
  f.placed = 9;
  f.rejected = 10;
  f.unknown = 11;
  f.requeued = 12;
  f.finals = 13;
  f.refunds_micros = 14;
  f.anomalies = 15;
  f.status_polls = 16;
  const auto c = engine_counts_from(f);
  EXPECT_EQ(c.orders_by_state, f.orders_by_state);
  EXPECT_EQ(c.held, 1);
  EXPECT_EQ(c.intake_accepted, 2U);
  EXPECT_EQ(c.intake_replayed, 3U);
  EXPECT_EQ(c.intake_conflicts, 4U);
  EXPECT_EQ(c.intake_invalid, 5U);
  EXPECT_EQ(c.intake_duplicate_link, 6U);
  EXPECT_EQ(c.intake_unavailable, 7U);
  EXPECT_EQ(c.adds_sent, 8U);
  EXPECT_EQ(c.placed, 9U);
  EXPECT_EQ(c.rejected, 10U);
  EXPECT_EQ(c.unknown, 11U);
  EXPECT_EQ(c.requeued, 12U);
  EXPECT_EQ(c.finals, 13U);
  EXPECT_EQ(c.refunds_micros, 14);
  EXPECT_EQ(c.anomalies, 15U);
  EXPECT_EQ(c.status_polls, 16U);
}

}  // namespace
}  // namespace smm::daemon::metrics
