#include "tools/mockprovider/faults.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace smm::mock {
namespace {

constexpr std::array<std::pair<fault_kind, std::string_view>, 13> kind_names{{
    {fault_kind::none, "none"},
    {fault_kind::error, "error"},
    {fault_kind::http_5xx, "http_5xx"},
    {fault_kind::rate_limit, "rate_limit"},
    {fault_kind::black_hole, "black_hole"},
    {fault_kind::reset, "reset"},
    {fault_kind::html, "html"},
    {fault_kind::invalid_json, "invalid_json"},
    {fault_kind::truncated, "truncated"},
    {fault_kind::trickle, "trickle"},
    {fault_kind::error_with_order, "error_with_order"},
    {fault_kind::echo, "echo"},
    {fault_kind::echo_html, "echo_html"},
}};

std::optional<double> parse_double(std::string_view text) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<fault_kind> parse_fault_kind(std::string_view name) {
  for (const auto& [kind, text] : kind_names)
    if (text == name) return kind;
  if (name == "5xx") return fault_kind::http_5xx;
  if (name == "429") return fault_kind::rate_limit;
  return std::nullopt;
}

std::string_view to_string(fault_kind kind) {
  for (const auto& [k, text] : kind_names)
    if (k == kind) return text;
  return "none";
}

std::optional<fault_rule> make_fault_rule(const param_map& params, std::string& error) {
  fault_rule rule;
  const auto kind_text = find_param(params, "kind");
  const auto kind = kind_text ? parse_fault_kind(*kind_text) : std::nullopt;
  if (!kind || *kind == fault_kind::none) {
    error =
        "kind must be one of error, http_5xx, rate_limit, black_hole, reset, html, invalid_json, "
        "truncated, trickle, error_with_order, echo, echo_html";
    return std::nullopt;
  }
  rule.kind = *kind;
  // Losing the answer of an action that ran is the nasty case for transport faults; a
  // status-code fault is what a gateway answers before the panel sees the request.
  rule.after = rule.kind == fault_kind::black_hole || rule.kind == fault_kind::reset ||
               rule.kind == fault_kind::truncated || rule.kind == fault_kind::trickle ||
               rule.kind == fault_kind::invalid_json;
  for (const auto& [name, value] : params) {
    if (name == "kind") continue;
    if (name == "action") {
      rule.action = value == "all" ? std::string{} : value;
    } else if (name == "count") {
      const auto n = parse_int(value);
      if (!n || *n < 1) {
        error = "count must be a positive integer";
        return std::nullopt;
      }
      rule.remaining = *n;
    } else if (name == "rate") {
      const auto r = parse_double(value);
      if (!r || *r < 0 || *r > 1) {
        error = "rate must be in [0, 1]";
        return std::nullopt;
      }
      rule.rate = *r;
    } else if (name == "apply") {
      if (value != "before" && value != "after") {
        error = "apply must be before or after";
        return std::nullopt;
      }
      rule.after = value == "after";
    } else if (name == "status") {
      const auto s = parse_int(value);
      if (!s || *s < 200 || *s > 599) {
        error = "status must be an HTTP status";
        return std::nullopt;
      }
      rule.status = static_cast<int>(*s);
    } else if (name == "message") {
      rule.message = value;
    } else if (name == "retry_after") {
      const auto s = parse_int(value);
      if (!s || *s < 0) {
        error = "retry_after must be whole seconds >= 0";
        return std::nullopt;
      }
      rule.retry_after_s = static_cast<int>(*s);
    } else if (name == "trickle_bytes") {
      const auto s = parse_int(value);
      if (!s || *s < 1) {
        error = "trickle_bytes must be >= 1";
        return std::nullopt;
      }
      rule.trickle_bytes = static_cast<std::size_t>(*s);
    } else if (name == "trickle_ms") {
      const auto s = parse_int(value);
      if (!s || *s < 0) {
        error = "trickle_ms must be >= 0";
        return std::nullopt;
      }
      rule.trickle_interval_ms = *s;
    } else {
      error = "unknown fault key '" + name + "'";
      return std::nullopt;
    }
  }
  if (rule.kind == fault_kind::http_5xx && rule.status == 0) rule.status = 503;
  if (rule.kind == fault_kind::http_5xx && rule.status < 500) {
    error = "status of http_5xx must be 5xx";
    return std::nullopt;
  }
  if (rule.kind == fault_kind::html && rule.status == 0) rule.status = 502;
  if (rule.kind == fault_kind::echo && rule.status == 0) rule.status = 200;
  if (rule.kind == fault_kind::echo_html && rule.status == 0) rule.status = 500;
  if (rule.kind == fault_kind::echo && rule.message == fault_rule{}.message) rule.message = "Bad request";
  return rule;
}

std::optional<fault_rule> parse_fault_spec(std::string_view spec, std::string& error) {
  param_map params;
  bool first = true;
  while (!spec.empty() || first) {
    const auto comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    if (first) {
      params["kind"] = std::string(item);
      first = false;
      continue;
    }
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      error = "expected key=value in fault spec, got '" + std::string(item) + "'";
      return std::nullopt;
    }
    params[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  return make_fault_rule(params, error);
}

std::string to_json(const fault_rule& rule) {
  std::string out = "{\"kind\":" + json_quote(to_string(rule.kind));
  out += ",\"action\":" + json_quote(rule.action.empty() ? "all" : rule.action);
  out += ",\"remaining\":" + std::to_string(rule.remaining);
  out += ",\"rate\":" + std::to_string(rule.rate);
  out += ",\"apply\":" + json_quote(rule.after ? "after" : "before");
  out += ",\"status\":" + std::to_string(rule.status);
  out += ",\"message\":" + json_quote(rule.message);
  out += ",\"retry_after\":" + std::to_string(rule.retry_after_s);
  out += ",\"trickle_bytes\":" + std::to_string(rule.trickle_bytes);
  out += ",\"trickle_ms\":" + std::to_string(rule.trickle_interval_ms) + "}";
  return out;
}

std::optional<fault_rule> fault_plan::decide(std::string_view action, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> roll(0.0, 1.0);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!it->action.empty() && it->action != action) continue;
    if (it->rate < 1.0 && roll(rng) >= it->rate) continue;
    fault_rule chosen = *it;
    if (it->remaining > 0 && --it->remaining == 0) rules_.erase(it);
    return chosen;
  }
  return std::nullopt;
}

std::int64_t latency_model::sample(std::mt19937_64& rng) const {
  double ms = 0;
  switch (kind) {
    case shape::fixed:
      ms = a_ms;
      break;
    case shape::uniform:
      ms = std::uniform_real_distribution<double>(a_ms, b_ms)(rng);
      break;
    case shape::exponential:
      ms = a_ms > 0 ? std::exponential_distribution<double>(1.0 / a_ms)(rng) : 0.0;
      break;
  }
  return ms > 0 ? static_cast<std::int64_t>(std::floor(ms)) : 0;
}

bool token_bucket::take(std::int64_t now_ms) {
  if (rate_per_s <= 0) return true;
  if (now_ms > last_ms) {
    tokens = std::min(burst, tokens + static_cast<double>(now_ms - last_ms) * rate_per_s / 1000.0);
    last_ms = now_ms;
  }
  if (tokens < 1.0) return false;
  tokens -= 1.0;
  return true;
}

std::optional<latency_model> parse_latency(std::string_view spec) {
  latency_model m;
  const auto colon = spec.find(':');
  const std::string_view name = colon == std::string_view::npos ? "fixed" : spec.substr(0, colon);
  const std::string_view args = colon == std::string_view::npos ? spec : spec.substr(colon + 1);
  if (name == "fixed" || name == "exp") {
    const auto v = parse_double(args);
    if (!v || *v < 0) return std::nullopt;
    m.kind = name == "fixed" ? latency_model::shape::fixed : latency_model::shape::exponential;
    m.a_ms = *v;
    return m;
  }
  if (name == "uniform") {
    const auto dash = args.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const auto lo = parse_double(args.substr(0, dash));
    const auto hi = parse_double(args.substr(dash + 1));
    if (!lo || !hi || *lo < 0 || *hi < *lo) return std::nullopt;
    m.kind = latency_model::shape::uniform;
    m.a_ms = *lo;
    m.b_ms = *hi;
    return m;
  }
  return std::nullopt;
}

std::string to_string(const latency_model& model) {
  switch (model.kind) {
    case latency_model::shape::fixed:
      return "fixed:" + std::to_string(model.a_ms);
    case latency_model::shape::uniform:
      return "uniform:" + std::to_string(model.a_ms) + "-" + std::to_string(model.b_ms);
    case latency_model::shape::exponential:
      return "exp:" + std::to_string(model.a_ms);
  }
  return "fixed:0";
}

}  // namespace smm::mock
