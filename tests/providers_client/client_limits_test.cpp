// Limits of one provider client against the real mock: in-flight cap (audit peak), bounded
// and cancellable wait queue, token bucket allowance, circuit breaker (open, balance probe,
// close).
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "tests/providers_client/client_fixture.hpp"

namespace smm::providers {
namespace {

namespace asio = boost::asio;
using test_support::client_test;
using test_support::order_for;
using namespace std::chrono_literals;

// Starts `n` balance calls at once; returns their outcomes once all finished.
std::vector<call_outcome> concurrent_balances(asio::io_context& ioc, provider_client& c, int n,
                                              call_options co = {}) {
  std::vector<call_outcome> out;
  for (int i = 0; i < n; ++i) {
    asio::co_spawn(ioc, c.balance(co), [&](std::exception_ptr e, call_result<balance_result> r) {
      out.push_back(e ? call_outcome::failed : r.outcome);
    });
  }
  ioc.restart();
  ioc.run();
  return out;
}

int count_of(const std::vector<call_outcome>& v, call_outcome o) {
  return static_cast<int>(std::count(v.begin(), v.end(), o));
}

class limits : public client_test {};

TEST_F(limits, never_more_in_flight_at_the_mock_than_the_cap) {
  mock_.request("POST", "/admin/latency", "spec=fixed:30");
  auto o = test_support::fast_options(mock_.url());
  o.max_in_flight = 3;
  auto c = make(o);
  auto outcomes = concurrent_balances(ioc_, *c, 24);
  EXPECT_EQ(count_of(outcomes, call_outcome::ok), 24);
  const auto a = mock_.read_audit();
  EXPECT_LE(a.peak_in_flight, 3);
  EXPECT_GE(a.peak_in_flight, 2);  // the calls did overlap: the cap, not luck, held the line
  EXPECT_EQ(c->figures().in_flight, 0u);
  EXPECT_EQ(c->figures().queue_depth, 0u);
}

// A cluster member's share (or a reload) lowers the cap of a running client: no more than the
// new cap reach the mock, although the options allowed more.
TEST_F(limits, a_lowered_cap_holds_at_the_mock) {
  mock_.request("POST", "/admin/latency", "spec=fixed:30");
  auto o = test_support::fast_options(mock_.url());
  o.max_in_flight = 8;
  auto c = make(o);
  c->set_limits({2, 10000, 10000});
  auto outcomes = concurrent_balances(ioc_, *c, 16);
  EXPECT_EQ(count_of(outcomes, call_outcome::ok), 16);
  const auto a = mock_.read_audit();
  EXPECT_LE(a.peak_in_flight, 2);
  EXPECT_EQ(a.peak_in_flight, 2);  // the calls did overlap up to the new cap
  EXPECT_EQ(c->current_limits().max_in_flight, 2u);
}

// Raised while calls wait: the waiting calls take the new slots at once, not one per release.
TEST_F(limits, a_raised_cap_lets_waiting_calls_go_at_once) {
  mock_.request("POST", "/admin/latency", "spec=fixed:300");
  auto o = test_support::fast_options(mock_.url());
  o.max_in_flight = 1;
  auto c = make(o);
  std::vector<call_outcome> outcomes;
  for (int i = 0; i < 6; ++i)
    asio::co_spawn(ioc_, c->balance(), [&](std::exception_ptr e, call_result<balance_result> r) {
      outcomes.push_back(e ? call_outcome::failed : r.outcome);
    });
  asio::co_spawn(
      ioc_,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor, 50ms);  // the 5 others queued by now
        co_await t.async_wait(asio::use_awaitable);
        c->set_limits({4, 10000, 10000});
      },
      asio::detached);
  ioc_.restart();
  ioc_.run();
  EXPECT_EQ(count_of(outcomes, call_outcome::ok), 6);
  // 1 in flight when raised, 3 waiters granted at once: 4; never more than the new cap.
  EXPECT_EQ(mock_.read_audit().peak_in_flight, 4);
}

TEST_F(limits, full_queue_fails_at_once_without_sending) {
  mock_.request("POST", "/admin/latency", "spec=fixed:200");
  auto o = test_support::fast_options(mock_.url());
  o.max_in_flight = 1;
  o.max_queue = 2;
  auto c = make(o);
  auto outcomes = concurrent_balances(ioc_, *c, 10);
  EXPECT_EQ(count_of(outcomes, call_outcome::ok), 3);
  EXPECT_EQ(count_of(outcomes, call_outcome::queue_full), 7);
  EXPECT_EQ(mock_.read_audit().count("balance"), 3);
}

TEST_F(limits, cancelled_waiter_leaves_the_queue_and_never_sends) {
  using namespace asio::experimental::awaitable_operators;
  mock_.request("POST", "/admin/latency", "spec=fixed:300");
  auto o = test_support::fast_options(mock_.url());
  o.max_in_flight = 1;
  auto c = make(o);
  std::size_t depth_while_waiting = 0;
  bool second_finished = false;
  asio::co_spawn(ioc_, c->balance(), asio::detached);  // holds the only slot for ~300 ms
  asio::co_spawn(
      ioc_,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer first(co_await asio::this_coro::executor, 50ms);
        co_await first.async_wait(asio::use_awaitable);
        asio::steady_timer give_up(co_await asio::this_coro::executor, 100ms);
        auto r = co_await (c->balance() || give_up.async_wait(asio::use_awaitable));
        second_finished = r.index() == 0;
      },
      asio::detached);
  asio::co_spawn(  // looks at the queue while the second call waits in it
      ioc_,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer t(co_await asio::this_coro::executor, 100ms);
        co_await t.async_wait(asio::use_awaitable);
        depth_while_waiting = c->figures().queue_depth;
      },
      asio::detached);
  ioc_.run();
  EXPECT_EQ(depth_while_waiting, 1u);
  EXPECT_FALSE(second_finished);
  EXPECT_EQ(c->figures().queue_depth, 0u);
  EXPECT_EQ(mock_.read_audit().count("balance"), 1);
  const auto f = c->figures();
  EXPECT_EQ(
      f.calls[static_cast<std::size_t>(action::balance)][static_cast<std::size_t>(call_outcome::cancelled)],
      1u);
}

TEST_F(limits, token_bucket_holds_the_rate) {
  auto o = test_support::fast_options(mock_.url());
  o.rate_tokens = 20;
  o.rate_period = 1000ms;
  o.rate_burst = 5;
  o.call_timeout = 1500ms;  // calls that cannot get a token in time fail without sending
  auto c = make(o);
  const auto start = std::chrono::steady_clock::now();
  auto outcomes = concurrent_balances(ioc_, *c, 60);
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto sent = mock_.read_audit().count("balance");
  // Allowance: the burst plus 20/s over the whole measured window, +1 for edge rounding.
  const double allowance = 5 + 20 * elapsed + 1;
  EXPECT_LE(static_cast<double>(sent), allowance) << "elapsed " << elapsed;
  // A call whose token came just before its deadline may be sent and still time out on a loaded
  // machine, so every ok call was sent but not every sent call is ok.
  EXPECT_LE(count_of(outcomes, call_outcome::ok), sent);
  EXPECT_GE(count_of(outcomes, call_outcome::ok), 5);
  EXPECT_GT(count_of(outcomes, call_outcome::failed), 0);  // 60 calls cannot all fit in 1.5 s
  EXPECT_GE(sent, 5);
}

TEST_F(limits, breaker_opens_probes_with_balance_and_closes) {
  auto o = test_support::fast_options(mock_.url());
  o.max_attempts = 1;
  o.breaker.consecutive_failures = 3;
  o.breaker.cool_down = 300ms;
  auto c = make(o);
  mock_.fault("kind=http_5xx&status=503");  // every API request fails

  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(c->status("1")).outcome, call_outcome::failed);
  EXPECT_EQ(c->figures().breaker, breaker_state_view::open);
  const auto before = mock_.read_audit();
  EXPECT_EQ(run(c->status("1")).outcome, call_outcome::breaker_open);
  EXPECT_EQ(run(c->add(order_for("while_open"))).outcome, call_outcome::breaker_open);
  auto during = mock_.read_audit();
  EXPECT_EQ(during.requests, before.requests);  // refused locally
  EXPECT_EQ(during.adds, 0);

  mock_.clear_faults();
  std::this_thread::sleep_for(400ms);  // past the cool-down
  // An order call after the cool-down is still refused; it kicks off a balance probe.
  EXPECT_EQ(run(c->status("1")).outcome, call_outcome::breaker_open);
  const auto after_probe = mock_.read_audit();
  EXPECT_EQ(after_probe.count("balance"), 1);
  EXPECT_EQ(after_probe.count("status"), before.count("status"));
  EXPECT_EQ(after_probe.adds, 0);
  EXPECT_EQ(c->figures().breaker, breaker_state_view::closed);
  EXPECT_EQ(run(c->status("1")).outcome, call_outcome::rejected);  // the mock answers again
}

TEST_F(limits, failed_probe_reopens_the_breaker) {
  auto o = test_support::fast_options(mock_.url());
  o.max_attempts = 1;
  o.breaker.consecutive_failures = 2;
  o.breaker.cool_down = 200ms;
  auto c = make(o);
  mock_.fault("kind=http_5xx&status=500");
  for (int i = 0; i < 2; ++i) run(c->balance());
  EXPECT_EQ(c->figures().breaker, breaker_state_view::open);
  std::this_thread::sleep_for(300ms);
  auto probe = run(c->balance());  // a balance call is itself the probe
  EXPECT_EQ(probe.outcome, call_outcome::failed);
  EXPECT_EQ(c->figures().breaker, breaker_state_view::open);
  EXPECT_EQ(mock_.read_audit().count("balance"), 3);
}

}  // namespace
}  // namespace smm::providers
