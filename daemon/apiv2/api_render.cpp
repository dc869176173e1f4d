#include "daemon/apiv2/api_render.hpp"

#include <algorithm>
#include <array>

#include "daemon/apiv2/api_request.hpp"
#include "daemon/panel/json_writer.hpp"
#include "dispatch/refund.hpp"

namespace smm::daemon::apiv2 {

using panel::json_writer;

namespace {

// Daemon state -> template status. Everything before the provider reports progress is
// "Pending" (the panel sees an order waiting, whether it waits here or upstream; `unknown`
// is waiting for an operator's reconciliation, not lost). Every final state that gives the
// whole charge back is "Canceled", the template's word for "refunded in full".
struct status_row {
  order_state state;
  std::string_view text;
};
constexpr std::array<status_row, order_state_count> status_table{{
    {order_state::received, "Pending"},
    {order_state::queued, "Pending"},
    {order_state::sending, "Pending"},
    {order_state::placed, "Pending"},
    {order_state::unknown, "Pending"},
    {order_state::rejected, "Canceled"},
    {order_state::pending, "Pending"},
    {order_state::in_progress, "In progress"},
    {order_state::completed, "Completed"},
    {order_state::partial, "Partial"},
    {order_state::canceled, "Canceled"},
    {order_state::refunded, "Canceled"},
    {order_state::failed, "Canceled"},
}};

constexpr std::array<std::string_view, 15> type_names{
    "Default",
    "Package",
    "Custom Comments",
    "Custom Comments Package",
    "Mentions",
    "Mentions with Hashtags",
    "Mentions Custom List",
    "Mentions Hashtag",
    "Mentions User Followers",
    "Mentions Media Likers",
    "Comment Likes",
    "Poll",
    "SEO",
    "Subscriptions",
    "Invites from Groups",
};

// Remains as the template shows them: the provider's figure when known; otherwise nothing
// delivered is known, so the whole quantity remains (a completed order has none left).
std::int64_t shown_remains(const order_view& v) {
  if (v.remains) return *v.remains;
  return v.state == order_state::completed ? 0 : v.quantity;
}

void write_status(json_writer& w, const order_view& v, std::string_view currency) {
  w.begin_object()
      .member("charge", to_string(customer_charge(v), 2))
      .member("start_count", std::to_string(v.start_count.value_or(0)))
      // A template panel computes its own refund from a final status and remains: an order
      // whose refund awaits an operator is not shown final until it is settled.
      .member("status", v.refund_reason == to_string(refund_reason::needs_review)
                            ? std::string_view("In progress")
                            : status_text(v.state))
      .member("remains", std::to_string(shown_remains(v)))
      .member("currency", currency)
      .end_object();
}

void write_error(json_writer& w, std::string_view message) {
  w.begin_object().member("error", message).end_object();
}

// An id as the panel sent it: a number when it is one ("order": 1), else its text.
void write_id(json_writer& w, const std::string& id) {
  if (const auto n = parse_id(id))
    w.integer(*n);
  else
    w.string(id);
}

}  // namespace

std::string_view status_text(order_state s) {
  for (const auto& row : status_table)
    if (row.state == s) return row.text;
  return "Pending";
}

std::string_view type_display_name(service_type t) {
  const auto i = static_cast<std::size_t>(t);
  return i < type_names.size() ? type_names[i] : "Default";
}

money customer_charge(const order_view& v) {
  if (!is_final(v.state) || !v.refund) return v.charge;
  const money_result left = checked_sub(v.charge, *v.refund);
  if (!left || left.value.is_negative()) return money{};
  return left.value;
}

std::string error_body(std::string_view message) {
  std::string out;
  json_writer w(out);
  write_error(w, message);
  return out;
}

std::string status_body(const order_view& v, std::string_view currency) {
  std::string out;
  json_writer w(out);
  write_status(w, v, currency);
  return out;
}

std::string multi_status_body(const std::vector<status_entry>& entries, std::string_view currency) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  for (const auto& e : entries) {
    w.key(e.id);
    if (e.order)
      write_status(w, *e.order, currency);
    else
      write_error(w, e.error);
  }
  w.end_object();
  return out;
}

std::string services_body(const std::vector<service_def>& services) {
  std::string out;
  json_writer w(out);
  w.begin_array();
  for (const auto& s : services) {
    w.begin_object()
        .member("service", s.id)
        .member("name", s.name)
        .member("type", type_display_name(s.type))
        .member("category", s.category)
        .member("rate", to_string(s.rate_per_1000, 2))
        .member("min", std::to_string(s.min_quantity))
        .member("max", std::to_string(s.max_quantity))
        .member("refill", s.refill_days.has_value())
        .member("cancel", s.cancel_allowed)
        .member("dripfeed", s.dripfeed)
        .end_object();
  }
  w.end_array();
  return out;
}

std::string add_body(std::int64_t order_id) {
  std::string out;
  json_writer(out).begin_object().member("order", order_id).end_object();
  return out;
}

std::string refill_body(std::int64_t refill_id) {
  std::string out;
  json_writer(out).begin_object().member("refill", std::to_string(refill_id)).end_object();
  return out;
}

std::string refill_status_body(std::string_view status) {
  std::string out;
  json_writer(out).begin_object().member("status", status).end_object();
  return out;
}

std::string list_body(std::string_view id_key, std::string_view value_key,
                      const std::vector<list_entry>& entries) {
  std::string out;
  json_writer w(out);
  w.begin_array();
  for (const auto& e : entries) {
    w.begin_object().key(id_key);
    write_id(w, e.id);
    w.key(value_key);
    if (!e.error.empty())
      write_error(w, e.error);
    else if (e.numeric)
      w.integer(e.number);
    else
      w.string(e.text);
    w.end_object();
  }
  w.end_array();
  return out;
}

std::string fixed_decimals(money m, int places) {
  places = std::clamp(places, 0, money::decimals);
  std::int64_t step = 1;
  for (int i = places; i < money::decimals; ++i) step *= 10;
  // Integer division truncates toward zero.
  return to_string(money::from_micros(m.micros() / step * step), places);
}

std::string balance_body(money total, std::string_view currency) {
  std::string out;
  json_writer(out)
      .begin_object()
      .member("balance", fixed_decimals(total, 5))
      .member("currency", currency)
      .end_object();
  return out;
}

std::string add_error_text(invalid_reason reason, std::string_view field, std::string_view message) {
  switch (reason) {
    case invalid_reason::missing_field:
      if (!field.empty()) return "Missing required parameter: " + std::string(field);
      break;
    case invalid_reason::unknown_service:
      return "Incorrect service ID";
    case invalid_reason::none:
    case invalid_reason::bad_value:
      break;
  }
  return std::string(message);
}

std::string refill_not_eligible_text(std::string_view why) {
  return "Order not eligible for refill: " + std::string(why);
}

}  // namespace smm::daemon::apiv2
