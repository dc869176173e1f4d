#include "daemon/engine/intake.hpp"

#include <boost/asio/post.hpp>

#include "daemon/engine/dispatcher.hpp"

namespace smm::daemon {

namespace asio = boost::asio;

struct intake::call {
  std::vector<panel_order> orders;
  std::vector<add_answer> answers;
  std::size_t outstanding = 1;  // the admit pass itself
  std::function<void(std::vector<add_answer>)> done;
  atomic_histogram* ack_latency = nullptr;  // the engine's, which outlives every call
  std::int64_t started_us = 0;
};

namespace {

void fill(add_answer& a, const order_record& r, add_status s) {
  a.status = s;
  a.order_id = r.id();
  a.state = r.o.state;
  a.charge = r.o.charge;
  a.error.clear();
}

}  // namespace

void intake::finish(const std::shared_ptr<call>& c) {
  if (--c->outstanding != 0) return;
  if (c->ack_latency != nullptr)
    c->ack_latency->record(engine_context::steady_us() - c->started_us, c->answers.size());
  if (c->done) c->done(std::move(c->answers));
}

void intake::add(std::vector<panel_order> orders, std::function<void(std::vector<add_answer>)> done) {
  auto c = std::make_shared<call>();
  c->answers.resize(orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i) c->answers[i].panel_order_id = orders[i].panel_order_id;
  c->done = std::move(done);
  c->ack_latency = &ctx_.counters.intake_ack;
  c->started_us = engine_context::steady_us();
  if (!ctx_.started.load() || ctx_.stopping.load()) {
    for (auto& a : c->answers) {
      a.status = add_status::unavailable;
      a.error = "the daemon is not taking orders now (starting or stopping)";
    }
    ctx_.counters.intake_unavailable.fetch_add(orders.size(), std::memory_order_relaxed);
    asio::post(ctx_.strand, [c, keep = ctx_.shared_from_this()] { finish(c); });
    return;
  }
  // Validation needs only the immutable config: it runs on the caller's thread.
  std::vector<prepared_order> prepared;
  prepared.reserve(orders.size());
  for (const auto& o : orders) prepared.push_back(prepare_order(o, ctx_.cfg));
  c->orders = std::move(orders);
  asio::post(ctx_.strand,
             [this, c, prepared = std::move(prepared), keep = ctx_.shared_from_this()]() mutable {
               admit(std::move(c), std::move(prepared));
             });
}

void intake::admit(std::shared_ptr<call> c, std::vector<prepared_order> prepared) {
  auto& counters = ctx_.counters;
  std::vector<store::journal_op> ops;
  std::vector<std::pair<std::size_t, std::int64_t>> fresh;  // (answer index, order id) per op
  const std::int64_t now = engine_context::now_s();
  const auto policy = ctx_.cfg.policy.duplicate_link;
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    auto& a = c->answers[i];
    auto& p = prepared[i];
    if (!p.error.empty()) {
      a.status = add_status::invalid;
      a.error = std::move(p.error);
      a.reason = p.reason;
      a.field = std::move(p.field);
      counters.intake_invalid.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (order_record* existing = ctx_.lookup(a.panel_order_id)) {
      if (existing->request_hash != p.request_hash) {
        a.status = add_status::conflict;
        a.error = "panel order id " + a.panel_order_id + " exists with different content";
        counters.intake_conflicts.fetch_add(1, std::memory_order_relaxed);
      } else if (existing->durable) {
        fill(a, *existing, add_status::replayed);
        counters.intake_replayed.fetch_add(1, std::memory_order_relaxed);
      } else {
        // The same order is being committed right now (same batch or a concurrent call):
        // answer once that commit is known.
        ++c->outstanding;
        existing->on_durable([c, i, id = existing->id(), this](bool ok) {
          auto& ans = c->answers[i];
          order_record* r = ok ? ctx_.book.find(id) : nullptr;
          if (r != nullptr) {
            fill(ans, *r, add_status::replayed);
            ctx_.counters.intake_replayed.fetch_add(1, std::memory_order_relaxed);
          } else {
            ans.status = add_status::unavailable;
            ans.error = "the journal could not commit the order; nothing stored, safe to retry";
            ctx_.counters.intake_unavailable.fetch_add(1, std::memory_order_relaxed);
          }
          finish(c);
        });
      }
      continue;
    }
    bool held = false;
    const auto running = ctx_.book.links().running(p.link.hash);
    if (!running.empty() && policy != duplicate_link_policy::allow) {
      if (policy == duplicate_link_policy::reject) {
        const order_record* other = ctx_.book.find(running.front());
        a.status = add_status::duplicate_link;
        if (other != nullptr) a.running_panel_order_id = other->panel_order_id();
        a.error = "link has a running order: panel order id " +
                  (other ? std::string(other->panel_order_id()) : std::string("?"));
        counters.intake_duplicate_link.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      held = true;
    }
    const std::optional<std::int64_t> id = ctx_.take_order_id();
    if (!id) {  // the store could not hand out ids (PostgreSQL unreachable): nothing stored
      a.status = add_status::unavailable;
      a.error = "the journal could not hand out an order id; nothing stored, safe to retry";
      counters.intake_unavailable.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    auto rec = std::make_unique<order_record>();
    rec->set_id(*id);
    rec->set_panel_order_id(a.panel_order_id);
    rec->request_hash = p.request_hash;
    rec->service = p.service;
    rec->pending = std::make_unique<pending_add>();
    rec->pending->params = std::move(p.params);
    rec->pending->accepted_us = engine_context::steady_us();
    rec->o.service_id = p.service->id;
    rec->o.quantity = p.quantity;
    rec->o.charge = p.charge;
    rec->o.link_hash = p.link.hash;
    rec->o.received_at = now;
    rec->o.state = order_state::received;
    rec->updated_at = now;

    store::order_insert ins;
    ins.id = rec->id();
    ins.panel_order_id = a.panel_order_id;
    ins.request_hash = p.request_hash;
    ins.service_id = p.service->id;
    ins.link = rec->pending->params.link;
    ins.link_key = p.link.text;
    ins.quantity = p.quantity;
    ins.params = std::move(p.encoded);
    ins.charge_micros = p.charge.micros();
    ins.state = static_cast<std::uint8_t>(order_state::queued);
    ins.at = now;
    ops.emplace_back(std::move(ins));

    auto& r = ctx_.book.insert(std::move(rec));
    // Occupy (or wait on) the link now, so a second order on it in the same batch sees it.
    if (held) {
      ctx_.book.hold(r);
    } else {
      ctx_.book.occupy_link(r);
    }
    fresh.emplace_back(i, r.id());
  }
  ctx_.sync_counts();
  if (!ops.empty()) {
    ++c->outstanding;
    // Which ids go to the dispatcher is decided here (held ones wait for their link).
    std::vector<bool> dispatch_now;
    dispatch_now.reserve(fresh.size());
    for (const auto& f : fresh) dispatch_now.push_back(!ctx_.book.find(f.second)->held);
    ctx_.journal.submit(std::move(ops), [this, c, fresh, dispatch_now = std::move(dispatch_now),
                                         keep = ctx_.shared_from_this()](store::commit_result res) mutable {
      // Writer thread: the answer goes to the strand first, then the committed orders go
      // to the dispatcher's queue (the dispatcher accepts either arrival order).
      std::vector<std::int64_t> ids;
      if (res.ok) {
        for (std::size_t k = 0; k < fresh.size(); ++k)
          if (dispatch_now[k] && k < res.outcomes.size() && res.outcomes[k] == store::op_outcome::applied)
            ids.push_back(fresh[k].second);
      }
      asio::post(ctx_.strand, [this, c, fresh = std::move(fresh), res = std::move(res), keep]() mutable {
        committed(std::move(c), std::move(fresh), res);
      });
      ctx_.disp->enqueue(ids);
    });
  }
  finish(c);
}

void intake::committed(std::shared_ptr<call> c, std::vector<std::pair<std::size_t, std::int64_t>> fresh,
                       const store::commit_result& res) {
  auto& counters = ctx_.counters;
  for (std::size_t k = 0; k < fresh.size(); ++k) {
    auto& a = c->answers[fresh[k].first];
    order_record* r = ctx_.book.find(fresh[k].second);
    if (r == nullptr) continue;
    const bool applied = res.ok && k < res.outcomes.size() && res.outcomes[k] == store::op_outcome::applied;
    auto waiters = r->take_durable_waiters();
    if (applied) {
      r->durable = true;
      if (r->o.state == order_state::received) ctx_.book.set_state(*r, order_state::queued);
      fill(a, *r, r->held ? add_status::held : add_status::accepted);
      counters.intake_accepted.fetch_add(1, std::memory_order_relaxed);
    } else {
      if (res.ok) {
        // The journal has this panel id already (written by an earlier run and not seen
        // by the lookup, or purged by retention, which keeps the id taken): nothing was
        // written now. A purged order with the same content is a replay of it.
        const auto purged = ctx_.reader->find_purged(a.panel_order_id);
        if (purged && purged->request_hash == r->request_hash) {
          a.status = add_status::replayed;
          a.order_id = purged->order_id;
          a.state = static_cast<order_state>(purged->state);
          a.charge = money::from_micros(purged->charge_micros);
          counters.intake_replayed.fetch_add(1, std::memory_order_relaxed);
        } else {
          a.status = add_status::conflict;
          a.error = "panel order id " + a.panel_order_id +
                    (purged ? " exists with different content" : " already exists");
          counters.intake_conflicts.fetch_add(1, std::memory_order_relaxed);
        }
      } else {
        a.status = add_status::unavailable;
        a.error = "the journal could not commit the order (" + res.error + "); nothing stored, safe to retry";
        counters.intake_unavailable.fetch_add(1, std::memory_order_relaxed);
      }
      if (order_record* released = ctx_.book.leave_link(*r)) ctx_.disp->enqueue_local(released->id());
      ctx_.book.erase(r->id());
    }
    for (auto& w : waiters) w(applied);
  }
  ctx_.sync_counts();
  if (res.ok) ctx_.events_committed();
  finish(c);
}

}  // namespace smm::daemon
