#pragma once
// Renders a metrics_snapshot as Prometheus text (format 0.0.4). Names start with
// `smm_dispatch_`; durations are in seconds, money in the currency's units printed as exact
// decimals; the only labels are bounded sets (state, outcome, action, finding, reason, provider
// name).
#include <string>

#include "daemon/metrics/metrics_snapshot.hpp"

namespace smm::daemon::metrics {

/// Content-Type of the rendered text.
inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

/// The whole exposition for one scrape. Families:
///   smm_dispatch_orders{state}                          gauge
///   smm_dispatch_orders_held                            gauge
///   smm_dispatch_unknown_orders                         gauge
///   smm_dispatch_intake_orders_total{outcome}           counter (accepted, replayed, conflict,
///                                                        invalid, duplicate_link, unavailable)
///   smm_dispatch_adds_sent_total                        counter
///   smm_dispatch_add_outcomes_total{outcome}            counter (placed, rejected, unknown, requeued)
///   smm_dispatch_orders_finalized_total                 counter
///   smm_dispatch_refunded_amount_total                  counter (currency units, exact decimal)
///   smm_dispatch_anomalies_total                        counter
///   smm_dispatch_status_polls_total                     counter
///   smm_dispatch_reconciled_total{finding}             counter (found, absent, inconclusive)
///   smm_dispatch_provider_requests_total{provider,action,outcome}  counter
///   smm_dispatch_provider_request_duration_seconds{provider}       histogram
///   smm_dispatch_provider_attempts_total{provider}      counter
///   smm_dispatch_provider_retries_total{provider}       counter
///   smm_dispatch_provider_retries_denied_total{provider} counter
///   smm_dispatch_provider_rate_limited_total{provider}  counter
///   smm_dispatch_provider_connections_opened_total{provider} counter
///   smm_dispatch_provider_in_flight{provider}           gauge
///   smm_dispatch_provider_queue_depth{provider}         gauge
///   smm_dispatch_provider_breaker_state{provider,state} gauge, 1 for the current state
///                                                        (closed, open, half_open), 0 for the others
///   smm_dispatch_provider_paused{provider}              gauge 0/1
///   smm_dispatch_provider_balance{provider}             gauge (only providers with a known balance)
///   smm_dispatch_api_connections_closed_total{reason}   counter (header_limit, body_limit, bad_http,
///                                                        request_timeout, idle_timeout, evicted)
///   smm_dispatch_api_unauthenticated_connections        gauge
///   smm_dispatch_panel_connections_closed_total{reason} counter (output_limit, timeout)
std::string render_metrics(const metrics_snapshot& snapshot);

}  // namespace smm::daemon::metrics
