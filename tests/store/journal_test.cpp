#include "store/journal.hpp"

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
#include <set>
#include <thread>

#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "tests/store/store_rows.hpp"

namespace fs = std::filesystem;
using namespace smm::store;

namespace {

// Codes and rows shared with the suite on both backends.
using namespace smm::store::test_rows;

class journal_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("smm-journal-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "journal.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

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

  fs::path dir_;
  std::string path_;
};

TEST_F(journal_test, creates_schema_and_reopens_without_migrating_again) {
  { journal j({path_}); }
  {
    sqlite_db db(path_);
    EXPECT_EQ(db.query_int("PRAGMA user_version"), current_schema_version());
    EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_master WHERE name='orders'"), 1);
    db.exec("INSERT INTO meta VALUES ('probe', 7)");
  }
  { journal j({path_}); }  // a second open must keep existing data
  sqlite_db db(path_);
  EXPECT_EQ(db.query_int("SELECT value FROM meta WHERE key='probe'"), 7);
  sqlite_stmt mode(db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.column_text(0), "wal");  // WAL is persistent in the file: readers never block the writer
}

TEST_F(journal_test, refuses_a_journal_from_a_newer_build) {
  {
    sqlite_db db(path_);
    db.exec("PRAGMA user_version = 99");
  }
  try {
    journal j({path_});
    FAIL() << "a newer schema must be refused";
  } catch (const sqlite_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST_F(journal_test, an_unusable_path_names_the_path) {
  const std::string bad = (dir_ / "no-such-dir" / "j.db").string();
  try {
    journal j({bad});
    FAIL();
  } catch (const sqlite_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

// The schema as version 1 wrote it, verbatim: a journal from before retention kept windows.
constexpr const char* v1_schema = R"sql(
CREATE TABLE orders (
  id INTEGER PRIMARY KEY, panel_order_id TEXT NOT NULL UNIQUE, request_hash INTEGER NOT NULL,
  service_id INTEGER NOT NULL, link TEXT NOT NULL, link_key TEXT NOT NULL, quantity INTEGER NOT NULL,
  params TEXT NOT NULL DEFAULT '', charge_micros INTEGER NOT NULL, state INTEGER NOT NULL, provider TEXT,
  provider_order_id TEXT, attempt INTEGER NOT NULL DEFAULT 0, raw_status TEXT, start_count INTEGER,
  remains INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, final_at INTEGER);
CREATE INDEX orders_open ON orders(state) WHERE final_at IS NULL;
CREATE INDEX orders_final_at ON orders(final_at) WHERE final_at IS NOT NULL;
CREATE INDEX orders_link_key ON orders(link_key);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL, panel_order_id TEXT NOT NULL,
  old_state INTEGER NOT NULL, new_state INTEGER NOT NULL, raw_status TEXT, charge_micros INTEGER NOT NULL,
  remains INTEGER, refund_micros INTEGER, refill_eligible INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL);
CREATE INDEX events_order ON events(order_id);
CREATE TABLE refunds (
  order_id INTEGER PRIMARY KEY, amount_micros INTEGER NOT NULL, reason TEXT NOT NULL,
  event_seq INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO orders (id, panel_order_id, request_hash, service_id, link, link_key, quantity, charge_micros,
                    state, created_at, updated_at, final_at)
  VALUES (1, 'old-final', 31, 1, 'https://x.com/a', 'x.com/a', 1000, 900000, 8, 50, 100, 100),
         (2, 'old-open', 62, 1, 'https://x.com/b', 'x.com/b', 1000, 900000, 3, 50, 100, NULL);
INSERT INTO events (order_id, panel_order_id, old_state, new_state, charge_micros, at)
  VALUES (1, 'old-final', 0, 1, 900000, 50), (1, 'old-final', 3, 8, 900000, 100),
         (2, 'old-open', 0, 1, 900000, 50);
PRAGMA user_version = 1;
)sql";

TEST_F(journal_test, a_v1_journal_migrates_and_its_final_orders_keep_the_cutoff_alone) {
  {
    sqlite_db db(path_);
    db.exec(v1_schema);
  }
  journal j({path_});
  {
    sqlite_db db(path_);
    EXPECT_EQ(db.query_int("PRAGMA user_version"), current_schema_version());
    EXPECT_EQ(db.query_int("SELECT count(*) FROM pragma_table_info('orders') WHERE name='keep_until'"), 1);
    EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_master WHERE name='purged_orders'"), 1);
  }
  journal_reader r(path_);
  ASSERT_TRUE(r.find_order("old-final"));
  EXPECT_FALSE(r.find_order("old-final")->keep_until.has_value()) << "no window known for an old row";
  EXPECT_EQ(r.order_events(1).size(), 2u);
  ASSERT_EQ(r.open_orders().size(), 1u);

  // Its order goes on: the open order becomes final with a window, as the daemon writes it.
  ASSERT_TRUE(j.submit_and_wait({finish(2, completed, 100, 100 + 44 * day)}).ok);
  EXPECT_EQ(r.find_order("old-open")->keep_until, 100 + 44 * day);

  // Past the cutoff: the old row goes (cutoff alone), the new one waits for its window.
  ASSERT_TRUE(j.submit_and_wait({purge_final{101, 100 + 20 * day}}).ok);
  EXPECT_FALSE(r.find_order("old-final"));
  EXPECT_TRUE(r.find_purged("old-final"));
  EXPECT_TRUE(r.find_order("old-open"));
  EXPECT_EQ(r.last_order_id(), 2);
}

TEST_F(journal_test, a_v2_journal_migrates_to_v3_with_placement_times_from_its_events) {
  {
    sqlite_db db(path_);
    db.exec(v1_schema);
    // Order 3 was placed at 70 (its `placed` event), order 4 has a provider id and no event.
    db.exec(
        "INSERT INTO orders (id, panel_order_id, request_hash, service_id, link, link_key, quantity,"
        " charge_micros, state, provider_order_id, created_at, updated_at, final_at) VALUES"
        " (3, 'placed', 93, 1, 'https://x.com/c', 'x.com/c', 1000, 900000, 8, '33', 50, 120, 120),"
        " (4, 'no-event', 94, 1, 'https://x.com/d', 'x.com/d', 1000, 900000, 3, '44', 50, 90, NULL);"
        "INSERT INTO events (order_id, panel_order_id, old_state, new_state, charge_micros, at) VALUES"
        " (3, 'placed', 2, 3, 900000, 70), (3, 'placed', 3, 8, 900000, 120);");
  }
  journal j({path_});
  {
    sqlite_db db(path_);
    EXPECT_EQ(db.query_int("PRAGMA user_version"), current_schema_version());
    EXPECT_GE(current_schema_version(), 3);
    EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_master WHERE name='refills'"), 1);
  }
  journal_reader r(path_);
  EXPECT_EQ(r.find_order("placed")->placed_at, 70);
  EXPECT_EQ(r.find_order("no-event")->placed_at, 90);
  EXPECT_FALSE(r.find_order("old-final")->placed_at);  // never placed as far as the journal knows
  EXPECT_FALSE(r.latest_refill(3));
  ASSERT_TRUE(j.submit_and_wait({refill(3, 1, refill_requested, 200)}).ok);
  EXPECT_TRUE(r.latest_refill(3));
}

// Schema v4: a journal of an earlier version gains the provider-order index, sent-at times from
// its events, the per-state counts and the provider pauses.
TEST_F(journal_test, an_older_journal_migrates_to_v4_with_sent_times_counts_and_the_provider_order_index) {
  {
    sqlite_db db(path_);
    db.exec(v1_schema);
    // Order 3 was sent twice (its `sending` events at 60 and 65) and placed; order 4 was never sent.
    db.exec(
        "INSERT INTO orders (id, panel_order_id, request_hash, service_id, link, link_key, quantity,"
        " charge_micros, state, provider, provider_order_id, created_at, updated_at, final_at) VALUES"
        " (3, 'sent', 93, 1, 'https://x.com/c', 'x.com/c', 1000, 900000, 3, 'alpha', '33', 50, 70, NULL),"
        " (4, 'queued', 94, 1, 'https://x.com/d', 'x.com/d', 1000, 900000, 1, NULL, NULL, 50, 50, NULL);"
        "INSERT INTO events (order_id, panel_order_id, old_state, new_state, charge_micros, at) VALUES"
        " (3, 'sent', 1, 2, 900000, 60), (3, 'sent', 2, 1, 900000, 62), (3, 'sent', 1, 2, 900000, 65),"
        " (3, 'sent', 2, 3, 900000, 70);");
  }
  journal j({path_});
  sqlite_db db(path_);
  EXPECT_EQ(db.query_int("PRAGMA user_version"), current_schema_version());
  EXPECT_GE(current_schema_version(), 4);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM sqlite_master WHERE name='provider_pauses'"), 1);
  journal_reader r(path_);
  EXPECT_EQ(r.find_order("sent")->sent_at, 65);
  EXPECT_FALSE(r.find_order("queued")->sent_at);
  EXPECT_FALSE(r.find_order("sent")->speedup_at);

  // find_by_provider_order is an index lookup, not a walk of the orders table.
  sqlite_stmt plan(
      db, "EXPLAIN QUERY PLAN SELECT id FROM orders WHERE provider=? AND provider_order_id=? LIMIT 1");
  std::string detail;
  while (plan.step()) detail += std::string(plan.column_text(3)) + "\n";
  EXPECT_NE(detail.find("orders_provider_order"), std::string::npos) << detail;
  EXPECT_EQ(r.find_by_provider_order("alpha", "33"), 3);
  EXPECT_FALSE(r.find_by_provider_order("beta", "33"));

  // An admin page of one state is an index walk, final states included (v5).
  sqlite_stmt page(db, "EXPLAIN QUERY PLAN SELECT id FROM orders WHERE state=? AND id>? ORDER BY id LIMIT ?");
  std::string page_plan;
  while (page.step()) page_plan += std::string(page.column_text(3)) + "\n";
  EXPECT_NE(page_plan.find("orders_state_id"), std::string::npos) << page_plan;
  EXPECT_EQ(page_plan.find("TEMP B-TREE"), std::string::npos) << page_plan;  // no sort either

  // The counts cover the orders already there: 1 completed, 2 placed, 1 queued.
  EXPECT_EQ(r.count_by_state(),
            (std::vector<std::pair<std::uint8_t, std::int64_t>>{{queued, 1}, {placed, 2}, {completed, 1}}));
  const auto counts = j.orders_by_state();
  EXPECT_EQ(counts[queued], 1);
  EXPECT_EQ(counts[placed], 2);
  EXPECT_EQ(counts[completed], 1);
}

// An urgent batch commits beside few normal ops (max_ops_beside_urgent), and a group being
// written when it arrives ends early: the normal batches it did not reach follow, in order.
TEST_F(journal_test, an_urgent_batch_commits_without_large_normal_batches_and_none_is_lost_or_reordered) {
  journal j({path_, 512, 8000});
  constexpr int normal = 12;
  std::vector<std::promise<std::int64_t>> first_seq(normal);
  std::promise<std::pair<std::int64_t, std::int64_t>> urgent_done;  // its seq, the last seq then
  std::atomic<int> finished{0};
  std::vector<int> finish_order(normal + 1, 0);
  auto batch = [&](std::int64_t first, int count) {
    std::vector<journal_op> ops;
    for (int i = 0; i < count; ++i)
      ops.emplace_back(order(first + i, "https://x.com/" + std::to_string(first + i)));
    return ops;
  };
  j.submit(batch(1, 20000), [&](commit_result r) {
    EXPECT_TRUE(r.ok) << r.error;
    finish_order[0] = ++finished;
  });
  for (int b = 0; b < normal; ++b)
    j.submit(batch(100000 + b * 10000, 2000), [&, b](commit_result r) {
      EXPECT_TRUE(r.ok) << r.error;
      finish_order[static_cast<std::size_t>(b + 1)] = ++finished;
      first_seq[static_cast<std::size_t>(b)].set_value(r.event_seq.front());
    });
  // Submitted once the big batch is on disk: the next group (2000-op batches, up to 8000 ops)
  // is about to be written, or being written.
  while (j.stats().batches < 1) std::this_thread::yield();
  j.submit_urgent(batch(900000, 1), [&](commit_result r) {
    EXPECT_TRUE(r.ok) << r.error;
    urgent_done.set_value({r.event_seq.front(), j.last_event_seq()});
  });
  const auto [seq, last] = urgent_done.get_future().get();
  EXPECT_EQ(seq, last) << "no 2000-op batch was committed beside the urgent one";
  std::int64_t prev = 0;
  for (auto& f : first_seq) {
    const auto s = f.get_future().get();
    EXPECT_GT(s, prev) << "normal batches commit in submission order";
    prev = s;
  }
  for (std::size_t b = 1; b < finish_order.size(); ++b)
    EXPECT_LT(finish_order[b - 1], finish_order[b]) << "batch " << b << " finished out of order";
  EXPECT_EQ(j.stats().failed_batches, 0u);
  journal_reader r(path_);
  EXPECT_EQ(r.last_order_id(), 900000);
  std::int64_t rows = 0;
  for (const auto& [state, n] : r.count_by_state()) rows += n;
  EXPECT_EQ(rows, 20000 + normal * 2000 + 1) << "every batch written exactly once";
}

}  // namespace
