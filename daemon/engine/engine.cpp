#include "daemon/engine/engine.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "daemon/engine/dispatcher.hpp"
#include "daemon/engine/engine_context.hpp"
#include "daemon/engine/event_feed.hpp"
#include "daemon/engine/intake.hpp"
#include "daemon/engine/order_actions.hpp"
#include "daemon/engine/poller.hpp"
#include "daemon/engine/reconciler.hpp"

namespace smm::daemon {

namespace asio = boost::asio;

namespace {

// Stops the loops and waits for the adds on the wire and the journal changes to land.
asio::awaitable<void> drain(std::shared_ptr<engine_context> c, std::shared_ptr<std::promise<bool>> drained,
                            std::chrono::steady_clock::time_point deadline) {
  c->disp->stop();
  c->poll->stop();
  c->recon->stop();
  asio::steady_timer t(c->strand);
  while (c->disp->adds_in_flight() > 0 || c->changes_in_flight > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      c->log->warn("stop: {} adds and {} journal changes still in flight at the deadline",
                   c->disp->adds_in_flight(), c->changes_in_flight);
      drained->set_value(false);
      co_return;
    }
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  drained->set_value(true);
}

}  // namespace

engine::engine(asio::io_context& io, const config& cfg, store::order_store& journal, engine_options opts)
    : ctx_(std::make_shared<engine_context>(io, cfg, journal, std::move(opts))),
      intake_(std::make_unique<intake>(*ctx_)),
      actions_(std::make_unique<order_actions>(*ctx_)) {
  ctx_->feed = std::make_unique<event_feed>(*ctx_);
  ctx_->disp = std::make_unique<dispatcher>(*ctx_);
  ctx_->poll = std::make_unique<poller>(*ctx_);
  ctx_->recon = std::make_unique<reconciler>(*ctx_);
}

engine::~engine() {
  ctx_->stopping = true;
  // Loops hold the context alive; ask them to end (they do once the io_context runs them).
  asio::post(ctx_->strand, [c = ctx_] {
    c->disp->stop();
    c->poll->stop();
    c->recon->stop();
  });
}

recovery_report engine::start() {
  std::vector<std::int64_t> to_dispatch;
  // Nothing runs on the strand yet: the book is filled from this thread.
  const recovery_report rep = recover(*ctx_, to_dispatch);
  ctx_->feed->start();
  ctx_->started = true;
  asio::post(ctx_->strand, [c = ctx_, ids = std::move(to_dispatch)] {
    c->disp->start();
    c->poll->start();
    c->recon->start();
    c->disp->enqueue(ids);
  });
  return rep;
}

bool engine::stop(std::chrono::milliseconds grace) {
  ctx_->stopping = true;
  auto drained = std::make_shared<std::promise<bool>>();
  auto fut = drained->get_future();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  asio::co_spawn(ctx_->strand, drain(ctx_, drained, deadline), asio::detached);
  if (ctx_->io.stopped()) return false;
  if (fut.wait_until(deadline + std::chrono::milliseconds(500)) != std::future_status::ready) return false;
  return fut.get();
}

engine_figures engine::figures() const {
  const auto& c = ctx_->counters;
  engine_figures f;
  for (std::size_t i = 0; i < f.orders_by_state.size(); ++i)
    f.orders_by_state[i] = c.by_state[i].load(std::memory_order_relaxed);
  f.held = c.held.load(std::memory_order_relaxed);
  // The whole journal's counts (kept by the store, read without a scan): after a restart the
  // final orders of earlier runs are in the journal only.
  const auto journal_counts = ctx_->journal.orders_by_state();
  for (std::size_t i = 0; i < f.journal_orders_by_state.size(); ++i)
    f.journal_orders_by_state[i] = journal_counts[i];
  f.journal_counted = true;
  f.intake_accepted = c.intake_accepted.load(std::memory_order_relaxed);
  f.intake_replayed = c.intake_replayed.load(std::memory_order_relaxed);
  f.intake_conflicts = c.intake_conflicts.load(std::memory_order_relaxed);
  f.intake_invalid = c.intake_invalid.load(std::memory_order_relaxed);
  f.intake_duplicate_link = c.intake_duplicate_link.load(std::memory_order_relaxed);
  f.intake_unavailable = c.intake_unavailable.load(std::memory_order_relaxed);
  f.adds_sent = c.adds_sent.load(std::memory_order_relaxed);
  f.placed = c.placed.load(std::memory_order_relaxed);
  f.rejected = c.rejected.load(std::memory_order_relaxed);
  f.unknown = c.unknown.load(std::memory_order_relaxed);
  f.requeued = c.requeued.load(std::memory_order_relaxed);
  f.finals = c.finals.load(std::memory_order_relaxed);
  f.refunds_micros = c.refunds_micros.load(std::memory_order_relaxed);
  f.anomalies = c.anomalies.load(std::memory_order_relaxed);
  f.status_polls = c.status_polls.load(std::memory_order_relaxed);
  f.reconciled_found = c.reconciled_found.load(std::memory_order_relaxed);
  f.reconciled_absent = c.reconciled_absent.load(std::memory_order_relaxed);
  f.reconcile_inconclusive = c.reconcile_inconclusive.load(std::memory_order_relaxed);
  f.intake_ack = c.intake_ack.snapshot();
  f.placement = c.placement.snapshot();
  return f;
}

void engine::add(std::vector<panel_order> orders, std::function<void(std::vector<add_answer>)> done) {
  intake_->add(std::move(orders), std::move(done));
}

void engine::status(std::vector<std::string> ids, std::function<void(std::vector<lookup_answer>)> done) {
  actions_->status(std::move(ids), std::move(done));
}

void engine::cancel(std::vector<std::string> ids, std::function<void(std::vector<action_answer>)> done) {
  actions_->cancel(std::move(ids), std::move(done));
}

void engine::refill(std::string id, std::optional<std::int64_t> current_count,
                    std::function<void(action_answer)> done) {
  actions_->refill(std::move(id), current_count, std::move(done));
}

void engine::refill_status(std::string id, std::function<void(action_answer)> done) {
  actions_->refill_status(std::move(id), std::move(done));
}

void engine::speedup(std::string id, std::function<void(action_answer)> done) {
  actions_->speedup(std::move(id), std::move(done));
}

void engine::resolve(resolution r, std::function<void(action_answer)> done) {
  actions_->resolve(std::move(r), std::move(done));
}

std::unique_ptr<subscription> engine::subscribe(std::int64_t after_seq,
                                                std::function<void(std::vector<event_view>)> on_events) {
  return ctx_->feed->subscribe(after_seq, std::move(on_events));
}

std::vector<provider_view> engine::providers() { return ctx_->providers.views(); }

std::vector<std::pair<std::string, providers::client_figures>> engine::client_figures() const {
  // The set of clients is fixed at construction and figures() is thread-safe.
  std::vector<std::pair<std::string, providers::client_figures>> out;
  out.reserve(ctx_->providers.size());
  for (std::size_t i = 0; i < ctx_->providers.size(); ++i) {
    auto& p = ctx_->providers.at(i);
    out.emplace_back(p.client->name(), p.client->figures());
  }
  return out;
}

std::vector<service_def> engine::services() { return ctx_->cfg.services; }

void engine::panel_ids(std::vector<std::int64_t> order_ids,
                       std::function<void(std::vector<std::optional<std::string>>)> done) {
  actions_->panel_ids(std::move(order_ids), std::move(done));
}

void engine::list_orders(order_state state, std::int64_t after_id, std::size_t limit,
                         std::function<void(order_page)> done) {
  actions_->list_orders(state, after_id, limit, std::move(done));
}

void engine::history(std::string panel_order_id, std::function<void(order_history)> done) {
  actions_->history(std::move(panel_order_id), std::move(done));
}

bool engine::set_provider_paused(const std::string& name, bool paused, std::string reason) {
  // The set of providers is fixed at construction: the name lookup is safe from any thread.
  const auto i = ctx_->providers.index_of(name);
  if (!i) return false;
  ctx_->providers.set_operator_pause(*i, paused, reason);
  ctx_->log->warn("provider {} {} by an operator{}{}", name, paused ? "paused" : "resumed",
                  reason.empty() ? "" : ": ", reason);
  // Resumed: queued orders may go now; paused: its pending orders are routed elsewhere.
  asio::post(ctx_->strand, [c = ctx_] {
    c->providers.publish();
    c->disp->kick();
  });
  return true;
}

}  // namespace smm::daemon
