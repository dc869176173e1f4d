#pragma once
// The refills of orders, journaled (docs/rules.md "Refill"): every refill request and each
// change of it is written first (one row per request in the journal's refills table, and a
// note in the order's event feed), then applied to the order in memory; lookups and recovery
// load an order's latest request back. So refill_status, rules 6 and 7 and the refill poller
// answer after a restart as they did before it.
// Thread safety: the engine's strand.
#include <cstdint>
#include <functional>
#include <string>

#include "daemon/engine/engine_context.hpp"

namespace smm::daemon {

/// Starts the next refill request of `r`: state requested, attempt + 1, requested at `now`,
/// in memory at once (so a second request sees rule 6 fail before anything is awaited) and
/// returned as the row to journal.
store::refill_change begin_refill(order_record& r, std::int64_t now);

/// The refill `c` moved to `next` at `now`, with its event note rewritten for that state.
store::refill_change next_refill(store::refill_change c, refill_state next, std::int64_t now);

/// The change of the order's current refill to `next` at `now` (the poller, refill_status),
/// or none when the order has no refill.
std::optional<store::refill_change> refill_change_of(const order_record& r, refill_state next,
                                                     std::int64_t now);

/// The event note of a refill change ("refill 2 completed: refill id 17, provider says
/// 'Completed'").
std::string refill_note(const store::refill_change& c);

/// Journals `c`, then on the strand applies it to the order if it is in memory (an older
/// attempt than the order's current one is not applied) and calls `then(order or null,
/// committed)`. The engine's stop waits for it like for any journal change.
void record_refill(engine_context& ctx, store::refill_change c,
                   std::function<void(order_record*, bool)> then);

/// Applies a journaled refill request to the order in memory.
void apply_refill(order_record& r, const store::refill_row& row);

/// Sets the order's refill to its latest request in the journal (none: never requested).
void load_refill(engine_context& ctx, order_record& r);

}  // namespace smm::daemon
