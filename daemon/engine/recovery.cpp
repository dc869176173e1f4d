#include "daemon/engine/recovery.hpp"

#include <algorithm>
#include <stdexcept>

#include "daemon/engine/intake_rules.hpp"
#include "daemon/engine/poller.hpp"
#include "daemon/engine/reconciler.hpp"
#include "daemon/engine/refills.hpp"
#include "dispatch/link.hpp"

namespace smm::daemon {

namespace {

constexpr auto code(refill_state s) { return static_cast<std::uint8_t>(s); }

// The link hash record_from_row gives the order: its link (or username) as the panel sent
// it, normalized with today's rules.
std::uint64_t placement_link_hash(const store::placement_row& p) {
  if (!p.link.empty()) return normalize_link(p.link).hash;
  if (const auto params = decode_params(p.params); params && !params->username.empty())
    return normalize_link(params->username).hash;
  return link_hash(p.link_key);
}

// Every open order (final_at unset) in id order, as store_reader::open_orders() gives them,
// but read a page per open state at a time and merged by id: recovery holds a few thousand rows,
// not a million (whose strings, freed after recovery, would stay resident below the records).
class open_rows {
 public:
  explicit open_rows(store::store_reader& reader) : reader_(reader) {
    for (std::size_t s = 0; s < order_state_count; ++s) {
      if (is_final(static_cast<order_state>(s))) continue;
      cursor& c = cursors_.emplace_back();
      c.state = static_cast<std::uint8_t>(s);
    }
  }

  /// The next open order by id, or null when there is none; valid until the next call.
  const store::order_row* next() {
    if (last_ != nullptr) ++last_->at;
    last_ = nullptr;
    for (auto& c : cursors_) {
      fill(c);
      if (c.at < c.page.size() && (last_ == nullptr || c.page[c.at].id < last_->page[last_->at].id))
        last_ = &c;
    }
    return last_ == nullptr ? nullptr : &last_->page[last_->at];
  }

 private:
  static constexpr std::size_t page_rows = 1024;
  struct cursor {
    std::uint8_t state = 0;
    std::vector<store::order_row> page;
    std::size_t at = 0;
    bool done = false;  // the last page was read
  };

  void fill(cursor& c) {
    // Rows of an open state are open; one marked final anyway is skipped as open_orders() would.
    while (true) {
      while (c.at < c.page.size() && c.page[c.at].final_at) ++c.at;
      if (c.at < c.page.size() || c.done) return;
      const std::int64_t after = c.page.empty() ? 0 : c.page.back().id;
      c.page = reader_.orders_in_state(c.state, after, page_rows);
      c.at = 0;
      c.done = c.page.size() < page_rows;
    }
  }

  store::store_reader& reader_;
  std::vector<cursor> cursors_;
  cursor* last_ = nullptr;
};

// Refill requests on the wire when the daemon stopped may exist upstream: unknown, never
// resent (rule 6 holds the next request for the in-progress bound). Returns how many.
std::int64_t settle_requested_refills(engine_context& ctx) {
  const auto rows = ctx.reader->latest_refills_in({code(refill_state::requested)});
  if (rows.empty()) return 0;
  const std::int64_t now = engine_context::now_s();
  std::vector<store::journal_op> ops;
  for (const auto& row : rows) {
    store::refill_change c;
    c.order_id = row.order_id;
    c.attempt = row.attempt;
    c.provider = row.provider;
    c.refill_id = row.refill_id;
    c.message = "the daemon stopped while this refill request was on the wire";
    c.requested_at = row.requested_at;
    ops.emplace_back(next_refill(std::move(c), refill_state::unknown, now));
  }
  const auto res = ctx.journal.submit_and_wait(std::move(ops));
  if (!res.ok) throw std::runtime_error("recovery: cannot settle refill requests in flight: " + res.error);
  return static_cast<std::int64_t>(rows.size());
}

// Refills the provider took and has not ended: their orders (final, so not loaded above)
// come back into memory and the refill poller follows them again.
std::int64_t follow_running_refills(engine_context& ctx) {
  std::int64_t n = 0;
  for (const auto& row :
       ctx.reader->latest_refills_in({code(refill_state::pending), code(refill_state::in_progress)})) {
    order_record* r = ctx.book.find(row.order_id);
    if (r == nullptr) {
      const auto order = ctx.reader->find_order(row.order_id);
      if (!order) continue;
      auto rec = ctx.record_from_row(*order);
      ctx.load_outcome(*rec);
      r = &ctx.book.insert(std::move(rec));
    } else {
      apply_refill(*r, row);
    }
    ctx.poll->watch_refill(r->id());
    ++n;
  }
  return n;
}

// Refill rule 5 compares an order's placement with the newest one on its link. Orders placed
// in this run are recorded as they are placed, running ones above; this loads the placements
// of earlier runs that a refill check can still meet: every placement since the earliest one
// of an order that ended Completed or Partial inside the longest refill guarantee (an order
// outside it fails rule 2 first). Memory: one link_index slot per link placed since then.
std::int64_t load_refill_placements(engine_context& ctx) {
  const std::int64_t longest_s = ctx.refill_window_s;
  if (longest_s == 0) return 0;
  const auto from = ctx.reader->earliest_placement_of_final(
      engine_context::now_s() - longest_s,
      {static_cast<std::uint8_t>(order_state::completed), static_cast<std::uint8_t>(order_state::partial)});
  if (!from) return 0;
  std::int64_t n = 0;
  ctx.reader->for_each_placement_since(*from, [&](const store::placement_row& p) {
    ctx.book.links().record_placement(placement_link_hash(p), p.order_id, p.placed_at);
    ++n;
  });
  return n;
}

// Provider pauses journaled by an earlier run (operator's and the daemon's own), so
// `providers` answers as before the restart. A provider that left the config is ignored.
void restore_pauses(engine_context& ctx) {
  for (const auto& row : ctx.reader->provider_pauses()) {
    if (!row.paused) continue;
    const auto i = ctx.providers.index_of(row.provider);
    if (!i) {
      ctx.log->info("recovery: pause of provider {} ignored: no longer configured", row.provider);
      continue;
    }
    ctx.providers.restore(*i, row);
    ctx.log->warn("recovery: provider {} still paused ({}{}): {}", row.provider,
                  row.by_operator ? "by an operator" : row.kind,
                  row.by_operator ? "" : ", rechecked by balance checks", row.reason);
  }
}

}  // namespace

recovery_report recover(engine_context& ctx, std::vector<std::int64_t>& to_dispatch) {
  recovery_report rep;
  store::move_all_in_state move;
  move.from = static_cast<std::uint8_t>(order_state::sending);
  move.to = static_cast<std::uint8_t>(order_state::unknown);
  move.note =
      "the daemon stopped while this add was on the wire: it may exist upstream; never resent, resolve it";
  move.at = engine_context::now_s();
  const auto res = ctx.journal.submit_and_wait({move});
  if (!res.ok) throw std::runtime_error("recovery: cannot move sending orders to unknown: " + res.error);

  const bool hold = ctx.cfg.policy.duplicate_link == duplicate_link_policy::hold;
  open_rows rows(*ctx.reader);
  while (const store::order_row* row = rows.next()) {
    auto rec = ctx.record_from_row(*row);
    ++rep.open_orders;
    auto state = rec->o.state;
    if (state == order_state::received)
      state = rec->o.state = order_state::queued;  // a durable row is queued
    auto& r = ctx.book.insert(std::move(rec));
    switch (state) {
      case order_state::queued:
        if (hold && ctx.book.links().has_running(r.o.link_hash)) {
          ctx.book.hold(r);
          ++rep.held;
        } else {
          ctx.book.occupy_link(r);
          to_dispatch.push_back(r.id());
          ++rep.queued;
        }
        break;
      case order_state::placed:
      case order_state::pending:
      case order_state::in_progress:
        ctx.book.occupy_link(r);
        ctx.book.links().record_placement(r.o.link_hash, r.id(),
                                          r.o.placed_at == no_value ? 0 : r.o.placed_at);
        ctx.poll->schedule_recovered(r);
        ++rep.running;
        break;
      default:
        // unknown (and anything unexpected): it may be running upstream, so it holds its link.
        ctx.book.occupy_link(r);
        // Why it is unknown, for the operator: the last note of its events.
        for (const auto& e : ctx.reader->order_events(r.id()))
          if (!e.note.empty()) r.set_note(e.note);
        if (ctx.recon) ctx.recon->watch(r.id());  // reconciled where its provider allows it
        ++rep.unknown;
        break;
    }
  }
  restore_pauses(ctx);
  rep.refills_unknown = settle_requested_refills(ctx);
  rep.refills_followed = follow_running_refills(ctx);
  rep.placements = load_refill_placements(ctx);
  // Final orders of earlier runs stay in the journal only: intake must know their ids.
  ctx.reader->for_each_final_panel_id(
      [&ctx](std::string_view id) { ctx.journal_only_panel_ids.insert(engine_context::panel_id_hash(id)); });
  // Ids come from the store: after every id it holds (SQLite), or a block of a sequence
  // several daemons share (PostgreSQL).
  const store::id_block ids = ctx.journal.allocate_order_ids();
  ctx.next_id = ids.first;
  ctx.next_id_end = ids.first + ids.count;
  rep.next_order_id = ctx.next_id;
  ctx.sync_counts();
  ctx.log->info("recovery: {} open orders ({} queued, {} held, {} running, {} unknown); next id {}",
                rep.open_orders, rep.queued, rep.held, rep.running, rep.unknown, rep.next_order_id);
  ctx.log->info(
      "recovery: {} refills followed again, {} refill requests in flight now unknown, {} placements"
      " loaded for refill rule 5",
      rep.refills_followed, rep.refills_unknown, rep.placements);
  return rep;
}

}  // namespace smm::daemon
