#include "store/journal.hpp"

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/schema.hpp"
#include "store/sqlite.hpp"

namespace smm::store {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void configure(sqlite_db& db) {
  // WAL + FULL: a commit is on disk (WAL fsynced) before it returns; readers never block it.
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");
  db.exec("PRAGMA busy_timeout=5000");
  db.exec("PRAGMA cache_size=-65536");  // 64 MiB page cache
  db.exec("PRAGMA temp_store=MEMORY");
  // Checkpoints are the checkpointer thread's (journal::impl): never inside a commit, where
  // copying the WAL back and fsyncing the database would delay every acknowledgement behind it.
  db.exec("PRAGMA wal_autocheckpoint=0");
}

// Ids handed to intake at a time (allocate_order_ids): only a bound, the journal keeps no record.
constexpr std::int64_t order_id_block = 1024;

// WAL frames (pages) after which the checkpointer is woken: about 4 MiB, SQLite's own default.
constexpr int checkpoint_frames = 1000;
// Frames after which the writer checkpoints itself (passive: never waits for readers), should
// the checkpointer fall far behind: the WAL never grows without bound.
constexpr int writer_checkpoint_frames = 64 * checkpoint_frames;

// A panel id that retention purged stays taken: the insert writes nothing, like a duplicate.
// Two statements, not one INSERT ... SELECT ... WHERE NOT EXISTS: that form makes SQLite build
// an ephemeral table for every row, which cost more than the insert itself.
constexpr const char* purged_exists_sql = "SELECT 1 FROM purged_orders WHERE panel_order_id=?";
constexpr const char* insert_order_sql =
    "INSERT INTO orders (id, panel_order_id, request_hash, service_id, link, link_key, quantity, params,"
    " charge_micros, state, created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
    " ON CONFLICT DO NOTHING";
constexpr const char* insert_event_sql =
    "INSERT INTO events (order_id, panel_order_id, old_state, new_state, raw_status, charge_micros, remains,"
    " refund_micros, refill_eligible, note, at) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
// A state change's UPDATE sets only the columns the change carries (state_change's optionals
// left unset keep theirs): SQLite rewrites every index whose columns a statement sets, even to
// the same value, so one statement setting every column moved five index entries per change.
// One prepared statement per combination of columns (a handful in practice), built on first use.
enum update_column : unsigned {
  col_provider = 1U << 0,
  col_provider_order_id = 1U << 1,
  col_attempt = 1U << 2,
  col_raw_status = 1U << 3,
  col_start_count = 1U << 4,
  col_remains = 1U << 5,
  col_final_at = 1U << 6,
  col_keep_until = 1U << 7,
  col_placed_at = 1U << 8,
  col_sent_at = 1U << 9,
};

unsigned columns_of(const state_change& c) {
  unsigned m = 0;
  if (c.provider) m |= col_provider;
  if (c.provider_order_id) m |= col_provider_order_id;
  if (c.attempt) m |= col_attempt;
  if (c.raw_status) m |= col_raw_status;
  if (c.start_count) m |= col_start_count;
  if (c.remains) m |= col_remains;
  if (c.final) m |= col_final_at;
  if (c.keep_until) m |= col_keep_until;
  if (c.placed_at) m |= col_placed_at;
  if (c.sent_at) m |= col_sent_at;
  return m;
}

// Parameters in order: ?1 state, ?2 updated_at, then one per column of `m` in bit order, then
// the order id. keep_until only grows: a later change never shortens an order's keep window.
std::string update_sql(unsigned m) {
  std::string sql = "UPDATE orders SET prev_state=state, state=?1, updated_at=?2";
  int n = 2;
  auto set = [&](unsigned bit, const char* column) {
    if ((m & bit) == 0) return;
    const std::string p = "?" + std::to_string(++n);
    if (bit == col_keep_until)
      sql += ", keep_until=CASE WHEN " + p + " <= keep_until THEN keep_until ELSE " + p + " END";
    else
      sql += std::string(", ") + column + "=" + p;
  };
  set(col_provider, "provider");
  set(col_provider_order_id, "provider_order_id");
  set(col_attempt, "attempt");
  set(col_raw_status, "raw_status");
  set(col_start_count, "start_count");
  set(col_remains, "remains");
  set(col_final_at, "final_at");
  set(col_keep_until, "keep_until");
  set(col_placed_at, "placed_at");
  set(col_sent_at, "sent_at");
  return sql + " WHERE id=?" + std::to_string(n + 1);
}

constexpr const char* refund_exists_sql = "SELECT 1 FROM refunds WHERE order_id=?";
// An order's figures before a change. Read apart from the update: an UPDATE ... RETURNING costs
// SQLite more than the two statements together (it runs under a statement journal and collects
// its rows in a table of their own), about 16% of the instructions of a state change.
constexpr const char* order_by_id_sql = "SELECT panel_order_id, charge_micros, state FROM orders WHERE id=?";
// A refill row is replaced at each change; the provider's refill id and status text, once
// known, stay when a later change does not carry them.
constexpr const char* upsert_refill_sql =
    "INSERT INTO refills (order_id, attempt, state, refusal, provider, refill_id, raw_status, message,"
    " requested_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
    " ON CONFLICT(order_id, attempt) DO UPDATE SET state=excluded.state, refusal=excluded.refusal,"
    " refill_id=coalesce(excluded.refill_id, refill_id),"
    " raw_status=coalesce(excluded.raw_status, raw_status), message=excluded.message,"
    " updated_at=excluded.updated_at";
// A note changes no figure of its order (a speed-up request also records its time).
constexpr const char* note_order_sql =
    "UPDATE orders SET speedup_at=coalesce(?1, speedup_at) WHERE id=?2"
    " RETURNING panel_order_id, charge_micros, state";
// One row per provider and source, replaced at each pause or resume.
constexpr const char* upsert_pause_sql =
    "INSERT INTO provider_pauses (provider, by_operator, paused, kind, reason, since, funds_needed_micros,"
    " updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(provider, by_operator) DO UPDATE SET"
    " paused=excluded.paused, kind=excluded.kind, reason=excluded.reason, since=excluded.since,"
    " funds_needed_micros=excluded.funds_needed_micros, updated_at=excluded.updated_at";
// Orders per state over the whole journal (schema v4), kept by the writer (v7): each commit adds
// what its changes moved.
constexpr const char* order_counts_sql = "SELECT state, n FROM order_counts";
constexpr const char* add_count_sql =
    "INSERT INTO order_counts (state, n) VALUES (?1, ?2) ON CONFLICT(state) DO UPDATE SET n = n + excluded.n";
constexpr const char* insert_refund_sql =
    "INSERT INTO refunds (order_id, amount_micros, reason, event_seq, at) VALUES (?,?,?,?,?)";

// The writer's prepared statements, built once.
struct statements {
  explicit statements(sqlite_db& d)
      : db(d),
        purged_exists(db, purged_exists_sql),
        insert_order(db, insert_order_sql),
        insert_event(db, insert_event_sql),
        refund_exists(db, refund_exists_sql),
        insert_refund(db, insert_refund_sql),
        order_by_id(db, order_by_id_sql),
        upsert_refill(db, upsert_refill_sql),
        note_order(db, note_order_sql),
        upsert_pause(db, upsert_pause_sql),
        order_counts(db, order_counts_sql),
        add_count(db, add_count_sql),
        begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        savepoint(db, "SAVEPOINT batch"),
        release(db, "RELEASE batch"),
        rollback_to(db, "ROLLBACK TO batch") {}
  /// The UPDATE for a change setting the columns `m` (columns_of).
  sqlite_stmt& update_for(unsigned m) {
    auto& slot = updates[m];
    if (!slot) slot = std::make_unique<sqlite_stmt>(db, update_sql(m));
    return *slot;
  }
  sqlite_db& db;
  std::unordered_map<unsigned, std::unique_ptr<sqlite_stmt>> updates;
  sqlite_stmt purged_exists, insert_order, insert_event, refund_exists, insert_refund, order_by_id,
      upsert_refill, note_order, upsert_pause, order_counts, add_count;
  sqlite_stmt begin, commit, rollback, savepoint, release, rollback_to;
};

}  // namespace

struct journal::impl {
  struct pending {
    std::vector<journal_op> ops;
    completion done;
    commit_result result;
  };

  explicit impl(journal_options o) : options(std::move(o)), db(options.path) {
    configure(db);
    migrate(db);
    st = std::make_unique<statements>(db);
    read_counts();
    // Intake continues after the highest id ever written (purged ones included).
    max_written_id.store(
        db.query_int("SELECT max(coalesce((SELECT max(id) FROM orders), 0),"
                     " coalesce((SELECT value FROM meta WHERE key='order_id_floor'), 0))"));
    last_seq.store(db.query_int("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name='events'), 0)"),
                   std::memory_order_relaxed);
    sqlite3_wal_hook(db.get(), &impl::on_wal, this);
    checkpointer = std::thread([this] { checkpoints(); });
    writer = std::thread([this] { run(); });
  }

  ~impl() {
    stopping.store(true, std::memory_order_release);
    queue.enqueue(nullptr);  // wake the writer
    writer.join();
    {
      std::lock_guard lock(checkpoint_mutex);
      checkpoint_stop = true;
    }
    checkpoint_wake.notify_one();
    checkpointer.join();
  }

  // After each commit (writer thread): wakes the checkpointer once the WAL holds enough.
  static int on_wal(void* self, sqlite3* handle, const char*, int frames) {
    auto* i = static_cast<impl*>(self);
    if (frames >= writer_checkpoint_frames) {
      sqlite3_wal_checkpoint_v2(handle, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= checkpoint_frames) {
      {
        std::lock_guard lock(i->checkpoint_mutex);
        i->checkpoint_due = true;
      }
      i->checkpoint_wake.notify_one();
    }
    return SQLITE_OK;
  }

  // The checkpointer: passive checkpoints on its own connection, so they never block a commit
  // (the next commit after a complete one restarts the WAL from its start).
  void checkpoints() {
    std::unique_ptr<sqlite_db> cp;
    std::unique_lock lock(checkpoint_mutex);
    for (;;) {
      checkpoint_wake.wait(lock, [this] { return checkpoint_due || checkpoint_stop; });
      if (checkpoint_stop) return;
      checkpoint_due = false;
      lock.unlock();
      try {
        if (!cp) {
          cp = std::make_unique<sqlite_db>(options.path);
          // A connection learns the file is in WAL mode only once it has read it: before
          // that, a checkpoint does nothing.
          cp->query_int("PRAGMA user_version");
        }
        sqlite3_wal_checkpoint_v2(cp->get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      } catch (const std::exception&) {  // retried at the next wake; the writer's bound still holds
      }
      lock.lock();
    }
  }

  // Each group: urgent batches first, then the others in the order submitted, up to
  // max_batches_per_commit batches and max_ops_per_commit ops (one batch at least), so a burst
  // of intake never makes an urgent change wait behind a transaction of tens of thousands of rows.
  void run() {
    const std::size_t max_batches = std::max<std::size_t>(1, options.max_batches_per_commit);
    std::vector<pending*> buf(max_batches), group;
    std::deque<pending*> urgent_carry, carry;  // taken from a queue, left for the next group
    group.reserve(max_batches);
    for (;;) {
      group.clear();
      std::size_t ops = 0;
      auto fill = [&](std::deque<pending*>& from, std::size_t max_ops) {
        while (!from.empty() && group.size() < max_batches &&
               (group.empty() || ops + from.front()->ops.size() <= max_ops)) {
          ops += from.front()->ops.size();
          group.push_back(from.front());
          from.pop_front();
        }
      };
      auto drain = [&](auto& q, std::deque<pending*>& to) {  // non-blocking, in queue order
        for (std::size_t n; to.size() < max_batches && (n = q.try_dequeue_bulk(buf.data(), buf.size())) > 0;)
          for (std::size_t i = 0; i < n; ++i)
            if (buf[i]) to.push_back(buf[i]);  // drop wake-up sentinels
      };
      drain(urgent, urgent_carry);
      fill(urgent_carry, options.max_ops_per_commit);
      // Beside urgent batches, only a few normal ops: the urgent ones are durable when this
      // group commits, so its size is their wait.
      const std::size_t urgent_batches = group.size();
      if (carry.empty()) drain(queue, carry);
      fill(carry, urgent_batches > 0
                      ? std::min(options.max_ops_per_commit, ops + options.max_ops_beside_urgent)
                      : options.max_ops_per_commit);
      if (group.empty()) {
        if (stopping.load(std::memory_order_acquire) && queue.size_approx() == 0 && urgent.size_approx() == 0)
          break;
        const std::size_t n = queue.wait_dequeue_bulk(buf.data(), buf.size());  // sleep until a submit
        for (std::size_t i = 0; i < n; ++i)
          if (buf[i]) carry.push_back(buf[i]);
        continue;
      }
      // A group without urgent batches ends early when one arrives meanwhile: the batches it
      // did not reach go first in the next group, after the urgent ones.
      const std::size_t written = commit_group(group.data(), group.size(), urgent_batches == 0);
      for (std::size_t j = group.size(); j-- > written;) carry.push_front(group[j]);
      queued.fetch_sub(written, std::memory_order_relaxed);
    }
  }

  // Writes and commits batches[0, k) and returns k: n, or fewer when `may_cut` and an urgent
  // batch arrived while the group was being written, past max_ops_beside_urgent ops (the
  // caller keeps the rest).
  std::size_t commit_group(pending** batches, std::size_t n, bool may_cut) {
    std::string group_error;
    const std::int64_t seq_before = group_seq;
    try {
      st->begin.run();
      count_delta.fill(0);
      group_events.clear();
      group_sink.reset();
      if (collect.load(std::memory_order_acquire)) {
        std::lock_guard lock(sink_mutex);
        group_sink = sink;
      }
      collecting = group_sink != nullptr;
      // Optimistic: the group without savepoints, since nearly every batch applies. Should
      // one fail, the group is rolled back and written again with each batch isolated.
      const std::size_t applied = apply_group(batches, n, may_cut);
      if (applied > 0) {
        n = applied;
      } else {
        group_seq = seq_before;
        count_delta.fill(0);
        group_events.clear();
        st->begin.run();
        for (std::size_t i = 0; i < n; ++i) apply_batch(*batches[i]);
      }
      write_counts();
      st->commit.run();
      last_seq.store(group_seq, std::memory_order_release);
      for (std::size_t i = 0; i < count_delta.size(); ++i)
        if (count_delta[i] != 0) by_state[i].fetch_add(count_delta[i], std::memory_order_relaxed);
      if (!group_events.empty() && group_sink) (*group_sink)(std::move(group_events));
      group_events.clear();
    } catch (const std::exception& e) {
      group_error = e.what();
      group_seq = seq_before;
      group_events.clear();
      rollback_quietly();
    }
    std::uint64_t ok_batches = 0, ok_ops = 0, failed = 0;
    for (std::size_t i = 0; i < n; ++i) {
      pending* p = batches[i];
      if (!group_error.empty()) {
        p->result = commit_result{false, "journal commit failed: " + group_error, {}, {}};
      }
      if (p->result.ok) {
        ++ok_batches;
        ok_ops += p->ops.size();
      } else {
        ++failed;
      }
      if (p->done) p->done(std::move(p->result));
      delete p;
    }
    if (group_error.empty()) commits.fetch_add(1, std::memory_order_relaxed);
    batches_done.fetch_add(ok_batches, std::memory_order_relaxed);
    ops_done.fetch_add(ok_ops, std::memory_order_relaxed);
    failed_batches.fetch_add(failed, std::memory_order_relaxed);
    return n;
  }

  // Orders moved into (+) or out of (-) a state by the group being written.
  void count(std::int64_t state, std::int64_t d) {
    if (state >= 0 && state < static_cast<std::int64_t>(count_delta.size()))
      count_delta[static_cast<std::size_t>(state)] += d;
  }

  // The group's count changes, one row per state it touched, in its own transaction.
  void write_counts() {
    auto& s = st->add_count;
    for (std::size_t i = 0; i < count_delta.size(); ++i) {
      if (count_delta[i] == 0) continue;
      s.bind(1, static_cast<std::int64_t>(i)).bind(2, count_delta[i]);
      s.run();
    }
  }

  // The orders per state the journal holds (at open).
  void read_counts() {
    std::array<std::int64_t, order_store::state_codes> counts{};
    auto& s = st->order_counts;
    while (s.step()) {
      const auto code = s.column_int(0);
      if (code >= 0 && code < static_cast<std::int64_t>(counts.size()))
        counts[static_cast<std::size_t>(code)] = s.column_int(1);
    }
    s.reset();
    for (std::size_t i = 0; i < counts.size(); ++i) by_state[i].store(counts[i], std::memory_order_relaxed);
  }

  void rollback_quietly() {
    try {
      st->rollback.run();
    } catch (...) {  // no transaction left to roll back (SQLite ended it): nothing to undo
    }
  }

  // Every batch of the group in the open transaction, without savepoints. False (and the
  // transaction rolled back) when one failed: the caller writes the group again, isolated.
  // The group's batches without savepoints: how many were written (>= 1; fewer than n when
  // cut for an urgent arrival), or 0 when one failed and the transaction was rolled back.
  std::size_t apply_group(pending** batches, std::size_t n, bool may_cut) {
    try {
      std::size_t written = 0;
      for (std::size_t i = 0; i < n; ++i) {
        // Cut only past max_ops_beside_urgent ops, so intake still commits in groups of
        // hundreds while adds come and go.
        if (may_cut && written >= options.max_ops_beside_urgent && urgent.size_approx() > 0) return i;
        written += batches[i]->ops.size();
        commit_result& r = batches[i]->result;
        r.outcomes.clear();
        r.event_seq.clear();
        r.outcomes.reserve(batches[i]->ops.size());
        r.event_seq.reserve(batches[i]->ops.size());
        for (auto& op : batches[i]->ops) std::visit([&](auto& o) { apply(o, r); }, op);
        r.ok = true;
      }
      return n;
    } catch (const std::exception&) {
      rollback_quietly();
      return 0;
    }
  }

  // One submitted batch inside the group's transaction, isolated by a savepoint.
  void apply_batch(pending& p) {
    commit_result& r = p.result;
    r.outcomes.clear();
    r.event_seq.clear();
    r.outcomes.reserve(p.ops.size());
    r.event_seq.reserve(p.ops.size());
    st->savepoint.run();
    const auto delta_before = count_delta;
    const auto events_before = group_events.size();
    try {
      for (auto& op : p.ops) std::visit([&](auto& o) { apply(o, r); }, op);
      st->release.run();
      r.ok = true;
    } catch (const std::exception& e) {
      count_delta = delta_before;
      group_events.resize(events_before);  // their seqs are written again by the next batches
      st->rollback_to.run();
      st->release.run();
      r = commit_result{false, std::string("journal rejected batch: ") + e.what(), {}, {}};
    }
  }

  std::int64_t write_event(std::int64_t order_id, const std::string& panel_order_id, std::uint8_t old_state,
                           std::uint8_t new_state, const std::optional<std::string>& raw_status,
                           std::int64_t charge, std::optional<std::int64_t> remains,
                           std::optional<std::int64_t> refund, bool refill_eligible, const std::string& note,
                           std::int64_t at) {
    auto& s = st->insert_event;
    s.bind(1, order_id)
        .bind(2, panel_order_id)
        .bind(3, std::int64_t{old_state})
        .bind(4, std::int64_t{new_state});
    s.bind(5, raw_status).bind(6, charge).bind(7, remains).bind(8, refund);
    s.bind(9, std::int64_t{refill_eligible}).bind(10, note).bind(11, at);
    s.run();
    group_seq = sqlite3_last_insert_rowid(db.get());
    if (collecting)
      group_events.push_back(store::event_row{group_seq, order_id, panel_order_id, old_state, new_state,
                                              raw_status, charge, remains, refund, refill_eligible, note,
                                              at});
    return group_seq;
  }

  void apply(const order_insert& o, commit_result& r) {
    auto& p = st->purged_exists;
    p.bind(1, o.panel_order_id);
    const bool purged = p.step();
    p.reset();
    auto& s = st->insert_order;
    if (!purged) {
      s.bind(1, o.id).bind(2, o.panel_order_id).bind(3, o.request_hash).bind(4, o.service_id).bind(5, o.link);
      s.bind(6, o.link_key).bind(7, o.quantity).bind(8, o.params).bind(9, o.charge_micros);
      s.bind(10, std::int64_t{o.state}).bind(11, o.at).bind(12, o.at);
    }
    if (purged || s.run() == 0) {
      r.outcomes.push_back(op_outcome::duplicate);
      r.event_seq.push_back(0);
      return;
    }
    count(o.state, 1);
    // Written ids raise allocate_order_ids()'s floor (read on other threads, hence atomic).
    if (o.id > max_written_id.load(std::memory_order_relaxed))
      max_written_id.store(o.id, std::memory_order_relaxed);
    r.outcomes.push_back(op_outcome::applied);
    r.event_seq.push_back(write_event(o.id, o.panel_order_id, 0, o.state, std::nullopt, o.charge_micros,
                                      std::nullopt, std::nullopt, false, "accepted", o.at));
  }

  void apply(const state_change& c, commit_result& r) {
    auto& o = st->order_by_id;
    o.bind(1, c.order_id);
    if (!o.step()) {
      o.reset();
      mark_missing(r);
      return;
    }
    const std::string panel_id = o.column_text(0);
    const std::int64_t charge = o.column_int(1);
    const std::int64_t replaced = o.column_int(2);
    o.reset();
    const unsigned m = columns_of(c);
    auto& u = st->update_for(m);
    int n = 0;
    u.bind(++n, std::int64_t{c.new_state});
    u.bind(++n, c.at);
    // In update_sql's order: only the columns the change carries.
    if (m & col_provider) u.bind(++n, *c.provider);
    if (m & col_provider_order_id) u.bind(++n, *c.provider_order_id);
    if (m & col_attempt) u.bind(++n, std::int64_t{*c.attempt});
    if (m & col_raw_status) u.bind(++n, *c.raw_status);
    if (m & col_start_count) u.bind(++n, *c.start_count);
    if (m & col_remains) u.bind(++n, *c.remains);
    if (m & col_final_at) u.bind(++n, c.at);
    if (m & col_keep_until) u.bind(++n, *c.keep_until);
    if (m & col_placed_at) u.bind(++n, *c.placed_at);
    if (m & col_sent_at) u.bind(++n, *c.sent_at);
    u.bind(++n, c.order_id);
    u.run();
    if (replaced != c.new_state) {
      count(replaced, -1);
      count(c.new_state, 1);
    }

    std::optional<std::int64_t> refund = c.refund_micros;
    op_outcome outcome = op_outcome::applied;
    if (refund) {
      auto& e = st->refund_exists;
      e.bind(1, c.order_id);
      const bool exists = e.step();
      e.reset();
      if (exists) {  // already paid once: the event must not carry a second credit
        refund.reset();
        outcome = op_outcome::refund_already_recorded;
      }
    }
    const auto seq = write_event(c.order_id, panel_id, c.old_state, c.new_state, c.raw_status, charge,
                                 c.remains, refund, c.refill_eligible, c.note, c.at);
    if (refund) {
      auto& i = st->insert_refund;
      i.bind(1, c.order_id).bind(2, *refund).bind(3, c.refund_reason).bind(4, seq).bind(5, c.at);
      i.run();
    }
    r.outcomes.push_back(outcome);
    r.event_seq.push_back(seq);
  }

  // An operation on an order the journal does not have (purged, never inserted).
  static void mark_missing(commit_result& r) {
    r.outcomes.push_back(op_outcome::missing);
    r.event_seq.push_back(0);
  }

  // An event that leaves the order's state and figures as they are: a note in its feed.
  std::int64_t note_event(std::int64_t order_id, const std::string& panel_id, std::uint8_t state,
                          std::int64_t charge, const std::string& note, std::int64_t at) {
    return write_event(order_id, panel_id, state, state, std::nullopt, charge, std::nullopt, std::nullopt,
                       false, note, at);
  }

  void apply(const refill_change& c, commit_result& r) {
    auto& o = st->order_by_id;
    o.bind(1, c.order_id);
    if (!o.step()) {
      o.reset();
      mark_missing(r);
      return;
    }
    const std::string panel_id = o.column_text(0);
    const std::int64_t charge = o.column_int(1);
    const auto state = static_cast<std::uint8_t>(o.column_int(2));
    o.reset();
    auto& u = st->upsert_refill;
    u.bind(1, c.order_id).bind(2, std::int64_t{c.attempt}).bind(3, std::int64_t{c.state});
    u.bind(4, std::int64_t{c.refusal}).bind(5, c.provider).bind(6, c.refill_id).bind(7, c.raw_status);
    u.bind(8, c.message).bind(9, c.requested_at).bind(10, c.at);
    u.run();
    // The order's own state does not change: the event is a note in its feed.
    r.outcomes.push_back(op_outcome::applied);
    r.event_seq.push_back(note_event(c.order_id, panel_id, state, charge, c.note, c.at));
  }

  void apply(const order_note& n, commit_result& r) {
    auto& u = st->note_order;
    u.bind(1, n.speedup_at).bind(2, n.order_id);
    if (!u.step()) {
      u.reset();
      mark_missing(r);
      return;
    }
    const std::string panel_id = u.column_text(0);
    const std::int64_t charge = u.column_int(1);
    const auto state = static_cast<std::uint8_t>(u.column_int(2));
    u.run();  // finish the statement (RETURNING yields one row)
    r.outcomes.push_back(op_outcome::applied);
    r.event_seq.push_back(note_event(n.order_id, panel_id, state, charge, n.note, n.at));
  }

  void apply(const provider_pause_change& c, commit_result& r) {
    auto& u = st->upsert_pause;
    u.bind(1, c.provider).bind(2, std::int64_t{c.by_operator}).bind(3, std::int64_t{c.paused});
    u.bind(4, c.kind);
    u.bind(5, c.reason).bind(6, c.since).bind(7, c.funds_needed_micros).bind(8, c.at);
    u.run();
    r.outcomes.push_back(op_outcome::applied);
    r.event_seq.push_back(0);
  }

  void apply(const purge_final& p, commit_result& r) {
    const std::int64_t now = p.now ? *p.now : unix_now();
    // Old enough for the operator's retention, and past the order's own keep window (refill
    // guarantee + claim window); rows finalized before schema v2 have none: the cutoff alone.
    const std::string old = "(SELECT id FROM orders WHERE final_at IS NOT NULL AND final_at < " +
                            std::to_string(p.before) + " AND (keep_until IS NULL OR keep_until < " +
                            std::to_string(now) + "))";
    // Remember the highest purged id so intake never hands out an id twice.
    db.exec(
        "INSERT INTO meta (key, value) SELECT 'order_id_floor', m FROM (SELECT max(id) AS m FROM orders"
        " WHERE id IN " +
        old + ") WHERE m IS NOT NULL ON CONFLICT(key) DO UPDATE SET value=max(value, excluded.value)");
    // The panel id stays taken: a late replay of this add must not become a second order.
    db.exec(
        "INSERT INTO purged_orders (panel_order_id, order_id, request_hash, state, charge_micros,"
        " refund_micros, final_at, purged_at) SELECT o.panel_order_id, o.id, o.request_hash, o.state,"
        " o.charge_micros, f.amount_micros, o.final_at, " +
        std::to_string(now) + " FROM orders o LEFT JOIN refunds f ON f.order_id = o.id WHERE o.id IN " + old +
        " ON CONFLICT DO NOTHING");
    {
      sqlite_stmt gone(db, "SELECT state, count(*) FROM orders WHERE id IN " + old + " GROUP BY state");
      while (gone.step()) count(gone.column_int(0), -gone.column_int(1));
    }
    db.exec("DELETE FROM events WHERE order_id IN " + old);
    db.exec("DELETE FROM refunds WHERE order_id IN " + old);
    db.exec("DELETE FROM refills WHERE order_id IN " + old);
    db.exec("DELETE FROM orders WHERE id IN " + old);
    r.outcomes.push_back(op_outcome::applied);
    r.event_seq.push_back(0);
  }

  void apply(const move_all_in_state& m, commit_result& r) {
    sqlite_stmt sel(
        db, "SELECT id, panel_order_id, charge_micros FROM orders WHERE state=? AND final_at IS NULL");
    sel.bind(1, std::int64_t{m.from});
    std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> rows;
    while (sel.step()) rows.emplace_back(sel.column_int(0), sel.column_text(1), sel.column_int(2));
    sqlite_stmt upd(db, "UPDATE orders SET prev_state=state, state=?, updated_at=? WHERE id=?");
    std::int64_t last_seq = 0;
    for (auto& [id, panel_id, charge] : rows) {
      upd.bind(1, std::int64_t{m.to}).bind(2, m.at).bind(3, id);
      upd.run();
      count(m.from, -1);
      count(m.to, 1);
      last_seq = write_event(id, panel_id, m.from, m.to, std::nullopt, charge, std::nullopt, std::nullopt,
                             false, m.note, m.at);
    }
    r.outcomes.push_back(op_outcome::applied);
    r.event_seq.push_back(last_seq);
  }

  journal_options options;
  sqlite_db db;
  std::unique_ptr<statements> st;
  moodycamel::BlockingConcurrentQueue<pending*> queue;  // normal batches, and wake-ups
  moodycamel::ConcurrentQueue<pending*> urgent;         // written first (journal::submit_urgent)
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> commits{0}, batches_done{0}, ops_done{0}, failed_batches{0}, queued{0};
  std::array<std::atomic<std::int64_t>, journal::state_codes> by_state{};
  std::int64_t group_seq = 0;  // writer only: the last event seq written
  std::array<std::int64_t, order_store::state_codes> count_delta{};
  std::mutex sink_mutex;
  std::shared_ptr<const order_store::event_sink> sink;        // guarded by sink_mutex
  std::shared_ptr<const order_store::event_sink> group_sink;  // writer only: this group's
  std::atomic<bool> collect{false};                           // any thread: pass the events to `sink`
  bool collecting = false;                      // writer only: this group's events are collected
  std::vector<event_row> group_events;          // writer only  // writer only: the group's count changes
  std::atomic<std::int64_t> last_seq{0};        // the last event seq committed
  std::atomic<std::int64_t> max_written_id{0};  // writer writes; allocate_order_ids reads
  std::mutex id_mutex;
  std::int64_t next_free_id = 1;  // guarded by id_mutex: after the last block handed out
  std::mutex checkpoint_mutex;
  std::condition_variable checkpoint_wake;
  bool checkpoint_due = false, checkpoint_stop = false;
  std::thread checkpointer;
  std::thread writer;
};

journal::journal(journal_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
journal::~journal() = default;

void journal::submit(std::vector<journal_op> ops, completion done) {
  impl_->queued.fetch_add(1, std::memory_order_relaxed);
  impl_->queue.enqueue(new impl::pending{std::move(ops), std::move(done), {}});
}

void journal::submit_urgent(std::vector<journal_op> ops, completion done) {
  impl_->queued.fetch_add(1, std::memory_order_relaxed);
  impl_->urgent.enqueue(new impl::pending{std::move(ops), std::move(done), {}});
  impl_->queue.enqueue(nullptr);  // wake the writer if it sleeps
}

journal_stats journal::stats() const {
  return journal_stats{impl_->commits.load(), impl_->batches_done.load(), impl_->ops_done.load(),
                       impl_->failed_batches.load(), impl_->queued.load()};
}

const std::string& journal::path() const { return impl_->options.path; }

std::string journal::describe() const { return "SQLite journal " + impl_->options.path; }

std::unique_ptr<store_reader> journal::open_reader() const {
  return std::make_unique<journal_reader>(impl_->options.path);
}

id_block journal::allocate_order_ids() {
  std::lock_guard lock(impl_->id_mutex);
  // Also past what was written with ids from elsewhere (tests and tools insert their own).
  const std::int64_t first = std::max(impl_->next_free_id, impl_->max_written_id.load() + 1);
  impl_->next_free_id = first + order_id_block;
  return id_block{first, order_id_block};
}

void journal::set_event_sink(event_sink sink) {
  auto s = sink ? std::make_shared<const event_sink>(std::move(sink)) : nullptr;
  std::lock_guard lock(impl_->sink_mutex);
  impl_->sink = std::move(s);
}

void journal::collect_events(bool on) { impl_->collect.store(on, std::memory_order_release); }

std::int64_t journal::last_event_seq() const { return impl_->last_seq.load(std::memory_order_acquire); }

std::array<std::int64_t, order_store::state_codes> journal::orders_by_state() const {
  std::array<std::int64_t, state_codes> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = impl_->by_state[i].load(std::memory_order_relaxed);
  return out;
}

}  // namespace smm::store
