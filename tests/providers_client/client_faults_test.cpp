// The client against the mock in every fault mode: each fault is classified by how far the
// request got, idempotent calls are retried, and the audit never shows a second add.
#include "tests/providers_client/client_fixture.hpp"

namespace smm::providers {
namespace {

using test_support::client_test;
using test_support::order_for;
using namespace std::chrono_literals;

class faults : public client_test {
 protected:
  // An add under `fault` (form parameters of /admin/faults, action=add added).
  call_result<add_result> add_under(const std::string& fault, const std::string& link,
                                    std::optional<std::chrono::milliseconds> deadline = {}) {
    mock_.fault(fault + "&action=add");
    auto c = make();
    call_options co;
    if (deadline) co.deadline = std::chrono::steady_clock::now() + *deadline;
    return run(c->add(order_for(link), co));
  }
  // A status call that meets `fault` once, then succeeds.
  call_result<order_status> status_after(const std::string& fault) {
    auto c = make();
    auto placed = run(c->add(order_for("status_base")));
    EXPECT_TRUE(placed.ok()) << placed.error;
    mock_.fault(fault + "&action=status&count=1");
    return run(c->status(placed.value.order));
  }
  void expect_one_add() {
    const auto a = mock_.read_audit();
    EXPECT_EQ(a.adds, 1) << "the add was sent more than once";
  }
};

TEST_F(faults, http_5xx_on_add_is_unknown_and_not_resent) {
  auto r = add_under("kind=http_5xx&status=502", "f5xx");
  EXPECT_EQ(r.outcome, call_outcome::unknown) << r.error;
  EXPECT_EQ(r.http_status, 502u);
  EXPECT_EQ(r.attempts, 1u);
  expect_one_add();
}

TEST_F(faults, http_5xx_on_status_is_retried) {
  auto r = status_after("kind=http_5xx&status=503");
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2u);
}

TEST_F(faults, rate_limit_429_is_honoured_then_the_add_goes_through) {
  auto r = add_under("kind=rate_limit&count=1&retry_after=1", "f429");
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2u);
  const auto a = mock_.read_audit();
  EXPECT_EQ(a.adds_placed, 1);
  ASSERT_GE(a.add_times_ms.size(), 2u);
  // Retry-After: 1 paused the bucket: the second add came at least ~1 s after the first.
  EXPECT_GE(a.add_times_ms.back() - a.add_times_ms.front(), 900);
}

TEST_F(faults, rate_limit_beyond_the_deadline_is_retry_later) {
  auto r = add_under("kind=rate_limit&retry_after=30", "f429long", 2000ms);
  EXPECT_EQ(r.outcome, call_outcome::retry_later) << r.error;
  ASSERT_TRUE(r.retry_after.has_value());
  EXPECT_EQ(r.retry_after->count(), 30);
  EXPECT_EQ(r.attempts, 1u);
}

TEST_F(faults, reset_after_request_is_unknown_for_add) {
  auto r = add_under("kind=reset&apply=after", "freset");
  EXPECT_EQ(r.outcome, call_outcome::unknown) << r.error;
  EXPECT_FALSE(nothing_sent(r.progress));
  expect_one_add();
  EXPECT_EQ(mock_.read_audit().adds_placed, 1);  // the order exists upstream: unknown was right
}

TEST_F(faults, reset_after_request_is_retried_for_status) {
  auto r = status_after("kind=reset");
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2u);
}

TEST_F(faults, black_hole_times_out_to_unknown_for_add) {
  auto r = add_under("kind=black_hole", "fhole", 800ms);
  EXPECT_EQ(r.outcome, call_outcome::unknown) << r.error;
  EXPECT_EQ(r.progress, request_progress::sent_timeout);
  expect_one_add();
}

TEST_F(faults, black_hole_on_status_is_retried_on_a_new_connection) {
  auto r = status_after("kind=black_hole");
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2u);
}

TEST_F(faults, html_page_is_unknown_for_add_and_retried_for_status) {
  auto r = add_under("kind=html&count=1", "fhtml");
  EXPECT_EQ(r.outcome, call_outcome::unknown) << r.error;
  expect_one_add();
  auto s = status_after("kind=html");
  EXPECT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.attempts, 2u);
}

TEST_F(faults, invalid_json_is_unknown_for_add) {
  auto r = add_under("kind=invalid_json&count=1", "fjson");
  EXPECT_EQ(r.outcome, call_outcome::unknown) << r.error;
  EXPECT_EQ(r.progress, request_progress::reply_complete);  // whole HTTP reply, garbled body
  expect_one_add();
}

TEST_F(faults, truncated_body_is_unknown_for_add) {
  auto r = add_under("kind=truncated&count=1", "ftrunc");
  EXPECT_EQ(r.outcome, call_outcome::unknown) << r.error;
  EXPECT_EQ(r.progress, request_progress::reply_truncated);
  expect_one_add();
}

TEST_F(faults, slow_trickle_past_the_deadline_is_unknown_for_add) {
  auto r = add_under("kind=trickle&count=1&trickle_bytes=1&trickle_ms=100", "ftrickle", 700ms);
  EXPECT_EQ(r.outcome, call_outcome::unknown) << r.error;
  EXPECT_EQ(r.progress, request_progress::reply_truncated);
  expect_one_add();
}

TEST_F(faults, error_before_connect_is_retried_even_for_add) {
  unsigned short dead_port = 0;
  {
    smm::test::mock_process other;  // a port that was free a moment ago
    dead_port = other.port();
  }
  auto o = test_support::fast_options("http://127.0.0.1:" + std::to_string(dead_port) + "/api/v2");
  o.max_attempts = 3;
  auto c = make(o);
  auto r = run(c->add(order_for("nowhere")));
  EXPECT_EQ(r.outcome, call_outcome::failed) << r.error;
  EXPECT_EQ(r.progress, request_progress::connect_failed);
  EXPECT_EQ(r.attempts, 3u);  // nothing sent: safe to retry an add
}

}  // namespace
}  // namespace smm::providers
