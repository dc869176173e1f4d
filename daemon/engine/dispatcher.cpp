#include "daemon/engine/dispatcher.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace smm::daemon {

namespace asio = boost::asio;

dispatcher::dispatcher(engine_context& ctx) : ctx_(ctx), timer_(ctx.strand) {}

void dispatcher::start() {
  asio::co_spawn(ctx_.strand, loop(ctx_.shared_from_this()), [log = ctx_.log](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log->critical("dispatch loop died: {}", ex.what());
    }
  });
}

void dispatcher::stop() {
  stopped_ = true;
  timer_.cancel();
}

void dispatcher::enqueue(std::span<const std::int64_t> ids) {
  if (ids.empty()) return;
  inbox_.enqueue_bulk(ids.data(), ids.size());
  kick();
}

void dispatcher::enqueue_local(std::int64_t id) {
  inbox_.enqueue(id);
  kick();
}

void dispatcher::kick() {
  if (kicked_.exchange(true, std::memory_order_acq_rel)) return;
  asio::post(ctx_.strand, [this, keep = ctx_.shared_from_this()] {
    kicked_.store(false, std::memory_order_release);
    pass();
  });
}

std::size_t dispatcher::adds_in_flight() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < ctx_.providers.size(); ++i) n += ctx_.providers.at(i).adds_in_flight;
  return n;
}

asio::awaitable<void> dispatcher::loop(std::shared_ptr<engine_context> keep) {
  while (!stopped_) {
    timer_.expires_after(keep->opts.dispatch_tick);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    pass();
    if (keep->opts.on_dispatch_progress) keep->opts.on_dispatch_progress();
  }
}

void dispatcher::pass() {
  if (stopped_) return;
  std::array<std::int64_t, 256> ids{};
  for (std::size_t n = 0; (n = inbox_.try_dequeue_bulk(ids.data(), ids.size())) > 0;) {
    for (std::size_t i = 0; i < n; ++i) {
      order_record* r = ctx_.book.find(ids[i]);
      if (r == nullptr) continue;
      // The id is only queued after its insert committed; the strand may not have seen
      // the commit's own handler yet.
      if (r->o.state == order_state::received) {
        r->durable = true;
        ctx_.book.set_state(*r, order_state::queued);
        ctx_.sync_counts();
      }
      if (r->o.state != order_state::queued || r->held || r->in_dispatch) continue;
      r->in_dispatch = true;
      route(*r);
    }
  }
  const std::int64_t now = engine_context::steady_ms();
  std::vector<std::int64_t> due;
  while (!waiting_.empty() && waiting_.top().first <= now) {
    due.push_back(waiting_.top().second);
    waiting_.pop();
  }
  unpark(due);
  for (const std::int64_t id : due) {
    order_record* r = ctx_.book.find(id);
    if (r == nullptr || r->o.state != order_state::queued || r->held) {
      if (r != nullptr) r->in_dispatch = false;
      continue;
    }
    if (r->not_before_ms > now) {  // pushed again with a later time since this entry
      waiting_.emplace(r->not_before_ms, id);
      continue;
    }
    if (r->busy) {
      wait(*r, ctx_.opts.dispatch_tick.count());
      continue;
    }
    route(*r);
  }
  launch();
}

void dispatcher::unpark(std::vector<std::int64_t>& due) {
  // When any provider resumes, every parked order is routed again: it waits on its first paused
  // hop, but a later hop coming back makes it sendable too. Those still blocked park again,
  // behind the ones counted here. A bounded share per pass, so a large backlog never holds the
  // strand at once; the rest follow on the next passes.
  constexpr std::size_t per_pass = 4096;
  const std::size_t n = ctx_.providers.size();
  was_paused_.resize(n, false);
  to_release_.resize(n, 0);
  bool resumed = false;
  for (std::size_t i = 0; i < n; ++i) {
    const bool paused = ctx_.providers.paused(i);
    resumed = resumed || (was_paused_[i] && !paused);
    was_paused_[i] = paused;
  }
  if (resumed)
    for (std::size_t i = 0; i < n; ++i) to_release_[i] = ctx_.providers.at(i).parked.size();
  bool more = false;
  for (std::size_t i = 0; i < n; ++i) {
    auto& parked = ctx_.providers.at(i).parked;
    while (to_release_[i] > 0 && !parked.empty() && due.size() < per_pass) {
      due.push_back(parked.front());
      parked.pop_front();
      --to_release_[i];
    }
    if (parked.empty()) to_release_[i] = 0;
    more = more || to_release_[i] > 0;
  }
  if (more) kick();
}

void dispatcher::wait(order_record& r, std::int64_t delay_ms) {
  r.not_before_ms = engine_context::steady_ms() + delay_ms;
  waiting_.emplace(r.not_before_ms, r.id());
}

void dispatcher::route(order_record& r) {
  if (r.service == nullptr) {
    // The service left the config: keep it queued (durable) for the operator.
    wait(r, ctx_.opts.retry_delay.count());
    return;
  }
  bool checking = false;
  const auto target = ctx_.providers.route(*r.service, r.min_hop, &checking);
  // Waiting only on paused providers: counted in the first paused hop's `queued`.
  const int first_paused = target || checking ? -1 : ctx_.providers.first_paused(*r.service, r.min_hop);
  ctx_.count_waiting(r, first_paused);
  if (!target) {
    // Only paused hops: it waits on the first one, untouched until that provider resumes.
    if (first_paused >= 0 && ctx_.providers.blocked_by_pauses(*r.service, r.min_hop)) {
      ctx_.providers.at(static_cast<std::size_t>(first_paused)).parked.push_back(r.id());
      return;
    }
    // No usable provider: the order stays queued, never failed, and is tried again; soon
    // when its provider's key is being checked at start.
    wait(r, checking ? ctx_.opts.dispatch_tick.count() : ctx_.opts.retry_delay.count());
    return;
  }
  auto& p = ctx_.providers.at(target->first);
  if (p.pending.size() >= ctx_.opts.max_pending_per_provider) {
    wait(r, ctx_.opts.dispatch_tick.count());
    return;
  }
  r.hop = static_cast<std::uint16_t>(target->second);
  r.provider_index = static_cast<std::int16_t>(target->first);
  p.pending.push_back(r.id());
}

void dispatcher::launch() {
  if (stopped_ || ctx_.stopping.load()) return;
  for (std::size_t i = 0; i < ctx_.providers.size(); ++i) {
    auto& p = ctx_.providers.at(i);
    if (!ctx_.providers.usable(i)) {
      // Paused or breaker open since routing: route these again (next hop or wait).
      while (!p.pending.empty()) {
        if (order_record* r = ctx_.book.find(p.pending.front())) wait(*r, 0);
        p.pending.pop_front();
      }
      continue;
    }
    // Up to `send_window` times the provider's in-flight cap is handed to its client, so a
    // freed slot is taken at once; the orders stay `queued` until their request holds a slot
    // and a token and is about to be written (journal_sending), so a crash leaves unknown only
    // the adds that were really on the wire.
    // The client's cap as it stands (a cluster member's share of the provider's may be lower).
    const auto cap =
        p.client->current_limits().max_in_flight * std::max<std::size_t>(1, ctx_.opts.send_window);
    while (!p.pending.empty() && p.adds_in_flight < cap) {
      const std::int64_t id = p.pending.front();
      p.pending.pop_front();
      order_record* r = ctx_.book.find(id);
      if (r == nullptr) continue;
      if (r->o.state != order_state::queued || r->held || r->busy) {
        r->in_dispatch = false;
        continue;
      }
      ++p.adds_in_flight;
      asio::co_spawn(ctx_.strand, send(ctx_.shared_from_this(), id, i, r->hop),
                     [log = ctx_.log, id](std::exception_ptr e) {
                       if (!e) return;
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         log->critical("add of order {} failed inside the engine: {}", id, ex.what());
                       }
                     });
    }
  }
  ctx_.providers.publish();
}

namespace {

// Runs `start(done)` on the engine's strand and resumes the awaiting coroutine (on its own
// executor) with the bool `done` is called with, exactly once.
template <class Start>
asio::awaitable<bool> on_engine_strand(engine_context::strand_type strand, Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(bool)>(
      [strand, start = std::move(start)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        asio::post(strand, [start = std::move(start), h]() mutable {
          start([h](bool ok) {
            auto ex = asio::get_associated_executor(*h);
            asio::post(ex, [h, ok]() mutable { std::move (*h)(ok); });
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace

asio::awaitable<bool> dispatcher::journal_sending(std::shared_ptr<engine_context> keep, std::int64_t id,
                                                  std::size_t provider) {
  return on_engine_strand(keep->strand, [keep, id, provider](std::function<void(bool)> done) {
    order_record* r = keep->book.find(id);
    // Canceled, stopped or changed while it waited for a slot: it never leaves.
    if (r == nullptr || r->o.state != order_state::queued || r->busy || r->held || keep->stopping.load()) {
      done(false);
      return;
    }
    auto c = keep->make_change(*r, order_state::sending);
    c.provider = keep->providers.at(provider).cfg->name;
    c.attempt = static_cast<std::int32_t>(r->o.send_attempts) + 1;
    // The reconciler resends an unknown add only when the journal proves it carried its
    // request_id (a provider switched to idempotency_key later must not get a second order).
    if (keep->providers.at(provider).cfg->idempotency_key) c.note = request_id_mark(*r);
    // Urgent: the add holds its provider slot until this is durable.
    keep->change(
        *r, std::move(c),
        [done](order_record* rec, bool ok) {
          done(ok && rec != nullptr && rec->o.state == order_state::sending);
        },
        true);
  });
}

asio::awaitable<void> dispatcher::send(std::shared_ptr<engine_context> keep, std::int64_t id,
                                       std::size_t provider, std::size_t hop) {
  order_record* r = keep->book.find(id);
  auto& p = keep->providers.at(provider);
  if (r == nullptr || r->service == nullptr) {
    --p.adds_in_flight;
    if (r != nullptr) r->in_dispatch = false;
    co_return;
  }
  // A placed order sent again reads its fields back from the journal (pending_of).
  providers::add_order order = keep->pending_of(*r).params;
  order.service = r->service->route[hop].provider_service_id;
  order.type = r->service->type;
  if (p.cfg->idempotency_key) order.request_id = request_id_for(*r);  // docs/rules.md "Unknown orders"
  bool journaled = false;
  providers::call_options opts;
  // Called on the client's strand while this frame waits for the call: `journaled` outlives it.
  opts.before_write = [keep, id, provider, &journaled]() -> asio::awaitable<bool> {
    journaled = co_await journal_sending(keep, id, provider);
    co_return journaled;
  };
  auto res = co_await p.client->add(std::move(order), std::move(opts));
  if (journaled) keep->counters.adds_sent.fetch_add(1, std::memory_order_relaxed);
  // An id sent beside a refusal may still be an order we created: ask before failing over.
  std::string evidence;
  if (journaled && !res.ok() && !res.value.unconfirmed_order.empty())
    co_await check_unconfirmed(keep, provider, res, evidence);
  on_result(id, provider, hop, res, journaled, evidence);
}

asio::awaitable<void> dispatcher::check_unconfirmed(std::shared_ptr<engine_context> keep,
                                                    std::size_t provider,
                                                    providers::call_result<providers::add_result>& res,
                                                    std::string& evidence) {
  auto& p = keep->providers.at(provider);
  const std::string candidate = res.value.unconfirmed_order;
  const std::string said = std::string(providers::to_string(res.outcome)) + " (" + res.error + ")";
  // Already one of our orders: the provider named a stale id; nothing was created now.
  if (const auto owner = keep->reader->find_by_provider_order(p.cfg->name, candidate)) {
    evidence = "the answer named order " + candidate + ", which is our order " + std::to_string(*owner) +
               ": not created now";
    co_return;
  }
  const auto st = co_await p.client->status(candidate);
  if (st.ok()) {
    // It exists, answers for our key and is no other order of ours: this add created it.
    evidence = "the answer " + said + " named order " + candidate + ", which exists upstream (status '" +
               st.value.status + "') and is no other order of ours: placed";
    res.outcome = providers::call_outcome::ok;
    res.value.order = candidate;
  } else if (st.outcome == providers::call_outcome::rejected) {
    evidence = "the answer named order " + candidate + ", which the provider does not know (" + st.error +
               "): not created";
  } else {
    // The check itself failed: no proof either way, so the order may exist.
    evidence = "the answer " + said + " named order " + candidate + "; checking it failed (" + st.error +
               "): may exist";
    res.outcome = providers::call_outcome::unknown;
  }
}

void dispatcher::pause(std::size_t provider, const std::string& reason, bool key_refused) {
  auto& p = ctx_.providers.at(provider);
  if (p.paused) return;  // one log line per pause, not one per refused order
  if (key_refused)
    ctx_.log->error("provider {} paused: {}", p.cfg->name, reason);
  else
    ctx_.log->warn("provider {} paused: {}", p.cfg->name, reason);
  ctx_.providers.pause(provider, reason, key_refused);
  p.recheck_ms = ctx_.opts.paused_recheck.count();
  p.next_balance_ms = engine_context::steady_ms() + p.recheck_ms;
}

void dispatcher::requeue(order_record& r, const order_plan& plan, const order_event& e, plan_detail d) {
  ctx_.counters.requeued.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t delay_ms = std::max<std::int64_t>(0, plan.requeue_delay_ms);
  ctx_.carry_out(r, plan, e, std::move(d), [this, delay_ms](order_record* rec, bool ok) {
    if (rec == nullptr) return;
    if (!ok) {
      // Still `sending` in the journal: recovery will make it unknown; never resend it here.
      rec->in_dispatch = false;
      return;
    }
    wait(*rec, delay_ms);
    kick();
  });
}

void dispatcher::requeue_behind_link(order_record& r, const order_plan& plan, const order_event& e,
                                     plan_detail d) {
  ctx_.counters.requeued.fetch_add(1, std::memory_order_relaxed);
  ctx_.carry_out(r, plan, e, std::move(d), [this](order_record* rec, bool ok) {
    if (rec == nullptr) return;
    if (!ok) {
      rec->in_dispatch = false;
      return;
    }
    auto& links = ctx_.book.links();
    bool other_running = false;
    for (const auto id : links.running(rec->o.link_hash)) other_running = other_running || id != rec->id();
    if (other_running) {
      // Held until the running order on the link is final (order_book::leave_link releases it).
      links.remove_running(rec->o.link_hash, rec->id());
      ctx_.book.hold(*rec);
      rec->in_dispatch = false;
      ctx_.sync_counts();
      return;
    }
    // Someone else's order holds the link upstream: wait as long as the provider suggests.
    wait(*rec, ctx_.opts.foreign_link_wait.count());
    kick();
  });
}

namespace {

// What the provider client's verdict on an add proved, for the lifecycle.
order_event add_event_of(const providers::call_result<providers::add_result>& res, bool written,
                         bool has_next_hop) {
  using providers::call_outcome;
  using providers::error_category;
  order_event e;
  e.kind = event_kind::add_result;
  e.written = written;
  e.has_next_hop = has_next_hop;
  switch (res.outcome) {
    case call_outcome::ok:
      e.add = smm::add_answer::created;
      break;
    case call_outcome::rejected:
      e.add = res.category == error_category::unknown_service ? smm::add_answer::service_not_offered
                                                              : smm::add_answer::refused;
      break;
    case call_outcome::retry_later:
      e.add = res.category == error_category::duplicate_active_order ? smm::add_answer::link_busy
                                                                     : smm::add_answer::not_now;
      if (res.retry_after)
        e.retry_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(*res.retry_after).count();
      break;
    case call_outcome::pause_provider:
      e.add = res.category == error_category::not_enough_funds ? smm::add_answer::out_of_funds
              : res.category == error_category::bad_key        ? smm::add_answer::key_refused
                                                               : smm::add_answer::provider_refused;
      break;
    case call_outcome::unknown:
      e.add = smm::add_answer::outcome_unknown;
      break;
    case call_outcome::cancelled:
      e.add = written ? smm::add_answer::not_delivered : smm::add_answer::withdrawn;
      break;
    case call_outcome::failed:
    case call_outcome::breaker_open:
    case call_outcome::queue_full:
      e.add = smm::add_answer::not_delivered;
      break;
  }
  return e;
}

}  // namespace

void dispatcher::on_result(std::int64_t id, std::size_t provider, std::size_t hop,
                           const providers::call_result<providers::add_result>& res, bool journaled,
                           const std::string& evidence) {
  auto& p = ctx_.providers.at(provider);
  --p.adds_in_flight;
  order_record* r = ctx_.book.find(id);
  if (r == nullptr) return;
  const bool has_next_hop = r->service != nullptr && hop + 1 < r->service->route.size();
  const order_event e = add_event_of(res, journaled, has_next_hop);
  const order_plan plan = ctx_.plan(*r, e);
  const std::string& name = p.cfg->name;
  if (plan.pause != pause_kind::none) {
    if (plan.pause == pause_kind::funds) {
      const auto before = p.funds_needed;
      p.funds_needed = p.funds_needed ? std::min(*p.funds_needed, r->o.charge) : r->o.charge;
      if (p.paused && p.funds_needed != before) ctx_.providers.funds_needed_changed(provider);
    }
    const bool key_refused = plan.pause == pause_kind::invalid_key;
    pause(provider, key_refused ? "invalid key: " + res.error : res.error, key_refused);
  }
  if (plan.kind != plan_kind::change) {
    // Never written (no slot, breaker, withdrawn, a pause): still `queued` in the journal, so
    // nothing to record; it is routed again.
    r->in_dispatch = false;
    if (r->o.state == order_state::queued && plan.requeue_delay_ms >= 0) {
      r->in_dispatch = true;
      wait(*r, plan.requeue_delay_ms);
    }
    ctx_.providers.publish();
    return;
  }
  plan_detail d;
  // The note: the provider's words, then the evidence of an answer that named an order.
  const std::string said = res.error.empty() ? std::string(providers::to_string(res.outcome)) : res.error;
  d.note = (plan.next == order_state::unknown ? "add to " : "") + name + " " +
           lifecycle_note_text(plan.note) + " (" + said + ")";
  if (plan.next == order_state::unknown)
    d.note += ": never resent; reconciled where the provider allows, else resolved";
  if (!evidence.empty()) d.note += " [" + evidence + "]";
  switch (plan.next) {
    case order_state::placed:
      ctx_.counters.placed.fetch_add(1, std::memory_order_relaxed);
      if (r->pending && r->pending->accepted_us != 0)
        ctx_.counters.placement.record(engine_context::steady_us() - r->pending->accepted_us);
      d.provider = name;
      d.provider_order_id = res.value.order;
      d.note = evidence.empty() ? std::string() : name + ": " + evidence;
      break;
    case order_state::rejected:
      ctx_.counters.rejected.fetch_add(1, std::memory_order_relaxed);
      break;
    case order_state::unknown:
      ctx_.counters.unknown.fetch_add(1, std::memory_order_relaxed);
      ctx_.log->warn("order {}: add to {} has an unknown outcome ({}); it is never resent",
                     r->panel_order_id(), name, res.error);
      break;
    default:
      break;
  }
  if (plan.next == order_state::queued) {
    if (plan.next_hop) r->min_hop = static_cast<std::uint16_t>(hop + 1);
    if (plan.behind_link) {
      requeue_behind_link(*r, plan, e, std::move(d));
    } else {
      requeue(*r, plan, e, std::move(d));
    }
  } else {
    ctx_.carry_out(*r, plan, e, std::move(d), [this](order_record* rec, bool) {
      if (rec != nullptr) rec->in_dispatch = false;
      kick();
    });
  }
  ctx_.providers.publish();
}

}  // namespace smm::daemon
