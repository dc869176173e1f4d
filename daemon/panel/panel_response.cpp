#include "daemon/panel/panel_response.hpp"

#include <fmt/format.h>

#include <limits>

#include "config/config.hpp"
#include "daemon/panel/json_writer.hpp"

namespace smm::daemon::panel {

namespace {

json_writer& begin_line(json_writer& w, std::string_view id_json, bool ok) {
  w.begin_object();
  if (!id_json.empty()) w.key("id").raw(id_json);
  w.member("ok", ok);
  return w;
}

template <class Fn>
void write_ok(std::string& out, std::string_view id_json, Fn&& result) {
  json_writer w(out);
  begin_line(w, id_json, true).key("result");
  result(w);
  w.end_object();
  out += '\n';
}

void money_member(json_writer& w, std::string_view key, const money& m) { w.member(key, to_string(m)); }

void optional_int(json_writer& w, std::string_view key, const std::optional<std::int64_t>& v) {
  w.key(key);
  if (v)
    w.integer(*v);
  else
    w.null();
}

void optional_money(json_writer& w, std::string_view key, const std::optional<money>& v) {
  w.key(key);
  if (v)
    w.string(to_string(*v));
  else
    w.null();
}

bool taken(add_status s) {
  return s == add_status::accepted || s == add_status::held || s == add_status::replayed;
}

void add_answer_object(json_writer& w, const add_answer& a) {
  w.begin_object().member("panel_order_id", a.panel_order_id).member("status", to_string(a.status));
  if (taken(a.status)) {
    w.member("order_id", a.order_id).member("state", to_string(a.state));
    money_member(w, "charge", a.charge);
  } else {
    w.member("error", a.error);
  }
  w.end_object();
}

void order_view_object(json_writer& w, const order_view& v) {
  w.begin_object()
      .member("panel_order_id", v.panel_order_id)
      .member("order_id", v.order_id)
      .member("service", v.service_id)
      .member("state", to_string(v.state))
      .member("held", v.held)
      .member("link", v.link)
      .member("provider", v.provider)
      .member("provider_service", v.provider_service_id)
      .member("provider_order_id", v.provider_order_id)
      .member("raw_status", v.raw_status)
      .member("quantity", v.quantity);
  optional_int(w, "sent_at", v.sent_at);
  money_member(w, "charge", v.charge);
  optional_int(w, "start_count", v.start_count);
  optional_int(w, "remains", v.remains);
  optional_money(w, "refund", v.refund);
  w.member("refund_reason", v.refund_reason)
      .member("refill", v.refill)
      .member("speedup", v.speedup)
      .member("note", v.note)
      .member("created_at", v.created_at)
      .member("updated_at", v.updated_at)
      .end_object();
}

void event_object(json_writer& w, const event_view& e) {
  w.begin_object()
      .member("seq", e.seq)
      .member("panel_order_id", e.panel_order_id)
      .member("order_id", e.order_id)
      .member("old_state", to_string(e.old_state))
      .member("new_state", to_string(e.new_state))
      .member("raw_status", e.raw_status);
  money_member(w, "charge", e.charge);
  optional_int(w, "remains", e.remains);
  optional_money(w, "refund", e.refund);
  w.member("refill_eligible", e.refill_eligible).member("note", e.note).member("at", e.at);
  w.end_object();
}

// Counters are unsigned in the engine; JSON integers here are signed 64-bit.
std::int64_t count(std::uint64_t v) {
  constexpr auto top = std::numeric_limits<std::int64_t>::max();
  return v > static_cast<std::uint64_t>(top) ? top : static_cast<std::int64_t>(v);
}

}  // namespace

failure_code failure_for(result_code c) {
  switch (c) {
    case result_code::not_found:
      return failure_code::not_found;
    case result_code::not_eligible:
      return failure_code::rejected;
    case result_code::busy:
      return failure_code::busy;
    case result_code::invalid:
      return failure_code::invalid;
    case result_code::conflict:
      return failure_code::conflict;
    case result_code::unavailable:
      return failure_code::unavailable;
    case result_code::provider_refused:
      return failure_code::provider_refused;
    case result_code::ok:  // an answer marked ok is no error: reaching here is a bug
    case result_code::internal:
      return failure_code::internal;
  }
  return failure_code::internal;
}

failure_code failure_for(add_status s) {
  switch (s) {
    case add_status::conflict:
      return failure_code::conflict;
    case add_status::duplicate_link:
      return failure_code::duplicate_link;
    case add_status::unavailable:
      return failure_code::unavailable;
    case add_status::invalid:
      return failure_code::invalid;
    case add_status::accepted:  // taken: never an error
    case add_status::held:
    case add_status::replayed:
      break;
  }
  return failure_code::internal;
}

void write_hello(std::string& out, std::string_view id_json, std::string_view panel) {
  write_ok(out, id_json, [&](json_writer& w) { w.begin_object().member("panel", panel).end_object(); });
}

void write_error(std::string& out, std::string_view id_json, failure_code code, std::string_view message) {
  json_writer w(out);
  begin_line(w, id_json, false)
      .key("error")
      .begin_object()
      .member("code", to_string(code))
      .member("message", message)
      .end_object()
      .end_object();
  out += '\n';
}

void write_add(std::string& out, std::string_view id_json, bool single, std::span<const add_answer> answers) {
  if (single && answers.size() == 1 && !taken(answers[0].status)) {
    const auto& a = answers[0];
    json_writer w(out);
    begin_line(w, id_json, false)
        .key("error")
        .begin_object()
        .member("code", to_string(failure_for(a.status)))
        .member("message", a.error)
        .member("panel_order_id", a.panel_order_id)
        .end_object()
        .end_object();
    out += '\n';
    return;
  }
  write_ok(out, id_json, [&](json_writer& w) {
    if (single && answers.size() == 1) {
      add_answer_object(w, answers[0]);
      return;
    }
    w.begin_object().key("orders").begin_array();
    for (const auto& a : answers) add_answer_object(w, a);
    w.end_array().end_object();
  });
}

void write_status(std::string& out, std::string_view id_json, bool single,
                  std::span<const lookup_answer> answers) {
  if (single && answers.size() == 1) {
    const auto& a = answers[0];
    if (!a.order) {
      // No order and no reason given is the engine's bug, not a missing order.
      write_error(out, id_json, failure_for(a.code == result_code::ok ? result_code::internal : a.code),
                  a.error.empty() ? "order not found" : a.error);
      return;
    }
    write_ok(out, id_json, [&](json_writer& w) { order_view_object(w, *a.order); });
    return;
  }
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().key("orders").begin_array();
    for (const auto& a : answers) {
      if (a.order)
        order_view_object(w, *a.order);
      else
        w.begin_object()
            .member("panel_order_id", a.panel_order_id)
            .member("code",
                    to_string(failure_for(a.code == result_code::ok ? result_code::internal : a.code)))
            .member("error", a.error)
            .end_object();
    }
    w.end_array().end_object();
  });
}

void write_actions(std::string& out, std::string_view id_json, bool single,
                   std::span<const action_answer> answers) {
  if (single && answers.size() == 1) {
    const auto& a = answers[0];
    if (!a.ok()) {
      write_error(out, id_json, failure_for(a.code), a.error);
      return;
    }
    write_ok(out, id_json, [&](json_writer& w) {
      w.begin_object().member("panel_order_id", a.panel_order_id).member("result", a.result).end_object();
    });
    return;
  }
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().key("orders").begin_array();
    for (const auto& a : answers) {
      w.begin_object().member("panel_order_id", a.panel_order_id).member("ok", a.ok());
      if (a.ok())
        w.member("result", a.result);
      else
        w.member("code", to_string(failure_for(a.code))).member("error", a.error);
      w.end_object();
    }
    w.end_array().end_object();
  });
}

void write_events(std::string& out, std::span<const event_view> events) {
  for (const auto& e : events) {
    json_writer w(out);
    w.begin_object().key("event");
    event_object(w, e);
    w.end_object();
    out += '\n';
  }
}

void write_providers(std::string& out, std::string_view id_json, std::span<const provider_view> providers) {
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().key("providers").begin_array();
    for (const auto& p : providers) {
      w.begin_object()
          .member("name", p.name)
          .member("breaker", p.breaker)
          .member("paused", p.paused)
          .member("pause_reason", p.pause_reason)
          .member("in_flight", p.in_flight)
          .member("max_in_flight", p.max_in_flight)
          .key("requests_per_second")
          .raw(fmt::format("{:g}", p.requests_per_second))
          .member("queued", p.queued);
      optional_money(w, "balance", p.balance);
      w.member("currency", p.currency).end_object();
    }
    w.end_array().end_object();
  });
}

void write_services(std::string& out, std::string_view id_json, std::span<const service_def> services) {
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().key("services").begin_array();
    for (const auto& s : services) {
      w.begin_object().member("id", s.id).member("name", s.name).member("type", to_string(s.type));
      money_member(w, "rate_per_1000", s.rate_per_1000);
      w.member("min", s.min_quantity).member("max", s.max_quantity).key("refill_days");
      if (s.refill_days)
        w.integer(*s.refill_days);
      else
        w.null();
      w.member("cancel_allowed", s.cancel_allowed)
          .member("slow", s.slow)
          .member("dripfeed", s.dripfeed)
          .end_object();
    }
    w.end_array().end_object();
  });
}

void write_pong(std::string& out, std::string_view id_json) {
  write_ok(out, id_json, [](json_writer& w) { w.begin_object().member("pong", true).end_object(); });
}

void write_subscribed(std::string& out, std::string_view id_json, std::int64_t after_seq) {
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().member("subscribed", true).member("after_seq", after_seq).end_object();
  });
}

void write_unsubscribed(std::string& out, std::string_view id_json, bool was_subscribed) {
  write_ok(out, id_json,
           [&](json_writer& w) { w.begin_object().member("unsubscribed", was_subscribed).end_object(); });
}

void write_overview(std::string& out, std::string_view id_json, const engine_figures& f,
                    std::string_view version, std::int64_t uptime_s) {
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().member("version", version).member("uptime_s", uptime_s);
    std::int64_t open = 0;
    w.key("orders").begin_object().key("by_state").begin_object();
    for (std::size_t i = 0; i < f.orders_by_state.size(); ++i) {
      const auto s = static_cast<order_state>(i);
      // Every order of the journal (final ones of earlier runs too), plus the `received` ones
      // in memory, whose insert is still on its way to it.
      const std::int64_t n = !f.journal_counted ? f.orders_by_state[i]
                             : s == order_state::received
                                 ? f.journal_orders_by_state[i] + f.orders_by_state[i]
                                 : f.journal_orders_by_state[i];
      w.member(to_string(s), n);
      if (!is_final(s)) open += n;
    }
    w.end_object().member("open", open).member("held", f.held).end_object();
    w.key("intake")
        .begin_object()
        .member("accepted", count(f.intake_accepted))
        .member("replayed", count(f.intake_replayed))
        .member("conflicts", count(f.intake_conflicts))
        .member("invalid", count(f.intake_invalid))
        .member("duplicate_link", count(f.intake_duplicate_link))
        .member("unavailable", count(f.intake_unavailable))
        .end_object();
    w.key("placement")
        .begin_object()
        .member("adds_sent", count(f.adds_sent))
        .member("placed", count(f.placed))
        .member("rejected", count(f.rejected))
        .member("unknown", count(f.unknown))
        .member("requeued", count(f.requeued))
        .end_object();
    w.member("finals", count(f.finals));
    money_member(w, "refunds", money::from_micros(f.refunds_micros));
    w.member("anomalies", count(f.anomalies)).member("status_polls", count(f.status_polls));
    w.key("reconciled")
        .begin_object()
        .member("found", count(f.reconciled_found))
        .member("absent", count(f.reconciled_absent))
        .member("inconclusive", count(f.reconcile_inconclusive))
        .end_object();
    w.end_object();
  });
}

void write_order_page(std::string& out, std::string_view id_json, order_state state, const order_page& page) {
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().member("state", to_string(state)).key("orders").begin_array();
    for (const auto& o : page.orders) order_view_object(w, o);
    w.end_array().member("next_after_id", page.next_after_id).end_object();
  });
}

void write_history(std::string& out, std::string_view id_json, const order_history& h) {
  if (!h.order) {
    write_error(out, id_json, failure_for(h.code == result_code::ok ? result_code::internal : h.code),
                h.error.empty() ? "order not found" : h.error);
    return;
  }
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().key("order");
    order_view_object(w, *h.order);
    w.key("events").begin_array();
    for (const auto& e : h.events) event_object(w, e);
    w.end_array().end_object();
  });
}

void write_paused(std::string& out, std::string_view id_json, std::string_view provider, bool paused,
                  std::string_view reason) {
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().member("provider", provider).member("paused", paused);
    if (paused) w.member("reason", reason);
    w.end_object();
  });
}

void write_reloaded(std::string& out, std::string_view id_json, std::string_view message) {
  write_ok(out, id_json, [&](json_writer& w) {
    w.begin_object().member("reloaded", true).member("message", message).end_object();
  });
}

}  // namespace smm::daemon::panel
