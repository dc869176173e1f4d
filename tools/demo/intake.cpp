#include "tools/demo/intake.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "tools/demo/async_signal.hpp"

namespace smm::demo {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

std::uint8_t code(order_state s) { return static_cast<std::uint8_t>(s); }

std::string params_of(const demo_order& d) {
  std::string p;
  for (const auto& c : d.comments) {
    if (!p.empty()) p += '\n';
    p += c;
  }
  return p;
}

}  // namespace

asio::awaitable<intake_figures> run_intake(run_state& st, std::size_t batch) {
  intake_figures fig;
  const auto now = run_state::unix_now();
  const auto policy = st.cfg.policy.duplicate_link;
  auto done = std::make_shared<async_signal>(st.io);
  auto left = std::make_shared<std::size_t>(0);

  const auto before = st.store.stats();
  std::uint64_t ops_submitted = 0;
  const auto started = clock_type::now();
  for (std::size_t first = 0; first < st.orders.size(); first += batch) {
    const std::size_t last = std::min(first + batch, st.orders.size());
    std::vector<store::journal_op> ops;
    ops.reserve((last - first) * 2);
    for (std::size_t i = first; i < last; ++i) {
      demo_order& d = st.orders[i];
      apply_to_order(d.core, order_state::queued, now);
      store::order_insert ins;
      ins.id = d.core.panel_order_id;
      ins.panel_order_id = "demo-" + std::to_string(d.core.panel_order_id);
      ins.request_hash =
          static_cast<std::int64_t>(d.core.link_hash ^ static_cast<std::uint64_t>(d.core.quantity));
      ins.service_id = d.core.service_id;
      ins.link = d.link;
      ins.link_key = d.link_key;
      ins.quantity = d.core.quantity;
      ins.params = params_of(d);
      ins.charge_micros = d.core.charge.micros();
      ins.state = code(order_state::queued);
      ins.at = now;
      ops.emplace_back(std::move(ins));

      // "hold" would park the order until the earlier one is final; the demo has no release
      // loop, so it refuses under both reject and hold, and places under allow.
      if (policy != duplicate_link_policy::allow && st.links.has_running(d.core.link_hash)) {
        apply_to_order(d.core, order_state::rejected, now);
        d.note = "duplicate link: order " + std::to_string(st.links.running(d.core.link_hash).front()) +
                 " is running on " + d.link_key;
        d.reason = "duplicate link (policy " + std::string(to_string(policy)) + ")";
        d.refund = compute_refund(d.core);
        store::state_change ch;
        ch.order_id = d.core.panel_order_id;
        ch.old_state = code(order_state::queued);
        ch.new_state = code(order_state::rejected);
        ch.final = true;
        ch.refund_micros = d.refund.amount.micros();
        ch.refund_reason = std::string(to_string(d.refund.reason));
        ch.note = d.note;
        ch.at = now;
        ops.emplace_back(std::move(ch));
        ++fig.duplicates;
      } else {
        st.links.add_running(d.core.link_hash, d.core.panel_order_id);
      }
    }
    ++*left;
    ops_submitted += ops.size();
    const std::size_t n = last - first;
    st.store.submit(std::move(ops), [ex = st.io, done, left, n, &st](store::commit_result r) {
      asio::post(ex, [done, left, n, &st, ok = r.ok] {
        if (ok)
          st.accepted += n;
        else
          st.intake_failed += n;
        --*left;
        done->notify_all();
      });
    });
  }
  while (*left > 0) co_await done->wait();
  fig.took = clock_type::now() - started;
  // The writer counts a commit after running its completions: give the counters a moment
  // (at most 100 ms) to include the intake's last commit.
  asio::steady_timer t(st.io);
  for (int i = 0; i < 100 && st.store.stats().ops < before.ops + ops_submitted; ++i) {
    t.expires_after(std::chrono::milliseconds{1});
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  fig.commits = st.store.stats().commits - before.commits;
  fig.accepted = st.accepted;
  for (const auto& d : st.orders)
    if (d.core.state == order_state::rejected) ++st.settled;
  co_return fig;
}

}  // namespace smm::demo
