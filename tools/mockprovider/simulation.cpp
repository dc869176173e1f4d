#include "tools/mockprovider/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace smm::mock {
namespace {

bool is_terminal(order_status s) {
  return s == order_status::completed || s == order_status::partial || s == order_status::canceled;
}

}  // namespace

simulation::simulation(std::vector<mock_service> catalogue, sim_config config)
    : catalogue_(std::move(catalogue)),
      config_(std::move(config)),
      rng_(config_.seed),
      balance_(config_.initial_balance),
      next_order_id_(config_.first_order_id) {}

const mock_service* simulation::find_service(std::int64_t id) const {
  for (const auto& s : catalogue_)
    if (s.id == id) return &s;
  return nullptr;
}

std::int64_t simulation::delivered_by(const order& o, std::int64_t at_ms) const {
  const std::int64_t elapsed = at_ms - o.created_ms - config_.pending_ms;
  if (elapsed <= 0 || config_.speed_per_s <= 0) return 0;
  // Rounds down: a unit counts as delivered only once fully delivered.
  const double units = std::floor(static_cast<double>(elapsed) * config_.speed_per_s / 1000.0);
  if (units >= static_cast<double>(o.target)) return o.target;
  return static_cast<std::int64_t>(units);
}

std::int64_t simulation::full_delivery_ms(const order& o) const {
  // Rounds up: the first millisecond at which `target` units are delivered.
  const double ms = std::ceil(static_cast<double>(o.target) * 1000.0 / config_.speed_per_s);
  return o.created_ms + config_.pending_ms + static_cast<std::int64_t>(ms);
}

std::int64_t simulation::next_event_ms(const order& o) const {
  const std::int64_t start = o.created_ms + config_.pending_ms;
  if (o.cancel_at_ms) return *o.cancel_at_ms;
  if (o.provider_cancel) return start;
  if (config_.speed_per_s <= 0) return std::numeric_limits<std::int64_t>::max();
  return full_delivery_ms(o);
}

void simulation::finish(order& o, order_status status, std::int64_t delivered, std::int64_t at_ms) {
  o.status = status;
  o.delivered = delivered;
  o.finished_ms = at_ms;
  money refund;
  if (status == order_status::canceled) {
    refund = o.charge;
  } else if (status == order_status::partial) {
    // prorate_down rounds toward zero: the provider never refunds more than it took.
    if (const auto r = prorate_down(o.charge, o.quantity - delivered, o.quantity)) refund = r.value;
  }
  o.refunded = refund;
  // Another key's refund goes to its own balance.
  if (const auto b = checked_add(balance_, refund); b && !o.foreign) balance_ = b.value;
  if (status == order_status::canceled || delivered == 0) o.drops = false;
  if (o.drops) {
    // Rounds down, but at least one unit drops so a refill has work.
    const auto share =
        static_cast<std::int64_t>(std::floor(static_cast<double>(delivered) * config_.drop_fraction));
    o.dropped_at_ms = at_ms + config_.drop_after_ms;
    o.dropped = std::max<std::int64_t>(1, share);
  }
  const auto it = active_by_link_.find(o.link);
  if (it != active_by_link_.end() && it->second == o.id) active_by_link_.erase(it);
}

void simulation::advance(order& o, std::int64_t now_ms) {
  if (is_terminal(o.status)) return;
  const std::int64_t start = o.created_ms + config_.pending_ms;
  if (o.cancel_at_ms && *o.cancel_at_ms <= now_ms) {
    const std::int64_t d = delivered_by(o, *o.cancel_at_ms);
    finish(o, d == 0 ? order_status::canceled : order_status::partial, d, *o.cancel_at_ms);
    return;
  }
  if (o.provider_cancel && now_ms >= start) {
    finish(o, order_status::canceled, 0, start);
    return;
  }
  const std::int64_t d = delivered_by(o, now_ms);
  if (d >= o.target && o.target > 0) {
    finish(o, o.target == o.quantity ? order_status::completed : order_status::partial, o.target,
           full_delivery_ms(o));
    return;
  }
  o.delivered = d;
  o.status = now_ms >= start ? order_status::in_progress : order_status::pending;
}

void simulation::advance_all(std::int64_t now_ms) {
  while (!events_.empty() && events_.top().first <= now_ms) {
    const std::int64_t id = events_.top().second;
    events_.pop();
    order& o = orders_.at(id);
    advance(o, now_ms);
    // An order with a cancel request has two events; the stale one finds it terminal.
    if (!is_terminal(o.status)) events_.emplace(std::max(now_ms + 1, next_event_ms(o)), id);
  }
}

bool simulation::is_foreign(std::int64_t order_id) const {
  const auto it = orders_.find(order_id);
  return it != orders_.end() && it->second.foreign;
}

add_result simulation::add(const order_request& request, std::int64_t now_ms, bool foreign) {
  add_result out;
  const mock_service* service = find_service(request.service);
  if (service == nullptr) {
    out.error = msg::no_service;
    return out;
  }
  if (request.checked_quantity < service->min) {
    out.error = msg::below_min;
    return out;
  }
  if (request.checked_quantity > service->max) {
    out.error = msg::above_max;
    return out;
  }
  advance_all(now_ms);
  if (const auto it = active_by_link_.find(request.link); !foreign && it != active_by_link_.end()) {
    order& running = orders_.at(it->second);
    advance(running, now_ms);
    if (!is_terminal(running.status)) {
      out.error = msg::duplicate_link;
      return out;
    }
  }
  const auto charge = charge_for(service->rate, request.billed_quantity);
  if (!charge || (!foreign && charge.value > balance_)) {
    out.error = msg::no_funds;
    return out;
  }
  if (!foreign) balance_ = checked_sub(balance_, charge.value).value;

  order o;
  o.id = next_order_id_++;
  o.service = service->id;
  o.link = request.link;
  o.quantity = request.quantity;
  o.charge = charge.value;
  o.created_ms = now_ms;
  // Every draw happens on every add, so one seed gives one history whatever the odds.
  std::uniform_real_distribution<double> roll(0.0, 1.0);
  o.start_count = std::uniform_int_distribution<std::int64_t>(
      0, std::max<std::int64_t>(0, config_.start_count_max))(rng_);
  const bool cancel = roll(rng_) < config_.cancel_probability;
  const bool partial = roll(rng_) < config_.partial_probability;
  o.drops = roll(rng_) < config_.drop_probability;
  const std::int64_t stop_at =
      std::uniform_int_distribution<std::int64_t>(1, std::max<std::int64_t>(1, o.quantity - 1))(rng_);
  o.provider_cancel = cancel;
  o.target = partial && o.quantity > 1 ? stop_at : o.quantity;
  o.foreign = foreign;

  out.order = o.id;
  out.charge = o.charge;
  events_.emplace(next_event_ms(o), o.id);
  if (!foreign) active_by_link_[o.link] = o.id;
  orders_.emplace(o.id, std::move(o));
  return out;
}

std::optional<order_view> simulation::status(std::int64_t order_id, std::int64_t now_ms) {
  const auto it = orders_.find(order_id);
  if (it == orders_.end()) return std::nullopt;
  order& o = it->second;
  advance(o, now_ms);
  order_view v;
  v.charge = checked_sub(o.charge, o.refunded).value;
  v.start_count = o.start_count;
  v.status = o.status;
  v.remains = o.quantity - o.delivered;
  return v;
}

request_result simulation::refill(std::int64_t order_id, std::int64_t now_ms) {
  request_result out;
  const auto it = orders_.find(order_id);
  if (it == orders_.end()) {
    out.error = msg::bad_order;
    return out;
  }
  order& o = it->second;
  advance(o, now_ms);
  const mock_service* service = find_service(o.service);
  const bool done = o.status == order_status::completed || o.status == order_status::partial;
  if (service == nullptr || !service->refill || !done || o.refill_running) {
    out.error = msg::no_refill;
    return out;
  }
  refill_entry r;
  r.id = next_refill_id_++;
  r.order_id = o.id;
  r.created_ms = now_ms;
  o.refill_running = true;
  out.id = r.id;
  refills_.emplace(r.id, r);
  return out;
}

void simulation::advance(refill_entry& r, std::int64_t now_ms) {
  if (r.status == refill_status::completed || r.status == refill_status::rejected) return;
  const std::int64_t decide_at = r.created_ms + config_.refill_pending_ms + config_.refill_ms;
  if (now_ms < r.created_ms + config_.refill_pending_ms) {
    r.status = refill_status::pending;
    return;
  }
  if (now_ms < decide_at) {
    r.status = refill_status::in_progress;
    return;
  }
  order& o = orders_.at(r.order_id);
  // Completed only when units had dropped by the time the refill ran; else nothing to do.
  if (o.drops && o.dropped_at_ms <= decide_at) {
    o.drops = false;
    o.dropped = 0;
    r.status = refill_status::completed;
  } else {
    r.status = refill_status::rejected;
  }
  o.refill_running = false;
}

std::optional<refill_status> simulation::refill_state(std::int64_t refill_id, std::int64_t now_ms) {
  const auto it = refills_.find(refill_id);
  if (it == refills_.end()) return std::nullopt;
  advance(it->second, now_ms);
  return it->second.status;
}

request_result simulation::cancel(std::int64_t order_id, std::int64_t now_ms) {
  request_result out;
  const auto it = orders_.find(order_id);
  if (it == orders_.end()) {
    out.error = msg::bad_order;
    return out;
  }
  order& o = it->second;
  advance(o, now_ms);
  const mock_service* service = find_service(o.service);
  if (service == nullptr || !service->cancel || is_terminal(o.status)) {
    out.error = msg::no_cancel;
    return out;
  }
  if (!o.cancel_at_ms) o.cancel_at_ms = now_ms;
  events_.emplace(now_ms, o.id);
  out.id = o.id;
  return out;
}

money simulation::balance(std::int64_t now_ms) {
  advance_all(now_ms);
  return balance_;
}

}  // namespace smm::mock
