#include "store/postgresql/pg_reader.hpp"

#include <limits>

#include "store/postgresql/pg_connection.hpp"

namespace smm::store::pg {
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

// Rows a paged walk takes per query.
constexpr std::int64_t page_rows = 10000;

std::string select(const char* columns, const std::string& rest) {
  return std::string("SELECT ") + columns + " " + rest;
}

order_row read_order(const pg_result& r, int i) {
  order_row o;
  o.id = r.integer(i, 0);
  o.panel_order_id = r.text(i, 1);
  o.request_hash = r.integer(i, 2);
  o.service_id = r.integer(i, 3);
  o.link = r.text(i, 4);
  o.link_key = r.text(i, 5);
  o.quantity = r.integer(i, 6);
  o.params = r.text(i, 7);
  o.charge_micros = r.integer(i, 8);
  o.state = static_cast<std::uint8_t>(r.integer(i, 9));
  o.provider = r.opt_text(i, 10);
  o.provider_order_id = r.opt_text(i, 11);
  o.attempt = static_cast<std::int32_t>(r.integer(i, 12));
  o.raw_status = r.opt_text(i, 13);
  o.start_count = r.opt_integer(i, 14);
  o.remains = r.opt_integer(i, 15);
  o.created_at = r.integer(i, 16);
  o.updated_at = r.integer(i, 17);
  o.final_at = r.opt_integer(i, 18);
  o.keep_until = r.opt_integer(i, 19);
  o.placed_at = r.opt_integer(i, 20);
  o.sent_at = r.opt_integer(i, 21);
  o.speedup_at = r.opt_integer(i, 22);
  return o;
}

refill_row read_refill(const pg_result& r, int i) {
  refill_row f;
  f.order_id = r.integer(i, 0);
  f.attempt = static_cast<std::int32_t>(r.integer(i, 1));
  f.state = static_cast<std::uint8_t>(r.integer(i, 2));
  f.refusal = static_cast<std::uint8_t>(r.integer(i, 3));
  f.provider = r.text(i, 4);
  f.refill_id = r.opt_text(i, 5);
  f.raw_status = r.opt_text(i, 6);
  f.message = r.text(i, 7);
  f.requested_at = r.integer(i, 8);
  f.updated_at = r.integer(i, 9);
  return f;
}

event_row read_event(const pg_result& r, int i) {
  event_row e;
  e.seq = r.integer(i, 0);
  e.order_id = r.integer(i, 1);
  e.panel_order_id = r.text(i, 2);
  e.old_state = static_cast<std::uint8_t>(r.integer(i, 3));
  e.new_state = static_cast<std::uint8_t>(r.integer(i, 4));
  e.raw_status = r.opt_text(i, 5);
  e.charge_micros = r.integer(i, 6);
  e.remains = r.opt_integer(i, 7);
  e.refund_micros = r.opt_integer(i, 8);
  e.refill_eligible = r.boolean(i, 9);
  e.note = r.text(i, 10);
  e.at = r.integer(i, 11);
  return e;
}

// "{1,2,3}": a smallint[] parameter.
std::string code_array(const std::vector<std::uint8_t>& codes) {
  std::string out = "{";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(codes[i]);
  }
  return out + "}";
}

template <class Row, class Read>
std::vector<Row> all_rows(const pg_result& r, Read read) {
  std::vector<Row> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

}  // namespace

pg_reader::pg_reader(std::string dsn) : dsn_(std::move(dsn)), conn_(std::make_unique<pg_connection>(dsn_)) {}
pg_reader::~pg_reader() = default;

pg_result pg_reader::query(const std::string& sql, pg_params params) {
  try {
    return conn_->query(sql, params);
  } catch (const pg_error& e) {
    if (!e.connection_lost()) throw;
  }
  // The server restarted or dropped us: one new connection, one more try.
  conn_ = std::make_unique<pg_connection>(dsn_);
  return conn_->query(sql, std::move(params));
}

std::vector<order_row> pg_reader::open_orders() {
  return all_rows<order_row>(
      query(select(order_columns, "FROM orders WHERE final_at IS NULL ORDER BY id"), {}), read_order);
}

std::optional<order_row> pg_reader::find_order(const std::string& panel_order_id) {
  pg_params p;
  p.add(panel_order_id);
  const auto r = query(select(order_columns, "FROM orders WHERE panel_order_id = $1"), p);
  if (r.rows() == 0) return std::nullopt;
  return read_order(r, 0);
}

std::optional<order_row> pg_reader::find_order(std::int64_t order_id) {
  pg_params p;
  p.add(order_id);
  const auto r = query(select(order_columns, "FROM orders WHERE id = $1"), p);
  if (r.rows() == 0) return std::nullopt;
  return read_order(r, 0);
}

std::optional<std::int64_t> pg_reader::find_by_provider_order(const std::string& provider,
                                                              const std::string& provider_order_id) {
  pg_params p;
  p.add(provider).add(provider_order_id);
  const auto r = query("SELECT id FROM orders WHERE provider = $1 AND provider_order_id = $2 LIMIT 1", p);
  if (r.rows() == 0) return std::nullopt;
  return r.integer(0, 0);
}

std::optional<purged_order> pg_reader::find_purged(const std::string& panel_order_id) {
  pg_params p;
  p.add(panel_order_id);
  const auto r = query(
      "SELECT panel_order_id, order_id, request_hash, state, charge_micros, refund_micros, final_at, "
      "purged_at"
      " FROM purged_orders WHERE panel_order_id = $1",
      p);
  if (r.rows() == 0) return std::nullopt;
  purged_order o;
  o.panel_order_id = r.text(0, 0);
  o.order_id = r.integer(0, 1);
  o.request_hash = r.integer(0, 2);
  o.state = static_cast<std::uint8_t>(r.integer(0, 3));
  o.charge_micros = r.integer(0, 4);
  o.refund_micros = r.opt_integer(0, 5);
  o.final_at = r.integer(0, 6);
  o.purged_at = r.integer(0, 7);
  return o;
}

void pg_reader::for_each_final_panel_id(const std::function<void(std::string_view)>& f) {
  for (std::int64_t after = std::numeric_limits<std::int64_t>::min();;) {
    pg_params p;
    p.add(after).add(page_rows);
    const auto r = query(
        "SELECT id, panel_order_id FROM orders WHERE final_at IS NOT NULL AND id > $1 ORDER BY id LIMIT $2",
        p);
    for (int i = 0; i < r.rows(); ++i) f(r.text(i, 1));
    if (r.rows() < page_rows) return;
    after = r.integer(r.rows() - 1, 0);
  }
}

std::vector<order_row> pg_reader::orders_in_state(std::uint8_t state, std::int64_t after_id,
                                                  std::size_t limit) {
  pg_params p;
  p.add(std::int64_t{state}).add(after_id).add(static_cast<std::int64_t>(limit));
  return all_rows<order_row>(
      query(select(order_columns, "FROM orders WHERE state = $1 AND id > $2 ORDER BY id LIMIT $3"), p),
      read_order);
}

std::vector<event_row> pg_reader::events_since(std::int64_t after_seq, std::size_t limit) {
  pg_params p;
  p.add(after_seq).add(static_cast<std::int64_t>(limit));
  return all_rows<event_row>(
      query(select(event_columns, "FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"), p), read_event);
}

std::vector<event_row> pg_reader::order_events(std::int64_t order_id) {
  pg_params p;
  p.add(order_id);
  return all_rows<event_row>(query(select(event_columns, "FROM events WHERE order_id = $1 ORDER BY seq"), p),
                             read_event);
}

std::int64_t pg_reader::last_event_seq() {
  return query("SELECT last_seq FROM event_clock WHERE id = 1", {}).integer(0, 0);
}

std::int64_t pg_reader::last_order_id() {
  return query(
             "SELECT greatest(coalesce((SELECT max(id) FROM orders), 0),"
             " coalesce((SELECT value FROM meta WHERE key = 'order_id_floor'), 0))",
             {})
      .integer(0, 0);
}

std::vector<std::pair<std::uint8_t, std::int64_t>> pg_reader::count_by_state() {
  const auto r = query("SELECT state, n FROM order_counts WHERE n <> 0 ORDER BY state", {});
  std::vector<std::pair<std::uint8_t, std::int64_t>> out;
  for (int i = 0; i < r.rows(); ++i)
    out.emplace_back(static_cast<std::uint8_t>(r.integer(i, 0)), r.integer(i, 1));
  return out;
}

std::vector<provider_pause_row> pg_reader::provider_pauses() {
  const auto r = query(
      "SELECT provider, by_operator, paused, kind, reason, since, funds_needed_micros, updated_at"
      " FROM provider_pauses ORDER BY provider, by_operator",
      {});
  std::vector<provider_pause_row> out;
  for (int i = 0; i < r.rows(); ++i) {
    provider_pause_row p;
    p.provider = r.text(i, 0);
    p.by_operator = r.boolean(i, 1);
    p.paused = r.boolean(i, 2);
    p.kind = r.text(i, 3);
    p.reason = r.text(i, 4);
    p.since = r.integer(i, 5);
    p.funds_needed_micros = r.opt_integer(i, 6);
    p.updated_at = r.integer(i, 7);
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<refill_row> pg_reader::latest_refill(std::int64_t order_id) {
  pg_params p;
  p.add(order_id);
  const auto r =
      query(select(refill_columns, "FROM refills WHERE order_id = $1 ORDER BY attempt DESC LIMIT 1"), p);
  if (r.rows() == 0) return std::nullopt;
  return read_refill(r, 0);
}

std::vector<refill_row> pg_reader::latest_refills_in(const std::vector<std::uint8_t>& states) {
  if (states.empty()) return {};
  pg_params p;
  p.add(code_array(states));
  return all_rows<refill_row>(query(select(refill_columns,
                                           "FROM refills r WHERE state = ANY($1::smallint[]) AND attempt = "
                                           "(SELECT max(attempt) FROM refills"
                                           " WHERE order_id = r.order_id) ORDER BY order_id"),
                                    p),
                              read_refill);
}

std::optional<std::int64_t> pg_reader::earliest_placement_of_final(std::int64_t final_since,
                                                                   const std::vector<std::uint8_t>& states) {
  if (states.empty()) return std::nullopt;
  pg_params p;
  p.add(final_since).add(code_array(states));
  const auto r = query(
      "SELECT min(placed_at) FROM orders WHERE final_at IS NOT NULL AND final_at >= $1"
      " AND state = ANY($2::smallint[])",
      p);
  return r.opt_integer(0, 0);
}

void pg_reader::for_each_placement_since(std::int64_t since,
                                         const std::function<void(const placement_row&)>& f) {
  placement_row row;
  std::int64_t at = since, after_id = std::numeric_limits<std::int64_t>::min();
  for (;;) {
    pg_params p;
    p.add(at).add(after_id).add(page_rows);
    const auto r = query(
        "SELECT id, link, link_key, CASE WHEN link = '' THEN params ELSE '' END, placed_at FROM orders"
        " WHERE placed_at IS NOT NULL AND (placed_at, id) > ($1::bigint, $2::bigint) ORDER BY placed_at, id "
        "LIMIT $3",
        p);
    for (int i = 0; i < r.rows(); ++i) {
      row.order_id = r.integer(i, 0);
      row.link = r.text(i, 1);
      row.link_key = r.text(i, 2);
      row.params = r.text(i, 3);
      row.placed_at = r.integer(i, 4);
      f(row);
    }
    if (r.rows() < page_rows) return;
    at = r.integer(r.rows() - 1, 4);
    after_id = r.integer(r.rows() - 1, 0);
  }
}

std::optional<store_reader::bracket_order> pg_reader::last_placed_before(const std::string& provider,
                                                                         std::int64_t placed_before) {
  pg_params p;
  p.add(placed_before).add(provider);
  const auto r = query(
      "SELECT id, provider_order_id, placed_at, sent_at FROM orders WHERE placed_at < $1 AND provider = $2"
      " AND provider_order_id IS NOT NULL ORDER BY placed_at DESC, id DESC LIMIT 1",
      p);
  if (r.rows() == 0) return std::nullopt;
  return bracket_order{r.integer(0, 0), r.text(0, 1), r.integer(0, 2), r.opt_integer(0, 3)};
}

std::optional<store_reader::bracket_order> pg_reader::first_sent_after(const std::string& provider,
                                                                       std::int64_t sent_after,
                                                                       placement_cursor* from,
                                                                       std::size_t max_rows) {
  pg_params p;
  p.add(from->placed_at).add(from->order_id).add(static_cast<std::int64_t>(max_rows));
  const auto r = query(
      "SELECT id, provider, provider_order_id, placed_at, sent_at FROM orders WHERE placed_at IS NOT NULL"
      " AND (placed_at, id) > ($1::bigint, $2::bigint) ORDER BY placed_at, id LIMIT $3",
      p);
  for (int i = 0; i < r.rows(); ++i) {
    from->placed_at = r.integer(i, 3);
    from->order_id = r.integer(i, 0);
    if (r.is_null(i, 2) || r.is_null(i, 4) || r.text(i, 1) != provider) continue;
    if (r.integer(i, 4) <= sent_after) continue;
    return bracket_order{r.integer(i, 0), r.text(i, 2), r.integer(i, 3), r.integer(i, 4)};
  }
  return std::nullopt;
}

}  // namespace smm::store::pg
