// The store's contract, run against each backend: SQLite (store_suite_sqlite_test) and
// PostgreSQL (store_suite_postgresql_test, a throwaway server per test process,
// tests/support/pg_server.hpp). The same ops must give the same outcomes, seqs, counts and
// rows on both. What only one backend has (SQLite's WAL, its schema history; PostgreSQL's
// several writers and lost connections) is tested in journal_test.cpp and pg_store_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>

#include "store/journal.hpp"
#include "store/open_store.hpp"
#include "store/postgresql/pg_reader.hpp"
#include "store/sqlite.hpp"
#include "tests/store/store_rows.hpp"
#include "tests/support/pg_server.hpp"

namespace fs = std::filesystem;
using namespace smm::store;

namespace smm::store {
// The backend by name in test output ("GetParam() = postgresql").
inline void PrintTo(backend_kind kind, std::ostream* out) { *out << to_string(kind); }
}  // namespace smm::store

namespace {

// Codes and rows shared with the SQLite-only tests.
using namespace smm::store::test_rows;

// One PostgreSQL server per test process, started on first use, stopped at exit.
smm::test::pg_server& shared_server() {
  static smm::test::pg_server server;
  return server;
}

class store_test : public ::testing::TestWithParam<backend_kind> {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    options_.backend = GetParam();
    if (GetParam() == backend_kind::sqlite) {
      dir_ = fs::temp_directory_path() /
             ("smm-store-" + std::to_string(::getpid()) + "-" + std::to_string(::rand()));
      fs::remove_all(dir_);
      fs::create_directories(dir_);
      options_.path = (dir_ / "journal.db").string();
    } else {
      db_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
      options_.dsn = shared_server().create_database(db_);
    }
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<order_store> open_store_(std::size_t max_batches = 512, std::size_t max_ops = 4096) {
    auto o = options_;
    o.max_batches_per_commit = max_batches;
    o.max_ops_per_commit = max_ops;
    return open_store(o);
  }
  // A reader on its own connection, as the engine opens one per thread.
  std::unique_ptr<store_reader> open_reader_() {
    if (GetParam() == backend_kind::sqlite) return std::make_unique<journal_reader>(options_.path);
    return std::make_unique<pg::pg_reader>(options_.dsn);
  }

  // Raw SQL, for what only a test looks at (SQL that both databases understand).
  std::int64_t query_int(const std::string& sql) {
    if (GetParam() == backend_kind::sqlite) return sqlite_db(options_.path).query_int(sql);
    const auto rows = shared_server().rows(db_, sql);
    return rows.empty() || rows[0][0].empty() ? 0 : std::stoll(rows[0][0]);
  }
  // Orders per state by a count of the table.
  std::array<std::int64_t, order_store::state_codes> counted_by_state() {
    std::array<std::int64_t, order_store::state_codes> counted{};
    const std::string sql = "SELECT state, count(*) FROM orders GROUP BY state";
    if (GetParam() == backend_kind::sqlite) {
      sqlite_db db(options_.path);
      sqlite_stmt s(db, sql);
      while (s.step()) counted[static_cast<std::size_t>(s.column_int(0))] = s.column_int(1);
    } else {
      for (const auto& row : shared_server().rows(db_, sql))
        counted[static_cast<std::size_t>(std::stoll(row[0]))] = std::stoll(row[1]);
    }
    return counted;
  }
  // A rule the writer cannot know: inserting an order with `panel_id` aborts with "boom".
  void fail_inserts_of(const std::string& panel_id) {
    if (GetParam() == backend_kind::sqlite) {
      sqlite_db(options_.path)
          .exec("CREATE TRIGGER test_boom BEFORE INSERT ON orders WHEN NEW.panel_order_id = '" + panel_id +
                "' BEGIN SELECT RAISE(ABORT, 'boom'); END");
      return;
    }
    shared_server().exec(db_,
                         "CREATE FUNCTION test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF "
                         "NEW.panel_order_id = '" +
                             panel_id + "' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$");
    shared_server().exec(
        db_, "CREATE TRIGGER test_boom BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION test_boom()");
  }

  static order_insert order(std::int64_t id, std::string link = "https://x.com/a") {
    order_insert o;
    o.id = id;
    o.panel_order_id = "p" + std::to_string(id);
    o.request_hash = id * 31;
    o.service_id = 1;
    o.link = link;
    o.link_key = link;
    o.quantity = 1000;
    o.charge_micros = 900'000;
    o.state = queued;
    o.at = 1'700'000'000;
    return o;
  }

  store_options options_;
  fs::path dir_;
  std::string db_;
  static inline int databases_ = 0;
};

TEST_P(store_test, duplicate_panel_order_id_writes_nothing_the_second_time) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  auto first = j.submit_and_wait({order(1)});
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.outcomes[0], op_outcome::applied);
  EXPECT_GT(first.event_seq[0], 0);
  auto again = order(2);
  again.panel_order_id = "p1";  // same panel id, new daemon id
  auto second = j.submit_and_wait({again});
  ASSERT_TRUE(second.ok);
  EXPECT_EQ(second.outcomes[0], op_outcome::duplicate);
  EXPECT_EQ(second.event_seq[0], 0);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  ASSERT_TRUE(r.find_order("p1"));
  EXPECT_EQ(r.find_order("p1")->id, 1);
  EXPECT_EQ(r.open_orders().size(), 1u);
}

TEST_P(store_test, concurrent_submitters_all_commit_with_unique_increasing_event_seqs) {
  constexpr int threads = 4, per_thread = 2000;
  std::atomic<int> done{0};
  std::atomic<int> failures{0};
  {
    auto j_owner = open_store_();
    order_store& j = *j_owner;
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          j.submit({order(t * per_thread + i + 1)}, [&](commit_result r) {
            if (!r.ok || r.outcomes[0] != op_outcome::applied) failures.fetch_add(1);
            done.fetch_add(1);
          });
        }
      });
    }
    for (auto& t : ts) t.join();
  }  // the destructor commits everything already submitted
  EXPECT_EQ(done.load(), threads * per_thread);
  EXPECT_EQ(failures.load(), 0);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  auto events = r.events_since(0, 100000);
  ASSERT_EQ(events.size(), static_cast<std::size_t>(threads * per_thread));
  std::set<std::int64_t> order_ids;
  for (std::size_t i = 1; i < events.size(); ++i) ASSERT_LT(events[i - 1].seq, events[i].seq);
  for (auto& e : events) order_ids.insert(e.order_id);
  EXPECT_EQ(order_ids.size(), static_cast<std::size_t>(threads * per_thread));
  EXPECT_EQ(r.last_order_id(), threads * per_thread);
}

TEST_P(store_test, a_refund_is_recorded_once_even_if_the_final_state_is_replayed) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1)}).ok);
  state_change c;
  c.order_id = 1;
  c.old_state = placed;
  c.new_state = canceled;
  c.final = true;
  c.raw_status = "Canceled";
  c.refund_micros = 900'000;
  c.refund_reason = "canceled";
  c.at = 1'700'000'100;
  auto first = j.submit_and_wait({c});
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.outcomes[0], op_outcome::applied);
  auto replay = j.submit_and_wait({c});  // e.g. after a crash the poller sees Canceled again
  ASSERT_TRUE(replay.ok);
  EXPECT_EQ(replay.outcomes[0], op_outcome::refund_already_recorded);

  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  auto events = r.order_events(1);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].refund_micros, 900'000);
  EXPECT_FALSE(events[2].refund_micros.has_value()) << "a replayed final state must not credit again";
  EXPECT_EQ(query_int("SELECT sum(amount_micros) FROM refunds"), 900'000);
  EXPECT_TRUE(r.open_orders().empty());
}

TEST_P(store_test, a_state_change_for_an_unknown_order_is_reported_missing) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  state_change c;
  c.order_id = 42;
  c.new_state = placed;
  auto r = j.submit_and_wait({c});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.outcomes[0], op_outcome::missing);
}

TEST_P(store_test, recovery_turns_every_sending_order_into_unknown_with_an_event) {
  {
    auto j_owner = open_store_();
    order_store& j = *j_owner;
    ASSERT_TRUE(j.submit_and_wait({order(1), order(2, "https://x.com/b"), order(3, "https://x.com/c")}).ok);
    state_change to_sending;
    to_sending.order_id = 2;
    to_sending.old_state = queued;
    to_sending.new_state = sending;
    to_sending.attempt = 1;
    ASSERT_TRUE(j.submit_and_wait({to_sending}).ok);
  }
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  auto r = j.submit_and_wait({move_all_in_state{sending, unknown, "restart while add was in flight", 5}});
  ASSERT_TRUE(r.ok) << r.error;
  auto reader_owner = open_reader_();
  store_reader& reader = *reader_owner;
  auto open = reader.open_orders();
  ASSERT_EQ(open.size(), 3u);
  EXPECT_EQ(open[0].state, queued);
  EXPECT_EQ(open[1].state, unknown);
  EXPECT_EQ(open[1].attempt, 1);
  EXPECT_EQ(open[2].state, queued);
  auto ev = reader.order_events(2);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev.back().note, "restart while add was in flight");
}

TEST_P(store_test, purge_removes_old_final_orders_but_never_lets_ids_or_seqs_go_back) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1), order(2, "https://x.com/b")}).ok);
  state_change c;
  c.order_id = 2;
  c.old_state = queued;
  c.new_state = canceled;
  c.final = true;
  c.at = 100;
  ASSERT_TRUE(j.submit_and_wait({c}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  const auto seq_before = r.last_event_seq();
  ASSERT_TRUE(j.submit_and_wait({purge_final{101}}).ok);
  EXPECT_FALSE(r.find_order("p2"));
  EXPECT_TRUE(r.find_order("p1"));
  EXPECT_TRUE(r.order_events(2).empty());
  EXPECT_EQ(r.last_order_id(), 2) << "the purged id must not be handed out again";
  EXPECT_EQ(r.last_event_seq(), seq_before);
  ASSERT_TRUE(j.submit_and_wait({order(3, "https://x.com/c")}).ok);
  EXPECT_GT(r.last_event_seq(), seq_before);
}

TEST_P(store_test, purge_keeps_an_order_inside_its_keep_window_and_deletes_it_after) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1), order(2, "https://x.com/b")}).ok);
  const std::int64_t t = 1'700'000'000;
  // Order 1: Completed with a 30-day refill guarantee + 14-day claim window; order 2 canceled
  // at the same moment, with the claim window alone.
  ASSERT_TRUE(
      j.submit_and_wait({finish(1, completed, t, t + 44 * day), finish(2, canceled, t, t + 14 * day)}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  EXPECT_EQ(r.find_order("p1")->keep_until, t + 44 * day);

  // A retention of 20 days, 21 days on: both are past the cutoff, only order 2 is past its window.
  ASSERT_TRUE(j.submit_and_wait({purge_final{t + day, t + 21 * day}}).ok);
  EXPECT_TRUE(r.find_order("p1")) << "purged inside its refill guarantee + claim window";
  EXPECT_EQ(r.order_events(1).size(), 2u);
  EXPECT_FALSE(r.find_order("p2"));

  // The last second of the window still keeps it; the next one lets it go.
  ASSERT_TRUE(j.submit_and_wait({purge_final{t + 24 * day, t + 44 * day}}).ok);
  EXPECT_TRUE(r.find_order("p1"));
  ASSERT_TRUE(j.submit_and_wait({purge_final{t + 24 * day, t + 44 * day + 1}}).ok);
  EXPECT_FALSE(r.find_order("p1"));
  EXPECT_TRUE(r.order_events(1).empty());

  // The window never overrides the operator's cutoff: a recent order stays.
  ASSERT_TRUE(j.submit_and_wait({order(3, "https://x.com/c")}).ok);
  ASSERT_TRUE(j.submit_and_wait({finish(3, canceled, t + 50 * day, t + 50 * day)}).ok);
  ASSERT_TRUE(j.submit_and_wait({purge_final{t + 50 * day, t + 60 * day}}).ok);
  EXPECT_TRUE(r.find_order("p3"));
}

TEST_P(store_test, a_later_change_never_shortens_the_keep_window) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1)}).ok);
  ASSERT_TRUE(j.submit_and_wait({finish(1, completed, 100, 100 + 44 * day)}).ok);
  auto replay = finish(1, completed, 200, 200 + 14 * day);  // e.g. an anomaly journaled later
  replay.final = false;
  ASSERT_TRUE(j.submit_and_wait({replay}).ok);
  state_change note_only;
  note_only.order_id = 1;
  note_only.old_state = completed;
  note_only.new_state = completed;
  note_only.note = "drop seen";
  ASSERT_TRUE(j.submit_and_wait({note_only}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  EXPECT_EQ(r.find_order("p1")->keep_until, 100 + 44 * day);
}

// Each change writes only the columns it carries: what it leaves unset keeps its value through
// every later change, and the indexes over those columns still find the order.
TEST_P(store_test, a_change_writes_what_it_carries_and_keeps_every_other_field) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1)}).ok);
  state_change send;
  send.order_id = 1;
  send.old_state = queued;
  send.new_state = sending;
  send.provider = "alpha";
  send.attempt = 1;
  send.sent_at = 1'700'000'010;
  send.at = 1'700'000'010;
  state_change place;
  place.order_id = 1;
  place.old_state = sending;
  place.new_state = placed;
  place.provider_order_id = "A-77";
  place.placed_at = 1'700'000'011;
  place.at = 1'700'000'011;
  state_change progress;
  progress.order_id = 1;
  progress.old_state = placed;
  progress.new_state = 7;  // in_progress
  progress.raw_status = "In progress";
  progress.start_count = 120;
  progress.remains = 400;
  progress.at = 1'700'000'500;
  state_change done = finish(1, completed, 1'700'000'900, 1'700'000'900 + 44 * day);
  done.old_state = 7;
  done.raw_status = "Completed";
  done.remains = 0;
  ASSERT_TRUE(j.submit_and_wait({send}).ok);
  ASSERT_TRUE(j.submit_and_wait({place}).ok);
  ASSERT_TRUE(j.submit_and_wait({progress}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  auto mid = r.find_order(std::int64_t{1});
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->state, 7);
  EXPECT_EQ(mid->provider, "alpha");
  EXPECT_EQ(mid->provider_order_id, "A-77");
  EXPECT_EQ(mid->attempt, 1);
  EXPECT_EQ(mid->sent_at, 1'700'000'010);
  EXPECT_EQ(mid->placed_at, 1'700'000'011);
  EXPECT_EQ(mid->start_count, 120);
  EXPECT_EQ(mid->remains, 400);
  EXPECT_EQ(mid->updated_at, 1'700'000'500);
  EXPECT_FALSE(mid->final_at) << "only a final change sets final_at";
  EXPECT_FALSE(mid->keep_until);
  EXPECT_EQ(r.find_by_provider_order("alpha", "A-77"), 1);
  EXPECT_EQ(r.orders_in_state(7, 0, 10).size(), 1u);

  ASSERT_TRUE(j.submit_and_wait({done}).ok);
  auto end = r.find_order(std::int64_t{1});
  ASSERT_TRUE(end);
  EXPECT_EQ(end->state, completed);
  EXPECT_EQ(end->raw_status, "Completed");
  EXPECT_EQ(end->remains, 0);
  EXPECT_EQ(end->start_count, 120) << "kept: the final change did not carry it";
  EXPECT_EQ(end->provider_order_id, "A-77");
  EXPECT_EQ(end->final_at, 1'700'000'900);
  EXPECT_EQ(end->keep_until, 1'700'000'900 + 44 * day);
  EXPECT_TRUE(r.open_orders().empty());
  EXPECT_EQ(r.orders_in_state(completed, 0, 10).size(), 1u);
  EXPECT_TRUE(r.orders_in_state(7, 0, 10).empty());
}

TEST_P(store_test, a_purged_panel_id_stays_taken_and_answers_what_it_was) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1)}).ok);
  auto c = finish(1, canceled, 100, 100 + 14 * day);
  c.refund_micros = 900'000;
  c.refund_reason = "canceled";
  ASSERT_TRUE(j.submit_and_wait({c}).ok);
  ASSERT_TRUE(j.submit_and_wait({purge_final{200, 100 + 15 * day}}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  ASSERT_FALSE(r.find_order("p1"));

  const auto purged = r.find_purged("p1");
  ASSERT_TRUE(purged) << "the purged panel id must still be known";
  EXPECT_EQ(purged->order_id, 1);
  EXPECT_EQ(purged->request_hash, 31);
  EXPECT_EQ(purged->state, canceled);
  EXPECT_EQ(purged->charge_micros, 900'000);
  EXPECT_EQ(purged->refund_micros, 900'000);
  EXPECT_EQ(purged->final_at, 100);
  EXPECT_EQ(purged->purged_at, 100 + 15 * day);
  EXPECT_FALSE(r.find_purged("p2"));

  // A late replay of the same add (intake hands it a new daemon id): nothing is written.
  auto late = order(7);
  late.panel_order_id = "p1";
  const auto res = j.submit_and_wait({late});
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.outcomes[0], op_outcome::duplicate);
  EXPECT_EQ(res.event_seq[0], 0);
  EXPECT_FALSE(r.find_order("p1"));
  EXPECT_FALSE(r.find_order(std::int64_t{7}));
  EXPECT_TRUE(r.open_orders().empty()) << "a replay after purge must not become a second order";
  // Purging again (nothing left of it) keeps the row.
  ASSERT_TRUE(j.submit_and_wait({purge_final{300 * day, 300 * day}}).ok);
  EXPECT_TRUE(r.find_purged("p1"));
}

TEST_P(store_test, a_refill_request_is_journaled_with_each_change_and_an_event_of_its_order) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1), order(2, "https://x.com/b")}).ok);
  ASSERT_TRUE(j.submit_and_wait({finish(1, completed, 900, 900 + 44 * day)}).ok);
  auto res = j.submit_and_wait({refill(1, 1, refill_requested, 1000)});
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.outcomes[0], op_outcome::applied);
  EXPECT_GT(res.event_seq[0], 0);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  auto row = r.latest_refill(1);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->attempt, 1);
  EXPECT_EQ(row->state, refill_requested);
  EXPECT_FALSE(row->refill_id);
  EXPECT_EQ(row->requested_at, 1000);

  // The provider takes it: its refill id; then a status text. Unset fields keep what was known.
  auto taken = refill(1, 1, refill_pending, 1001);
  taken.refill_id = "77";
  ASSERT_TRUE(j.submit_and_wait({taken}).ok);
  auto status = refill(1, 1, refill_in_progress, 1002);
  status.raw_status = "In progress";
  ASSERT_TRUE(j.submit_and_wait({status}).ok);
  row = r.latest_refill(1);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, refill_in_progress);
  EXPECT_EQ(row->refill_id, "77");
  EXPECT_EQ(row->raw_status, "In progress");
  EXPECT_EQ(row->requested_at, 1000);
  EXPECT_EQ(row->updated_at, 1002);

  // Each write is a note in the order's feed; the order's own state does not change.
  const auto events = r.order_events(1);
  ASSERT_EQ(events.size(), 5u);  // accepted, completed, 3 refill notes
  for (std::size_t i = 2; i < events.size(); ++i) {
    EXPECT_EQ(events[i].old_state, completed);
    EXPECT_EQ(events[i].new_state, completed);
    EXPECT_FALSE(events[i].refund_micros);
  }
  EXPECT_EQ(events.back().note, "refill 1 state 3");
  EXPECT_EQ(r.find_order("p1")->state, completed);

  // A second request of the same order is the latest; the first stays as it ended.
  ASSERT_TRUE(j.submit_and_wait({refill(1, 1, refill_completed, 1003)}).ok);
  auto refused = refill(1, 2, refill_refused, 1100);
  refused.refusal = 1;
  refused.message = "Private account";
  ASSERT_TRUE(j.submit_and_wait({refused}).ok);
  row = r.latest_refill(1);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->attempt, 2);
  EXPECT_EQ(row->state, refill_refused);
  EXPECT_EQ(row->refusal, 1);
  EXPECT_EQ(row->message, "Private account");
  EXPECT_FALSE(r.latest_refill(2));

  // A refill of an order that does not exist writes nothing.
  res = j.submit_and_wait({refill(9, 1, refill_requested, 1000)});
  ASSERT_TRUE(res.ok);
  EXPECT_EQ(res.outcomes[0], op_outcome::missing);
  EXPECT_FALSE(r.latest_refill(9));
}

TEST_P(store_test, recovery_finds_the_latest_refill_of_each_order_by_its_state) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1), order(2, "https://x.com/b"), order(3, "https://x.com/c")}).ok);
  ASSERT_TRUE(j.submit_and_wait(
                   {finish(1, completed, 900, 0), finish(2, completed, 900, 0), finish(3, completed, 900, 0)})
                  .ok);
  // 1: on the wire; 2: an older request ended, the newer one runs; 3: ended.
  ASSERT_TRUE(
      j.submit_and_wait({refill(1, 1, refill_requested, 1000), refill(2, 1, refill_completed, 1000),
                         refill(2, 2, refill_in_progress, 1001), refill(3, 1, refill_in_progress, 1000),
                         refill(3, 1, refill_completed, 1002)})
          .ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  const auto wire = r.latest_refills_in({refill_requested});
  ASSERT_EQ(wire.size(), 1u);
  EXPECT_EQ(wire[0].order_id, 1);
  const auto running = r.latest_refills_in({refill_pending, refill_in_progress});
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].order_id, 2);
  EXPECT_EQ(running[0].attempt, 2);
  EXPECT_TRUE(r.latest_refills_in({refill_unknown}).empty());
  EXPECT_TRUE(r.latest_refills_in({}).empty());
}

TEST_P(store_test, retention_purges_an_orders_refills_with_it) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1)}).ok);
  ASSERT_TRUE(j.submit_and_wait({finish(1, completed, 100, 100 + 44 * day)}).ok);
  ASSERT_TRUE(j.submit_and_wait({refill(1, 1, refill_completed, 200)}).ok);
  ASSERT_TRUE(j.submit_and_wait({purge_final{200, 100 + 44 * day + 1}}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  EXPECT_FALSE(r.find_order("p1"));
  EXPECT_FALSE(r.latest_refill(1));
  EXPECT_EQ(query_int("SELECT count(*) FROM refills"), 0);
}

TEST_P(store_test, the_placement_time_is_kept_and_the_placements_a_refill_may_meet_are_found) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1), order(2, "https://x.com/b"), order(3, "https://x.com/a")}).ok);
  auto place = [](std::int64_t id, std::int64_t at) {
    state_change c;
    c.order_id = id;
    c.old_state = sending;
    c.new_state = placed;
    c.provider_order_id = std::to_string(id * 100);
    c.at = at;
    c.placed_at = at;
    return c;
  };
  ASSERT_TRUE(j.submit_and_wait({place(1, 100), place(2, 150), place(3, 300)}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  EXPECT_EQ(r.find_order("p1")->placed_at, 100);
  // A later change without a placement keeps it.
  ASSERT_TRUE(j.submit_and_wait({finish(1, completed, 400, std::nullopt)}).ok);
  EXPECT_EQ(r.find_order("p1")->placed_at, 100);
  EXPECT_FALSE(r.find_order(std::int64_t{1})->keep_until);
  // Order 2 ended canceled, order 1 completed at 400: a refill check of order 1 may meet every
  // placement since its own (100).
  ASSERT_TRUE(j.submit_and_wait({finish(2, canceled, 410, std::nullopt)}).ok);
  EXPECT_EQ(r.earliest_placement_of_final(400, {completed}), 100);
  EXPECT_FALSE(r.earliest_placement_of_final(401, {completed}));
  EXPECT_EQ(r.earliest_placement_of_final(0, {canceled}), 150);
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;
  r.for_each_placement_since(150, [&](const placement_row& p) {
    seen.emplace_back(p.order_id, p.placed_at);
    EXPECT_FALSE(p.link.empty());
    EXPECT_TRUE(p.params.empty());  // only sent when the link is empty
  });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::pair<std::int64_t, std::int64_t>>{{2, 150}, {3, 300}}));
}

TEST_P(store_test, the_orders_per_state_follow_every_write_and_match_a_count_of_the_table) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  auto check = [&](const char* when) {
    const auto counted = counted_by_state();
    EXPECT_EQ(j.orders_by_state(), counted) << when;
    std::vector<std::pair<std::uint8_t, std::int64_t>> nonzero;
    for (std::size_t i = 0; i < counted.size(); ++i)
      if (counted[i] != 0) nonzero.emplace_back(static_cast<std::uint8_t>(i), counted[i]);
    EXPECT_EQ(r.count_by_state(), nonzero) << when;
  };
  check("empty");
  ASSERT_TRUE(j.submit_and_wait({order(1), order(2, "https://x.com/b"), order(3, "https://x.com/c")}).ok);
  check("inserted");
  state_change s;
  s.order_id = 2;
  s.old_state = queued;
  s.new_state = sending;
  s.sent_at = 77;
  ASSERT_TRUE(j.submit_and_wait({s}).ok);
  EXPECT_EQ(r.find_order("p2")->sent_at, 77);
  check("sending");
  ASSERT_TRUE(j.submit_and_wait({move_all_in_state{sending, unknown, "restart", 5}}).ok);
  check("moved");
  ASSERT_TRUE(j.submit_and_wait({finish(1, canceled, 100, std::nullopt)}).ok);
  auto same = finish(3, queued, 100, std::nullopt);  // a note-only change keeps the state
  same.old_state = queued;
  same.final = false;
  ASSERT_TRUE(j.submit_and_wait({same}).ok);
  check("changed");
  ASSERT_TRUE(j.submit_and_wait({purge_final{101, 200}}).ok);
  check("purged");
  EXPECT_EQ(j.orders_by_state()[canceled], 0);
  EXPECT_EQ(j.orders_by_state()[unknown], 1);
}

TEST_P(store_test, a_failing_batch_in_a_group_fails_alone_and_leaves_seqs_and_counts_exact) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  fail_inserts_of("p25");
  constexpr int batches = 60;
  std::vector<std::promise<commit_result>> done(batches);
  for (int i = 0; i < batches; ++i) {  // queued back to back: they share groups
    state_change s;
    s.order_id = i;  // the previous batch's order (0: none, reported missing)
    s.old_state = queued;
    s.new_state = sending;
    s.at = 10;
    j.submit({order(i + 1), s},
             [&done, i](commit_result r) { done[static_cast<std::size_t>(i)].set_value(r); });
  }
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < batches; ++i) {
    const auto r = done[static_cast<std::size_t>(i)].get_future().get();
    if (i + 1 == 25) {
      EXPECT_FALSE(r.ok);
      EXPECT_NE(r.error.find("boom"), std::string::npos) << r.error;
      continue;
    }
    ASSERT_TRUE(r.ok) << i << ": " << r.error;
    for (const auto seq : r.event_seq)
      if (seq != 0) seqs.push_back(seq);
  }
  // The writer counts a group after calling its completions: wait for the last one's figures.
  for (int k = 0; k < 200 && j.stats().batches < batches - 1; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(j.stats().batches, static_cast<std::uint64_t>(batches - 1));
  EXPECT_LT(j.stats().commits, static_cast<std::uint64_t>(batches - 1)) << "the batches never shared a group";
  std::sort(seqs.begin(), seqs.end());
  for (std::size_t i = 1; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], seqs[i - 1] + 1) << "gap after " << seqs[i - 1];
  EXPECT_EQ(j.last_event_seq(), seqs.back());
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  EXPECT_FALSE(r.find_order("p25"));
  EXPECT_TRUE(r.find_order("p24"));
  EXPECT_TRUE(r.find_order("p26"));
  const auto counted = counted_by_state();
  EXPECT_EQ(j.orders_by_state(), counted);
  EXPECT_EQ(counted[queued] + counted[sending], batches - 1);
}

TEST_P(store_test, an_urgent_batch_overtakes_waiting_ones_and_groups_are_bounded_in_ops) {
  auto j_owner = open_store_(512, 3000);
  order_store& j = *j_owner;
  std::atomic<int> finished{0};
  std::vector<std::promise<int>> order_of(12);  // when each batch finished: 1, 2, 3 ...
  auto submit_orders = [&](std::size_t slot, std::int64_t first, int count, bool urgent) {
    std::vector<journal_op> ops;
    for (int i = 0; i < count; ++i)
      ops.emplace_back(order(first + i, "https://x.com/" + std::to_string(first + i)));
    auto done = [&, slot](commit_result r) {
      EXPECT_TRUE(r.ok) << r.error;
      order_of[slot].set_value(++finished);
    };
    if (urgent)
      j.submit_urgent(std::move(ops), done);
    else
      j.submit(std::move(ops), done);
  };
  submit_orders(0, 1, 20000, false);  // keeps the writer busy while the rest queue up
  for (std::size_t b = 1; b <= 10; ++b)
    submit_orders(b, 100000 + static_cast<std::int64_t>(b) * 1000, 1000, false);
  submit_orders(11, 900000, 1, true);
  std::vector<int> when;
  for (auto& p : order_of) when.push_back(p.get_future().get());
  // The first group holds the big batch (alone, or with what was queued before it started).
  EXPECT_LT(when[11], when[10]) << "the urgent batch waited behind every normal one";
  EXPECT_LT(when[11], when[4]);
  for (int k = 0; k < 200 && j.stats().batches < 12; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // 10 batches of 1000 ops at most 3 to a group: at least 4 groups after the big one.
  EXPECT_GE(j.stats().commits, 1u + 4u);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  EXPECT_TRUE(r.find_order("p900000"));
  EXPECT_TRUE(r.find_order("p110999"));
}

TEST_P(store_test, a_note_is_an_event_of_its_order_and_a_speedup_time_is_kept) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  ASSERT_TRUE(j.submit_and_wait({order(1)}).ok);
  order_note n;
  n.order_id = 1;
  n.note = "speed-up requested";
  n.at = 500;
  n.speedup_at = 500;
  auto res = j.submit_and_wait({n});
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.outcomes[0], op_outcome::applied);
  EXPECT_GT(res.event_seq[0], 0);
  order_note cancel_note;
  cancel_note.order_id = 1;
  cancel_note.note = "cancel asked of alpha";
  cancel_note.at = 600;
  ASSERT_TRUE(j.submit_and_wait({cancel_note}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  const auto row = r.find_order("p1");
  EXPECT_EQ(row->speedup_at, 500) << "a note without a speed-up keeps the last one";
  EXPECT_EQ(row->state, queued);
  const auto ev = r.order_events(1);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].note, "speed-up requested");
  EXPECT_EQ(ev[1].old_state, queued);
  EXPECT_EQ(ev[1].new_state, queued);
  EXPECT_EQ(ev[2].note, "cancel asked of alpha");
  EXPECT_EQ(ev[2].at, 600);
  order_note nobody;
  nobody.order_id = 42;
  res = j.submit_and_wait({nobody});
  ASSERT_TRUE(res.ok);
  EXPECT_EQ(res.outcomes[0], op_outcome::missing);
}

TEST_P(store_test, provider_pauses_are_kept_per_provider_and_source_and_replaced_at_each_change) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  provider_pause_change op;
  op.provider = "alpha";
  op.by_operator = true;
  op.paused = true;
  op.kind = "operator";
  op.reason = "maintenance";
  op.since = 10;
  op.at = 10;
  provider_pause_change funds;
  funds.provider = "alpha";
  funds.paused = true;
  funds.kind = "funds";
  funds.reason = "not enough funds";
  funds.since = 20;
  funds.funds_needed_micros = 900'000;
  funds.at = 20;
  ASSERT_TRUE(j.submit_and_wait({op, funds}).ok);
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  auto rows = r.provider_pauses();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].by_operator);
  EXPECT_EQ(rows[0].kind, "funds");
  EXPECT_EQ(rows[0].funds_needed_micros, 900'000);
  EXPECT_EQ(rows[0].since, 20);
  EXPECT_TRUE(rows[1].by_operator);
  EXPECT_TRUE(rows[1].paused);
  EXPECT_EQ(rows[1].reason, "maintenance");
  EXPECT_FALSE(rows[1].funds_needed_micros);
  // Resumed by the operator: the row stays, no longer paused; the automatic pause is untouched.
  op.paused = false;
  op.at = 30;
  ASSERT_TRUE(j.submit_and_wait({op}).ok);
  rows = r.provider_pauses();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].paused);
  EXPECT_FALSE(rows[1].paused);
  EXPECT_EQ(rows[1].updated_at, 30);
}

TEST_P(store_test, acknowledged_orders_survive_kill_9_of_the_writer_process) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto j_owner = open_store_();
    order_store& j = *j_owner;
    for (std::int64_t id = 1; id <= 1'000'000; ++id) {
      j.submit({order(id)}, [fd = fds[1], id](commit_result r) {
        if (r.ok) {
          auto n = ::write(fd, &id, sizeof id);  // the "acknowledgement" to the panel
          (void)n;
        }
      });
      if (id % 64 == 0) ::usleep(200);  // let the writer group, like real intake
    }
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::set<std::int64_t> acked;
  std::int64_t id = 0;
  while (acked.size() < 3000 && ::read(fds[0], &id, sizeof id) == sizeof id) acked.insert(id);
  ::kill(child, SIGKILL);
  while (::read(fds[0], &id, sizeof id) == sizeof id) acked.insert(id);  // acks written before death
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(acked.size(), 3000u);

  const auto reopened = open_store_();  // SQLite recovers its WAL on open
  auto r_owner = open_reader_();
  store_reader& r = *r_owner;
  for (auto a : acked)
    ASSERT_TRUE(r.find_order("p" + std::to_string(a))) << "acknowledged order " << a << " lost";
}

// A live subscriber gets each commit's events from the writer, in seq order, exactly the rows
// a read-back would give; with collection off it gets nothing.
TEST_P(store_test, the_events_of_each_commit_reach_the_sink_while_collecting) {
  auto j_owner = open_store_();
  order_store& j = *j_owner;
  std::mutex m;
  std::vector<event_row> got;
  j.set_event_sink([&](std::vector<event_row> rows) {
    std::lock_guard lock(m);
    for (auto& e : rows) got.push_back(std::move(e));
  });
  ASSERT_TRUE(j.submit_and_wait({order(1)}).ok);  // not collecting: nothing
  j.collect_events(true);
  state_change c;
  c.order_id = 1;
  c.old_state = queued;
  c.new_state = sending;
  c.attempt = 1;
  ASSERT_TRUE(j.submit_and_wait({order(2, "https://x.com/b"), c, order(3, "https://x.com/c")}).ok);
  ASSERT_TRUE(j.submit_and_wait({move_all_in_state{sending, unknown, "restart", 5}}).ok);
  auto r_owner = open_reader_();
  const auto stored = r_owner->events_since(1, 100);
  std::lock_guard lock(m);
  ASSERT_EQ(got.size(), stored.size());
  ASSERT_EQ(got.size(), 4u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, stored[i].seq);
    EXPECT_EQ(got[i].order_id, stored[i].order_id);
    EXPECT_EQ(got[i].panel_order_id, stored[i].panel_order_id);
    EXPECT_EQ(got[i].old_state, stored[i].old_state);
    EXPECT_EQ(got[i].new_state, stored[i].new_state);
    EXPECT_EQ(got[i].charge_micros, stored[i].charge_micros);
    EXPECT_EQ(got[i].note, stored[i].note);
    EXPECT_EQ(got[i].at, stored[i].at);
  }
  EXPECT_EQ(got.back().note, "restart");
}

INSTANTIATE_TEST_SUITE_P(backend, store_test, ::testing::Values(SMM_TEST_BACKEND),
                         [](const ::testing::TestParamInfo<backend_kind>& i) { return to_string(i.param); });

}  // namespace
