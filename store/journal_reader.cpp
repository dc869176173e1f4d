#include "store/journal.hpp"
#include "store/sqlite.hpp"

namespace smm::store {
namespace {

constexpr const char* order_columns =
    "id, panel_order_id, request_hash, service_id, link, link_key, quantity, params, charge_micros, state,"
    " provider, provider_order_id, attempt, raw_status, start_count, remains, created_at, updated_at,"
    " final_at, keep_until, placed_at, sent_at, speedup_at";
constexpr const char* refill_columns =
    "order_id, attempt, state, refusal, provider, refill_id, raw_status, message, requested_at, updated_at";
constexpr const char* event_columns =
    "seq, order_id, panel_order_id, old_state, new_state, raw_status, charge_micros, remains, refund_micros,"
    " refill_eligible, note, at";

std::optional<std::string> opt_text(const sqlite_stmt& s, int i) {
  return s.column_is_null(i) ? std::nullopt : std::optional<std::string>(s.column_text(i));
}

order_row read_order(const sqlite_stmt& s) {
  order_row o;
  o.id = s.column_int(0);
  o.panel_order_id = s.column_text(1);
  o.request_hash = s.column_int(2);
  o.service_id = s.column_int(3);
  o.link = s.column_text(4);
  o.link_key = s.column_text(5);
  o.quantity = s.column_int(6);
  o.params = s.column_text(7);
  o.charge_micros = s.column_int(8);
  o.state = static_cast<std::uint8_t>(s.column_int(9));
  o.provider = opt_text(s, 10);
  o.provider_order_id = opt_text(s, 11);
  o.attempt = static_cast<std::int32_t>(s.column_int(12));
  o.raw_status = opt_text(s, 13);
  o.start_count = s.column_opt_int(14);
  o.remains = s.column_opt_int(15);
  o.created_at = s.column_int(16);
  o.updated_at = s.column_int(17);
  o.final_at = s.column_opt_int(18);
  o.keep_until = s.column_opt_int(19);
  o.placed_at = s.column_opt_int(20);
  o.sent_at = s.column_opt_int(21);
  o.speedup_at = s.column_opt_int(22);
  return o;
}

refill_row read_refill(const sqlite_stmt& s) {
  refill_row r;
  r.order_id = s.column_int(0);
  r.attempt = static_cast<std::int32_t>(s.column_int(1));
  r.state = static_cast<std::uint8_t>(s.column_int(2));
  r.refusal = static_cast<std::uint8_t>(s.column_int(3));
  r.provider = s.column_text(4);
  r.refill_id = opt_text(s, 5);
  r.raw_status = opt_text(s, 6);
  r.message = s.column_text(7);
  r.requested_at = s.column_int(8);
  r.updated_at = s.column_int(9);
  return r;
}

// "(1,2,3)": codes are integers, so the list is safe to inline.
std::string code_list(const std::vector<std::uint8_t>& codes) {
  std::string out = "(";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(codes[i]);
  }
  out += ')';
  return out;
}

event_row read_event(const sqlite_stmt& s) {
  event_row e;
  e.seq = s.column_int(0);
  e.order_id = s.column_int(1);
  e.panel_order_id = s.column_text(2);
  e.old_state = static_cast<std::uint8_t>(s.column_int(3));
  e.new_state = static_cast<std::uint8_t>(s.column_int(4));
  e.raw_status = opt_text(s, 5);
  e.charge_micros = s.column_int(6);
  e.remains = s.column_opt_int(7);
  e.refund_micros = s.column_opt_int(8);
  e.refill_eligible = s.column_int(9) != 0;
  e.note = s.column_text(10);
  e.at = s.column_int(11);
  return e;
}

std::string select(const char* columns, const char* rest) {
  return std::string("SELECT ") + columns + " " + rest;
}

}  // namespace

struct journal_reader::impl {
  explicit impl(const std::string& path)
      : db(path, SQLITE_OPEN_READWRITE),  // WAL readers need the -shm file writable
        open_orders(db, select(order_columns, "FROM orders WHERE final_at IS NULL ORDER BY id")),
        find_order(db, select(order_columns, "FROM orders WHERE panel_order_id=?")),
        events_since(db, select(event_columns, "FROM events WHERE seq>? ORDER BY seq LIMIT ?")),
        order_events(db, select(event_columns, "FROM events WHERE order_id=? ORDER BY seq")),
        find_order_id(db, select(order_columns, "FROM orders WHERE id=?")),
        orders_in_state(db, select(order_columns, "FROM orders WHERE state=? AND id>? ORDER BY id LIMIT ?")),
        latest_refill(db,
                      select(refill_columns, "FROM refills WHERE order_id=? ORDER BY attempt DESC LIMIT 1")) {
    db.exec("PRAGMA busy_timeout=5000");
  }
  sqlite_db db;
  sqlite_stmt open_orders, find_order, events_since, order_events, find_order_id, orders_in_state,
      latest_refill;
};

journal_reader::journal_reader(const std::string& path) : impl_(std::make_unique<impl>(path)) {}
journal_reader::~journal_reader() = default;

std::vector<order_row> journal_reader::open_orders() {
  std::vector<order_row> out;
  auto& s = impl_->open_orders;
  while (s.step()) out.push_back(read_order(s));
  s.reset();
  return out;
}

std::optional<order_row> journal_reader::find_order(const std::string& panel_order_id) {
  auto& s = impl_->find_order;
  s.bind(1, panel_order_id);
  std::optional<order_row> out;
  if (s.step()) out = read_order(s);
  s.reset();
  return out;
}

std::optional<std::int64_t> journal_reader::find_by_provider_order(const std::string& provider,
                                                                   const std::string& provider_order_id) {
  // Uses orders_provider_order (provider_order_id = ? implies the index's NOT NULL).
  sqlite_stmt s(impl_->db, "SELECT id FROM orders WHERE provider=? AND provider_order_id=? LIMIT 1");
  s.bind(1, provider);
  s.bind(2, provider_order_id);
  if (!s.step()) return std::nullopt;
  return s.column_int(0);
}

std::optional<purged_order> journal_reader::find_purged(const std::string& panel_order_id) {
  // Prepared per call: only a rare add (a replay of a purged id) asks.
  sqlite_stmt s(
      impl_->db,
      "SELECT panel_order_id, order_id, request_hash, state, charge_micros, refund_micros, final_at,"
      " purged_at FROM purged_orders WHERE panel_order_id=?");
  s.bind(1, panel_order_id);
  if (!s.step()) return std::nullopt;
  purged_order p;
  p.panel_order_id = s.column_text(0);
  p.order_id = s.column_int(1);
  p.request_hash = s.column_int(2);
  p.state = static_cast<std::uint8_t>(s.column_int(3));
  p.charge_micros = s.column_int(4);
  p.refund_micros = s.column_opt_int(5);
  p.final_at = s.column_int(6);
  p.purged_at = s.column_int(7);
  return p;
}

void journal_reader::for_each_final_panel_id(const std::function<void(std::string_view)>& f) {
  sqlite_stmt s(impl_->db, "SELECT panel_order_id FROM orders WHERE final_at IS NOT NULL");
  while (s.step()) f(s.column_text(0));
}

std::optional<order_row> journal_reader::find_order(std::int64_t order_id) {
  auto& s = impl_->find_order_id;
  s.bind(1, order_id);
  std::optional<order_row> out;
  if (s.step()) out = read_order(s);
  s.reset();
  return out;
}

std::vector<order_row> journal_reader::orders_in_state(std::uint8_t state, std::int64_t after_id,
                                                       std::size_t limit) {
  auto& s = impl_->orders_in_state;
  s.bind(1, static_cast<std::int64_t>(state)).bind(2, after_id).bind(3, static_cast<std::int64_t>(limit));
  std::vector<order_row> out;
  while (s.step()) out.push_back(read_order(s));
  s.reset();
  return out;
}

std::vector<event_row> journal_reader::events_since(std::int64_t after_seq, std::size_t limit) {
  auto& s = impl_->events_since;
  s.bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
  std::vector<event_row> out;
  while (s.step()) out.push_back(read_event(s));
  s.reset();
  return out;
}

std::vector<event_row> journal_reader::order_events(std::int64_t order_id) {
  auto& s = impl_->order_events;
  s.bind(1, order_id);
  std::vector<event_row> out;
  while (s.step()) out.push_back(read_event(s));
  s.reset();
  return out;
}

std::int64_t journal_reader::last_event_seq() {
  // sqlite_sequence survives purges, so a resumed feed never sees a seq reused.
  return impl_->db.query_int("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name='events'), 0)");
}

std::int64_t journal_reader::last_order_id() {
  return impl_->db.query_int(
      "SELECT max(coalesce((SELECT max(id) FROM orders), 0),"
      " coalesce((SELECT value FROM meta WHERE key='order_id_floor'), 0))");
}

std::vector<std::pair<std::uint8_t, std::int64_t>> journal_reader::count_by_state() {
  sqlite_stmt s(impl_->db, "SELECT state, n FROM order_counts WHERE n <> 0 ORDER BY state");
  std::vector<std::pair<std::uint8_t, std::int64_t>> out;
  while (s.step()) out.emplace_back(static_cast<std::uint8_t>(s.column_int(0)), s.column_int(1));
  return out;
}

std::vector<provider_pause_row> journal_reader::provider_pauses() {
  sqlite_stmt s(impl_->db,
                "SELECT provider, by_operator, paused, kind, reason, since, funds_needed_micros, updated_at"
                " FROM provider_pauses ORDER BY provider, by_operator");
  std::vector<provider_pause_row> out;
  while (s.step()) {
    provider_pause_row p;
    p.provider = s.column_text(0);
    p.by_operator = s.column_int(1) != 0;
    p.paused = s.column_int(2) != 0;
    p.kind = s.column_text(3);
    p.reason = s.column_text(4);
    p.since = s.column_int(5);
    p.funds_needed_micros = s.column_opt_int(6);
    p.updated_at = s.column_int(7);
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<refill_row> journal_reader::latest_refill(std::int64_t order_id) {
  auto& s = impl_->latest_refill;
  s.bind(1, order_id);
  std::optional<refill_row> out;
  if (s.step()) out = read_refill(s);
  s.reset();
  return out;
}

std::vector<refill_row> journal_reader::latest_refills_in(const std::vector<std::uint8_t>& states) {
  std::vector<refill_row> out;
  if (states.empty()) return out;
  // Prepared per call: recovery asks once. The refills_state index finds the candidates.
  sqlite_stmt s(impl_->db, select(refill_columns, ("FROM refills r WHERE state IN " + code_list(states) +
                                                   " AND attempt = (SELECT max(attempt) FROM refills"
                                                   " WHERE order_id = r.order_id) ORDER BY order_id")
                                                      .c_str()));
  while (s.step()) out.push_back(read_refill(s));
  return out;
}

std::optional<std::int64_t> journal_reader::earliest_placement_of_final(
    std::int64_t final_since, const std::vector<std::uint8_t>& states) {
  if (states.empty()) return std::nullopt;
  sqlite_stmt s(impl_->db,
                "SELECT min(placed_at) FROM orders WHERE final_at IS NOT NULL AND final_at >= ? AND"
                " state IN " +
                    code_list(states));
  s.bind(1, final_since);
  if (!s.step()) return std::nullopt;
  return s.column_opt_int(0);
}

void journal_reader::for_each_placement_since(std::int64_t since,
                                              const std::function<void(const placement_row&)>& f) {
  sqlite_stmt s(
      impl_->db,
      "SELECT id, link, link_key, CASE WHEN link = '' THEN params ELSE '' END, placed_at FROM orders"
      " WHERE placed_at IS NOT NULL AND placed_at >= ?");
  s.bind(1, since);
  placement_row p;
  while (s.step()) {
    p.order_id = s.column_int(0);
    p.link = s.column_text(1);
    p.link_key = s.column_text(2);
    p.params = s.column_text(3);
    p.placed_at = s.column_int(4);
    f(p);
  }
}

std::optional<journal_reader::bracket_order> journal_reader::last_placed_before(const std::string& provider,
                                                                                std::int64_t placed_before) {
  // `placed_at < ?` implies the partial index's NOT NULL: the index is walked down from there
  // and stops at the first placement at this provider.
  sqlite_stmt s(impl_->db,
                "SELECT id, provider_order_id, placed_at, sent_at FROM orders INDEXED BY orders_placed_at"
                " WHERE placed_at < ?1 AND provider = ?2 AND provider_order_id IS NOT NULL"
                " ORDER BY placed_at DESC, id DESC LIMIT 1");
  s.bind(1, placed_before);
  s.bind(2, provider);
  if (!s.step()) return std::nullopt;
  bracket_order b;
  b.order_id = s.column_int(0);
  b.provider_order_id = s.column_text(1);
  b.placed_at = s.column_int(2);
  b.sent_at = s.column_opt_int(3);
  return b;
}

std::optional<journal_reader::bracket_order> journal_reader::first_sent_after(const std::string& provider,
                                                                              std::int64_t sent_after,
                                                                              placement_cursor* from,
                                                                              std::size_t max_rows) {
  sqlite_stmt s(impl_->db,
                "SELECT id, provider, provider_order_id, placed_at, sent_at FROM orders INDEXED BY"
                " orders_placed_at WHERE placed_at >= ?1 AND (placed_at > ?1 OR id > ?2)"
                " ORDER BY placed_at, id LIMIT ?3");
  s.bind(1, from->placed_at);
  s.bind(2, from->order_id);
  s.bind(3, static_cast<std::int64_t>(max_rows));
  while (s.step()) {
    from->placed_at = s.column_int(3);
    from->order_id = s.column_int(0);
    if (s.column_is_null(2) || s.column_is_null(4) || s.column_text(1) != provider) continue;
    if (s.column_int(4) <= sent_after) continue;
    bracket_order b;
    b.order_id = s.column_int(0);
    b.provider_order_id = s.column_text(2);
    b.placed_at = s.column_int(3);
    b.sent_at = s.column_int(4);
    return b;
  }
  return std::nullopt;
}

}  // namespace smm::store
