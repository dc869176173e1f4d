// Panel keys (found by exact key only, replaceable at run time), the failed-attempt limit, and
// the gate that combines them for every face (API v2, the panel socket's hello).
#include "daemon/auth/panel_gate.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace smm::daemon::auth {
namespace {

using namespace std::chrono_literals;

std::vector<panel_key> keys(std::initializer_list<std::pair<const char*, const char*>> list) {
  std::vector<panel_key> out;
  for (const auto& [name, key] : list) out.push_back(panel_key{name, secret(key)});
  return out;
}

TEST(PanelKeys, FoundOnlyByTheExactKey) {
  key_ring ring(keys({{"alpha", "key-a"}, {"beta", "key-b"}}));
  EXPECT_EQ(ring.size(), 2u);
  EXPECT_EQ(ring.find("key-a"), "alpha");
  EXPECT_EQ(ring.find("key-b"), "beta");
  EXPECT_FALSE(ring.find("key-"));
  EXPECT_FALSE(ring.find("key-bb"));
  EXPECT_FALSE(ring.find("KEY-A"));
  EXPECT_FALSE(ring.find(""));
}

TEST(PanelKeys, EmptyKeysNeverMatchAndAnEmptyRingRefusesAll) {
  key_ring ring(keys({{"blank", ""}}));
  EXPECT_EQ(ring.size(), 0u);
  EXPECT_FALSE(ring.find(""));
  key_ring none;
  EXPECT_FALSE(none.find("anything"));
}

TEST(PanelKeys, ReplacedAtRunTimeWhileOthersLookUp) {
  key_ring ring(keys({{"alpha", "old"}}));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop) {
      const auto a = ring.find("old");
      const auto b = ring.find("new");
      // Each lookup sees one whole set or the other, and a hit is always the right panel.
      if ((a && *a != "alpha") || (b && *b != "alpha2")) ++bad;
    }
  });
  for (int i = 0; i < 200; ++i) {
    ring.set(keys({{"alpha2", "new"}}));
    ring.set(keys({{"alpha", "old"}}));
  }
  ring.set(keys({{"alpha2", "new"}}));
  stop = true;
  reader.join();
  EXPECT_EQ(bad, 0);
  EXPECT_FALSE(ring.find("old"));
  EXPECT_EQ(ring.find("new"), "alpha2");
}

TEST(PanelKeyLimiter, BlocksAfterTheLimitUntilTheWindowEnds) {
  attempt_limiter limit(3, 60s);
  const auto t0 = attempt_limiter::clock::time_point{} + 1000s;
  EXPECT_FALSE(limit.blocked("ip:127.0.0.1", t0));
  limit.failure("ip:127.0.0.1", t0);
  limit.failure("ip:127.0.0.1", t0 + 1s);
  EXPECT_FALSE(limit.blocked("ip:127.0.0.1", t0 + 2s));
  limit.failure("ip:127.0.0.1", t0 + 2s);
  EXPECT_TRUE(limit.blocked("ip:127.0.0.1", t0 + 3s));
  EXPECT_TRUE(limit.blocked("ip:127.0.0.1", t0 + 59s));
  EXPECT_FALSE(limit.blocked("uid:1000", t0 + 3s)) << "another client is not affected";
  EXPECT_FALSE(limit.blocked("ip:127.0.0.1", t0 + 60s)) << "the window that began at the first failure ended";
  // A fresh window: three more failures are needed.
  limit.failure("ip:127.0.0.1", t0 + 61s);
  EXPECT_FALSE(limit.blocked("ip:127.0.0.1", t0 + 61s));
}

TEST(PanelKeyLimiter, MemoryIsBounded) {
  attempt_limiter limit(2, 60s, 100);
  const auto t0 = attempt_limiter::clock::time_point{} + 1000s;
  for (int i = 0; i < 1000; ++i)
    limit.failure("ip:10.0.0." + std::to_string(i), t0 + std::chrono::milliseconds(i));
  EXPECT_EQ(limit.tracked(), 100u);
  // Expired clients go first: all of them have.
  limit.failure("late", t0 + 120s);
  EXPECT_EQ(limit.tracked(), 1u);
}

}  // namespace
}  // namespace smm::daemon::auth

namespace smm::daemon::auth {
namespace {

TEST(FailedKeys, SlotsTellPeersAndKeysApartWithoutTheKey) {
  const auto a = failed_key_slot("10.0.0.1", "wrong-key-one");
  EXPECT_EQ(a, failed_key_slot("10.0.0.1", "wrong-key-one"));  // the same mistake counts up
  EXPECT_NE(a, failed_key_slot("10.0.0.1", "wrong-key-two"));  // another key is another slot
  EXPECT_NE(a, failed_key_slot("10.0.0.2", "wrong-key-one"));  // another peer too
  EXPECT_EQ(a.find("wrong-key-one"), std::string::npos);       // never the key itself
  EXPECT_EQ(a.rfind("10.0.0.1 key:", 0), 0u);
}

TEST(FailedKeys, AnswersSlowDownBeforeAnyRefusal) {
  using std::chrono::milliseconds;
  EXPECT_EQ(failure_delay(0, 10), milliseconds(0));
  EXPECT_EQ(failure_delay(9, 10), milliseconds(0));
  EXPECT_EQ(failure_delay(10, 10), milliseconds(100));
  EXPECT_EQ(failure_delay(11, 10), milliseconds(200));
  EXPECT_EQ(failure_delay(14, 10), milliseconds(1600));
  EXPECT_EQ(failure_delay(15, 10), milliseconds(2000));
  EXPECT_EQ(failure_delay(1000, 10), milliseconds(2000));
}

TEST(FailedKeys, TheLimiterCountsFailuresInTheWindow) {
  using namespace std::chrono_literals;
  attempt_limiter limit(3, 60s);
  const auto t0 = attempt_limiter::clock::time_point{} + 1000s;
  EXPECT_EQ(limit.failures("p", t0), 0u);
  limit.failure("p", t0);
  limit.failure("p", t0 + 1s);
  EXPECT_EQ(limit.failures("p", t0 + 2s), 2u);
  EXPECT_EQ(limit.failures("p", t0 + 61s), 0u);  // the window ended
}

}  // namespace
}  // namespace smm::daemon::auth

namespace smm::daemon::auth {
namespace {

using namespace std::chrono_literals;

std::vector<panel_key> two_panels() {
  std::vector<panel_key> out;
  out.push_back(panel_key{"shop", secret("key-shop")});
  out.push_back(panel_key{"blog", secret("key-blog")});
  return out;
}

TEST(PanelGate, ARightKeyNamesItsPanelAtOnceAndIsNeverCounted) {
  panel_gate gate(two_panels(), 3, 60s);
  for (int i = 0; i < 20; ++i) {
    const key_verdict v = gate.check("uid:1000", "key-shop");
    ASSERT_EQ(v.panel, "shop");
    EXPECT_FALSE(v.throttled);
    EXPECT_EQ(v.delay, 0ms);
  }
  EXPECT_EQ(gate.check("uid:1000", "key-blog").panel, "blog");
  EXPECT_EQ(gate.key_count(), 2u);
}

TEST(PanelGate, WrongKeysAreSlowedThenTheRepeatedOneRefusedButNeverTheRightOne) {
  panel_gate gate(two_panels(), 3, 60s);
  // Below the limit: refused (no panel), not delayed, not throttled.
  for (int i = 0; i < 3; ++i) {
    const key_verdict v = gate.check("uid:1000", "stale-key");
    EXPECT_FALSE(v.panel);
    EXPECT_FALSE(v.throttled) << i;
    EXPECT_EQ(v.delay, 0ms) << i;
  }
  // The same wrong key again: throttled, and this peer's wrong answers are now delayed.
  const key_verdict fourth = gate.check("uid:1000", "stale-key");
  EXPECT_TRUE(fourth.throttled);
  EXPECT_EQ(fourth.delay, 100ms);
  // Another wrong key from the same peer is its own slot (not throttled) but still slowed.
  const key_verdict other = gate.check("uid:1000", "another-wrong-key");
  EXPECT_FALSE(other.throttled);
  EXPECT_EQ(other.delay, 200ms);
  // Another peer is untouched, and the right key is served at once, whoever asks.
  EXPECT_EQ(gate.check("uid:1001", "stale-key").delay, 0ms);
  EXPECT_FALSE(gate.check("uid:1001", "stale-key").throttled);
  const key_verdict right = gate.check("uid:1000", "key-shop");
  EXPECT_EQ(right.panel, "shop");
  EXPECT_EQ(right.delay, 0ms);
}

TEST(PanelGate, KeysRotateAndCountsStay) {
  panel_gate gate(two_panels(), 2, 60s);
  gate.check("uid:7", "key-new");
  gate.check("uid:7", "key-new");
  std::vector<panel_key> next;
  next.push_back(panel_key{"shop", secret("key-new")});
  gate.set_keys(next);
  EXPECT_EQ(gate.key_count(), 1u);
  EXPECT_EQ(gate.check("uid:7", "key-new").panel, "shop");  // right now: served despite the count
  EXPECT_FALSE(gate.check("uid:7", "key-shop").panel);      // the old key is gone
}

TEST(PanelGate, AnEmptyKeyIsAWrongKey) {
  panel_gate gate(two_panels());
  EXPECT_FALSE(gate.check("uid:1", "").panel);
}

}  // namespace
}  // namespace smm::daemon::auth
