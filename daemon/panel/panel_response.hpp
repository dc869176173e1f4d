#pragma once
// The panel socket's answer side: each function appends one complete line ('\n'-terminated) of
// JSON to `out`. Success: {"id":..,"ok":true,"result":..}; failure:
// {"id":..,"ok":false,"error":{"code":..,"message":..}}. "id" is left out when the request's id
// could not be read (`id_json` empty). Money is a decimal string ("0.9"), states are names.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "daemon/order_service.hpp"
#include "daemon/panel/panel_protocol.hpp"

namespace smm::daemon::panel {

/// The `code` of an error answer for an engine result (never ok): not_found, busy, invalid,
/// conflict, unavailable, provider_refused and internal keep their names; not_eligible is
/// `rejected` (the name panels have always seen for a rule that refuses an action).
failure_code failure_for(result_code c);

/// The `code` of an add answer that was not taken (conflict, invalid, duplicate_link, unavailable).
failure_code failure_for(add_status s);

/// {"result":{"panel":"<name>"}}: the connection now speaks for this panel.
void write_hello(std::string& out, std::string_view id_json, std::string_view panel);

/// An error line.
void write_error(std::string& out, std::string_view id_json, failure_code code, std::string_view message);

/// The answer to `add`. `single`: the request used "order": one answer object as the result,
/// or an error line when the order was not taken (conflict, invalid, duplicate_link,
/// unavailable). Otherwise {"orders":[answer...]} with a "status" per order.
void write_add(std::string& out, std::string_view id_json, bool single, std::span<const add_answer> answers);

/// The answer to `status`: the order view (single) or {"orders":[view or {panel_order_id,code,error}]}.
void write_status(std::string& out, std::string_view id_json, bool single,
                  std::span<const lookup_answer> answers);

/// The answer to cancel/refill/refill_status/speedup/resolve: {"panel_order_id","result"} or an
/// error (single), or {"orders":[{panel_order_id, ok, result | code and error}]}.
void write_actions(std::string& out, std::string_view id_json, bool single,
                   std::span<const action_answer> answers);

/// One {"event":{...}} line per event.
void write_events(std::string& out, std::span<const event_view> events);

/// {"result":{"providers":[...]}}
void write_providers(std::string& out, std::string_view id_json, std::span<const provider_view> providers);

/// {"result":{"services":[...]}}
void write_services(std::string& out, std::string_view id_json, std::span<const service_def> services);

/// {"result":{"pong":true}}
void write_pong(std::string& out, std::string_view id_json);

/// {"result":{"subscribed":true,"after_seq":N}}: events follow on this connection.
void write_subscribed(std::string& out, std::string_view id_json, std::int64_t after_seq);

/// {"result":{"unsubscribed":was_subscribed}}
void write_unsubscribed(std::string& out, std::string_view id_json, bool was_subscribed);

// ---- admin operations ----

/// {"result":{"version","uptime_s","orders":{"by_state":{name:n...},"open","held"},
///  "intake":{...},"placement":{...},"finals","refunds","anomalies","status_polls",
///  "reconciled":{"found","absent","inconclusive"}}}
void write_overview(std::string& out, std::string_view id_json, const engine_figures& f,
                    std::string_view version, std::int64_t uptime_s);

/// {"result":{"state","orders":[order view...],"next_after_id"}}
void write_order_page(std::string& out, std::string_view id_json, order_state state, const order_page& page);

/// {"result":{"order":{view},"events":[{event}...]}}, or a not_found error.
void write_history(std::string& out, std::string_view id_json, const order_history& h);

/// {"result":{"provider","paused","reason"}} (reason only when paused).
void write_paused(std::string& out, std::string_view id_json, std::string_view provider, bool paused,
                  std::string_view reason);

/// {"result":{"reloaded":true,"message"}}
void write_reloaded(std::string& out, std::string_view id_json, std::string_view message);

}  // namespace smm::daemon::panel
