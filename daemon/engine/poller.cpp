#include "daemon/engine/poller.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>

#include "daemon/engine/dispatcher.hpp"
#include "daemon/engine/refills.hpp"
#include "dispatch/refill.hpp"

namespace smm::daemon {

namespace asio = boost::asio;

std::int64_t poll_interval_ms(std::int64_t base_ms, std::int64_t age_s) {
  if (age_s < 600) return std::max<std::int64_t>(base_ms / 2, 250);  // rounds down
  if (age_s < 6 * 3600) return base_ms;
  if (age_s < 48 * 3600) return base_ms * 2;
  return base_ms * 4;
}

poller::poller(engine_context& ctx) : ctx_(ctx), timer_(ctx.strand), jitter_(std::random_device{}()) {}

void poller::start() {
  asio::co_spawn(ctx_.strand, loop(ctx_.shared_from_this()), [log = ctx_.log](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log->critical("poll loop died: {}", ex.what());
    }
  });
}

void poller::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> poller::loop(std::shared_ptr<engine_context> keep) {
  while (!stopped_) {
    scan();
    scan_refills();
    balances();
    maintenance();
    timer_.expires_after(keep->opts.poll_tick);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

std::int64_t poller::base_interval_ms(const order_record& r) const {
  const auto* p =
      r.provider_index >= 0 ? ctx_.providers.at(static_cast<std::size_t>(r.provider_index)).cfg : nullptr;
  return p ? std::chrono::duration_cast<std::chrono::milliseconds>(p->status_poll_interval).count() : 60'000;
}

poll_schedule& poller::schedule_of(const order_record& r) {
  if (schedules_.size() < ctx_.providers.size()) schedules_.resize(ctx_.providers.size());
  return schedules_[static_cast<std::size_t>(r.provider_index)];
}

std::size_t poller::scheduled() const {
  std::size_t n = 0;
  for (const auto& s : schedules_) n += s.size();
  return n;
}

void poller::schedule_first(order_record& r) {
  if (r.provider_index < 0) return;  // its provider left the config: nothing to ask
  const std::int64_t due = engine_context::steady_ms() + poll_interval_ms(base_interval_ms(r), 0);
  r.next_poll_ms = due;
  schedule_of(r).add_first(r.id(), due);
}

void poller::schedule_recovered(order_record& r) {
  if (r.provider_index < 0) return;
  const std::int64_t placed = r.o.placed_at == no_value ? r.created_at() : r.o.placed_at;
  const std::int64_t interval = poll_interval_ms(base_interval_ms(r), engine_context::now_s() - placed);
  const std::int64_t now = engine_context::steady_ms();
  const auto spread =
      static_cast<std::int64_t>(jitter_() % static_cast<std::uint64_t>(std::max<std::int64_t>(1, interval)));
  r.next_poll_ms = now + spread;
  schedule_of(r).add(r.id(), r.next_poll_ms, now);
}

void poller::schedule(order_record& r) {
  if (r.provider_index < 0 || !is_running_upstream(r.o.state)) {
    r.next_poll_ms = -1;
    return;
  }
  const std::int64_t placed = r.o.placed_at == no_value ? r.created_at() : r.o.placed_at;
  const std::int64_t interval = poll_interval_ms(base_interval_ms(r), engine_context::now_s() - placed);
  const std::int64_t now = engine_context::steady_ms();
  r.next_poll_ms = now + interval;
  // Half an interval on, it may ride along in a call made for an order that is due.
  schedule_of(r).add(r.id(), r.next_poll_ms, now + interval / 2);
}

void poller::scan() {
  if (stopped_) return;
  if (schedules_.size() < ctx_.providers.size()) schedules_.resize(ctx_.providers.size());
  for (std::size_t i = 0; i < schedules_.size(); ++i) scan_provider(i);
}

void poller::scan_provider(std::size_t i) {
  if (stopped_ || i >= schedules_.size()) return;
  auto& p = ctx_.providers.at(i);
  const std::size_t cap = std::max<std::size_t>(
      1, std::min<std::size_t>(ctx_.opts.status_calls_in_flight,
                               static_cast<std::size_t>(std::max(1, p.cfg->max_in_flight))));
  // An order due before the next tick is polled at this one: never later than its due time.
  const std::int64_t horizon = engine_context::steady_ms() + ctx_.opts.poll_tick.count();
  const auto live = [this, i](std::int64_t id, std::int64_t due) {
    const order_record* r = ctx_.book.find(id);
    return r != nullptr && r->next_poll_ms == due && !r->polling &&
           r->provider_index == static_cast<int>(i) && is_running_upstream(r->o.state) &&
           !r->provider_order_id().empty();
  };
  while (p.status_calls < cap) {
    std::vector<std::int64_t> chunk = schedules_[i].take_chunk(horizon, providers::max_ids_per_request, live);
    if (chunk.empty()) return;
    for (const auto id : chunk) {
      order_record* r = ctx_.book.find(id);
      r->polling = true;
      r->next_poll_ms = -1;
    }
    ++p.status_calls;
    asio::co_spawn(ctx_.strand, poll_chunk(ctx_.shared_from_this(), i, std::move(chunk)),
                   [log = ctx_.log](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log->error("status poll failed inside the engine: {}", ex.what());
                     }
                   });
  }
}

asio::awaitable<void> poller::poll_chunk(std::shared_ptr<engine_context> keep, std::size_t provider,
                                         std::vector<std::int64_t> ids) {
  auto& p = keep->providers.at(provider);
  std::vector<std::string> provider_ids;
  provider_ids.reserve(ids.size());
  for (const auto id : ids) provider_ids.emplace_back(keep->book.find(id)->provider_order_id());
  keep->counters.status_polls.fetch_add(1, std::memory_order_relaxed);
  const auto res = co_await p.client->status_multi(std::move(provider_ids));
  --p.status_calls;
  std::unordered_map<std::string_view, const providers::status_entry*> by_id;
  for (const auto& e : res.value) by_id.emplace(e.id, &e);
  for (const auto id : ids) {
    order_record* r = keep->book.find(id);
    if (r == nullptr) continue;
    r->polling = false;
    const auto it = by_id.find(r->provider_order_id());
    if (it != by_id.end()) {
      if (it->second->status) {
        r->set_missing_since_ms(0);
        apply_status(*r, *it->second->status);
      } else if (it->second->error) {
        note_missing(*r, p, it->second->error->message);
      }
    }              // not answered (the call failed): asked again at its next due time
    schedule(*r);  // after apply_status: a final order leaves the schedule
  }
  if (!res.ok())
    keep->log->debug("status poll of {} ended {}: {}", p.cfg->name, to_string(res.outcome), res.error);
  // A backlog (restart, slow provider) goes on at once instead of waiting for the next tick.
  scan_provider(provider);
}

void poller::note_missing(order_record& r, const provider_entry& p, const std::string& said) {
  const std::int64_t now = engine_context::steady_ms();
  if (r.missing_since_ms() == 0) {
    r.set_missing_since_ms(now);
    ctx_.log->debug("order {}: {} says: {}", r.panel_order_id(), p.cfg->name, said);
    return;
  }
  if (r.busy) return;
  order_event e;
  e.kind = event_kind::missing;
  e.missing_for_s = (now - r.missing_since_ms()) / 1000;
  const order_plan plan = ctx_.plan(r, e);
  if (plan.kind != plan_kind::change) return;
  // Handed to an operator once: one anomaly, one log line.
  plan_detail d;
  d.note = p.cfg->name + " " + lifecycle_note_text(plan.note) + " " + std::string(r.provider_order_id()) +
           " (answered '" + said + "' for " + std::to_string(e.missing_for_s) +
           " s): check with the provider, then resolve: --placed ID follows it again, --not-placed sends it "
           "again, --canceled gives up with the whole charge back";
  ctx_.log->warn("order {}: {}", r.panel_order_id(), d.note);
  r.set_missing_since_ms(0);
  ctx_.carry_out(r, plan, e, std::move(d), nullptr);
}

void poller::apply_status(order_record& r, const providers::order_status& st) {
  if (r.busy || !is_running_upstream(r.o.state)) return;
  ctx_.book.set_raw_status(r, st.status);
  order_event e;
  e.kind = event_kind::status_report;
  e.status = map_provider_status(st.status);
  if (st.start_count) e.start_count = *st.start_count;
  if (st.remains) e.remains = *st.remains;
  e.repeat_anomaly = st.status == r.last_anomaly();
  const order_plan plan = ctx_.plan(r, e);
  if (plan.kind != plan_kind::change) return;
  plan_detail d;
  d.raw_status = st.status;
  if (plan.anomaly) {
    r.set_last_anomaly(st.status);
    d.note = "anomaly: provider reported '" + st.status + "' while " + std::string(to_string(r.o.state)) +
             ": not applied";
  } else if (plan.note != plan_note::none) {
    d.note = lifecycle_note_text(plan.note);
  }
  ctx_.carry_out(r, plan, e, std::move(d), nullptr);
}

void poller::watch_refill(std::int64_t id) {
  if (std::find(refills_.begin(), refills_.end(), id) == refills_.end()) refills_.push_back(id);
}

void poller::scan_refills() {
  const std::int64_t now = engine_context::steady_ms();
  if (stopped_ || refills_.empty() || now < next_refill_scan_ms_) return;
  next_refill_scan_ms_ = now + ctx_.opts.refill_poll.count();
  std::vector<std::vector<std::int64_t>> by_provider(ctx_.providers.size());
  std::vector<std::int64_t> keep;
  for (const auto id : refills_) {
    order_record* r = ctx_.book.find(id);
    if (r == nullptr) {
      // Evicted from memory while its refill runs: the journal has it (refills.hpp).
      auto row = ctx_.reader->find_order(id);
      if (!row) continue;
      auto rec = ctx_.record_from_row(*row);
      ctx_.load_outcome(*rec);
      r = &ctx_.book.insert(std::move(rec));
      ctx_.sync_counts();
    }
    if (!r->refill() || r->refill()->refill_id.empty() || r->provider_index < 0 ||
        !refill_followed(r->o.refill))
      continue;
    keep.push_back(id);
    by_provider[static_cast<std::size_t>(r->provider_index)].push_back(id);
  }
  refills_ = std::move(keep);
  for (std::size_t i = 0; i < by_provider.size(); ++i) {
    if (by_provider[i].empty()) continue;
    asio::co_spawn(ctx_.strand, poll_refills(ctx_.shared_from_this(), i, std::move(by_provider[i])),
                   [log = ctx_.log](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log->error("refill poll failed inside the engine: {}", ex.what());
                     }
                   });
  }
}

asio::awaitable<void> poller::poll_refills(std::shared_ptr<engine_context> keep, std::size_t provider,
                                           std::vector<std::int64_t> ids) {
  std::vector<std::string> refill_ids;
  std::vector<std::int64_t> asked;
  for (const auto id : ids) {
    const order_record* r = keep->book.find(id);
    if (r == nullptr || !r->refill()) continue;  // evicted since the scan: the next scan reloads it
    refill_ids.push_back(r->refill()->refill_id);
    asked.push_back(id);
  }
  if (refill_ids.empty()) co_return;
  // The client splits any number of ids into calls of at most 100.
  const auto res = co_await keep->providers.at(provider).client->refill_status_multi(std::move(refill_ids));
  std::unordered_map<std::string, const providers::id_result*> by_id;
  for (const auto& e : res.value) by_id.emplace(e.id, &e);
  const std::int64_t now = engine_context::now_s();
  for (const auto id : asked) {
    order_record* r = keep->book.find(id);
    if (r == nullptr || !r->refill() || !refill_followed(r->o.refill)) continue;  // ended meanwhile
    const auto it = by_id.find(r->refill()->refill_id);
    if (it == by_id.end() || it->second->error) continue;
    const std::string& text = it->second->value;
    // Every spelling of an ended refill (Rejected, Canceled, Error ...) ends it: rule 6 then
    // lets the next request through. A new state or text is journaled before it counts.
    const auto next = refill_after_status(r->o.refill, text);
    if (!next && r->refill()->raw_status == text) continue;
    auto c = refill_change_of(*r, next.value_or(r->o.refill), now);
    c->raw_status = text;
    c->note = refill_note(*c);
    record_refill(*keep, std::move(*c), nullptr);
  }
}

void poller::maintenance() {
  if (stopped_) return;
  const std::int64_t wall = engine_context::now_s();
  evict_finals(wall);
  const std::int64_t now = engine_context::steady_ms();
  if (now < next_maintenance_ms_) return;
  next_maintenance_ms_ = now + ctx_.opts.maintenance_interval.count();
  // Retention: final orders older than the configured days leave the journal.
  if (ctx_.cfg.daemon.retention_days > 0) {
    store::purge_final purge;
    purge.before = wall - std::int64_t{ctx_.cfg.daemon.retention_days} * 86400;
    purge.now = wall;  // keep windows are compared with the engine's clock
    ctx_.journal.submit({purge}, [log = ctx_.log](store::commit_result r) {
      if (!r.ok) log->error("retention purge failed: {}", r.error);
    });
  }
  // Refill rule 5's placements: those no refill check can meet any more leave the link index,
  // so it holds the links placed within the guarantee, not every link since the start.
  if (ctx_.refill_window_s > 0) {
    const std::size_t dropped =
        ctx_.book.links().forget_placements_before(ctx_.placements_needed_since(wall));
    if (dropped > 0)
      ctx_.log->debug("link index: {} placements older than any refill check forgotten", dropped);
  }
}

void poller::evict_finals(std::int64_t wall) {
  // Memory: final orders idle for a while leave the book (lookups reload them). Only the due
  // front of the queue is looked at; one still in use goes to the back to be tried again.
  const std::int64_t after = ctx_.opts.evict_final_after.count();
  auto& due = ctx_.finals_by_time;
  std::size_t evicted = 0;
  for (std::size_t n = due.size(); n > 0 && due.front().second + after <= wall; --n) {
    const std::int64_t id = due.front().first;
    due.pop_front();
    order_record* r = ctx_.book.find(id);
    if (r == nullptr || !is_final(r->o.state)) continue;  // gone already, or reopened by a refill
    if (r->busy || r->has_durable_waiters() || refill_may_be_running(r->o.refill) ||
        r->updated_at + after > wall) {
      due.emplace_back(id, wall);
      continue;
    }
    ctx_.journal_only_panel_ids.insert(engine_context::panel_id_hash(r->panel_order_id()));
    ctx_.book.erase(id);
    ++evicted;
  }
  evicted_ += evicted;
  if (evicted > 0) ctx_.sync_counts();
}

void poller::balances() {
  if (stopped_) return;
  const std::int64_t now = engine_context::steady_ms();
  for (std::size_t i = 0; i < ctx_.providers.size(); ++i) {
    auto& p = ctx_.providers.at(i);
    if (p.balance_call || p.next_balance_ms > now) continue;
    p.balance_call = true;
    asio::co_spawn(ctx_.strand, check_balance(ctx_.shared_from_this(), i),
                   [log = ctx_.log](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log->error("balance check failed inside the engine: {}", ex.what());
                     }
                   });
  }
}

asio::awaitable<void> poller::check_balance(std::shared_ptr<engine_context> keep, std::size_t provider) {
  auto& p = keep->providers.at(provider);
  providers::call_options opts;
  // The first check gates adds (key_checked): a provider that does not answer must not hold
  // its orders for a whole call deadline.
  if (!p.key_checked) opts.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  const auto res = co_await p.client->balance(opts);
  p.balance_call = false;
  const bool key_refused = res.category == providers::error_category::bad_key;
  if (key_refused) {
    if (!p.paused) {
      keep->log->error("provider {} paused: invalid key ({})", p.cfg->name, res.error);
      keep->providers.pause(provider, "invalid key: " + res.error, true);
      p.recheck_ms = keep->opts.paused_recheck.count();
    }
  } else if (res.ok() && res.value.balance) {
    p.balance = res.value.balance;
    if (!res.value.currency.empty()) p.currency = res.value.currency;
    if (p.cfg->balance_warn_below && *p.balance < *p.cfg->balance_warn_below)
      keep->log->warn("provider {}: balance {} {} is below {}", p.cfg->name, to_string(*p.balance),
                      p.currency, to_string(*p.cfg->balance_warn_below));
    // Resume once the balance covers the smallest order refused for funds (any positive
    // balance when the pause was for another reason, e.g. a key refused and now accepted).
    const bool enough = !p.balance->is_negative() && !p.balance->is_zero() &&
                        (!p.funds_needed || !(*p.balance < *p.funds_needed));
    if (p.paused && enough) {
      keep->log->info("provider {} resumed: balance {}", p.cfg->name, to_string(*p.balance));
      keep->providers.resume(provider);
      p.funds_needed.reset();
      keep->disp->kick();
    }
  } else if (!res.ok()) {
    keep->log->debug("balance of {} ended {}: {}", p.cfg->name, to_string(res.outcome), res.error);
  }
  // Any answer but a refused key lets adds go (a failing provider is the breaker's business).
  if (!key_refused) p.key_checked = true;
  if (p.paused) {
    // Backoff while paused: the interval doubles after each check that did not resume it.
    const std::int64_t wait = std::max<std::int64_t>(p.recheck_ms, keep->opts.paused_recheck.count());
    p.next_balance_ms = engine_context::steady_ms() + wait;
    p.recheck_ms =
        std::min<std::int64_t>(wait * 2, std::max<std::int64_t>(keep->opts.paused_recheck.count(), 300'000));
  } else {
    p.recheck_ms = 0;
    p.next_balance_ms = engine_context::steady_ms() + keep->opts.balance_interval.count();
  }
  keep->providers.publish();
  if (p.key_checked) keep->disp->kick();
}

}  // namespace smm::daemon
