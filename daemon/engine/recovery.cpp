#include "daemon/engine/recovery.hpp"

#include <stdexcept>

#include "daemon/engine/poller.hpp"

namespace smm::daemon {

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
  for (const auto& row : ctx.reader->open_orders()) {
    auto rec = ctx.record_from_row(row);
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
          to_dispatch.push_back(r.id);
          ++rep.queued;
        }
        break;
      case order_state::placed:
      case order_state::pending:
      case order_state::in_progress:
        ctx.book.occupy_link(r);
        ctx.book.links().record_placement(r.o.link_hash, r.id, r.o.placed_at == no_value ? 0 : r.o.placed_at);
        ctx.poll->schedule_recovered(r);
        ++rep.running;
        break;
      default:
        // unknown (and anything unexpected): it may be running upstream, so it holds its link.
        ctx.book.occupy_link(r);
        for (const auto& e : ctx.reader->order_events(r.id))
          if (!e.note.empty()) r.note = e.note;  // why it is unknown, for the operator
        ++rep.unknown;
        break;
    }
  }
  // Final orders of earlier runs stay in the journal only: intake must know their ids.
  ctx.reader->for_each_final_panel_id(
      [&ctx](std::string_view id) { ctx.journal_only_panel_ids.insert(engine_context::panel_id_hash(id)); });
  ctx.next_id = ctx.reader->last_order_id() + 1;
  rep.next_order_id = ctx.next_id;
  ctx.sync_counts();
  ctx.log->info("recovery: {} open orders ({} queued, {} held, {} running, {} unknown); next id {}",
                rep.open_orders, rep.queued, rep.held, rep.running, rep.unknown, rep.next_order_id);
  return rep;
}

}  // namespace smm::daemon
