// What only the PostgreSQL store has: migrations of a shared database, several writers on it,
// connections that drop, errors that must name the server and never its password. Each test
// process starts its own server (tests/support/pg_server.hpp); each test its own database.
#include "store/postgresql/pg_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "store/postgresql/pg_connection.hpp"
#include "store/postgresql/pg_schema.hpp"
#include "tests/support/pg_server.hpp"

using namespace smm::store;
using smm::store::pg::pg_error;
using smm::store::pg::pg_options;
using smm::store::pg::pg_store;

namespace {

constexpr std::uint8_t queued = 1, sending = 2;

smm::test::pg_server& server() {
  static smm::test::pg_server s;
  return s;
}

class pg_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    static int n = 0;
    db_ = "pg" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    dsn_ = server().create_database(db_);
  }

  std::int64_t query_int(const std::string& sql) { return std::stoll(server().rows(db_, sql).at(0).at(0)); }

  static order_insert order(std::int64_t id) {
    order_insert o;
    o.id = id;
    o.panel_order_id = "p" + std::to_string(id);
    o.request_hash = id;
    o.service_id = 1;
    o.link = "https://x.com/" + std::to_string(id);
    o.link_key = o.link;
    o.quantity = 100;
    o.charge_micros = 1'500'000;
    o.state = queued;
    o.at = 1'700'000'000;
    return o;
  }

  // Submits until one batch commits (the writer reconnects with backoff), at most `wait`.
  static commit_result submit_until_ok(pg_store& s, std::int64_t id, std::chrono::seconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    commit_result r;
    while (std::chrono::steady_clock::now() < deadline) {
      r = s.submit_and_wait({order(id)});
      if (r.ok) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return r;
  }

  std::string db_, dsn_;
};

TEST_F(pg_store_test, migrates_an_empty_database_once_and_reopens_it_with_its_data) {
  {
    pg_store s({dsn_});
    ASSERT_TRUE(s.submit_and_wait({order(1)}).ok);
  }
  EXPECT_EQ(query_int("SELECT version FROM schema_version"), pg::current_schema_version());
  EXPECT_EQ(query_int("SELECT count(*) FROM schema_version"), 1);
  for (const char* table : {"orders", "events", "event_clock", "refunds", "refills", "purged_orders", "meta",
                            "order_counts", "provider_pauses"})
    EXPECT_EQ(query_int(std::string("SELECT count(*) FROM pg_tables WHERE tablename = '") + table + "'"), 1)
        << table;
  pg_store again({dsn_});  // a second open must keep existing data and migrate nothing
  EXPECT_EQ(query_int("SELECT version FROM schema_version"), pg::current_schema_version());
  EXPECT_EQ(again.last_event_seq(), 1);
  EXPECT_EQ(again.orders_by_state()[queued], 1);
  EXPECT_TRUE(again.open_reader()->find_order("p1"));
}

// Until several daemons claim work with leases, a second daemon on the same database would load
// and dispatch the first one's queued orders: an exclusive writer refuses to open beside another.
TEST_F(pg_store_test, a_second_exclusive_writer_is_refused_and_the_first_keeps_writing) {
  pg_options exclusive{dsn_};
  exclusive.exclusive = true;
  exclusive.lock_wait = std::chrono::milliseconds(300);
  auto first = std::make_unique<pg_store>(exclusive);
  ASSERT_TRUE(first->submit_and_wait({order(1)}).ok);
  try {
    pg_store second(exclusive);
    FAIL() << "a second exclusive writer opened";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("another smm-dispatchd writes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(db_), std::string::npos) << "names the database: " << e.what();
  }
  EXPECT_TRUE(first->submit_and_wait({order(2)}).ok);
  first.reset();  // its session ends, and the lock with it
  pg_store third(exclusive);
  EXPECT_TRUE(third.submit_and_wait({order(3)}).ok);
  EXPECT_EQ(third.orders_by_state()[queued], 3);
}

TEST_F(pg_store_test, refuses_a_database_from_a_newer_build_and_leaves_it_untouched) {
  { pg_store s({dsn_}); }
  server().exec(db_, "UPDATE schema_version SET version = 99");
  try {
    pg_store s({dsn_});
    FAIL() << "a newer schema must be refused";
  } catch (const pg_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("newer"), std::string::npos) << what;
    EXPECT_NE(what.find("dbname=" + db_), std::string::npos) << "the error must name the database: " << what;
  }
  EXPECT_EQ(query_int("SELECT version FROM schema_version"), 99);
}

TEST_F(pg_store_test, an_unreachable_server_is_named_and_the_password_never_shown) {
  const std::string dsn =
      "host=" + server().dir() + "/nowhere port=5432 dbname=smm user=smm password=Sekr1tPw";
  try {
    pg_store s({dsn});
    FAIL() << "no server there";
  } catch (const pg_error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(e.connection_lost());
    EXPECT_NE(what.find(server().dir() + "/nowhere"), std::string::npos) << what;
    EXPECT_NE(what.find("dbname=smm"), std::string::npos) << what;
    EXPECT_EQ(what.find("Sekr1tPw"), std::string::npos) << what;
  }
  // Whatever libpq echoes: a URI's user-info and key=value passwords are masked.
  EXPECT_EQ(pg::scrub_password("postgresql://smm:Sekr1tPw@db/x and password='a b' password=c"),
            "postgresql://smm:***@db/x and password=*** password=***");
  EXPECT_EQ(pg::describe_dsn("host=/run/pg dbname=smm user=u password=Sekr1tPw"),
            "host=/run/pg dbname=smm user=u");
}

// Two daemons' writers on one database: each group locks the event clock until it commits,
// so seqs are handed out in commit order. A subscriber that follows the feed by seq while both
// write never sees a gap that fills later (it would skip that event for good).
TEST_F(pg_store_test, two_writers_interleave_with_seqs_gap_free_in_commit_order) {
  pg_store a({dsn_}), b({dsn_});
  constexpr int per_writer = 3000;
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::mutex seq_mutex;
  std::vector<std::int64_t> seqs;
  auto write = [&](pg_store& s, std::int64_t first_id) {
    std::vector<std::future<void>> done;
    for (int i = 0; i < per_writer; ++i) {
      auto p = std::make_shared<std::promise<void>>();
      done.push_back(p->get_future());
      s.submit({order(first_id + i)}, [&, p](commit_result r) {
        if (!r.ok) failures.fetch_add(1);
        std::lock_guard lock(seq_mutex);
        seqs.push_back(r.event_seq.empty() ? 0 : r.event_seq[0]);
        p->set_value();
      });
      if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
    for (auto& f : done) f.get();
  };
  std::int64_t followed = 0, reads = 0;
  std::string gap;
  std::thread subscriber([&] {
    auto r = a.open_reader();
    // Follows while they write, then once more for what committed last.
    for (bool last_pass = false; !last_pass;) {
      last_pass = !writing.load();
      const std::int64_t clock = r->last_event_seq();
      const auto events = r->events_since(followed, 100000);
      for (const auto& e : events) {
        if (e.seq != followed + 1 && gap.empty())
          gap = "after " + std::to_string(followed) + " came " + std::to_string(e.seq);
        followed = e.seq;
      }
      if (followed < clock && gap.empty())
        gap = "clock at " + std::to_string(clock) + " but events only to " + std::to_string(followed);
      ++reads;
    }
  });
  std::thread ta([&] { write(a, 1); });
  std::thread tb([&] { write(b, 1'000'000); });
  ta.join();
  tb.join();
  writing.store(false);
  subscriber.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(gap.empty()) << gap << " (" << reads << " reads)";
  EXPECT_EQ(followed, 2 * per_writer);
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(2 * per_writer));
  for (std::size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], static_cast<std::int64_t>(i) + 1);
  EXPECT_GT(a.stats().commits, 1u);
  EXPECT_GT(b.stats().commits, 1u);
  // Each writer's counts include the other's commits (read back at each commit).
  EXPECT_EQ(query_int("SELECT n FROM order_counts WHERE state = 1"), 2 * per_writer);
  const auto last = b.submit_and_wait({order(5'000'000)});
  ASSERT_TRUE(last.ok) << last.error;
  EXPECT_EQ(b.orders_by_state()[queued], 2 * per_writer + 1);
  EXPECT_EQ(b.last_event_seq(), 2 * per_writer + 1);
}

// The database drops the writer's connection (a failover, an operator's pg_terminate_backend):
// the group in flight fails, naming the server; the next groups reconnect and commit; nothing
// acknowledged is lost and seqs stay gap-free.
TEST_F(pg_store_test, a_dropped_connection_fails_the_batch_cleanly_and_the_writer_reconnects) {
  pg_store s({dsn_});
  ASSERT_TRUE(s.submit_and_wait({order(1)}).ok);
  server().exec("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db_ +
                                "' AND application_name = 'smm-dispatchd'");
  const auto failed = s.submit_and_wait({order(2)});
  EXPECT_FALSE(failed.ok) << "a batch on a dead connection cannot have been acknowledged";
  EXPECT_NE(failed.error.find("dbname=" + db_), std::string::npos) << failed.error;
  const auto next = submit_until_ok(s, 3, std::chrono::seconds(10));
  ASSERT_TRUE(next.ok) << next.error;
  EXPECT_GE(s.wire_stats().reconnects, 1u);
  const auto r = s.open_reader();
  EXPECT_TRUE(r->find_order("p1"));
  EXPECT_FALSE(r->find_order("p2"));
  EXPECT_TRUE(r->find_order("p3"));
  const auto events = r->events_since(0, 100);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].seq, events[0].seq + 1);
}

// The whole server stops (immediate shutdown) while batches keep coming, then starts again:
// every batch fails cleanly while it is down, and once it is back every batch commits; every
// acknowledged order is in the database.
TEST_F(pg_store_test, batches_fail_while_the_server_is_down_and_succeed_after_it_returns) {
  pg_store s({dsn_});
  const auto early_reader = s.open_reader();  // opened before the outage, used after it
  std::set<std::int64_t> acked;
  std::int64_t id = 1;
  for (; id <= 50; ++id)
    if (s.submit_and_wait({order(id)}).ok) acked.insert(id);
  ASSERT_EQ(acked.size(), 50u);
  server().stop();
  int failed = 0;
  for (int k = 0; k < 5; ++k, ++id) {
    const auto r = s.submit_and_wait({order(id)});
    if (r.ok) {
      acked.insert(id);
    } else {
      ++failed;
      EXPECT_NE(r.error.find("host=" + server().dir()), std::string::npos) << r.error;
    }
  }
  EXPECT_EQ(failed, 5) << "nothing can commit while the server is down";
  server().start();
  const auto back = submit_until_ok(s, id, std::chrono::seconds(15));
  ASSERT_TRUE(back.ok) << back.error;
  acked.insert(id++);
  for (int k = 0; k < 20; ++k, ++id) {
    const auto r = s.submit_and_wait({order(id)});
    ASSERT_TRUE(r.ok) << r.error;
    acked.insert(id);
  }
  EXPECT_TRUE(early_reader->find_order("p1")) << "a reader reconnects once the server is back";
  const auto r = s.open_reader();
  for (const auto a : acked)
    ASSERT_TRUE(r->find_order("p" + std::to_string(a))) << "acknowledged " << a << " lost";
  EXPECT_EQ(query_int("SELECT count(*) FROM orders"), static_cast<std::int64_t>(acked.size()));
  EXPECT_EQ(query_int("SELECT max(seq) - min(seq) + 1 - count(*) FROM events"), 0) << "a gap in the seqs";
}

// Intake's ids come from one sequence: two daemons never hand out the same id.
TEST_F(pg_store_test, order_id_blocks_from_two_writers_never_overlap) {
  pg_store a({dsn_}), b({dsn_});
  std::set<std::int64_t> seen;
  for (int i = 0; i < 10; ++i) {
    for (pg_store* s : {&a, &b}) {
      const auto block = s->allocate_order_ids();
      ASSERT_GT(block.count, 0);
      for (std::int64_t k = block.first; k < block.first + block.count; ++k)
        ASSERT_TRUE(seen.insert(k).second) << "id " << k << " handed out twice";
    }
  }
  EXPECT_GE(*seen.begin(), 1);
}

TEST_F(pg_store_test, a_status_change_of_one_writer_is_seen_by_the_other) {
  pg_store a({dsn_}), b({dsn_});
  ASSERT_TRUE(a.submit_and_wait({order(7)}).ok);
  state_change c;
  c.order_id = 7;
  c.old_state = queued;
  c.new_state = sending;
  c.attempt = 1;
  c.sent_at = 1'700'000'010;
  const auto r = b.submit_and_wait({c});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.outcomes[0], op_outcome::applied);
  EXPECT_EQ(r.event_seq[0], 2);
  const auto row = a.open_reader()->find_order(std::int64_t{7});
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, sending);
  EXPECT_EQ(row->sent_at, 1'700'000'010);
  ASSERT_TRUE(a.submit_and_wait({order(8)}).ok);
  EXPECT_EQ(a.orders_by_state()[sending], 1) << "the other writer's change is in the counts";
  EXPECT_EQ(a.orders_by_state()[queued], 1);
}

}  // namespace
