#include "tools/demo/placer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <map>
#include <memory>

#include "tools/demo/async_signal.hpp"

namespace smm::demo {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using providers::call_outcome;

namespace {

std::uint8_t code(order_state s) { return static_cast<std::uint8_t>(s); }

store::state_change change_of(const demo_order& d, order_state from, std::int64_t now) {
  store::state_change ch;
  ch.order_id = d.core.panel_order_id;
  ch.old_state = code(from);
  ch.new_state = code(d.core.state);
  ch.final = is_final(d.core.state);
  ch.at = now;
  return ch;
}

// Walks of the route per order; passes after the first only follow local failures.
constexpr int max_route_passes = 3;

// One change as a batch. Built without a braced list: GCC 12 cannot keep an
// initializer_list's array in a coroutine frame ("array used as initializer").
std::vector<store::journal_op> batch_of(store::state_change ch) {
  std::vector<store::journal_op> ops;
  ops.emplace_back(std::move(ch));
  return ops;
}

providers::add_order add_for(const demo_order& d, const route_hop& hop) {
  providers::add_order a;
  a.service = hop.provider_service_id;
  a.type = d.service->type;
  a.link = d.link;
  if (d.comments.empty()) a.quantity = d.core.quantity;
  a.comments = d.comments;
  return a;
}

// Moves the order to a final `rejected` with its refund and journals it.
void reject(run_state& st, demo_order& d, std::string note, std::int64_t now) {
  const auto from = d.core.state;
  apply_to_order(d.core, order_state::rejected, now);
  d.note = std::move(note);
  d.reason = d.note;
  d.refund = compute_refund(d.core);
  auto ch = change_of(d, from, now);
  ch.refund_micros = d.refund.amount.micros();
  ch.refund_reason = std::string(to_string(d.refund.reason));
  ch.note = d.note;
  if (!d.provider.empty()) ch.provider = d.provider;
  st.journal.write(batch_of(std::move(ch)));
  st.links.remove_running(d.core.link_hash, d.core.panel_order_id);
  ++st.settled;
}

}  // namespace

namespace {

// One provider's queue: one placement per order, at most `window` at once.
asio::awaitable<void> dispatch_provider(run_state& st, std::size_t window, std::vector<std::size_t> list) {
  counting_window w(st.io, window);
  for (const std::size_t i : list) {
    co_await w.acquire();
    asio::co_spawn(st.io, place_one(st, i), [&w, i](std::exception_ptr e) {
      if (e) spdlog::error("demo: placing order {} failed", i + 1);
      w.release();
    });
  }
  co_await w.drain();
}

}  // namespace

asio::awaitable<void> place_one(run_state& st, std::size_t index) {
  demo_order& d = st.orders[index];  // the vector is never resized after intake
  // A pass walks the route; a later pass (bounded) retries hops that failed only locally
  // (rate-limit wait past the deadline, queue full, breaker open): provably never sent.
  asio::steady_timer pause(st.io);
  for (int pass = 0; pass < max_route_passes; ++pass) {
    bool local_failure = false;
    for (const std::size_t h : d.hops) {
      const route_hop& hop = d.service->route[h];
      provider_slot& p = st.providers.at(hop.provider);
      if (p.paused) {  // out of funds: the next hop takes it without asking again
        ++p.failovers_from;
        continue;
      }

      const auto now = run_state::unix_now();
      const auto from = d.core.state;
      apply_to_order(d.core, order_state::sending, now);
      d.provider = hop.provider;
      auto sending = change_of(d, from, now);
      sending.provider = hop.provider;
      sending.attempt = d.core.send_attempts;
      // Durable before the request leaves: recovery turns `sending` into `unknown`, never into a resend.
      if (!co_await st.journal.write_and_wait(batch_of(std::move(sending)))) {
        apply_to_order(d.core, order_state::queued, now);
        d.provider.clear();
        reject(st, d, "journal refused the sending record", now);
        co_return;
      }

      auto r = co_await p.client->add(add_for(d, hop));
      const auto at = run_state::unix_now();
      switch (r.outcome) {
        case call_outcome::ok: {
          apply_to_order(d.core, order_state::placed, at);
          d.provider_order_id = r.value.order;
          d.failed_over = h != d.hops.front();
          auto ch = change_of(d, order_state::sending, at);
          ch.provider = hop.provider;
          ch.provider_order_id = d.provider_order_id;
          st.journal.write(batch_of(std::move(ch)));
          p.by_order_id.emplace(d.provider_order_id, index);
          p.open.push_back(index);
          st.links.record_placement(d.core.link_hash, d.core.panel_order_id, at);
          ++st.placed;
          co_return;
        }
        case call_outcome::unknown: {
          // The request may have created an order upstream: count it, never send it again.
          apply_to_order(d.core, order_state::unknown, at);
          d.note = hop.provider + ": " + r.error;
          d.reason = d.note;
          auto ch = change_of(d, order_state::sending, at);
          ch.provider = hop.provider;
          ch.note = "add outcome unknown: " + r.error;
          st.journal.write(batch_of(std::move(ch)));
          ++st.settled;
          co_return;
        }
        case call_outcome::rejected:
        case call_outcome::retry_later:
          // A definitive no from the provider (retry_later: an active order on the link; the
          // daemon would requeue it later, the demo does not wait that long).
          reject(st, d, hop.provider + ": " + r.error, at);
          co_return;
        case call_outcome::pause_provider:
          if (!p.paused) {
            p.paused = true;
            p.pause_reason = r.error;
          }
          [[fallthrough]];
        case call_outcome::breaker_open:
        case call_outcome::failed:
        case call_outcome::queue_full:
        case call_outcome::cancelled: {
          // Provably not created upstream: back to queued, and the next hop may take it.
          apply_to_order(d.core, order_state::queued, at);
          if (r.outcome != call_outcome::pause_provider) local_failure = true;
          ++p.failovers_from;
          d.note = hop.provider + ": " + std::string(providers::to_string(r.outcome)) + " (" + r.error + ")";
          auto ch = change_of(d, order_state::sending, at);
          ch.note = d.note;
          st.journal.write(batch_of(std::move(ch)));
          break;
        }
      }
    }
    if (!local_failure) break;
    pause.expires_after(std::chrono::milliseconds{250});
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // No hop took it.
  std::string why = "no usable provider on the route";
  if (!d.note.empty()) why = "no hop left; last: " + d.note;
  d.provider.clear();
  reject(st, d, std::move(why), run_state::unix_now());
}

asio::awaitable<placement_figures> run_placement(run_state& st, std::size_t window) {
  placement_figures fig;
  // Group by first usable hop: each provider's queue drains at its own pace.
  std::map<std::string, std::vector<std::size_t>> by_first;
  for (std::size_t i = 0; i < st.orders.size(); ++i) {
    const auto& d = st.orders[i];
    if (d.core.state != order_state::queued) continue;
    by_first[d.service->route[d.hops.front()].provider].push_back(i);
  }

  const auto started = clock_type::now();
  auto done = std::make_shared<async_signal>(st.io);
  auto running = std::make_shared<std::size_t>(by_first.size());
  for (auto& [name, indices] : by_first) {
    // At most a second's worth of the provider's tokens waiting (and twice its in-flight cap):
    // the client's token bucket is not a FIFO, so a long queue lets unlucky calls (status
    // polls among them) miss their deadline while others take every token.
    const auto& pc = *st.providers.at(name).config;
    const auto per_second = static_cast<std::size_t>(std::ceil(pc.requests_per_second));
    const std::size_t w = std::max<std::size_t>(
        1, std::min({window, 2 * static_cast<std::size_t>(pc.max_in_flight), per_second}));
    asio::co_spawn(st.io, dispatch_provider(st, w, std::move(indices)),
                   [done, running](std::exception_ptr e) {
                     if (e) spdlog::error("demo: a placement dispatcher failed");
                     --*running;
                     done->notify_all();
                   });
  }
  while (*running > 0) co_await done->wait();
  fig.took = clock_type::now() - started;
  st.placing_done = true;

  fig.placed = st.placed;
  for (const auto& d : st.orders)
    if (d.failed_over) ++fig.failovers;
  co_return fig;
}

}  // namespace smm::demo
