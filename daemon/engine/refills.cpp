#include "daemon/engine/refills.hpp"

#include <boost/asio/post.hpp>

#include "dispatch/refill.hpp"

namespace smm::daemon {

namespace asio = boost::asio;

namespace {

// The journaled row of a change, to apply it the way a row read back is applied.
store::refill_row row_of(const store::refill_change& c) {
  store::refill_row row;
  row.order_id = c.order_id;
  row.attempt = c.attempt;
  row.state = c.state;
  row.refusal = c.refusal;
  row.provider = c.provider;
  row.refill_id = c.refill_id;
  row.raw_status = c.raw_status;
  row.message = c.message;
  row.requested_at = c.requested_at;
  row.updated_at = c.at;
  return row;
}

}  // namespace

std::string refill_note(const store::refill_change& c) {
  const auto state = static_cast<refill_state>(c.state);
  std::string note = "refill " + std::to_string(c.attempt) + " " + std::string(to_string(state));
  switch (state) {
    case refill_state::requested:
      return note + ": asked of " + c.provider;
    case refill_state::unknown:
      return note + " (" + c.message + "): it may exist at " + c.provider + "; never resent on a guess";
    case refill_state::refused:
      return note + " by " + c.provider + ": " + c.message;
    case refill_state::failed:
      return note + ", nothing was created at " + c.provider + ": " + c.message;
    default:
      break;
  }
  if (c.refill_id) note += ": refill id " + *c.refill_id;
  if (c.raw_status) note += ", " + c.provider + " says '" + *c.raw_status + "'";
  return note;
}

store::refill_change begin_refill(order_record& r, std::int64_t now) {
  store::refill_change c;
  c.order_id = r.id();
  c.attempt = r.refill_slot().attempt + 1;
  c.state = static_cast<std::uint8_t>(refill_state::requested);
  c.provider = r.provider();
  c.requested_at = now;
  c.at = now;
  c.note = refill_note(c);
  apply_refill(r, row_of(c));
  return c;
}

store::refill_change next_refill(store::refill_change c, refill_state next, std::int64_t now) {
  c.state = static_cast<std::uint8_t>(next);
  c.at = now;
  c.note = refill_note(c);
  return c;
}

std::optional<store::refill_change> refill_change_of(const order_record& r, refill_state next,
                                                     std::int64_t now) {
  const refill_detail* d = r.refill();
  if (d == nullptr || d->attempt == 0) return std::nullopt;
  store::refill_change c;
  c.order_id = r.id();
  c.attempt = d->attempt;
  c.refusal = static_cast<std::uint8_t>(r.o.refill_refused);
  c.provider = d->provider;
  if (!d->refill_id.empty()) c.refill_id = d->refill_id;
  if (!d->raw_status.empty()) c.raw_status = d->raw_status;
  c.message = d->message;
  c.requested_at = r.o.last_refill_at == no_value ? now : r.o.last_refill_at;
  return next_refill(std::move(c), next, now);
}

void apply_refill(order_record& r, const store::refill_row& row) {
  refill_detail& d = r.refill_slot();
  if (row.attempt < d.attempt) return;  // an answer about a request a newer one replaced
  d.attempt = row.attempt;
  d.provider = row.provider;
  if (row.refill_id) d.refill_id = *row.refill_id;
  if (row.raw_status) d.raw_status = *row.raw_status;
  d.message = row.message;
  r.o.refill = static_cast<refill_state>(row.state);
  r.o.last_refill_at = row.requested_at;
  // Rule 7: the provider's refusal stands (a later request never passes it).
  if (r.o.refill == refill_state::refused) r.o.refill_refused = static_cast<refill_refusal>(row.refusal);
}

void load_refill(engine_context& ctx, order_record& r) {
  // The journal is the truth, also about a request memory has and it lacks (not committed).
  const auto row = ctx.reader->latest_refill(r.id());
  r.clear_refill();
  r.o.refill = refill_state::none;
  r.o.refill_refused = refill_refusal::none;
  r.o.last_refill_at = no_value;
  if (row) apply_refill(r, *row);
}

void record_refill(engine_context& ctx, store::refill_change c,
                   std::function<void(order_record*, bool)> then) {
  ++ctx.changes_in_flight;
  std::vector<store::journal_op> ops;
  ops.emplace_back(c);
  ctx.journal.submit(std::move(ops), [self = ctx.shared_from_this(), c = std::move(c),
                                      then = std::move(then)](store::commit_result res) mutable {
    asio::post(self->strand, [self, c = std::move(c), then = std::move(then), res = std::move(res)] {
      --self->changes_in_flight;
      const bool applied = res.ok && !res.outcomes.empty() && res.outcomes[0] == store::op_outcome::applied;
      if (!res.ok) self->log->error("journal: refill of order {} not committed: {}", c.order_id, res.error);
      order_record* r = self->book.find(c.order_id);
      if (applied && r != nullptr) {
        apply_refill(*r, row_of(c));
        r->set_note(c.note);  // the last note of its events, as a reload shows it
      }
      if (res.ok) self->events_committed();
      if (then) then(r, applied);
    });
  });
}

}  // namespace smm::daemon
