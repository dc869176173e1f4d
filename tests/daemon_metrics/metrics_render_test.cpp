#include "daemon/metrics/metrics_render.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "tests/daemon_metrics/exposition_checker.hpp"

namespace smm::daemon::metrics {
namespace {

using testing::check_exposition;
using testing::parsed_sample;

bool has_line(const std::string& text, const std::string& line) {
  return text.starts_with(line + "\n") || text.find("\n" + line + "\n") != std::string::npos;
}

std::size_t count_prefix(const std::string& text, const std::string& prefix) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = text.find("\n" + prefix, pos)) != std::string::npos; ++pos) ++n;
  return n;
}

metrics_snapshot full_snapshot() {
  metrics_snapshot s;
  for (std::size_t i = 0; i < order_state_count; ++i) {
    s.engine.orders_by_state[i] = static_cast<std::int64_t>(i * 10);
    s.engine.journal_orders_by_state[i] = static_cast<std::int64_t>(i * 10);
  }
  s.engine.held = 4;
  s.engine.intake_accepted = 100;
  s.engine.intake_replayed = 11;
  s.engine.intake_conflicts = 7;
  s.engine.intake_invalid = 3;
  s.engine.intake_duplicate_link = 2;
  s.engine.intake_unavailable = 1;
  s.engine.adds_sent = 90;
  s.engine.placed = 80;
  s.engine.rejected = 5;
  s.engine.unknown = 2;
  s.engine.requeued = 3;
  s.engine.finals = 60;
  s.engine.refunds_micros = 12'345'678;  // 12.345678
  s.engine.anomalies = 9;
  s.engine.status_polls = 250;
  s.engine.reconciled_found = 6;
  s.engine.reconciled_absent = 2;
  s.engine.reconcile_inconclusive = 1;

  provider_metrics a;
  a.name = "alpha";
  a.client.calls[static_cast<std::size_t>(providers::action::add)]
                [static_cast<std::size_t>(providers::call_outcome::ok)] = 70;
  a.client.calls[static_cast<std::size_t>(providers::action::status)]
                [static_cast<std::size_t>(providers::call_outcome::failed)] = 6;
  a.client.attempts = 120;
  a.client.retries = 12;
  a.client.retries_denied = 1;
  a.client.rate_limited = 4;
  a.client.connections_opened = 3;
  a.client.latency_buckets = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};  // 91 calls
  a.client.latency_sum_us = 1'500'000;
  a.client.in_flight = 5;
  a.client.queue_depth = 8;
  a.client.breaker = providers::breaker_state_view::half_open;
  a.balance = money::from_micros(95'200'500'000);  // 95200.5
  s.providers.push_back(a);

  provider_metrics b;
  b.name = "b\"eta\\";  // escaping must hold even for odd config names
  b.paused = true;
  s.providers.push_back(b);
  s.api = apiv2::api_figures{};
  s.panel_closes = panel::panel_close_figures{};
  s.panel_hellos = panel::hello_figures{};
  return s;
}

TEST(MetricsRender, EngineOnlyExactOutput) {
  metrics_snapshot s;
  s.engine.journal_orders_by_state[static_cast<std::size_t>(order_state::queued)] = 3;
  s.engine.journal_orders_by_state[static_cast<std::size_t>(order_state::unknown)] = 2;
  s.engine.orders_by_state[static_cast<std::size_t>(order_state::unknown)] = 2;
  s.engine.orders_by_state[static_cast<std::size_t>(order_state::completed)] = 7;  // memory: not shown
  s.engine.intake_accepted = 5;
  s.engine.refunds_micros = 1'500'000;
  s.engine.adds_sent = 4;
  s.engine.placed = 3;
  const std::string expected =
      "# HELP smm_dispatch_orders Orders in the journal by state (received: inserts not yet committed).\n"
      "# TYPE smm_dispatch_orders gauge\n"
      "smm_dispatch_orders{state=\"received\"} 0\n"
      "smm_dispatch_orders{state=\"queued\"} 3\n"
      "smm_dispatch_orders{state=\"sending\"} 0\n"
      "smm_dispatch_orders{state=\"placed\"} 0\n"
      "smm_dispatch_orders{state=\"unknown\"} 2\n"
      "smm_dispatch_orders{state=\"rejected\"} 0\n"
      "smm_dispatch_orders{state=\"pending\"} 0\n"
      "smm_dispatch_orders{state=\"in_progress\"} 0\n"
      "smm_dispatch_orders{state=\"completed\"} 0\n"
      "smm_dispatch_orders{state=\"partial\"} 0\n"
      "smm_dispatch_orders{state=\"canceled\"} 0\n"
      "smm_dispatch_orders{state=\"refunded\"} 0\n"
      "smm_dispatch_orders{state=\"failed\"} 0\n"
      "# HELP smm_dispatch_orders_held Queued orders held behind a running order on the same link.\n"
      "# TYPE smm_dispatch_orders_held gauge\n"
      "smm_dispatch_orders_held 0\n"
      "# HELP smm_dispatch_unknown_orders Orders whose add outcome is unknown: reconciled where the provider "
      "allows it, else settled by an operator.\n"
      "# TYPE smm_dispatch_unknown_orders gauge\n"
      "smm_dispatch_unknown_orders 2\n"
      "# HELP smm_dispatch_intake_orders_total Orders submitted by panels, by outcome.\n"
      "# TYPE smm_dispatch_intake_orders_total counter\n"
      "smm_dispatch_intake_orders_total{outcome=\"accepted\"} 5\n"
      "smm_dispatch_intake_orders_total{outcome=\"replayed\"} 0\n"
      "smm_dispatch_intake_orders_total{outcome=\"conflict\"} 0\n"
      "smm_dispatch_intake_orders_total{outcome=\"invalid\"} 0\n"
      "smm_dispatch_intake_orders_total{outcome=\"duplicate_link\"} 0\n"
      "smm_dispatch_intake_orders_total{outcome=\"unavailable\"} 0\n"
      "# HELP smm_dispatch_adds_sent_total Add calls sent to providers.\n"
      "# TYPE smm_dispatch_adds_sent_total counter\n"
      "smm_dispatch_adds_sent_total 4\n"
      "# HELP smm_dispatch_add_outcomes_total Add calls by outcome.\n"
      "# TYPE smm_dispatch_add_outcomes_total counter\n"
      "smm_dispatch_add_outcomes_total{outcome=\"placed\"} 3\n"
      "smm_dispatch_add_outcomes_total{outcome=\"rejected\"} 0\n"
      "smm_dispatch_add_outcomes_total{outcome=\"unknown\"} 0\n"
      "smm_dispatch_add_outcomes_total{outcome=\"requeued\"} 0\n"
      "# HELP smm_dispatch_orders_finalized_total Orders that reached a final state.\n"
      "# TYPE smm_dispatch_orders_finalized_total counter\n"
      "smm_dispatch_orders_finalized_total 0\n"
      "# HELP smm_dispatch_refunded_amount_total Refunds recorded by this process, in the panel currency's "
      "units.\n"
      "# TYPE smm_dispatch_refunded_amount_total counter\n"
      "smm_dispatch_refunded_amount_total 1.5\n"
      "# HELP smm_dispatch_anomalies_total Provider reports that were not applied.\n"
      "# TYPE smm_dispatch_anomalies_total counter\n"
      "smm_dispatch_anomalies_total 0\n"
      "# HELP smm_dispatch_status_polls_total Multi-status calls made to providers.\n"
      "# TYPE smm_dispatch_status_polls_total counter\n"
      "smm_dispatch_status_polls_total 0\n";
  const std::string text = render_metrics(s);
  // With no providers the per-provider families are present but have no samples.
  ASSERT_TRUE(text.starts_with(expected)) << text;
  EXPECT_EQ(text.find("smm_dispatch_provider_requests_total{"), std::string::npos);
  EXPECT_TRUE(check_exposition(text).errors.empty());
}

TEST(MetricsRender, FullSnapshotPassesTheFormatChecks) {
  const std::string text = render_metrics(full_snapshot());
  const auto ex = check_exposition(text);
  for (const auto& e : ex.errors) ADD_FAILURE() << e;
  EXPECT_GT(ex.samples.size(), 150U);
  for (const auto& [name, type] : ex.types) {
    EXPECT_TRUE(name.starts_with("smm_dispatch_")) << name;
    EXPECT_EQ(type == "counter", name.ends_with("_total")) << name;
  }
  // Only bounded labels: never an order id, a link or a panel id.
  for (const auto& s : ex.samples)
    for (const auto& [k, v] : s.labels)
      EXPECT_TRUE(k == "state" || k == "outcome" || k == "provider" || k == "action" || k == "finding" ||
                  k == "reason" || k == "le")
          << k;
}

TEST(MetricsRender, EngineFiguresLandInTheirSamples) {
  const std::string text = render_metrics(full_snapshot());
  EXPECT_TRUE(has_line(text, "smm_dispatch_orders{state=\"sending\"} 20"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_unknown_orders 40"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_orders_held 4"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_intake_orders_total{outcome=\"replayed\"} 11"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_intake_orders_total{outcome=\"conflict\"} 7"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_intake_orders_total{outcome=\"invalid\"} 3"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_intake_orders_total{outcome=\"duplicate_link\"} 2"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_intake_orders_total{outcome=\"unavailable\"} 1"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_adds_sent_total 90"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_add_outcomes_total{outcome=\"rejected\"} 5"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_add_outcomes_total{outcome=\"unknown\"} 2"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_add_outcomes_total{outcome=\"requeued\"} 3"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_orders_finalized_total 60"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_refunded_amount_total 12.345678"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_anomalies_total 9"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_status_polls_total 250"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_reconciled_total{finding=\"found\"} 6"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_reconciled_total{finding=\"absent\"} 2"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_reconciled_total{finding=\"inconclusive\"} 1"));
}

TEST(MetricsRender, ProviderFiguresLandInTheirSamples) {
  const std::string text = render_metrics(full_snapshot());
  EXPECT_TRUE(has_line(
      text, "smm_dispatch_provider_requests_total{provider=\"alpha\",action=\"add\",outcome=\"ok\"} 70"));
  EXPECT_TRUE(has_line(
      text,
      "smm_dispatch_provider_requests_total{provider=\"alpha\",action=\"status\",outcome=\"failed\"} 6"));
  // Every action x outcome pair per provider, so rates never start from a missing series.
  EXPECT_EQ(count_prefix(text, "smm_dispatch_provider_requests_total{provider=\"alpha\","),
            providers::action_count * providers::call_outcome_count);
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_attempts_total{provider=\"alpha\"} 120"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_retries_total{provider=\"alpha\"} 12"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_retries_denied_total{provider=\"alpha\"} 1"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_rate_limited_total{provider=\"alpha\"} 4"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_connections_opened_total{provider=\"alpha\"} 3"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_in_flight{provider=\"alpha\"} 5"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_queue_depth{provider=\"alpha\"} 8"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_breaker_state{provider=\"alpha\",state=\"closed\"} 0"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_breaker_state{provider=\"alpha\",state=\"open\"} 0"));
  EXPECT_TRUE(
      has_line(text, "smm_dispatch_provider_breaker_state{provider=\"alpha\",state=\"half_open\"} 1"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_paused{provider=\"alpha\"} 0"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_balance{provider=\"alpha\"} 95200.5"));
  // The second provider: escaped name, paused, closed breaker, no balance known yet.
  EXPECT_TRUE(has_line(text, "smm_dispatch_provider_paused{provider=\"b\\\"eta\\\\\"} 1"));
  EXPECT_TRUE(
      has_line(text, "smm_dispatch_provider_breaker_state{provider=\"b\\\"eta\\\\\",state=\"closed\"} 1"));
  EXPECT_EQ(text.find("smm_dispatch_provider_balance{provider=\"b"), std::string::npos);
}

TEST(MetricsRender, LatencyHistogramInSeconds) {
  const std::string text = render_metrics(full_snapshot());
  const std::string p = "smm_dispatch_provider_request_duration_seconds";
  EXPECT_TRUE(has_line(text, p + "_bucket{provider=\"alpha\",le=\"0.005\"} 1"));
  EXPECT_TRUE(has_line(text, p + "_bucket{provider=\"alpha\",le=\"0.01\"} 3"));
  EXPECT_TRUE(has_line(text, p + "_bucket{provider=\"alpha\",le=\"0.025\"} 6"));
  EXPECT_TRUE(has_line(text, p + "_bucket{provider=\"alpha\",le=\"2.5\"} 45"));
  EXPECT_TRUE(has_line(text, p + "_bucket{provider=\"alpha\",le=\"30\"} 78"));
  EXPECT_TRUE(has_line(text, p + "_bucket{provider=\"alpha\",le=\"+Inf\"} 91"));
  EXPECT_TRUE(has_line(text, p + "_count{provider=\"alpha\"} 91"));
  EXPECT_TRUE(has_line(text, p + "_sum{provider=\"alpha\"} 1.5"));
  EXPECT_TRUE(has_line(text, p + "_count{provider=\"b\\\"eta\\\\\"} 0"));
  // One bucket line per bound plus +Inf, per provider.
  EXPECT_EQ(count_prefix(text, p + "_bucket{provider=\"alpha\","), providers::latency_bucket_ms.size() + 1);
}

TEST(MetricsRender, IntakeAndPlacementDurationsInSeconds) {
  metrics_snapshot s;
  // 3 acks <= 100 us, 2 <= 2.5 ms, 1 over 60 s; sum 1.2345 s.
  s.engine.intake_ack.buckets[0] = 3;
  s.engine.intake_ack.buckets[4] = 2;
  s.engine.intake_ack.buckets.back() = 1;
  s.engine.intake_ack.sum_us = 1'234'500;
  s.engine.placement.buckets[9] = 4;  // <= 100 ms
  s.engine.placement.sum_us = 200'000;
  const std::string text = render_metrics(s);
  const std::string a = "smm_dispatch_intake_ack_duration_seconds";
  EXPECT_TRUE(has_line(text, "# TYPE " + a + " histogram"));
  EXPECT_TRUE(has_line(text, a + "_bucket{le=\"0.0001\"} 3"));
  EXPECT_TRUE(has_line(text, a + "_bucket{le=\"0.001\"} 3"));
  EXPECT_TRUE(has_line(text, a + "_bucket{le=\"0.0025\"} 5"));
  EXPECT_TRUE(has_line(text, a + "_bucket{le=\"60\"} 5"));
  EXPECT_TRUE(has_line(text, a + "_bucket{le=\"+Inf\"} 6"));
  EXPECT_TRUE(has_line(text, a + "_count 6"));
  EXPECT_TRUE(has_line(text, a + "_sum 1.2345"));
  const std::string p = "smm_dispatch_placement_duration_seconds";
  EXPECT_TRUE(has_line(text, p + "_bucket{le=\"0.05\"} 0"));
  EXPECT_TRUE(has_line(text, p + "_bucket{le=\"0.1\"} 4"));
  EXPECT_TRUE(has_line(text, p + "_count 4"));
  EXPECT_EQ(count_prefix(text, p + "_bucket{"), duration_histogram::bounds_us.size() + 1);
  EXPECT_TRUE(check_exposition(text).errors.empty()) << text;
}

// The dashboard in docs/grafana must only query families the daemon renders: a renamed metric
// would leave a panel silently empty.
TEST(MetricsRender, GrafanaDashboardQueriesOnlyRenderedFamilies) {
  std::ifstream in(SMM_SOURCE_DIR "/docs/grafana/smm-dispatchd.json");
  ASSERT_TRUE(in) << "docs/grafana/smm-dispatchd.json is missing";
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string dashboard = buf.str();
  const std::string text = render_metrics(full_snapshot());
  const std::regex name(R"(smm_dispatch_[a-z_]+)");
  std::set<std::string> queried;
  for (auto it = std::sregex_iterator(dashboard.begin(), dashboard.end(), name); it != std::sregex_iterator();
       ++it) {
    std::string n = it->str();
    for (const std::string suffix : {"_bucket", "_count", "_sum"})
      if (n.ends_with(suffix) && text.find("# TYPE " + n + " ") == std::string::npos)
        n.resize(n.size() - suffix.size());
    queried.insert(n);
  }
  EXPECT_GE(queried.size(), 15U);
  for (const auto& n : queried) EXPECT_TRUE(text.find("# TYPE " + n + " ") != std::string::npos) << n;
}

TEST(MetricsRender, ApiEndpointRequestsByActionAndOutcome) {
  metrics_snapshot s;
  EXPECT_EQ(render_metrics(s).find("smm_dispatch_api_"), std::string::npos) << "no endpoint, no family";
  apiv2::api_figures a;
  a.requests[0][static_cast<std::size_t>(apiv2::api_outcome::unauthorized)] = 3;
  a.requests[apiv2::api_action_slot(providers::action::add)]
            [static_cast<std::size_t>(apiv2::api_outcome::ok)] = 7;
  a.connections = 2;
  a.unauthenticated = 1;
  a.closes[static_cast<std::size_t>(apiv2::api_close::evicted)] = 5;
  s.api = a;
  const std::string text = render_metrics(s);
  EXPECT_TRUE(has_line(text, "smm_dispatch_api_unauthenticated_connections 1"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_api_connections_closed_total{reason=\"evicted\"} 5"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_api_connections_closed_total{reason=\"request_timeout\"} 0"));
  EXPECT_EQ(count_prefix(text, "smm_dispatch_api_connections_closed_total{"), apiv2::api_close_count);
  EXPECT_TRUE(has_line(text, "smm_dispatch_api_requests_total{action=\"none\",outcome=\"unauthorized\"} 3"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_api_requests_total{action=\"add\",outcome=\"ok\"} 7"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_api_requests_total{action=\"balance\",outcome=\"throttled\"} 0"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_api_connections 2"));
  EXPECT_EQ(count_prefix(text, "smm_dispatch_api_requests_total{"),
            apiv2::api_action_slots * apiv2::api_outcome_count);
  EXPECT_TRUE(check_exposition(text).errors.empty()) << text;
}

TEST(MetricsRender, PanelSocketClosesByReason) {
  metrics_snapshot s;
  EXPECT_EQ(render_metrics(s).find("smm_dispatch_panel_connections_closed_total"), std::string::npos);
  panel::panel_close_figures c;
  c.closes[static_cast<std::size_t>(panel::panel_close::output_limit)] = 2;
  s.panel_closes = c;
  const std::string text = render_metrics(s);
  EXPECT_TRUE(has_line(text, "smm_dispatch_panel_connections_closed_total{reason=\"output_limit\"} 2"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_panel_connections_closed_total{reason=\"timeout\"} 0"));
  EXPECT_TRUE(check_exposition(text).errors.empty()) << text;
}

TEST(MetricsRender, PanelSocketHellosByOutcome) {
  metrics_snapshot s;
  EXPECT_EQ(render_metrics(s).find("smm_dispatch_panel_hello"), std::string::npos);
  panel::hello_figures h;
  h.hellos[static_cast<std::size_t>(panel::hello_outcome::ok)] = 4;
  h.hellos[static_cast<std::size_t>(panel::hello_outcome::wrong_key)] = 2;
  h.hello_required = 9;
  s.panel_hellos = h;
  const std::string text = render_metrics(s);
  EXPECT_TRUE(has_line(text, "smm_dispatch_panel_hellos_total{outcome=\"ok\"} 4"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_panel_hellos_total{outcome=\"wrong_key\"} 2"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_panel_hellos_total{outcome=\"throttled\"} 0"));
  EXPECT_TRUE(has_line(text, "smm_dispatch_panel_hello_required_total 9"));
  EXPECT_TRUE(check_exposition(text).errors.empty()) << text;
}

TEST(MetricsRender, NegativeRefundFigureIsNotACounterGoingBelowZero) {
  metrics_snapshot s;
  s.engine.refunds_micros = -5;
  EXPECT_TRUE(has_line(render_metrics(s), "smm_dispatch_refunded_amount_total 0"));
}

// The checker itself must catch what it claims to, or the format test above proves nothing.
TEST(ExpositionChecker, CatchesBrokenText) {
  auto errors = [](const std::string& t) { return check_exposition(t).errors.size(); };
  EXPECT_EQ(errors("# HELP a_total h\n# TYPE a_total counter\na_total 1\n"), 0U);
  EXPECT_GT(errors("a 1\n"), 0U);                                              // no TYPE
  EXPECT_GT(errors("# HELP a h\n# TYPE a counter\na 1\n"), 0U);                // counter without _total
  EXPECT_GT(errors("# HELP a h\n# TYPE a gauge\n# TYPE a gauge\na 1\n"), 0U);  // two TYPE lines
  EXPECT_GT(errors("# HELP a h\n# TYPE a gauge\na{x=\"1} 1\n"), 0U);           // unterminated value
  EXPECT_GT(errors("# HELP a-b h\n# TYPE a-b gauge\na-b 1\n"), 0U);            // bad name
  EXPECT_GT(errors("# HELP a h\n# TYPE a gauge\n# HELP b h\n# TYPE b gauge\nb 1\na 2\n"), 0U);
  const std::string hist_head = "# HELP h h\n# TYPE h histogram\n";
  EXPECT_EQ(errors(hist_head + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"), 0U);
  EXPECT_GT(errors(hist_head + "h_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"), 0U);
  EXPECT_GT(errors(hist_head + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 5\n"), 0U);
  EXPECT_GT(errors(hist_head + "h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n"), 0U);
  EXPECT_GT(
      errors(hist_head +
             "h_bucket{le=\"1\"} 1\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 3\nh_count 1\n"),
      0U);
}

}  // namespace
}  // namespace smm::daemon::metrics
