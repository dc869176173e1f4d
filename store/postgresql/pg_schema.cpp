#include "store/postgresql/pg_schema.hpp"

#include <array>
#include <string>

namespace smm::store::pg {
namespace {

// Append only: never edit a migration that has shipped; add the next one instead.
//
// v1 holds what the SQLite journal holds at its v7 (store/schema.cpp), with the parts several
// daemons share made safe for several writers: the event seq comes from the one-row
// event_clock (every transaction that writes events locks it first, so seqs follow commit
// order without gaps), order ids from the order_ids sequence (blocks of 1024 per nextval),
// and the per-state counts are moved by deltas, which commute between writers. The cluster's
// own state (claims and leases on orders, members' heartbeats, shared provider limits) comes
// as later migrations: new columns and tables beside these, nothing here to rewrite.
constexpr std::array<const char*, 1> migrations = {
    R"sql(
CREATE TABLE orders (
  id                bigint PRIMARY KEY,           -- daemon order id, from order_ids
  panel_order_id    text NOT NULL UNIQUE,         -- the panel's idempotency key
  request_hash      bigint NOT NULL,              -- same id + other content = conflict
  service_id        bigint NOT NULL,
  link              text NOT NULL,
  link_key          text NOT NULL,                -- normalized link (duplicate-link guard)
  quantity          bigint NOT NULL,
  params            text NOT NULL DEFAULT '',     -- type-specific fields, JSON as received
  charge_micros     bigint NOT NULL,
  state             smallint NOT NULL,
  prev_state        smallint,                     -- the state the last change replaced
  provider          text,
  provider_order_id text,
  attempt           integer NOT NULL DEFAULT 0,
  raw_status        text,
  start_count       bigint,
  remains           bigint,
  created_at        bigint NOT NULL,              -- unix seconds
  updated_at        bigint NOT NULL,
  final_at          bigint,                       -- set once the order reached a final state
  keep_until        bigint,                       -- retention keeps it until then
  placed_at         bigint,                       -- latest placement
  sent_at           bigint,                       -- latest `sending`
  speedup_at        bigint                        -- latest speed-up request
);
CREATE INDEX orders_open ON orders(id) WHERE final_at IS NULL;
CREATE INDEX orders_final_at ON orders(final_at) WHERE final_at IS NOT NULL;
CREATE INDEX orders_placed_at ON orders(placed_at, id) WHERE placed_at IS NOT NULL;
CREATE INDEX orders_provider_order ON orders(provider, provider_order_id) WHERE provider_order_id IS NOT NULL;
CREATE INDEX orders_state_id ON orders(state, id);

CREATE SEQUENCE order_ids AS bigint INCREMENT BY 1024 START WITH 1;

CREATE TABLE event_clock (
  id       smallint PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL                         -- the highest event seq committed
);
INSERT INTO event_clock VALUES (1, 0);

CREATE TABLE events (
  seq             bigint PRIMARY KEY,              -- from event_clock: never reused, even after purges
  order_id        bigint NOT NULL,
  panel_order_id  text NOT NULL,
  old_state       smallint NOT NULL,
  new_state       smallint NOT NULL,
  raw_status      text,
  charge_micros   bigint NOT NULL,
  remains         bigint,
  refund_micros   bigint,
  refill_eligible boolean NOT NULL DEFAULT false,
  note            text NOT NULL DEFAULT '',
  at              bigint NOT NULL
);
CREATE INDEX events_order ON events(order_id, seq);

CREATE TABLE refunds (
  order_id      bigint PRIMARY KEY,                -- one refund per order: a replay cannot pay twice
  amount_micros bigint NOT NULL,
  reason        text NOT NULL,
  event_seq     bigint NOT NULL,
  at            bigint NOT NULL
);

CREATE TABLE meta (
  key   text PRIMARY KEY,
  value bigint NOT NULL                            -- order_id_floor: highest order id ever purged
);

CREATE TABLE purged_orders (
  panel_order_id text PRIMARY KEY,                 -- stays taken for good
  order_id       bigint NOT NULL,
  request_hash   bigint NOT NULL,
  state          smallint NOT NULL,
  charge_micros  bigint NOT NULL,
  refund_micros  bigint,
  final_at       bigint NOT NULL,
  purged_at      bigint NOT NULL
);

CREATE TABLE refills (
  order_id     bigint NOT NULL,
  attempt      integer NOT NULL,
  state        smallint NOT NULL,
  refusal      smallint NOT NULL DEFAULT 0,
  provider     text NOT NULL,
  refill_id    text,
  raw_status   text,
  message      text NOT NULL DEFAULT '',
  requested_at bigint NOT NULL,
  updated_at   bigint NOT NULL,
  PRIMARY KEY (order_id, attempt)
);
CREATE INDEX refills_state ON refills(state);

CREATE TABLE order_counts (
  state smallint PRIMARY KEY,
  n     bigint NOT NULL
);

CREATE TABLE provider_pauses (
  provider            text NOT NULL,
  by_operator         boolean NOT NULL,
  paused              boolean NOT NULL,
  kind                text NOT NULL,
  reason              text NOT NULL,
  since               bigint NOT NULL,
  funds_needed_micros bigint,
  updated_at          bigint NOT NULL,
  PRIMARY KEY (provider, by_operator)
);
)sql",
};

// Taken while migrating: daemons starting together wait for the first to finish.
constexpr const char* migration_lock_key = "7308414529411920129";

}  // namespace

int current_schema_version() { return static_cast<int>(migrations.size()); }

int schema_version(pg_connection& c) {
  const auto r = c.query(
      "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN 0"
      " ELSE (SELECT coalesce(max(version), 0) FROM schema_version) END");
  return static_cast<int>(r.integer(0, 0));
}

void migrate(pg_connection& c) {
  c.exec(std::string("SELECT pg_advisory_lock(") + migration_lock_key + ")");
  try {
    c.exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
    const int have = schema_version(c);
    if (have > current_schema_version()) {
      throw pg_error("the store on PostgreSQL at " + c.where() + " has schema version " +
                         std::to_string(have) + ", newer than this build (" +
                         std::to_string(current_schema_version()) + "): refusing to touch it",
                     false);
    }
    for (int v = have; v < current_schema_version(); ++v) {
      c.exec("BEGIN");
      try {
        c.exec(migrations[static_cast<std::size_t>(v)]);
        c.exec("DELETE FROM schema_version");
        c.exec("INSERT INTO schema_version VALUES (" + std::to_string(v + 1) + ")");
        c.exec("COMMIT");
      } catch (const pg_error& e) {
        if (c.alive()) c.exec("ROLLBACK");
        throw pg_error("migration to schema version " + std::to_string(v + 1) + " failed: " + e.what(),
                       e.connection_lost(), e.sqlstate());
      }
    }
  } catch (...) {
    if (c.alive()) c.exec(std::string("SELECT pg_advisory_unlock(") + migration_lock_key + ")");
    throw;
  }
  c.exec(std::string("SELECT pg_advisory_unlock(") + migration_lock_key + ")");
}

}  // namespace smm::store::pg
