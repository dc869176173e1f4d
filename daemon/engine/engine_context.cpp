#include "daemon/engine/engine_context.hpp"

#include <boost/asio/post.hpp>
#include <chrono>

#include "daemon/engine/dispatcher.hpp"
#include "daemon/engine/event_feed.hpp"
#include "daemon/engine/intake_rules.hpp"
#include "daemon/engine/poller.hpp"
#include "daemon/engine/reconciler.hpp"
#include "daemon/engine/refills.hpp"
#include "dispatch/link.hpp"
#include "dispatch/retention.hpp"
#include "logging/logging.hpp"

namespace smm::daemon {

namespace asio = boost::asio;

engine_context::engine_context(asio::io_context& io_, config cfg_, store::order_store& journal_,
                               engine_options opts_)
    : io(io_),
      cfg(std::move(cfg_)),
      opts(std::move(opts_)),
      strand(asio::make_strand(io_)),
      journal(journal_),
      reader(journal_.open_reader()),
      providers(io_.get_executor(), cfg, opts, &journal_) {
  log = logging::logger("engine");
  book.reserve(opts.expected_open_orders);
}

engine_context::~engine_context() = default;

std::optional<std::int64_t> engine_context::take_order_id() {
  if (next_id >= next_id_end) {
    try {
      const store::id_block block = journal.allocate_order_ids();
      next_id = block.first;
      next_id_end = block.first + block.count;
    } catch (const std::exception& e) {  // names the store, never its password
      log->warn("no order ids from {}: {}", journal.describe(), e.what());
      return std::nullopt;
    }
  }
  return next_id++;
}

std::int64_t engine_context::now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t engine_context::panel_id_hash(std::string_view panel_order_id) {
  return std::hash<std::string_view>{}(panel_order_id);
}

std::int64_t engine_context::steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t engine_context::steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

store::state_change engine_context::make_change(const order_record& r, order_state next) const {
  store::state_change c;
  c.order_id = r.id();
  c.old_state = static_cast<std::uint8_t>(r.o.state);
  c.new_state = static_cast<std::uint8_t>(next);
  c.final = is_final(next) && !is_final(r.o.state);
  c.at = now_s();
  // Refill rule 5 compares placements, also after a restart: the journal keeps the latest.
  if (next == order_state::placed && r.o.state != order_state::placed) c.placed_at = c.at;
  if (next == order_state::sending) c.sent_at = c.at;  // `show` and `orders` give it (schema v4)
  if (c.final) {
    // Retention keeps the order through its refill guarantee and claim window. An order
    // whose service left the config gets the longest window any configured service needs.
    const std::int64_t keep = r.service != nullptr
                                  ? keep_after_final_s(next, *r.service, cfg.policy)
                                  : longest_keep_after_final(cfg.services, cfg.policy).seconds;
    c.keep_until = c.at + keep;
  }
  return c;
}

lifecycle_rules engine_context::rules_for(const order_record& r) const {
  lifecycle_rules rules;
  rules.now = now_s();
  rules.service = r.service;
  rules.policy = &cfg.policy;
  rules.links = &book.links();
  rules.retry_delay_ms = opts.retry_delay.count();
  return rules;
}

order_plan engine_context::plan(const order_record& r, const order_event& e) const {
  return plan_for(r.o, e, rules_for(r));
}

void engine_context::carry_out(order_record& r, const order_plan& p, const order_event& e, plan_detail d,
                               std::function<void(order_record*, bool)> then) {
  if (p.kind != plan_kind::change) {
    if (then) then(&r, true);
    return;
  }
  if (p.anomaly) {
    if (r.o.anomalies < 255) ++r.o.anomalies;
    counters.anomalies.fetch_add(1, std::memory_order_relaxed);
  }
  auto c = make_change(r, p.next);
  c.provider = std::move(d.provider);
  c.provider_order_id = std::move(d.provider_order_id);
  c.raw_status = std::move(d.raw_status);
  c.note = std::move(d.note);
  if (p.keep_figures) {
    if (e.start_count != no_value) c.start_count = e.start_count;
    if (e.remains != no_value) c.remains = e.remains;
  }
  if (c.final) {
    // The refund is always recorded with its reason: "0" is a figure too (docs/rules.md).
    if (!p.refund.amount.is_zero()) c.refund_micros = p.refund.amount.micros();
    c.refund_reason = std::string(to_string(p.refund.reason));
    c.refill_eligible = p.refill_eligible;
  }
  change(r, std::move(c), std::move(then));
}

void engine_context::change(order_record& r, store::state_change c,
                            std::function<void(order_record*, bool)> then, bool urgent) {
  r.busy = true;
  ++changes_in_flight;
  const std::int64_t id = r.id();
  std::vector<store::journal_op> ops;
  ops.emplace_back(c);
  auto done = [self = shared_from_this(), id, c = std::move(c),
               then = std::move(then)](store::commit_result res) mutable {
    asio::post(self->strand, [self, id, c = std::move(c), then = std::move(then), res = std::move(res)] {
      --self->changes_in_flight;
      order_record* r = self->book.find(id);
      if (r != nullptr) r->busy = false;
      if (!res.ok) self->log->error("journal: change of order {} not committed: {}", id, res.error);
      if (res.ok && r != nullptr)
        self->apply(*r, c, res.outcomes.empty() ? store::op_outcome::applied : res.outcomes[0]);
      if (res.ok) self->events_committed();
      if (then) then(r, res.ok);
    });
  };
  if (urgent)
    journal.submit_urgent(std::move(ops), std::move(done));
  else
    journal.submit(std::move(ops), std::move(done));
}

void engine_context::change_batch(std::vector<store::state_change> changes, std::function<void(bool)> then) {
  std::vector<store::journal_op> ops;
  ops.reserve(changes.size());
  for (const auto& c : changes) {
    if (auto* r = book.find(c.order_id)) r->busy = true;
    ops.emplace_back(c);
  }
  ++changes_in_flight;
  journal.submit(std::move(ops), [self = shared_from_this(), changes = std::move(changes),
                                  then = std::move(then)](store::commit_result res) mutable {
    asio::post(self->strand, [self, changes = std::move(changes), then = std::move(then),
                              res = std::move(res)] {
      --self->changes_in_flight;
      if (!res.ok)
        self->log->error("journal: batch of {} changes not committed: {}", changes.size(), res.error);
      for (std::size_t i = 0; i < changes.size(); ++i) {
        order_record* r = self->book.find(changes[i].order_id);
        if (r == nullptr) continue;
        r->busy = false;
        if (res.ok)
          self->apply(*r, changes[i], i < res.outcomes.size() ? res.outcomes[i] : store::op_outcome::applied);
      }
      if (res.ok) self->events_committed();
      if (then) then(res.ok);
    });
  });
}

void engine_context::apply(order_record& r, const store::state_change& c, store::op_outcome outcome) {
  if (outcome == store::op_outcome::missing) return;
  const auto old_state = r.o.state;
  const auto next = static_cast<order_state>(c.new_state);
  const std::int64_t now = c.at;
  if (c.provider) {
    book.set_provider(r, *c.provider);
    const auto i = providers.index_of(r.provider());
    r.provider_index = i ? static_cast<std::int16_t>(*i) : std::int16_t{-1};
  }
  if (c.provider_order_id) r.set_provider_order_id(*c.provider_order_id);
  if (c.sent_at) r.sent_at = *c.sent_at;
  if (c.attempt) r.o.send_attempts = static_cast<std::uint8_t>(std::min<std::int32_t>(*c.attempt, 255));
  if (c.raw_status) book.set_raw_status(r, *c.raw_status);
  if (c.start_count) r.o.start_count = *c.start_count;
  if (c.remains) r.o.remains = *c.remains;
  if (!c.note.empty()) r.set_note(c.note);
  r.updated_at = now;
  if (c.refund_micros && outcome == store::op_outcome::applied) {
    r.set_refund(money::from_micros(*c.refund_micros));
    r.set_refund_reason(c.refund_reason);
    counters.refunds_micros.fetch_add(*c.refund_micros, std::memory_order_relaxed);
  } else if (!c.refund_reason.empty() && !r.refund()) {
    r.set_refund_reason(c.refund_reason);
  }
  if (next != order_state::queued) count_waiting(r, -1);  // no longer waits for a paused provider
  if (next == old_state) {
    sync_counts();
    return;
  }
  book.set_state(r, next);
  // Placed (or final): the add is done, its fields leave memory (pending_of reads them back).
  if (!may_be_sent(next)) r.pending.reset();
  if (next == order_state::unknown && recon) recon->watch(r.id());
  stamp_transition(r.o, old_state, next, now);
  if (next == order_state::placed && refill_window_s > 0)
    book.links().record_placement(r.o.link_hash, r.id(), now);
  // Proven absent (an operator or reconciliation): sent again from the route's first hop.
  if (next == order_state::queued && old_state == order_state::unknown) {
    r.min_hop = 0;
    disp->enqueue_local(r.id());
  }
  // Entering the running states (placed, or resolved as placed): first poll one interval on.
  if (is_running_upstream(next) && !is_running_upstream(old_state)) poll->schedule_first(r);
  if (is_final(next) && !is_final(old_state)) {
    counters.finals.fetch_add(1, std::memory_order_relaxed);
    finals_by_time.emplace_back(r.id(), now);
    // The link is free once its order is final: the next held order on it may go.
    if (order_record* released = book.leave_link(r); released != nullptr) {
      log->info("order {} released: the order on its link is final", released->panel_order_id());
      disp->enqueue_local(released->id());
    }
  }
  sync_counts();
}

std::int64_t engine_context::longest_refill_s(const config& cfg) {
  std::int64_t longest = 0;
  for (const auto& s : cfg.services)
    if (s.refill_days && *s.refill_days > 0)
      longest = std::max<std::int64_t>(longest, *s.refill_days * 86400ll);
  return longest;
}

std::int64_t engine_context::placements_needed_since(std::int64_t now) {
  std::int64_t since = now - refill_window_s;
  const auto finals = reader->earliest_placement_of_final(
      since,
      {static_cast<std::uint8_t>(order_state::completed), static_cast<std::uint8_t>(order_state::partial)});
  if (finals) since = std::min(since, *finals);
  book.for_each([&](order_record& r) {
    if (!is_final(r.o.state) && r.o.placed_at != no_value) since = std::min(since, r.o.placed_at);
  });
  return since;
}

order_record* engine_context::lookup(const std::string& panel_order_id) {
  if (auto* r = book.find_panel(panel_order_id)) return r;
  if (!journal_only_panel_ids.contains(panel_id_hash(panel_order_id))) return nullptr;
  auto row = reader->find_order(panel_order_id);
  if (!row) return nullptr;
  auto rec = record_from_row(*row);
  if (rec->service == nullptr && !is_final(rec->o.state)) {
    // Open orders are all in memory already; a row found here is final or from a race.
    log->warn("order {} found in the journal but not in memory", panel_order_id);
  }
  load_outcome(*rec);
  auto& r = book.insert(std::move(rec));
  if (is_final(r.o.state)) finals_by_time.emplace_back(r.id(), now_s());  // leaves memory again
  sync_counts();
  return &r;
}

void engine_context::load_outcome(order_record& r) {
  // The refund lives in its event (recorded once by the store).
  const std::string* note = nullptr;
  const auto events = reader->order_events(r.id());
  for (const auto& e : events) {
    if (e.refund_micros) r.set_refund(money::from_micros(*e.refund_micros));
    if (!e.note.empty()) note = &e.note;
  }
  if (note != nullptr) r.set_note(*note);
  load_refill(*this, r);  // refill_status and rules 6-7 answer as before a restart
}

std::unique_ptr<order_record> engine_context::record_from_row(const store::order_row& row) {
  auto r = std::make_unique<order_record>();
  r->set_id(row.id);
  r->set_panel_order_id(row.panel_order_id);
  r->request_hash = row.request_hash;
  r->service = cfg.find_service(row.service_id);
  auto params = decode_params(row.params);
  if (!params) {
    log->error("order {}: stored params unreadable", row.panel_order_id);
    params.emplace();
  }
  if (r->service != nullptr) params->type = r->service->type;
  r->o.service_id = row.service_id;
  r->o.quantity = row.quantity;
  r->o.charge = money::from_micros(row.charge_micros);
  // From the link as the panel sent it, with today's rules (docs/links.md): an order of an
  // earlier version still guards its link against a new spelling of it.
  const std::string& raw_link = params->link.empty() ? params->username : params->link;
  r->o.link_hash = raw_link.empty() ? link_hash(row.link_key) : normalize_link(raw_link).hash;
  r->o.state = static_cast<order_state>(row.state);
  r->o.send_attempts = static_cast<std::uint8_t>(std::min<std::int32_t>(row.attempt, 255));
  r->o.received_at = row.created_at;
  r->o.last_status_change_at = row.updated_at;
  if (row.start_count) r->o.start_count = *row.start_count;
  if (row.remains) r->o.remains = *row.remains;
  if (row.final_at) r->o.completed_at = *row.final_at;
  if (row.provider) {
    book.set_provider(*r, *row.provider);
    const auto i = providers.index_of(r->provider());
    r->provider_index = i ? static_cast<std::int16_t>(*i) : std::int16_t{-1};
  }
  if (row.provider_order_id) r->set_provider_order_id(*row.provider_order_id);
  if (row.placed_at) {
    r->o.placed_at = *row.placed_at;
  } else if (row.provider_order_id) {
    r->o.placed_at = row.updated_at;  // best known: placed before the journal kept the time
  }
  if (row.raw_status) book.set_raw_status(*r, *row.raw_status);
  if (row.sent_at) r->sent_at = *row.sent_at;
  if (row.speedup_at) r->o.last_speedup_at = *row.speedup_at;  // the speed-up interval holds
  r->updated_at = row.updated_at;
  r->durable = true;
  // Only an order that may still be sent keeps its add's fields (placed ones read them back).
  if (may_be_sent(r->o.state)) r->pending = std::make_unique<pending_add>(pending_add{std::move(*params), 0});
  return r;
}

pending_add& engine_context::pending_of(order_record& r) {
  if (r.pending) return *r.pending;
  r.pending = std::make_unique<pending_add>();
  const auto row = reader->find_order(r.id());
  auto params = row ? decode_params(row->params) : std::nullopt;
  if (params) {
    r.pending->params = std::move(*params);
  } else {
    log->error("order {}: stored params unreadable", r.panel_order_id());
  }
  if (r.service != nullptr) r.pending->params.type = r.service->type;
  return *r.pending;
}

std::string engine_context::link_of(const order_record& r, const store::order_row* row) {
  const auto of = [](const providers::add_order& p) { return p.link.empty() ? p.username : p.link; };
  if (r.pending) return of(r.pending->params);
  std::optional<store::order_row> read;
  if (row == nullptr || row->id != r.id()) {
    read = reader->find_order(r.id());
    row = read ? &*read : nullptr;
  }
  if (row == nullptr) return {};
  // The journal's link column is the panel's link; the params have the username when it is empty.
  if (!row->link.empty()) return row->link;
  const auto params = decode_params(row->params);
  return params ? of(*params) : std::string();
}

void engine_context::sync_counts() {
  const auto& c = book.counts();
  for (std::size_t i = 0; i < c.size(); ++i) counters.by_state[i].store(c[i], std::memory_order_relaxed);
  counters.held.store(book.held_count(), std::memory_order_relaxed);
}

void engine_context::events_committed() {
  if (feed) feed->notify();
}

void engine_context::count_waiting(order_record& r, int provider) {
  if (r.waits_on_paused == provider) return;
  if (r.waits_on_paused >= 0) {
    auto& from = providers.at(static_cast<std::size_t>(r.waits_on_paused));
    if (from.waiting_paused > 0) --from.waiting_paused;
  }
  r.waits_on_paused = static_cast<std::int16_t>(provider);
  if (provider >= 0) ++providers.at(static_cast<std::size_t>(provider)).waiting_paused;
}

std::string engine_context::provider_service_id(const order_record& r) const {
  if (r.service == nullptr || r.provider().empty()) return {};
  // The hop it was last sent on, else the first hop of its provider (after a restart).
  if (r.hop < r.service->route.size() && r.service->route[r.hop].provider == r.provider())
    return r.service->route[r.hop].provider_service_id;
  for (const auto& hop : r.service->route)
    if (hop.provider == r.provider()) return hop.provider_service_id;
  return {};
}

void engine_context::note(store::order_note n, std::function<void(order_record*, bool)> then) {
  ++changes_in_flight;
  const std::int64_t id = n.order_id;
  std::vector<store::journal_op> ops;
  ops.emplace_back(n);
  journal.submit(std::move(ops), [self = shared_from_this(), id, note = std::move(n.note),
                                  then = std::move(then)](store::commit_result res) mutable {
    asio::post(self->strand, [self, id, note = std::move(note), then = std::move(then),
                              res = std::move(res)] {
      --self->changes_in_flight;
      const bool applied = res.ok && !res.outcomes.empty() && res.outcomes[0] == store::op_outcome::applied;
      if (!res.ok) self->log->error("journal: note on order {} not committed: {}", id, res.error);
      order_record* r = self->book.find(id);
      if (applied && r != nullptr) r->set_note(note);  // the last note of its events, as a reload shows it
      if (res.ok) self->events_committed();
      if (then) then(r, applied);
    });
  });
}

}  // namespace smm::daemon
