#include "store/postgresql/pg_ops.hpp"

#include <algorithm>
#include <string>
#include <type_traits>

namespace smm::store::pg {
namespace {

// The event columns every event-writing statement returns, in event_row's order.
#define SMM_EVENT_COLUMNS                                                                     \
  "seq, order_id, panel_order_id, old_state, new_state, raw_status, charge_micros, remains, " \
  "refund_micros, refill_eligible, note, at"

// A panel id that retention purged stays taken: the insert writes nothing, like a duplicate.
constexpr const char* insert_order_sql =
    "WITH ins AS (INSERT INTO orders (id, panel_order_id, request_hash, service_id, link, link_key, quantity,"
    " params, charge_micros, state, created_at, updated_at)"
    " SELECT $1::bigint, $2::text, $3::bigint, $4::bigint, $5::text, $6::text, $7::bigint, $8::text, "
    "$9::bigint,"
    " $10::smallint, $11::bigint, $11::bigint"
    " WHERE NOT EXISTS (SELECT 1 FROM purged_orders WHERE panel_order_id = $2::text)"
    " ON CONFLICT DO NOTHING RETURNING id, panel_order_id, charge_micros, state, created_at),"
    " cnt AS (INSERT INTO pg_temp.count_delta (state, d) SELECT state, 1 FROM ins),"
    " ev AS (INSERT INTO events (seq, order_id, panel_order_id, old_state, new_state, charge_micros, note, "
    "at)"
    " SELECT nextval('pg_temp.event_seq'), id, panel_order_id, 0, state, charge_micros, 'accepted', "
    "created_at"
    " FROM ins RETURNING " SMM_EVENT_COLUMNS
    ")"
    " SELECT " SMM_EVENT_COLUMNS " FROM ev";

// keep_until only grows; the refund goes into the event only when none was recorded before
// (refunds holds one per order), and then into refunds with the event's seq.
constexpr const char* change_state_sql =
    "WITH u AS (UPDATE orders SET prev_state = state, state = $1::smallint, provider = coalesce($2::text, "
    "provider),"
    " provider_order_id = coalesce($3::text, provider_order_id), attempt = coalesce($4::integer, attempt),"
    " raw_status = coalesce($5::text, raw_status), start_count = coalesce($6::bigint, start_count),"
    " remains = coalesce($7::bigint, remains), updated_at = $8::bigint,"
    " final_at = CASE WHEN $9::boolean THEN $8::bigint ELSE final_at END,"
    " keep_until = CASE WHEN $10::bigint IS NULL OR $10::bigint <= keep_until THEN keep_until ELSE "
    "$10::bigint END,"
    " placed_at = coalesce($12::bigint, placed_at), sent_at = coalesce($13::bigint, sent_at)"
    " WHERE id = $11::bigint RETURNING panel_order_id, charge_micros, prev_state),"
    " paid AS (SELECT count(*) AS n FROM refunds WHERE order_id = $11::bigint),"
    " cnt AS (INSERT INTO pg_temp.count_delta (state, d)"
    " SELECT prev_state, -1 FROM u WHERE prev_state <> $1::smallint"
    " UNION ALL SELECT $1::smallint, 1 FROM u WHERE prev_state <> $1::smallint),"
    " ev AS (INSERT INTO events (seq, order_id, panel_order_id, old_state, new_state, raw_status, "
    "charge_micros,"
    " remains, refund_micros, refill_eligible, note, at)"
    " SELECT nextval('pg_temp.event_seq'), $11::bigint, u.panel_order_id, $14::smallint, $1::smallint, "
    "$5::text,"
    " u.charge_micros, $7::bigint, CASE WHEN paid.n = 0 THEN $15::bigint END, $16::boolean, $17::text, "
    "$8::bigint"
    " FROM u, paid RETURNING " SMM_EVENT_COLUMNS
    "),"
    " rf AS (INSERT INTO refunds (order_id, amount_micros, reason, event_seq, at)"
    " SELECT order_id, refund_micros, $18::text, seq, at FROM ev WHERE refund_micros IS NOT NULL)"
    " SELECT " SMM_EVENT_COLUMNS " FROM ev";

// The refill row is replaced at each change; the provider's refill id and status text, once
// known, stay when a later change does not carry them. The order's state does not change.
constexpr const char* change_refill_sql =
    "WITH o AS (SELECT panel_order_id, charge_micros, state FROM orders WHERE id = $1::bigint),"
    " up AS (INSERT INTO refills (order_id, attempt, state, refusal, provider, refill_id, raw_status, "
    "message,"
    " requested_at, updated_at) SELECT $1::bigint, $2::integer, $3::smallint, $4::smallint, $5::text, "
    "$6::text,"
    " $7::text, $8::text, $9::bigint, $10::bigint FROM o"
    " ON CONFLICT (order_id, attempt) DO UPDATE SET state = excluded.state, refusal = excluded.refusal,"
    " refill_id = coalesce(excluded.refill_id, refills.refill_id),"
    " raw_status = coalesce(excluded.raw_status, refills.raw_status), message = excluded.message,"
    " updated_at = excluded.updated_at),"
    " ev AS (INSERT INTO events (seq, order_id, panel_order_id, old_state, new_state, charge_micros, note, "
    "at)"
    " SELECT nextval('pg_temp.event_seq'), $1::bigint, panel_order_id, state, state, charge_micros, "
    "$11::text,"
    " $10::bigint FROM o RETURNING " SMM_EVENT_COLUMNS
    ")"
    " SELECT " SMM_EVENT_COLUMNS " FROM ev";

// A note changes no figure of its order (a speed-up request also records its time).
constexpr const char* note_order_sql =
    "WITH u AS (UPDATE orders SET speedup_at = coalesce($1::bigint, speedup_at) WHERE id = $2::bigint"
    " RETURNING panel_order_id, charge_micros, state),"
    " ev AS (INSERT INTO events (seq, order_id, panel_order_id, old_state, new_state, charge_micros, note, "
    "at)"
    " SELECT nextval('pg_temp.event_seq'), $2::bigint, panel_order_id, state, state, charge_micros, $3::text,"
    " $4::bigint FROM u RETURNING " SMM_EVENT_COLUMNS
    ")"
    " SELECT " SMM_EVENT_COLUMNS " FROM ev";

// One row per provider and source, replaced at each pause or resume.
constexpr const char* upsert_pause_sql =
    "INSERT INTO provider_pauses (provider, by_operator, paused, kind, reason, since, funds_needed_micros,"
    " updated_at) VALUES ($1::text, $2::boolean, $3::boolean, $4::text, $5::text, $6::bigint, $7::bigint, "
    "$8::bigint)"
    " ON CONFLICT (provider, by_operator) DO UPDATE SET paused = excluded.paused, kind = excluded.kind,"
    " reason = excluded.reason, since = excluded.since, funds_needed_micros = excluded.funds_needed_micros,"
    " updated_at = excluded.updated_at";

// Old enough for the operator's retention and past the order's own keep window; the highest
// purged id is remembered, and each purged panel id stays taken (purged_orders).
constexpr const char* purge_sql =
    "WITH old AS (SELECT id FROM orders WHERE final_at IS NOT NULL AND final_at < $1::bigint"
    " AND (keep_until IS NULL OR keep_until < $2::bigint)),"
    " floor AS (INSERT INTO meta (key, value) SELECT 'order_id_floor', max(id) FROM old HAVING max(id) IS "
    "NOT NULL"
    " ON CONFLICT (key) DO UPDATE SET value = greatest(meta.value, excluded.value)),"
    " po AS (INSERT INTO purged_orders (panel_order_id, order_id, request_hash, state, charge_micros,"
    " refund_micros, final_at, purged_at) SELECT o.panel_order_id, o.id, o.request_hash, o.state,"
    " o.charge_micros, f.amount_micros, o.final_at, $2::bigint FROM orders o JOIN old ON old.id = o.id"
    " LEFT JOIN refunds f ON f.order_id = o.id ON CONFLICT DO NOTHING),"
    " de AS (DELETE FROM events WHERE order_id IN (SELECT id FROM old)),"
    " dr AS (DELETE FROM refunds WHERE order_id IN (SELECT id FROM old)),"
    " dl AS (DELETE FROM refills WHERE order_id IN (SELECT id FROM old)),"
    " dor AS (DELETE FROM orders WHERE id IN (SELECT id FROM old) RETURNING state)"
    " INSERT INTO pg_temp.count_delta (state, d) SELECT state, -count(*) FROM dor GROUP BY state";

// Recovery at start: every order in one state moves to another, each with an event, in id order.
constexpr const char* move_all_sql =
    "WITH u AS (UPDATE orders SET prev_state = state, state = $2::smallint, updated_at = $3::bigint"
    " WHERE state = $1::smallint AND final_at IS NULL RETURNING id, panel_order_id, charge_micros),"
    " cnt AS (INSERT INTO pg_temp.count_delta (state, d) SELECT $1::smallint, -count(*) FROM u"
    " UNION ALL SELECT $2::smallint, count(*) FROM u),"
    " ev AS (INSERT INTO events (seq, order_id, panel_order_id, old_state, new_state, charge_micros, note, "
    "at)"
    " SELECT nextval('pg_temp.event_seq'), id, panel_order_id, $1::smallint, $2::smallint, charge_micros,"
    " $4::text, $3::bigint FROM (SELECT * FROM u ORDER BY id) s RETURNING " SMM_EVENT_COLUMNS
    ")"
    " SELECT " SMM_EVENT_COLUMNS " FROM ev ORDER BY seq";

// The group's frame. The clock row is locked by the first statement of every transaction
// that writes events and held until its commit, so seqs are handed out in commit order.
constexpr const char* lock_clock_sql =
    "SELECT setval('pg_temp.event_seq', last_seq, true) FROM event_clock WHERE id = 1 FOR UPDATE";
constexpr const char* reset_seq_sql = "SELECT setval('pg_temp.event_seq', $1::bigint, true)";
constexpr const char* add_counts_sql =
    "INSERT INTO order_counts (state, n) SELECT state, sum(d)::bigint FROM pg_temp.count_delta GROUP BY state"
    " HAVING sum(d) <> 0 ON CONFLICT (state) DO UPDATE SET n = order_counts.n + excluded.n";
constexpr const char* advance_clock_sql =
    "UPDATE event_clock SET last_seq = (SELECT last_value FROM pg_temp.event_seq) WHERE id = 1 RETURNING "
    "last_seq";
constexpr const char* read_counts_sql = "SELECT state, n FROM order_counts";

#undef SMM_EVENT_COLUMNS

void send_prepared(pg_connection& c, const char* name, pg_params& p) {
  if (PQsendQueryPrepared(c.get(), name, p.size(), p.values(), nullptr, nullptr, 0) == 0)
    throw c.failure(std::string("sending ") + name);
}

void send_plain(pg_connection& c, const char* sql) {
  if (PQsendQueryParams(c.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
    throw c.failure(std::string("sending ") + sql);
}

std::optional<std::int64_t> widen(const std::optional<std::int32_t>& v) {
  return v ? std::optional<std::int64_t>(*v) : std::nullopt;
}

void send(pg_connection& c, const order_insert& o, std::int64_t) {
  pg_params p;
  p.add(o.id).add(o.panel_order_id).add(o.request_hash).add(o.service_id).add(o.link).add(o.link_key);
  p.add(o.quantity).add(o.params).add(o.charge_micros).add(std::int64_t{o.state}).add(o.at);
  send_prepared(c, "insert_order", p);
}

void send(pg_connection& c, const state_change& s, std::int64_t) {
  pg_params p;
  p.add(std::int64_t{s.new_state}).add(s.provider).add(s.provider_order_id).add(widen(s.attempt));
  p.add(s.raw_status).add(s.start_count).add(s.remains).add(s.at).add(s.final).add(s.keep_until);
  p.add(s.order_id).add(s.placed_at).add(s.sent_at).add(std::int64_t{s.old_state}).add(s.refund_micros);
  p.add(s.refill_eligible).add(s.note).add(s.refund_reason);
  send_prepared(c, "change_state", p);
}

void send(pg_connection& c, const refill_change& f, std::int64_t) {
  pg_params p;
  p.add(f.order_id).add(std::int64_t{f.attempt}).add(std::int64_t{f.state}).add(std::int64_t{f.refusal});
  p.add(f.provider)
      .add(f.refill_id)
      .add(f.raw_status)
      .add(f.message)
      .add(f.requested_at)
      .add(f.at)
      .add(f.note);
  send_prepared(c, "change_refill", p);
}

void send(pg_connection& c, const order_note& n, std::int64_t) {
  pg_params p;
  p.add(n.speedup_at).add(n.order_id).add(n.note).add(n.at);
  send_prepared(c, "note_order", p);
}

void send(pg_connection& c, const provider_pause_change& x, std::int64_t) {
  pg_params p;
  p.add(x.provider).add(x.by_operator).add(x.paused).add(x.kind).add(x.reason).add(x.since);
  p.add(x.funds_needed_micros).add(x.at);
  send_prepared(c, "upsert_pause", p);
}

void send(pg_connection& c, const purge_final& x, std::int64_t now) {
  pg_params p;
  p.add(x.before).add(x.now ? *x.now : now);
  send_prepared(c, "purge", p);
}

void send(pg_connection& c, const move_all_in_state& m, std::int64_t) {
  pg_params p;
  p.add(std::int64_t{m.from}).add(std::int64_t{m.to}).add(m.at).add(m.note);
  send_prepared(c, "move_all", p);
}

event_row read_event(const pg_result& r, int row) {
  event_row e;
  e.seq = r.integer(row, 0);
  e.order_id = r.integer(row, 1);
  e.panel_order_id = r.text(row, 2);
  e.old_state = static_cast<std::uint8_t>(r.integer(row, 3));
  e.new_state = static_cast<std::uint8_t>(r.integer(row, 4));
  e.raw_status = r.opt_text(row, 5);
  e.charge_micros = r.integer(row, 6);
  e.remains = r.opt_integer(row, 7);
  e.refund_micros = r.opt_integer(row, 8);
  e.refill_eligible = r.boolean(row, 9);
  e.note = r.text(row, 10);
  e.at = r.integer(row, 11);
  return e;
}

}  // namespace

void prepare_writer(pg_connection& c) {
  // Per session: the group's seq counter (moved to the clock at each group) and its count
  // deltas (emptied by each commit, undone with a rolled-back batch).
  c.exec("CREATE TEMP SEQUENCE event_seq AS bigint MINVALUE 0 START WITH 1");
  c.exec("CREATE TEMP TABLE count_delta (state smallint NOT NULL, d bigint NOT NULL) ON COMMIT DELETE ROWS");
  c.prepare("insert_order", insert_order_sql);
  c.prepare("change_state", change_state_sql);
  c.prepare("change_refill", change_refill_sql);
  c.prepare("note_order", note_order_sql);
  c.prepare("upsert_pause", upsert_pause_sql);
  c.prepare("purge", purge_sql);
  c.prepare("move_all", move_all_sql);
  c.prepare("lock_clock", lock_clock_sql);
  c.prepare("reset_seq", reset_seq_sql);
  c.prepare("add_counts", add_counts_sql);
  c.prepare("advance_clock", advance_clock_sql);
  c.prepare("read_counts", read_counts_sql);
}

void send_op(pg_connection& c, const journal_op& op, std::int64_t now) {
  std::visit([&](const auto& o) { send(c, o, now); }, op);
}

std::int64_t take_op_result(const journal_op& op, const pg_result& res, commit_result& r,
                            std::vector<event_row>* events) {
  std::int64_t last = 0;
  for (int i = 0; i < res.rows(); ++i) {
    event_row e = read_event(res, i);
    last = std::max(last, e.seq);
    if (events != nullptr) events->push_back(std::move(e));
  }
  op_outcome outcome = op_outcome::applied;
  if (std::holds_alternative<order_insert>(op)) {
    if (res.rows() == 0) outcome = op_outcome::duplicate;
  } else if (const auto* s = std::get_if<state_change>(&op)) {
    if (res.rows() == 0)
      outcome = op_outcome::missing;
    else if (s->refund_micros && res.is_null(0, 8))  // already paid once: no second credit
      outcome = op_outcome::refund_already_recorded;
  } else if (std::holds_alternative<refill_change>(op) || std::holds_alternative<order_note>(op)) {
    if (res.rows() == 0) outcome = op_outcome::missing;
  }
  r.outcomes.push_back(outcome);
  r.event_seq.push_back(last);
  return last;
}

void send_begin(pg_connection& c) { send_plain(c, "BEGIN"); }

void send_lock_clock(pg_connection& c) {
  pg_params none;
  send_prepared(c, "lock_clock", none);
}

void send_reset_seq(pg_connection& c, std::int64_t seq) {
  pg_params p;
  p.add(seq);
  send_prepared(c, "reset_seq", p);
}

void send_finish(pg_connection& c) {
  pg_params none;
  send_prepared(c, "add_counts", none);
  send_prepared(c, "advance_clock", none);
  send_prepared(c, "read_counts", none);
}

void send_commit(pg_connection& c) { send_plain(c, "COMMIT"); }
void send_rollback(pg_connection& c) { send_plain(c, "ROLLBACK"); }
void send_savepoint(pg_connection& c) { send_plain(c, "SAVEPOINT batch"); }
void send_release(pg_connection& c) { send_plain(c, "RELEASE SAVEPOINT batch"); }
void send_rollback_to_savepoint(pg_connection& c) { send_plain(c, "ROLLBACK TO SAVEPOINT batch"); }

}  // namespace smm::store::pg
