#include "daemon/engine/dispatcher.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dispatch/refund.hpp"

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

void dispatcher::wait(order_record& r, std::int64_t delay_ms) {
  r.not_before_ms = engine_context::steady_ms() + delay_ms;
  waiting_.emplace(r.not_before_ms, r.id);
}

void dispatcher::route(order_record& r) {
  if (r.service == nullptr) {
    // The service left the config: keep it queued (durable) for the operator.
    wait(r, ctx_.opts.retry_delay.count());
    return;
  }
  bool checking = false;
  const auto target = ctx_.providers.route(*r.service, r.min_hop, &checking);
  if (!target) {
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
  r.hop = target->second;
  r.provider_index = static_cast<int>(target->first);
  p.pending.push_back(r.id);
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
    const auto cap = static_cast<std::size_t>(std::max(1, p.cfg->max_in_flight)) *
                     std::max<std::size_t>(1, ctx_.opts.send_window);
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
    keep->change(*r, std::move(c), [done](order_record* rec, bool ok) {
      done(ok && rec != nullptr && rec->o.state == order_state::sending);
    });
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
  providers::add_order order = r->params;
  order.service = r->service->route[hop].provider_service_id;
  order.type = r->service->type;
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

void dispatcher::pause(std::size_t provider, const std::string& reason) {
  auto& p = ctx_.providers.at(provider);
  if (p.paused) return;  // one log line per pause, not one per refused order
  if (reason.rfind("invalid key", 0) == 0)
    ctx_.log->error("provider {} paused: {}", p.cfg->name, reason);
  else
    ctx_.log->warn("provider {} paused: {}", p.cfg->name, reason);
  ctx_.providers.pause(provider, reason);
  p.recheck_ms = ctx_.opts.paused_recheck.count();
  p.next_balance_ms = engine_context::steady_ms() + p.recheck_ms;
}

void dispatcher::requeue(order_record& r, store::state_change c, std::int64_t delay_ms) {
  ctx_.counters.requeued.fetch_add(1, std::memory_order_relaxed);
  ctx_.change(r, std::move(c), [this, delay_ms](order_record* rec, bool ok) {
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

void dispatcher::requeue_behind_link(order_record& r, store::state_change c) {
  ctx_.counters.requeued.fetch_add(1, std::memory_order_relaxed);
  ctx_.change(r, std::move(c), [this](order_record* rec, bool ok) {
    if (rec == nullptr) return;
    if (!ok) {
      rec->in_dispatch = false;
      return;
    }
    auto& links = ctx_.book.links();
    bool other_running = false;
    for (const auto id : links.running(rec->o.link_hash)) other_running = other_running || id != rec->id;
    if (other_running) {
      // Held until the running order on the link is final (order_book::leave_link releases it).
      links.remove_running(rec->o.link_hash, rec->id);
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

void dispatcher::on_result(std::int64_t id, std::size_t provider, std::size_t hop,
                           const providers::call_result<providers::add_result>& res, bool journaled,
                           const std::string& evidence) {
  auto& p = ctx_.providers.at(provider);
  --p.adds_in_flight;
  order_record* r = ctx_.book.find(id);
  if (r == nullptr) return;
  if (!journaled) {
    // Never written (no slot, breaker, withdrawn, a pause): still `queued` in the journal, so
    // nothing to record; it is routed again.
    r->in_dispatch = false;
    if (r->o.state == order_state::queued) {
      r->in_dispatch = true;
      wait(*r, res.outcome == providers::call_outcome::cancelled ? ctx_.opts.dispatch_tick.count()
                                                                 : ctx_.opts.retry_delay.count());
    }
    if (res.outcome == providers::call_outcome::pause_provider) pause(provider, res.error);
    ctx_.providers.publish();
    return;
  }
  // The evidence of an answer that named an order beside an error goes into the order's note.
  const std::string why = evidence.empty() ? std::string() : " [" + evidence + "]";
  const std::string& name = p.cfg->name;
  auto finish = [this](order_record* rec, bool) {
    if (rec != nullptr) rec->in_dispatch = false;
    kick();
  };
  using providers::call_outcome;
  switch (res.outcome) {
    case call_outcome::ok: {
      ctx_.counters.placed.fetch_add(1, std::memory_order_relaxed);
      if (r->accepted_us != 0) ctx_.counters.placement.record(engine_context::steady_us() - r->accepted_us);
      auto c = ctx_.make_change(*r, order_state::placed);
      c.provider = name;
      c.provider_order_id = res.value.order;
      if (!evidence.empty()) c.note = name + ": " + evidence;
      ctx_.change(*r, std::move(c), finish);
      break;
    }
    case call_outcome::rejected: {
      if (res.category == providers::error_category::unknown_service && hop + 1 < r->service->route.size()) {
        // This provider does not offer the service (any more): the next hop takes over.
        r->min_hop = hop + 1;
        auto c = ctx_.make_change(*r, order_state::queued);
        c.note = name + " rejected the service (" + res.error + "): next provider of the route";
        requeue(*r, std::move(c), 0);
        break;
      }
      ctx_.counters.rejected.fetch_add(1, std::memory_order_relaxed);
      auto c = ctx_.make_change(*r, order_state::rejected);
      order o = r->o;
      o.state = order_state::rejected;
      const refund_decision d = compute_refund(o);  // nothing delivered: the whole charge
      if (!d.amount.is_zero()) c.refund_micros = d.amount.micros();
      c.refund_reason = std::string(to_string(d.reason));
      c.note = name + ": " + res.error + why;
      ctx_.change(*r, std::move(c), finish);
      break;
    }
    case call_outcome::retry_later: {
      auto c = ctx_.make_change(*r, order_state::queued);
      c.note = name + " said not now: " + res.error + why;
      if (res.category == providers::error_category::duplicate_active_order) {
        // Usually our own earlier order on the link: wait for it to end instead of a timer.
        requeue_behind_link(*r, std::move(c));
        break;
      }
      const auto delay = res.retry_after
                             ? std::chrono::duration_cast<std::chrono::milliseconds>(*res.retry_after)
                             : ctx_.opts.retry_delay;
      requeue(*r, std::move(c), std::max(delay, ctx_.opts.retry_delay).count());
      break;
    }
    case call_outcome::pause_provider: {
      if (res.category == providers::error_category::not_enough_funds)
        p.funds_needed = p.funds_needed ? std::min(*p.funds_needed, r->o.charge) : r->o.charge;
      pause(provider, res.category == providers::error_category::bad_key ? "invalid key: " + res.error : res.error);
      auto c = ctx_.make_change(*r, order_state::queued);
      c.note = name + " paused (" + res.error + "): order not created there" + why;
      requeue(*r, std::move(c), 0);  // the next hop may take it at once
      break;
    }
    case call_outcome::unknown: {
      ctx_.counters.unknown.fetch_add(1, std::memory_order_relaxed);
      ctx_.log->warn("order {}: add to {} has an unknown outcome ({}); it is never resent", r->panel_order_id,
                     name, res.error);
      auto c = ctx_.make_change(*r, order_state::unknown);
      c.note =
          "add to " + name + " may have created an order (" + res.error + "): never resent; resolve it" + why;
      ctx_.change(*r, std::move(c), finish);
      break;
    }
    case call_outcome::failed:
    case call_outcome::breaker_open:
    case call_outcome::queue_full:
    case call_outcome::cancelled: {
      // Provably not created (the client never sends an add twice nor calls a written one failed).
      auto c = ctx_.make_change(*r, order_state::queued);
      c.note = "add to " + name + " not delivered (" + std::string(providers::to_string(res.outcome)) + ": " +
               res.error + "): retried later";
      requeue(*r, std::move(c), ctx_.opts.retry_delay.count());
      break;
    }
  }
  ctx_.providers.publish();
}

}  // namespace smm::daemon
