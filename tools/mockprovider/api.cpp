#include "tools/mockprovider/api.hpp"

#include <vector>

namespace smm::mock {
namespace {

std::string money_text(money m, const quirks& q) {
  const std::string text = to_string(m, 2);
  return q.numbers ? text : json_quote(text);
}

std::string count_text(std::int64_t n, const quirks& q) {
  return q.numbers ? std::to_string(n) : json_quote(std::to_string(n));
}

/// An id in a position where the template prints a number (multi refill, cancel).
std::string id_number(std::int64_t id, const char* prefix, const quirks& q) {
  return q.string_ids ? json_quote(prefix + std::to_string(id)) : std::to_string(id);
}

/// An id in a position where the template prints a string (single refill).
std::string id_string(std::int64_t id, const char* prefix, const quirks& q) {
  return json_quote((q.string_ids ? prefix : "") + std::to_string(id));
}

/// "123" or "ord_123" -> 123.
std::optional<std::int64_t> parse_id(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) == prefix) text.remove_prefix(prefix.size());
  const auto v = parse_int(text);
  if (!v || *v < 0) return std::nullopt;
  return *v;
}

std::vector<std::string> split_ids(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

std::int64_t count_lines(std::string_view text) {
  std::int64_t n = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) ++n;
  }
  return n;
}

/// The order `id` as this key may see it: none when it does not exist, or when it is another
/// key's and the provider answers only for the key's own orders.
std::optional<std::int64_t> visible(const simulation& sim, std::optional<std::int64_t> id, const quirks& q) {
  if (!id || (q.own_orders_only && sim.is_foreign(*id))) return std::nullopt;
  return id;
}

std::string status_object(const order_view& v, const quirks& q, std::string_view currency) {
  const bool final = v.status == order_status::completed || v.status == order_status::partial ||
                     v.status == order_status::canceled;
  const std::string remains =
      final && q.final_without_remains ? std::string() : ",\"remains\":" + count_text(v.remains, q);
  return "{\"charge\":" + money_text(v.charge, q) + ",\"start_count\":" + count_text(v.start_count, q) +
         ",\"status\":" + json_quote(status_text(v.status, q.style)) + remains +
         ",\"currency\":" + json_quote(currency) + "}";
}

/// Extra parameters each service type needs besides link and quantity (api-v2.md §3).
std::vector<const char*> extras_for(std::string_view type) {
  if (type == "seo") return {"keywords"};
  if (type == "poll") return {"answer_number"};
  if (type == "comment_likes" || type == "mentions_user_followers") return {"username"};
  if (type == "mentions_hashtag") return {"hashtag"};
  if (type == "mentions_with_hashtags") return {"usernames", "hashtags"};
  if (type == "mentions") return {"usernames"};
  if (type == "mentions_media_likers") return {"media"};
  if (type == "invites_from_groups") return {"groups"};
  return {};
}

void do_add(simulation& sim, const param_map& p, const quirks& q, std::int64_t now_ms, api_answer& a) {
  const auto service_text = find_param(p, "service");
  a.service = service_text ? std::string(*service_text) : std::string{};
  a.link = std::string(find_param(p, "link").value_or(find_param(p, "username").value_or("")));
  auto fail = [&](std::string_view message) {
    a.error = message;
    a.body = error_body(message);
  };
  if (!service_text) return fail(msg::missing);
  const auto service_id = parse_int(*service_text);
  const mock_service* service = service_id ? sim.find_service(*service_id) : nullptr;
  if (service == nullptr) return fail(msg::no_service);
  const std::string type = normalized_type(service->type);

  order_request r;
  r.service = service->id;
  if (type == "subscriptions") {
    const auto user = find_param(p, "username");
    const auto lo = parse_int(find_param(p, "min").value_or(""));
    const auto hi = parse_int(find_param(p, "max").value_or(""));
    if (!user || user->empty() || !lo || !hi) return fail(msg::missing);
    if (*lo > *hi) return fail(msg::invalid_request);
    if (*lo < service->min) return fail(msg::below_min);
    r.link = std::string(*user);
    r.quantity = r.checked_quantity = r.billed_quantity = *hi;
  } else {
    const auto link = find_param(p, "link");
    if (!link || link->empty()) return fail(msg::missing);
    if (link->find_first_of(" \t\r\n") != std::string_view::npos) return fail(msg::invalid_link);
    r.link = std::string(*link);
    if (type == "custom_comments" || type == "custom_comments_package" || type == "mentions_custom_list") {
      const char* list_name = type == "mentions_custom_list" ? "usernames" : "comments";
      const std::int64_t lines = count_lines(find_param(p, list_name).value_or(""));
      if (lines == 0) return fail(msg::missing);
      r.quantity = r.checked_quantity = lines;
      // A package is priced per package: the rate is charged once, as for 1000 units.
      r.billed_quantity = type == "custom_comments_package" ? 1000 : lines;
    } else if (type == "package") {
      r.quantity = r.checked_quantity = 1;
      r.billed_quantity = 1000;
    } else {
      const auto quantity_text = find_param(p, "quantity");
      if (!quantity_text) return fail(msg::missing);
      for (const char* extra : extras_for(type))
        if (const auto v = find_param(p, extra); !v || v->empty()) return fail(msg::missing);
      const auto quantity = parse_int(*quantity_text);
      if (!quantity) return fail(msg::invalid_request);
      std::int64_t runs = 1;
      if (const auto runs_text = find_param(p, "runs"); runs_text && !runs_text->empty()) {
        const auto v = parse_int(*runs_text);
        if (!v || *v < 1 || *v > 1000) return fail(msg::invalid_request);
        runs = *v;
      }
      // Drip-feed: quantity is per run (api-v2.md §3); min/max apply per run.
      r.checked_quantity = *quantity;
      r.quantity = r.billed_quantity = *quantity * runs;
    }
  }
  a.quantity = r.quantity;
  const add_result res = sim.add(r, now_ms);
  if (!res.order) return fail(res.error);
  a.order_id = q.string_ids ? "ord_" + std::to_string(*res.order) : std::to_string(*res.order);
  a.body = "{\"order\":" + id_number(*res.order, "ord_", q) + "}";
}

std::string do_status(simulation& sim, const param_map& p, const quirks& q, std::int64_t now_ms) {
  if (const auto list = find_param(p, "orders")) {
    const auto ids = split_ids(*list);
    if (ids.empty()) return error_body(msg::no_order_id);
    if (ids.size() > max_ids_per_call) return error_body(msg::invalid_request);
    std::string out = "{";
    for (const auto& id_text : ids) {
      if (out.size() > 1) out.push_back(',');
      out += json_quote(id_text) + ":";
      const auto id = visible(sim, parse_id(id_text, "ord_"), q);
      const auto v = id ? sim.status(*id, now_ms) : std::nullopt;
      if (v) {
        out += status_object(*v, q, sim.currency());
      } else {
        out += q.bare_errors ? json_quote(msg::bad_order) : error_body(msg::bad_order);
      }
    }
    return out + "}";
  }
  const auto one = find_param(p, "order");
  if (!one || one->empty()) return error_body(msg::no_order_id);
  const auto id = visible(sim, parse_id(*one, "ord_"), q);
  const auto v = id ? sim.status(*id, now_ms) : std::nullopt;
  return v ? status_object(*v, q, sim.currency()) : error_body(msg::bad_order);
}

std::string do_refill(simulation& sim, const param_map& p, const quirks& q, std::int64_t now_ms) {
  if (const auto list = find_param(p, "orders")) {
    const auto ids = split_ids(*list);
    if (ids.empty()) return error_body(msg::no_order_id);
    if (ids.size() > max_ids_per_call) return error_body(msg::invalid_request);
    std::string out = "[";
    for (const auto& id_text : ids) {
      if (out.size() > 1) out.push_back(',');
      const auto id = parse_id(id_text, "ord_");
      const request_result r =
          visible(sim, id, q) ? sim.refill(*id, now_ms) : request_result{std::nullopt, msg::bad_order};
      out += "{\"order\":" + (id ? id_number(*id, "ord_", q) : json_quote(id_text)) +
             ",\"refill\":" + (r.id ? id_number(*r.id, "ref_", q) : error_body(r.error)) + "}";
    }
    return out + "]";
  }
  const auto one = find_param(p, "order");
  if (!one || one->empty()) return error_body(msg::no_order_id);
  const auto id = parse_id(*one, "ord_");
  const request_result r =
      visible(sim, id, q) ? sim.refill(*id, now_ms) : request_result{std::nullopt, msg::bad_order};
  return r.id ? "{\"refill\":" + id_string(*r.id, "ref_", q) + "}" : error_body(r.error);
}

std::string do_refill_status(simulation& sim, const param_map& p, const quirks& q, std::int64_t now_ms) {
  if (const auto list = find_param(p, "refills")) {
    const auto ids = split_ids(*list);
    if (ids.empty()) return error_body(msg::missing);
    if (ids.size() > max_ids_per_call) return error_body(msg::invalid_request);
    std::string out = "[";
    for (const auto& id_text : ids) {
      if (out.size() > 1) out.push_back(',');
      const auto id = parse_id(id_text, "ref_");
      const auto s = id ? sim.refill_state(*id, now_ms) : std::nullopt;
      out += "{\"refill\":" + (id ? id_number(*id, "ref_", q) : json_quote(id_text)) + ",\"status\":" +
             (s ? json_quote(refill_status_text(*s, q.style)) : error_body(msg::bad_refill)) + "}";
    }
    return out + "]";
  }
  const auto one = find_param(p, "refill");
  if (!one || one->empty()) return error_body(msg::missing);
  const auto id = parse_id(*one, "ref_");
  const auto s = id ? sim.refill_state(*id, now_ms) : std::nullopt;
  return s ? "{\"status\":" + json_quote(refill_status_text(*s, q.style)) + "}" : error_body(msg::bad_refill);
}

std::string do_cancel(simulation& sim, const param_map& p, const quirks& q, std::int64_t now_ms) {
  // The template only has the multi form; a single `order` is answered the same way.
  auto list = find_param(p, "orders");
  if (!list) list = find_param(p, "order");
  if (!list) return error_body(msg::no_order_id);
  const auto ids = split_ids(*list);
  if (ids.empty()) return error_body(msg::no_order_id);
  if (ids.size() > max_ids_per_call) return error_body(msg::invalid_request);
  std::string out = "[";
  for (const auto& id_text : ids) {
    if (out.size() > 1) out.push_back(',');
    const auto id = parse_id(id_text, "ord_");
    const request_result r =
        visible(sim, id, q) ? sim.cancel(*id, now_ms) : request_result{std::nullopt, msg::bad_order};
    out += "{\"order\":" + (id ? id_number(*id, "ord_", q) : json_quote(id_text)) +
           ",\"cancel\":" + (r.id ? std::string("1") : error_body(r.error)) + "}";
  }
  return out + "]";
}

std::string do_services(const simulation& sim, const quirks& q) {
  std::string out = "[";
  for (const auto& s : sim.services()) {
    if (out.size() > 1) out.push_back(',');
    out += "{\"service\":" + std::to_string(s.id) + ",\"name\":" + json_quote(s.name) +
           ",\"type\":" + json_quote(s.type) + ",\"category\":" + json_quote(s.category) +
           ",\"rate\":" + json_quote(to_string(s.rate, 2)) + ",\"min\":" + count_text(s.min, q) +
           ",\"max\":" + count_text(s.max, q) + ",\"refill\":" + (s.refill ? "true" : "false") +
           ",\"cancel\":" + (s.cancel ? "true" : "false") + "}";
  }
  return out + "]";
}

}  // namespace

std::string error_body(std::string_view message) { return "{\"error\":" + json_quote(message) + "}"; }

std::string_view status_text(order_status s, status_style style) {
  static constexpr std::string_view table[5][5] = {
      // pending, in_progress, completed, partial, canceled
      {"Pending", "In progress", "Completed", "Partial", "Canceled"},
      {"pending", "processing", "completed", "partial", "canceled"},
      {"pending", "in_progress", "completed", "partial", "cancelled"},
      {"Pending", "Inprogress", "Completed", "Partially Completed", "Cancelled"},
      {"PENDING", "IN-PROGRESS", "COMPLETE", "PARTIALLY COMPLETED", "CANCEL"},
  };
  return table[static_cast<int>(style)][static_cast<int>(s)];
}

std::string_view refill_status_text(refill_status s, status_style style) {
  // A refill that ended without refilling is spelled as providers do: Rejected, Cancelled,
  // Error.
  static constexpr std::string_view table[5][4] = {
      // pending, in_progress, completed, rejected
      {"Pending", "In progress", "Completed", "Rejected"},
      {"pending", "processing", "completed", "rejected"},
      {"pending", "in_progress", "completed", "canceled"},
      {"Pending", "Inprogress", "Completed", "Cancelled"},
      {"PENDING", "IN-PROGRESS", "COMPLETE", "ERROR"},
  };
  return table[static_cast<int>(style)][static_cast<int>(s)];
}

bool apply_quirks(const param_map& params, quirks& q, std::string& error) {
  quirks next = q;
  for (const auto& [name, value] : params) {
    const bool on = value == "1" || value == "true" || value == "on";
    if (name == "numbers") {
      if (value != "strings" && value != "numbers") {
        error = "numbers must be strings or numbers";
        return false;
      }
      next.numbers = value == "numbers";
    } else if (name == "status_style") {
      static constexpr std::string_view names[] = {"canonical", "lower", "snake", "alt", "upper"};
      bool found = false;
      for (int i = 0; i < 5; ++i) {
        if (names[i] == value) {
          next.style = static_cast<status_style>(i);
          found = true;
        }
      }
      if (!found) {
        error = "status_style must be canonical, lower, snake, alt or upper";
        return false;
      }
    } else if (name == "bare_errors") {
      next.bare_errors = on;
    } else if (name == "string_ids") {
      next.string_ids = on;
    } else if (name == "final_without_remains") {
      next.final_without_remains = on;
    } else if (name == "status_own_orders_only") {
      next.own_orders_only = on;
    } else {
      error = "unknown quirk '" + name + "'";
      return false;
    }
  }
  q = next;
  return true;
}

std::string to_json(const quirks& q) {
  static constexpr std::string_view names[] = {"canonical", "lower", "snake", "alt", "upper"};
  return std::string("{\"numbers\":") + (q.numbers ? "\"numbers\"" : "\"strings\"") +
         ",\"status_style\":" + json_quote(names[static_cast<int>(q.style)]) +
         ",\"bare_errors\":" + (q.bare_errors ? "true" : "false") +
         ",\"string_ids\":" + (q.string_ids ? "true" : "false") +
         ",\"final_without_remains\":" + (q.final_without_remains ? "true" : "false") +
         ",\"status_own_orders_only\":" + (q.own_orders_only ? "true" : "false") + "}";
}

api_answer run_action(simulation& sim, const param_map& params, const quirks& q, std::int64_t now_ms) {
  api_answer a;
  a.action = std::string(find_param(params, "action").value_or(""));
  if (a.action == "add") {
    do_add(sim, params, q, now_ms, a);
  } else if (a.action == "status") {
    a.body = do_status(sim, params, q, now_ms);
  } else if (a.action == "services") {
    a.body = do_services(sim, q);
  } else if (a.action == "refill") {
    a.body = do_refill(sim, params, q, now_ms);
  } else if (a.action == "refill_status") {
    a.body = do_refill_status(sim, params, q, now_ms);
  } else if (a.action == "cancel") {
    a.body = do_cancel(sim, params, q, now_ms);
  } else if (a.action == "balance") {
    a.body = "{\"balance\":" + json_quote(to_string(sim.balance(now_ms), 2)) +
             ",\"currency\":" + json_quote(sim.currency()) + "}";
  } else {
    a.body = error_body(msg::bad_action);
  }
  return a;
}

}  // namespace smm::mock
