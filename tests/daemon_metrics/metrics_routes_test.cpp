#include "daemon/metrics/metrics_routes.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace smm::daemon::metrics
