#include "daemon/metrics/metrics_render.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "daemon/metrics/prometheus_writer.hpp"
#include "providers/action.hpp"

namespace smm::daemon::metrics {

namespace {

using providers::action_count;
using providers::call_outcome_count;

// Outcome names in call_outcome order. Kept here (not providers::to_string) so this library
// does not link the asio half of the provider client.
constexpr std::array<std::string_view, call_outcome_count> outcome_names{
    "ok",     "rejected",     "retry_later", "pause_provider", "unknown",
    "failed", "breaker_open", "queue_full",  "cancelled"};
static_assert(static_cast<std::size_t>(providers::call_outcome::cancelled) + 1 == call_outcome_count);

constexpr std::array<std::string_view, 3> breaker_names{"closed", "open", "half_open"};
static_assert(static_cast<std::size_t>(providers::breaker_state_view::half_open) + 1 == breaker_names.size());

// Bucket bounds in seconds: milliseconds / 1000, exact.
std::vector<std::string> latency_bounds_seconds() {
  std::vector<std::string> out;
  out.reserve(providers::latency_bucket_ms.size());
  for (auto ms : providers::latency_bucket_ms)
    out.push_back(scaled_decimal(static_cast<std::uint64_t>(ms), 3));
  return out;
}

// The engine's duration bounds in seconds: microseconds / 10^6, exact.
std::vector<std::string> duration_bounds_seconds() {
  std::vector<std::string> out;
  for (auto us : duration_histogram::bounds_us)
    out.push_back(scaled_decimal(static_cast<std::uint64_t>(us), 6));
  return out;
}

void render_engine(prometheus_writer& w, const engine_figures& e) {
  w.family("smm_dispatch_orders", metric_type::gauge,
           "Orders in the journal by state (received: inserts not yet committed).");
  for (std::size_t i = 0; i < order_state_count; ++i) {
    const auto s = static_cast<order_state>(i);
    // The journal counts every order, also final ones of earlier runs that left memory.
    w.sample({{"state", to_string(s)}},
             s == order_state::received ? e.orders_by_state[i] : e.journal_orders_by_state[i]);
  }

  w.family("smm_dispatch_orders_held", metric_type::gauge,
           "Queued orders held behind a running order on the same link.");
  w.sample({}, e.held);

  w.family("smm_dispatch_unknown_orders", metric_type::gauge,
           "Orders whose add outcome is unknown: reconciled where the provider allows it, else settled by an "
           "operator.");
  w.sample({}, e.orders_by_state[static_cast<std::size_t>(order_state::unknown)]);

  w.family("smm_dispatch_intake_orders_total", metric_type::counter,
           "Orders submitted by panels, by outcome.");
  w.sample({{"outcome", "accepted"}}, e.intake_accepted);
  w.sample({{"outcome", "replayed"}}, e.intake_replayed);
  w.sample({{"outcome", "conflict"}}, e.intake_conflicts);
  w.sample({{"outcome", "invalid"}}, e.intake_invalid);
  w.sample({{"outcome", "duplicate_link"}}, e.intake_duplicate_link);
  w.sample({{"outcome", "unavailable"}}, e.intake_unavailable);

  w.family("smm_dispatch_adds_sent_total", metric_type::counter, "Add calls sent to providers.");
  w.sample({}, e.adds_sent);

  w.family("smm_dispatch_add_outcomes_total", metric_type::counter, "Add calls by outcome.");
  w.sample({{"outcome", "placed"}}, e.placed);
  w.sample({{"outcome", "rejected"}}, e.rejected);
  w.sample({{"outcome", "unknown"}}, e.unknown);
  w.sample({{"outcome", "requeued"}}, e.requeued);

  w.family("smm_dispatch_orders_finalized_total", metric_type::counter, "Orders that reached a final state.");
  w.sample({}, e.finals);

  // A counter never goes down; refunds only add up, so a negative figure is clamped to zero.
  w.family("smm_dispatch_refunded_amount_total", metric_type::counter,
           "Refunds recorded by this process, in the panel currency's units.");
  w.sample({}, std::string_view(to_string(money::from_micros(std::max<std::int64_t>(e.refunds_micros, 0)))));

  w.family("smm_dispatch_anomalies_total", metric_type::counter, "Provider reports that were not applied.");
  w.sample({}, e.anomalies);

  w.family("smm_dispatch_status_polls_total", metric_type::counter, "Multi-status calls made to providers.");
  w.sample({}, e.status_polls);

  w.family("smm_dispatch_reconciled_total", metric_type::counter,
           "Unknown orders reconciled with their provider, by finding (found: placed with the order found "
           "upstream; absent: queued again; inconclusive: a note for an operator).");
  w.sample({{"finding", "found"}}, e.reconciled_found);
  w.sample({{"finding", "absent"}}, e.reconciled_absent);
  w.sample({{"finding", "inconclusive"}}, e.reconcile_inconclusive);

  const auto bounds = duration_bounds_seconds();
  w.family("smm_dispatch_intake_ack_duration_seconds", metric_type::histogram,
           "From a panel's add to its answer (orders durable), per order.");
  w.histogram({}, bounds, e.intake_ack.buckets, scaled_decimal(e.intake_ack.sum_us, 6));
  w.family("smm_dispatch_placement_duration_seconds", metric_type::histogram,
           "From intake to the provider's order id, per order accepted by this process.");
  w.histogram({}, bounds, e.placement.buckets, scaled_decimal(e.placement.sum_us, 6));
}

// One family at a time across all providers: the format wants a family's samples together.
void render_providers(prometheus_writer& w, const std::vector<provider_metrics>& ps) {
  w.family("smm_dispatch_provider_requests_total", metric_type::counter,
           "Completed provider API calls by action and outcome.");
  for (const auto& p : ps)
    for (std::size_t a = 0; a < action_count; ++a)
      for (std::size_t o = 0; o < call_outcome_count; ++o)
        w.sample({{"provider", p.name},
                  {"action", providers::to_string(static_cast<providers::action>(a))},
                  {"outcome", outcome_names[o]}},
                 p.client.calls[a][o]);

  w.family("smm_dispatch_provider_request_duration_seconds", metric_type::histogram,
           "Duration of completed provider API calls, retries included.");
  const auto bounds = latency_bounds_seconds();
  for (const auto& p : ps)
    w.histogram({{"provider", p.name}}, bounds, p.client.latency_buckets,
                scaled_decimal(p.client.latency_sum_us, 6));

  auto counter = [&](std::string_view name, std::string_view help, auto field) {
    w.family(name, metric_type::counter, help);
    for (const auto& p : ps) w.sample({{"provider", p.name}}, static_cast<std::uint64_t>(p.client.*field));
  };
  counter("smm_dispatch_provider_attempts_total", "HTTP requests sent to the provider, retries included.",
          &providers::client_figures::attempts);
  counter("smm_dispatch_provider_retries_total", "HTTP attempts after the first of a call.",
          &providers::client_figures::retries);
  counter("smm_dispatch_provider_retries_denied_total", "Retries refused by the retry budget.",
          &providers::client_figures::retries_denied);
  counter("smm_dispatch_provider_rate_limited_total", "HTTP 429 replies from the provider.",
          &providers::client_figures::rate_limited);
  counter("smm_dispatch_provider_connections_opened_total", "TCP connections opened to the provider.",
          &providers::client_figures::connections_opened);

  w.family("smm_dispatch_provider_in_flight", metric_type::gauge,
           "HTTP requests to the provider on the wire now.");
  for (const auto& p : ps) w.sample({{"provider", p.name}}, static_cast<std::uint64_t>(p.client.in_flight));

  w.family("smm_dispatch_provider_queue_depth", metric_type::gauge, "Calls waiting for an in-flight slot.");
  for (const auto& p : ps) w.sample({{"provider", p.name}}, static_cast<std::uint64_t>(p.client.queue_depth));

  w.family("smm_dispatch_provider_breaker_state", metric_type::gauge,
           "Circuit breaker state: 1 for the current state, 0 for the others.");
  for (const auto& p : ps)
    for (std::size_t s = 0; s < breaker_names.size(); ++s)
      w.sample({{"provider", p.name}, {"state", breaker_names[s]}},
               std::uint64_t{static_cast<std::size_t>(p.client.breaker) == s ? 1U : 0U});

  w.family("smm_dispatch_provider_paused", metric_type::gauge,
           "1 while no orders are sent to the provider (funds, key, operator).");
  for (const auto& p : ps) w.sample({{"provider", p.name}}, std::uint64_t{p.paused ? 1U : 0U});

  w.family("smm_dispatch_provider_balance", metric_type::gauge,
           "Balance the provider last reported, in its currency's units.");
  for (const auto& p : ps)
    if (p.balance) w.sample({{"provider", p.name}}, std::string_view(to_string(*p.balance)));
}

void render_api(prometheus_writer& w, const apiv2::api_figures& a) {
  w.family("smm_dispatch_api_requests_total", metric_type::counter,
           "API v2 endpoint requests by action (none: refused before it was read) and outcome.");
  for (std::size_t slot = 0; slot < apiv2::api_action_slots; ++slot) {
    const std::string_view action =
        slot == 0 ? std::string_view("none") : providers::to_string(static_cast<providers::action>(slot - 1));
    for (std::size_t o = 0; o < apiv2::api_outcome_count; ++o)
      w.sample({{"action", action}, {"outcome", apiv2::api_outcome_names[o]}}, a.requests[slot][o]);
  }
  w.family("smm_dispatch_api_connections", metric_type::gauge, "Open connections to the API v2 endpoint.");
  w.sample({}, a.connections);
  w.family("smm_dispatch_api_unauthenticated_connections", metric_type::gauge,
           "Open API v2 connections that have not yet presented a valid key.");
  w.sample({}, a.unauthenticated);
  w.family("smm_dispatch_api_connections_closed_total", metric_type::counter,
           "API v2 connections the daemon closed on a limit, by reason.");
  for (std::size_t r = 0; r < apiv2::api_close_count; ++r)
    w.sample({{"reason", apiv2::api_close_names[r]}}, a.closes[r]);
}

void render_panel_hellos(prometheus_writer& w, const panel::hello_figures& h) {
  w.family("smm_dispatch_panel_hellos_total", metric_type::counter,
           "Hellos on the panel socket by outcome (ok, wrong_key, throttled).");
  for (std::size_t o = 0; o < panel::hello_outcome_count; ++o)
    w.sample({{"outcome", panel::hello_outcome_names[o]}}, h.hellos[o]);
  w.family("smm_dispatch_panel_hello_required_total", metric_type::counter,
           "Panel socket requests refused because their connection had not said hello.");
  w.sample({}, h.hello_required);
}

void render_panel_closes(prometheus_writer& w, const panel::panel_close_figures& c) {
  w.family("smm_dispatch_panel_connections_closed_total", metric_type::counter,
           "Panel socket connections the daemon closed on a per-connection limit, by reason.");
  for (std::size_t r = 0; r < panel::panel_close_count; ++r)
    w.sample({{"reason", panel::panel_close_names[r]}}, c.closes[r]);
}

}  // namespace

std::string render_metrics(const metrics_snapshot& snapshot) {
  prometheus_writer w;
  render_engine(w, snapshot.engine);
  render_providers(w, snapshot.providers);
  if (snapshot.api) render_api(w, *snapshot.api);
  if (snapshot.panel_hellos) render_panel_hellos(w, *snapshot.panel_hellos);
  if (snapshot.panel_closes) render_panel_closes(w, *snapshot.panel_closes);
  return w.take();
}

}  // namespace smm::daemon::metrics
