#include "tools/mockprovider/provider.hpp"

#include <algorithm>
#include <chrono>

namespace smm::mock {
namespace {

constexpr std::string_view html_page =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";

reply json_reply(int status, std::string body) {
  reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The request as a naive panel's error page quotes it: line, key headers, body.
std::string request_dump(const incoming& r) {
  std::string out = r.method + " " + r.target + "\n";
  if (!r.x_api_key.empty()) out += "X-Api-Key: " + r.x_api_key + "\n";
  if (!r.authorization.empty()) out += "Authorization: " + r.authorization + "\n";
  return out + "\n" + r.body;
}

}  // namespace

param_map request_params(std::string_view query, const incoming& request) {
  param_map params;
  parse_form(query, params);
  const std::string_view body = request.body;
  const auto first = body.find_first_not_of(" \t\r\n");
  const bool json = request.content_type.find("json") != std::string::npos ||
                    (first != std::string_view::npos && body[first] == '{');
  if (json) {
    parse_json_object(body, params);
  } else {
    parse_form(body, params);
  }
  return params;
}

provider::provider(provider_options options, clock_fn clock)
    : options_(std::move(options)),
      clock_(std::move(clock)),
      sim_(options_.catalogue, options_.sim),
      quirks_(options_.quirk),
      latency_(options_.latency),
      rng_(options_.sim.seed ^ 0x9e3779b97f4a7c15ULL) {
  if (!clock_) {
    const auto start = std::chrono::steady_clock::now();
    clock_ = [start] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
          .count();
    };
  }
  for (const auto& rule : options_.faults) faults_.add(rule);
  set_rate_limit(options_.rate_limit_per_s, options_.rate_burst);
}

void provider::set_rate_limit(double per_s, double burst) {
  bucket_ = token_bucket{};
  bucket_.rate_per_s = per_s;
  bucket_.burst = burst > 0 ? burst : std::max(1.0, per_s);
  bucket_.tokens = bucket_.burst;
  bucket_.last_ms = clock_();
}

reply provider::handle(const incoming& request) {
  const std::string_view target = request.target;
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);
  if (path.substr(0, 7) == "/admin/") return handle_admin(request, path, query);
  if (path != "/api/v2" && path != "/api/v2/" && path != "/api" && path != "/api/")
    return json_reply(404, error_body("Not found"));
  return handle_api(request, query);
}

void provider::apply_fault(const fault_rule& rule, bool action_ran, const incoming& request,
                           reply& out) const {
  switch (rule.kind) {
    case fault_kind::none:
      break;
    case fault_kind::error:
      out.body = error_body(rule.message);
      break;
    case fault_kind::error_with_order:
      // The created order's id beside the error, or one never given out when nothing ran.
      if (action_ran && out.body.rfind("{\"order\":", 0) == 0) {
        out.body = "{\"error\":" + json_quote(rule.message) + "," + out.body.substr(1);
      } else {
        out.body = "{\"error\":" + json_quote(rule.message) + ",\"order\":987654321}";
      }
      break;
    case fault_kind::http_5xx:
      out.status = rule.status;
      out.content_type = "text/plain";
      out.body = std::to_string(rule.status) + " Service Unavailable\n";
      break;
    case fault_kind::rate_limit:
      out.status = 429;
      out.headers.emplace_back("Retry-After", std::to_string(rule.retry_after_s));
      out.body = error_body("Too Many Requests");
      break;
    case fault_kind::html:
      out.status = rule.status;
      out.content_type = "text/html; charset=UTF-8";
      out.body = std::string(html_page);
      break;
    case fault_kind::echo:
      out.status = rule.status;
      out.body = error_body(rule.message + ": " + request_dump(request));
      break;
    case fault_kind::echo_html:
      out.status = rule.status;
      out.content_type = "text/html; charset=UTF-8";
      out.body = "<html><body><pre>" + request_dump(request) + "</pre></body></html>\r\n";
      break;
    case fault_kind::invalid_json:
      // The action's own answer cut by one byte, or a cut error when it did not run.
      if (!action_ran) out.body = error_body("Internal error");
      if (!out.body.empty()) out.body.pop_back();
      break;
    case fault_kind::black_hole:
    case fault_kind::reset:
    case fault_kind::truncated:
    case fault_kind::trickle:
      out.transport = rule.kind;
      out.trickle_bytes = rule.trickle_bytes;
      out.trickle_interval_ms = rule.trickle_interval_ms;
      if (!action_ran) out.body = error_body("Internal error");
      break;
  }
}

reply provider::handle_api(const incoming& request, std::string_view query) {
  const param_map params = request_params(query, request);
  std::string key(find_param(params, "key").value_or(""));
  if (key.empty()) key = request.x_api_key;
  if (key.empty() && request.authorization.substr(0, 7) == "Bearer ") key = request.authorization.substr(7);
  const std::string action(find_param(params, "action").value_or(""));

  reply out;
  out.api = true;
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_();
  audit_.count(action);
  std::optional<fault_rule> fault;
  if (!bucket_.take(now)) {
    // Over the provider's own limit: a 429 like any injected one, counted apart.
    ++rate_limited_;
    fault_rule limited;
    limited.kind = fault_kind::rate_limit;
    limited.retry_after_s = 1;
    fault = limited;
  } else {
    fault = faults_.decide(action, rng_);
  }
  out.delay_ms = latency_.sample(rng_);

  api_answer answer;
  answer.action = action;
  const bool run = !fault || fault->after;
  const std::string request_id = options_.idempotency && action == "add"
                                     ? std::string(find_param(params, "request_id").value_or(""))
                                     : "";
  bool replayed = false;
  if (run) {
    if (key != options_.key) {
      answer.body = error_body(msg::bad_key);
      answer.error = msg::bad_key;
    } else if (const auto seen = request_id.empty() ? by_request_id_.end() : by_request_id_.find(request_id);
               seen != by_request_id_.end()) {
      // The same request_id again: the original order, nothing created.
      answer.order_id = seen->second.first;
      answer.body = seen->second.second;
      answer.service = std::string(find_param(params, "service").value_or(""));
      replayed = true;
    } else {
      answer = run_action(sim_, params, quirks_, now);
      if (!request_id.empty() && answer.order_id)
        by_request_id_.emplace(request_id, std::pair{*answer.order_id, answer.body});
    }
  }
  out.body = answer.body;
  if (fault) apply_fault(*fault, run, request, out);
  if (fault && (fault->kind == fault_kind::error || fault->kind == fault_kind::echo) && !run)
    answer.error = fault->message;

  if (run && key == options_.key) {
    if (action == "add" && answer.order_id && !replayed) polls_.created(*answer.order_id, now);
    if (action == "status") {
      if (const auto list = find_param(params, "orders")) {
        polls_.polled(*list, now);
      } else if (const auto one = find_param(params, "order")) {
        polls_.polled(*one, now);
      }
    }
  }
  if (action == "add") {
    add_record rec;
    rec.time_ms = now;
    rec.key_hash = key_hash(key);
    rec.service = std::string(find_param(params, "service").value_or(""));
    rec.link = !answer.link.empty() ? answer.link : std::string(find_param(params, "link").value_or(""));
    rec.quantity = answer.quantity;
    rec.order_id = answer.order_id;
    rec.error = answer.error;
    if (fault) rec.fault = to_string(fault->kind);
    rec.request_id = std::string(find_param(params, "request_id").value_or(""));
    rec.replayed = replayed;
    out.audit_seq = audit_.record_add(std::move(rec));
  }
  return out;
}

void provider::finish(std::uint64_t audit_seq, bool delivered) {
  std::lock_guard lock(mutex_);
  audit_.mark_delivery(audit_seq, delivered);
}

std::string provider::stats_json() {
  std::string faults = "[";
  for (const auto& rule : faults_.rules()) {
    if (faults.size() > 1) faults.push_back(',');
    faults += to_json(rule);
  }
  faults += "]";
  return "{\"requests\":" + std::to_string(audit_.requests()) + ",\"counts\":" + audit_.counts_json() +
         ",\"in_flight\":" + std::to_string(audit_.in_flight()) +
         ",\"peak_in_flight\":" + std::to_string(audit_.peak_in_flight()) +
         ",\"orders\":" + std::to_string(sim_.order_count()) +
         ",\"adds\":" + std::to_string(audit_.adds().size()) +
         ",\"balance\":" + json_quote(to_string(sim_.balance(clock_()), 2)) +
         ",\"currency\":" + json_quote(sim_.currency()) + ",\"faults\":" + faults +
         ",\"quirks\":" + to_json(quirks_) + ",\"latency\":" + json_quote(to_string(latency_)) +
         ",\"rate_limit_per_s\":" + std::to_string(bucket_.rate_per_s) +
         ",\"rate_limited\":" + std::to_string(rate_limited_) + "}";
}

reply provider::handle_admin(const incoming& request, std::string_view path, std::string_view query) {
  const param_map params = request_params(query, request);
  const bool get = request.method == "GET";
  std::lock_guard lock(mutex_);
  if (path == "/admin/audit" && get) return json_reply(200, audit_.to_json());
  if (path == "/admin/stats" && get) return json_reply(200, stats_json());
  if (path == "/admin/polls" && get) {
    const auto late = parse_int(find_param(params, "late_ms").value_or("0"));
    if (!late || *late < 0) return json_reply(400, error_body("late_ms must be a whole number >= 0"));
    return json_reply(200, polls_.to_json(clock_(), *late));
  }
  if (path == "/admin/reset" && !get) {
    sim_ = simulation(options_.catalogue, options_.sim);
    faults_.clear();
    for (const auto& rule : options_.faults) faults_.add(rule);
    quirks_ = options_.quirk;
    latency_ = options_.latency;
    set_rate_limit(options_.rate_limit_per_s, options_.rate_burst);
    rate_limited_ = 0;
    audit_.reset();
    polls_.reset();
    by_request_id_.clear();
    return json_reply(200, "{\"ok\":true}");
  }
  if (path == "/admin/faults") {
    if (request.method == "DELETE" || (!get && find_param(params, "clear"))) {
      faults_.clear();
    } else if (!get) {
      std::string error;
      const auto rule = make_fault_rule(params, error);
      if (!rule) return json_reply(400, error_body(error));
      faults_.add(*rule);
    }
    std::string out = "{\"ok\":true,\"faults\":[";
    bool first = true;
    for (const auto& rule : faults_.rules()) {
      if (!first) out.push_back(',');
      first = false;
      out += to_json(rule);
    }
    return json_reply(200, out + "]}");
  }
  if (path == "/admin/quirks" && !get) {
    std::string error;
    if (!apply_quirks(params, quirks_, error)) return json_reply(400, error_body(error));
    return json_reply(200, "{\"ok\":true,\"quirks\":" + to_json(quirks_) + "}");
  }
  if (path == "/admin/latency" && !get) {
    const auto model = parse_latency(find_param(params, "spec").value_or(""));
    if (!model) return json_reply(400, error_body("spec must be fixed:MS, uniform:MIN-MAX or exp:MEAN"));
    latency_ = *model;
    return json_reply(200, "{\"ok\":true,\"latency\":" + json_quote(to_string(latency_)) + "}");
  }
  if (path == "/admin/ratelimit" && !get) {
    const auto per_s = parse_int(find_param(params, "per_s").value_or(""));
    const auto burst = parse_int(find_param(params, "burst").value_or("0"));
    if (!per_s || *per_s < 0 || !burst || *burst < 0)
      return json_reply(400, error_body("per_s (0: off) and burst must be whole numbers >= 0"));
    set_rate_limit(static_cast<double>(*per_s), static_cast<double>(*burst));
    return json_reply(200, "{\"ok\":true}");
  }
  if (path == "/admin/foreign_add" && !get) {
    // Orders of another key (another customer of this provider), taking ids between ours.
    const auto service = parse_int(find_param(params, "service").value_or("1"));
    const auto quantity = parse_int(find_param(params, "quantity").value_or("100"));
    const auto count = parse_int(find_param(params, "count").value_or("1"));
    const std::string link(find_param(params, "link").value_or("https://foreign.example/p"));
    if (!service || !quantity || !count || *count < 1 || *count > 10000)
      return json_reply(400, error_body("service, quantity and count (1..10000) must be whole numbers"));
    std::string ids;
    for (long long i = 0; i < *count; ++i) {
      order_request r;
      r.service = *service;
      r.link = *count == 1 ? link : link + "/" + std::to_string(i);
      r.quantity = r.checked_quantity = r.billed_quantity = *quantity;
      const auto res = sim_.add(r, clock_(), /*foreign=*/true);
      if (!res.order) return json_reply(400, error_body(res.error));
      if (!ids.empty()) ids.push_back(',');
      ids +=
          quirks_.string_ids ? json_quote("ord_" + std::to_string(*res.order)) : std::to_string(*res.order);
    }
    return json_reply(200, "{\"ok\":true,\"orders\":[" + ids + "]}");
  }
  if (path == "/admin/balance" && !get) {
    const auto amount = parse_money(find_param(params, "amount").value_or(""));
    if (!amount || amount.value.is_negative())
      return json_reply(400, error_body("amount must be a decimal >= 0"));
    sim_.set_balance(amount.value);
    return json_reply(200, "{\"ok\":true,\"balance\":" + json_quote(to_string(amount.value, 2)) + "}");
  }
  return json_reply(404, error_body("Not found"));
}

}  // namespace smm::mock
