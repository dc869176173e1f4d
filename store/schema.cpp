#include "store/schema.hpp"

#include <array>
#include <string>

namespace smm::store {
namespace {

// Append only: never edit a migration that has shipped; add the next one instead.
constexpr std::array<const char*, 7> migrations = {
    // v1: orders, their events (the panel's feed), refunds (one per order, ever).
    R"sql(
CREATE TABLE orders (
  id                INTEGER PRIMARY KEY,          -- daemon order id, assigned at intake
  panel_order_id    TEXT NOT NULL UNIQUE,         -- the panel's idempotency key
  request_hash      INTEGER NOT NULL,             -- same id + other content = conflict
  service_id        INTEGER NOT NULL,
  link              TEXT NOT NULL,
  link_key          TEXT NOT NULL,                -- normalized link (duplicate-link guard)
  quantity          INTEGER NOT NULL,
  params            TEXT NOT NULL DEFAULT '',     -- type-specific fields, JSON as received
  charge_micros     INTEGER NOT NULL,
  state             INTEGER NOT NULL,
  provider          TEXT,
  provider_order_id TEXT,
  attempt           INTEGER NOT NULL DEFAULT 0,
  raw_status        TEXT,
  start_count       INTEGER,
  remains           INTEGER,
  created_at        INTEGER NOT NULL,             -- unix seconds
  updated_at        INTEGER NOT NULL,
  final_at          INTEGER                       -- set once the order reached a final state
);
CREATE INDEX orders_open ON orders(state) WHERE final_at IS NULL;
CREATE INDEX orders_final_at ON orders(final_at) WHERE final_at IS NOT NULL;
CREATE INDEX orders_link_key ON orders(link_key);

CREATE TABLE events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, even after purges
  order_id        INTEGER NOT NULL,
  panel_order_id  TEXT NOT NULL,
  old_state       INTEGER NOT NULL,
  new_state       INTEGER NOT NULL,
  raw_status      TEXT,
  charge_micros   INTEGER NOT NULL,
  remains         INTEGER,
  refund_micros   INTEGER,
  refill_eligible INTEGER NOT NULL DEFAULT 0,
  note            TEXT NOT NULL DEFAULT '',
  at              INTEGER NOT NULL
);
CREATE INDEX events_order ON events(order_id);

CREATE TABLE refunds (
  order_id       INTEGER PRIMARY KEY,   -- one refund per order: a replay cannot pay twice
  amount_micros  INTEGER NOT NULL,
  reason         TEXT NOT NULL,
  event_seq      INTEGER NOT NULL,
  at             INTEGER NOT NULL
);

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL                -- order_id_floor: highest order id ever purged
);
)sql",
    // v2: retention keeps what can still be claimed or replayed.
    // keep_until: set when the order becomes final (refill guarantee + claim window,
    // dispatch/retention.hpp); retention never purges before it. Rows already final here
    // keep NULL: they have the retention cutoff alone, which the config now holds at or
    // above the longest refill guarantee + claim window of every configured service.
    // purged_orders: one row per purged order, never deleted, so a purged panel id stays
    // taken (an add with it is a duplicate, never a second order) and a replay can still
    // be answered.
    R"sql(
ALTER TABLE orders ADD COLUMN keep_until INTEGER;  -- unix seconds; NULL = the cutoff alone

CREATE TABLE purged_orders (
  panel_order_id TEXT PRIMARY KEY,
  order_id       INTEGER NOT NULL,
  request_hash   INTEGER NOT NULL,
  state          INTEGER NOT NULL,   -- the final state it was purged in
  charge_micros  INTEGER NOT NULL,
  refund_micros  INTEGER,
  final_at       INTEGER NOT NULL,
  purged_at      INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // v3: refills and placement times (docs/rules.md "Refill").
    // refills: one row per refill request of an order (attempt 1, 2, ...), replaced at each
    // change, deleted with its order by retention. state and refusal are the domain core's
    // refill_state / refill_refusal codes.
    // placed_at: when the order was last placed (refill rule 5 compares placements after a
    // restart). Existing rows take the time of their last `placed` event (state code 3),
    // else their last update when they have a provider order id.
    R"sql(
ALTER TABLE orders ADD COLUMN placed_at INTEGER;  -- unix seconds; NULL = never placed
UPDATE orders SET placed_at = (SELECT max(at) FROM events WHERE events.order_id = orders.id
                                 AND events.new_state = 3);
UPDATE orders SET placed_at = updated_at WHERE placed_at IS NULL AND provider_order_id IS NOT NULL;
CREATE INDEX orders_placed_at ON orders(placed_at) WHERE placed_at IS NOT NULL;

CREATE TABLE refills (
  order_id      INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,            -- 1 for the order's first refill request, then 2 ...
  state         INTEGER NOT NULL,            -- requested, pending, ..., unknown, refused (codes)
  refusal       INTEGER NOT NULL DEFAULT 0,  -- why the provider refused it (code), 0 = not refused
  provider      TEXT NOT NULL,
  refill_id     TEXT,                        -- the provider's refill id, once it answered
  raw_status    TEXT,                        -- the provider's last refill status text, verbatim
  message       TEXT NOT NULL DEFAULT '',    -- the provider's refusal or what failed, verbatim
  requested_at  INTEGER NOT NULL,            -- unix seconds
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (order_id, attempt)
) WITHOUT ROWID;
CREATE INDEX refills_state ON refills(state);
)sql",
    // v4: what the daemon acts on survives a restart, and admin answers stay cheap.
    // orders_provider_order: find_by_provider_order (evidence checks, reconciliation) is an
    // index lookup. sent_at: the time of the order's latest `sending` change (state code 2),
    // filled from its events for existing orders. speedup_at: the latest speed-up request
    // (the speed-up interval holds after a restart).
    // order_counts: orders per state code over the whole journal, kept by triggers, so
    // `overview` never counts the table. Filled by one scan here.
    // provider_pauses: each provider's operator pause and automatic pause (funds, invalid
    // key ...) as they stand, restored at start; a row whose provider left the config is
    // ignored.
    R"sql(
CREATE INDEX orders_provider_order ON orders(provider, provider_order_id)
  WHERE provider_order_id IS NOT NULL;

ALTER TABLE orders ADD COLUMN sent_at INTEGER;     -- unix seconds; NULL = never sent
ALTER TABLE orders ADD COLUMN speedup_at INTEGER;  -- unix seconds; NULL = never asked
UPDATE orders SET sent_at = (SELECT max(at) FROM events WHERE events.order_id = orders.id
                               AND events.new_state = 2)
  WHERE provider IS NOT NULL;

CREATE TABLE order_counts (
  state INTEGER PRIMARY KEY,  -- order state code
  n     INTEGER NOT NULL      -- orders in the journal in that state
) WITHOUT ROWID;
INSERT INTO order_counts (state, n) SELECT state, count(*) FROM orders GROUP BY state;
CREATE TRIGGER orders_count_insert AFTER INSERT ON orders BEGIN
  INSERT INTO order_counts (state, n) VALUES (NEW.state, 1) ON CONFLICT(state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER orders_count_update AFTER UPDATE OF state ON orders WHEN OLD.state IS NOT NEW.state BEGIN
  UPDATE order_counts SET n = n - 1 WHERE state = OLD.state;
  INSERT INTO order_counts (state, n) VALUES (NEW.state, 1) ON CONFLICT(state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER orders_count_delete AFTER DELETE ON orders BEGIN
  UPDATE order_counts SET n = n - 1 WHERE state = OLD.state;
END;

CREATE TABLE provider_pauses (
  provider            TEXT NOT NULL,     -- the provider's name in the config
  by_operator         INTEGER NOT NULL,  -- 1: smm-dispatchctl pause; 0: the daemon's own pause
  paused              INTEGER NOT NULL,  -- 0 once resumed
  kind                TEXT NOT NULL,     -- operator, funds, invalid_key, other
  reason              TEXT NOT NULL,
  since               INTEGER NOT NULL,  -- unix seconds of the pause
  funds_needed_micros INTEGER,           -- funds: the smallest charge refused
  updated_at          INTEGER NOT NULL,
  PRIMARY KEY (provider, by_operator)
) WITHOUT ROWID;
)sql",
    // v5: the admin listing (`smm-dispatchctl orders --state S`, pages of "state = S AND
    // id > after") walks an index, also for final states the orders_open index does not cover:
    // a page costs its rows, never a scan of a million final orders.
    R"sql(
CREATE INDEX orders_state_id ON orders(state, id);
)sql",
    // v6: no query looks an order up by its link key (the duplicate-link guard is the engine's
    // link index, rebuilt from the rows at start), so its index only cost every insert.
    R"sql(
DROP INDEX IF EXISTS orders_link_key;
)sql",
    // v7: cheaper state changes. orders_open keys the open orders by id (recovery walks it in id
    // order), so a change of state no longer moves its entry; only reaching a final state does.
    // The per-state counts are the writer's: one upsert per state per commit instead of two
    // trigger statements per change. prev_state: each update returns the state it replaced.
    R"sql(
DROP TRIGGER IF EXISTS orders_count_insert;
DROP TRIGGER IF EXISTS orders_count_update;
DROP TRIGGER IF EXISTS orders_count_delete;
DROP INDEX IF EXISTS orders_open;
CREATE INDEX orders_open ON orders(id) WHERE final_at IS NULL;
ALTER TABLE orders ADD COLUMN prev_state INTEGER;
)sql",
};

}  // namespace

int current_schema_version() { return static_cast<int>(migrations.size()); }

void migrate(sqlite_db& db) {
  const auto have = db.query_int("PRAGMA user_version");
  if (have > current_schema_version()) {
    throw sqlite_error("journal schema version " + std::to_string(have) + " is newer than this build (" +
                           std::to_string(current_schema_version()) + "): refusing to touch it",
                       SQLITE_MISMATCH);
  }
  for (auto v = have; v < current_schema_version(); ++v) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrations[static_cast<std::size_t>(v)]);
      db.exec("PRAGMA user_version = " + std::to_string(v + 1));
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
}

}  // namespace smm::store
