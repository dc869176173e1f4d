// The daemon on a PostgreSQL journal, end to end: the real smm-dispatchd and a real mock
// provider, the journal a database on a throwaway server (tests/support/pg_server.hpp). The
// same promises as on SQLite (crash_test.cpp): kill -9 mid-dispatch loses no acknowledged
// order and places none twice; after a restart the daemon resumes from the database.
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/mock_process.hpp"
#include "tests/support/pg_server.hpp"

namespace smm::test {
namespace {

pg_server& server() {
  static pg_server s;
  return s;
}

class on_postgresql : public daemon_env {
 protected:
  config_spec one_provider(unsigned short port, int max_in_flight) {
    static int n = 0;
    config_spec c;
    c.providers.push_back({.name = "a", .port = port, .max_in_flight = max_in_flight});
    c.services.push_back({.id = 1, .rate = "0.90", .min = 50, .max = 10000, .route = {{"a", 1}}});
    db_ = "e2e" + std::to_string(::getpid()) + "_" + std::to_string(++n);
    c.journal_dsn = server().create_database(db_);
    return c;
  }
  std::string db_;
};

TEST_F(on_postgresql, kill_9_during_dispatch_loses_nothing_places_nothing_twice_and_ids_go_on) {
  // Every answer takes 300 ms: with 8 in flight, 120 adds take ~4.5 s, so the kill lands mid-way.
  mock_process mock({"--latency", "fixed:300", "--pending-ms", "50", "--speed", "100000"});
  constexpr int max_in_flight = 8;
  write_config(one_provider(mock.port(), max_in_flight));
  start_daemon();

  constexpr int n = 120;
  std::vector<std::string> ids, links;
  for (int i = 0; i < n; ++i) {
    ids.push_back("k" + std::to_string(i));
    links.push_back("https://instagram.com/pg_crash_" + std::to_string(i));
  }
  const auto acks = add_pipelined(ids, 1, links, 100);
  ASSERT_EQ(acks.size(), ids.size());
  std::set<std::int64_t> order_ids;
  for (const auto& r : acks) {
    ASSERT_EQ(r.status, "accepted") << r.raw;
    order_ids.insert(r.order_id);
  }
  EXPECT_EQ(order_ids.size(), ids.size()) << "an order id handed out twice";

  ASSERT_TRUE(eventually([&] { return read_audit_links(mock.port()).total >= 2 * max_in_flight; }, 20s));
  const int status = stop_daemon(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_LT(read_audit_links(mock.port()).total, n) << "dispatch was over before the kill";

  start_daemon();
  const auto settled = wait_settled(ids, 60s, /*unknown_ok=*/true);
  ASSERT_EQ(settled.size(), ids.size()) << "an acknowledged order was lost";
  const audit_by_link audit = read_audit_links(mock.port());
  int unknown = 0;
  for (int i = 0; i < n; ++i) {
    const auto& s = settled.at(ids[i]);
    SCOPED_TRACE(ids[i] + " " + s.state + " note: " + s.note);
    const auto seen = audit.adds.find(links[i]);
    EXPECT_LE(seen == audit.adds.end() ? 0 : seen->second, 1) << "placed twice";
    if (s.state == "unknown") {
      ++unknown;
      continue;
    }
    EXPECT_EQ(s.state, "completed");
  }
  EXPECT_LE(unknown, max_in_flight);

  // New orders after the restart get ids from the database's sequence: none seen before.
  const auto more = add_pipelined({"after-restart"}, 1, {"https://instagram.com/pg_after"}, 100);
  ASSERT_EQ(more.size(), 1u);
  ASSERT_EQ(more[0].status, "accepted") << more[0].raw;
  EXPECT_FALSE(order_ids.count(more[0].order_id)) << "id " << more[0].order_id << " reused";

  // The database holds every order, and its event seqs have no gap.
  const auto rows = server().rows(db_, "SELECT count(*), max(seq) - min(seq) + 1 - count(*) FROM events");
  EXPECT_EQ(rows.at(0).at(1), "0") << "a gap in the event seqs";
  EXPECT_EQ(server().rows(db_, "SELECT count(*) FROM orders").at(0).at(0), std::to_string(n + 1));
}

}  // namespace
}  // namespace smm::test
