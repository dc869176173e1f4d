#include "tools/dispatchctl/ctl_render.hpp"

#include <ctime>

#include "tools/dispatchctl/text_table.hpp"

namespace smm::dispatchctl {

namespace {

using simdjson::dom::element;

std::string str(element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

std::int64_t num(element e, std::string_view key) {
  std::int64_t v = 0;
  if (e[key].get_int64().get(v) == simdjson::SUCCESS) return v;
  return 0;
}

bool flag(element e, std::string_view key) {
  bool v = false;
  return e[key].get_bool().get(v) == simdjson::SUCCESS && v;
}

// A number, a string, or "" for null/absent: cells for optional fields.
std::string cell(element e, std::string_view key) {
  element v;
  if (e[key].get(v) != simdjson::SUCCESS || v.is_null()) return {};
  std::int64_t n = 0;
  if (v.get_int64().get(n) == simdjson::SUCCESS) return std::to_string(n);
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  bool b = false;
  if (v.get_bool().get(b) == simdjson::SUCCESS) return b ? "yes" : "no";
  return simdjson::minify(v);
}

std::vector<element> array_of(element e, std::string_view key) {
  std::vector<element> out;
  simdjson::dom::array arr;
  if (e[key].get_array().get(arr) != simdjson::SUCCESS) return out;
  for (element x : arr) out.push_back(x);
  return out;
}

constexpr auto R = text_table::align::right;
constexpr auto L = text_table::align::left;

}  // namespace

std::string format_time(std::int64_t unix_s) {
  if (unix_s <= 0) return {};
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  if (!::gmtime_r(&t, &tm)) return std::to_string(unix_s);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string format_duration(std::int64_t s) {
  if (s < 0) s = 0;
  const std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  char buf[64];
  if (d > 0)
    std::snprintf(buf, sizeof buf, "%lldd %02lldh %02lldm %02llds", static_cast<long long>(d),
                  static_cast<long long>(h), static_cast<long long>(m), static_cast<long long>(sec));
  else if (h > 0)
    std::snprintf(buf, sizeof buf, "%lldh %02lldm %02llds", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(sec));
  else if (m > 0)
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(m), static_cast<long long>(sec));
  else
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(sec));
  return buf;
}

std::string render_overview(element r) {
  std::string out =
      "smm-dispatchd " + str(r, "version") + ", up " + format_duration(num(r, "uptime_s")) + "\n\n";
  element orders = r["orders"];
  text_table states({"STATE", "ORDERS"}, {L, R});
  element by_state;
  if (orders["by_state"].get(by_state) == simdjson::SUCCESS && by_state.is_object()) {
    for (auto [key, value] : by_state.get_object()) {
      std::int64_t n = 0;
      if (value.get_int64().get(n) != simdjson::SUCCESS) n = 0;
      // Empty states are noise, except unknown: an admin looks for that one.
      if (n != 0 || key == "unknown") states.add_row({std::string(key), std::to_string(n)});
    }
  }
  out += states.render();
  out += "open " + std::to_string(num(orders, "open")) + " (held " + std::to_string(num(orders, "held")) +
         ")\n\n";

  element intake = r["intake"], placement = r["placement"];
  text_table totals({"SINCE START", "COUNT"}, {L, R});
  totals.add_row({"accepted", cell(intake, "accepted")});
  totals.add_row({"replayed", cell(intake, "replayed")});
  totals.add_row({"conflicts", cell(intake, "conflicts")});
  totals.add_row({"invalid", cell(intake, "invalid")});
  totals.add_row({"duplicate link", cell(intake, "duplicate_link")});
  totals.add_row({"unavailable", cell(intake, "unavailable")});
  totals.add_row({"adds sent", cell(placement, "adds_sent")});
  totals.add_row({"placed", cell(placement, "placed")});
  totals.add_row({"rejected", cell(placement, "rejected")});
  totals.add_row({"outcome unknown", cell(placement, "unknown")});
  totals.add_row({"requeued", cell(placement, "requeued")});
  totals.add_row({"reached final", cell(r, "finals")});
  totals.add_row({"refunds owed", cell(r, "refunds")});
  totals.add_row({"anomalies", cell(r, "anomalies")});
  totals.add_row({"status polls", cell(r, "status_polls")});
  // Unknown orders settled by reconciliation (daemons that report it).
  if (element rec; r["reconciled"].get(rec) == simdjson::SUCCESS && rec.is_object()) {
    totals.add_row({"reconciled", cell(rec, "found")});
    totals.add_row({"proven absent", cell(rec, "absent")});
    totals.add_row({"inconclusive", cell(rec, "inconclusive")});
  }
  out += totals.render();
  return out;
}

std::string render_providers(element r) {
  text_table t({"PROVIDER", "BREAKER", "PAUSED", "IN FLIGHT", "RATE/S", "QUEUED", "BALANCE"},
               {L, L, L, R, R, R, R});
  for (element p : array_of(r, "providers")) {
    std::string paused = "no";
    if (flag(p, "paused")) {
      paused = "yes";
      if (const auto why = str(p, "pause_reason"); !why.empty()) paused += ": " + why;
    }
    // Limits are shown when the daemon reports them ("2/8").
    std::string in_flight = cell(p, "in_flight");
    if (const auto max = cell(p, "max_in_flight"); !max.empty()) in_flight += "/" + max;
    std::string balance = cell(p, "balance");
    if (!balance.empty() && !str(p, "currency").empty()) balance += " " + str(p, "currency");
    if (balance.empty()) balance = "-";
    std::string rate = cell(p, "requests_per_second");
    if (rate.empty()) rate = "-";
    t.add_row({str(p, "name"), str(p, "breaker"), paused, in_flight, rate, cell(p, "queued"), balance});
  }
  if (t.rows() == 0) return "no providers configured\n";
  return t.render();
}

std::string render_orders(const std::string& state, const std::vector<element>& orders,
                          std::int64_t next_after_id) {
  if (orders.empty()) return "no orders in state " + state + "\n";
  text_table t({"ID", "PANEL ID", "SERVICE", "STATE", "PROVIDER", "PROV SERVICE", "PROVIDER ID", "LINK",
                "QUANTITY", "CHARGE", "REMAINS", "REFUND", "SENT (UTC)", "UPDATED (UTC)", "NOTE"},
               {R, L, R, L, L, L, L, L, R, R, R, R, L, L, L});
  for (element o : orders) {
    std::string st = str(o, "state");
    if (flag(o, "held")) st += " (held)";
    t.add_row({cell(o, "order_id"), str(o, "panel_order_id"), cell(o, "service"), st, str(o, "provider"),
               str(o, "provider_service"), str(o, "provider_order_id"), str(o, "link"), cell(o, "quantity"),
               cell(o, "charge"), cell(o, "remains"), cell(o, "refund"), format_time(num(o, "sent_at")),
               format_time(num(o, "updated_at")), str(o, "note")});
  }
  std::string out = t.render();
  out += std::to_string(orders.size()) + (orders.size() == 1 ? " order" : " orders");
  if (next_after_id != 0) out += "; more follow: --after " + std::to_string(next_after_id) + " (or --all)";
  out += '\n';
  return out;
}

std::string render_history(element r) {
  element o = r["order"];
  text_table fields({"", ""});
  auto add = [&](std::string name, std::string value) {
    fields.add_row({std::move(name), std::move(value)});
  };
  add("panel order id", str(o, "panel_order_id"));
  add("daemon order id", cell(o, "order_id"));
  add("service", cell(o, "service"));
  add("link", str(o, "link"));
  add("state", str(o, "state") + (flag(o, "held") ? " (held behind a running order on its link)" : ""));
  add("provider", str(o, "provider"));
  add("provider service", str(o, "provider_service"));
  add("provider order id", str(o, "provider_order_id"));
  add("sent (UTC)", format_time(num(o, "sent_at")));
  add("raw status", str(o, "raw_status"));
  add("quantity", cell(o, "quantity"));
  add("charge", cell(o, "charge"));
  add("start count", cell(o, "start_count"));
  add("remains", cell(o, "remains"));
  std::string refund = cell(o, "refund");
  if (!refund.empty() && !str(o, "refund_reason").empty()) refund += " (" + str(o, "refund_reason") + ")";
  add("refund", refund);
  add("refill", str(o, "refill"));
  add("speed-up", str(o, "speedup"));
  add("note", str(o, "note"));
  add("created (UTC)", format_time(num(o, "created_at")));
  add("updated (UTC)", format_time(num(o, "updated_at")));
  std::string out = fields.render();

  const auto events = array_of(r, "events");
  out += "\n";
  if (events.empty()) return out + "no events\n";
  text_table t({"SEQ", "AT (UTC)", "FROM", "TO", "RAW STATUS", "REMAINS", "REFUND", "NOTE"},
               {R, L, L, L, L, R, R, L});
  for (element e : events)
    t.add_row({cell(e, "seq"), format_time(num(e, "at")), str(e, "old_state"), str(e, "new_state"),
               str(e, "raw_status"), cell(e, "remains"), cell(e, "refund"), str(e, "note")});
  return out + t.render();
}

std::string render_action(element r) { return str(r, "panel_order_id") + ": " + str(r, "result") + "\n"; }

std::string render_paused(element r) {
  if (!flag(r, "paused")) return str(r, "provider") + ": resumed\n";
  return str(r, "provider") + ": paused (" + str(r, "reason") + ")\n";
}

std::string render_reloaded(element r) { return "reloaded: " + str(r, "message") + "\n"; }

}  // namespace smm::dispatchctl
