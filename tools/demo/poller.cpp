#include "tools/demo/poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "dispatch/provider_status.hpp"
#include "tools/demo/async_signal.hpp"

namespace smm::demo {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

std::uint8_t code(order_state s) { return static_cast<std::uint8_t>(s); }

// Applies one provider report to the order; returns the journal record when the state moved.
std::optional<store::state_change> apply_report(run_state& st, demo_order& d,
                                                const providers::order_status& s, poll_figures& fig,
                                                std::int64_t now) {
  const auto before = d.core.state;
  if (s.start_count) d.core.start_count = *s.start_count;
  if (s.remains) d.core.remains = *s.remains;
  const auto r = apply_to_order(d.core, map_provider_status(s.status), now);
  if (r == transition_result::anomaly) ++fig.anomalies;
  if (r != transition_result::applied) return std::nullopt;
  ++fig.transitions;

  store::state_change ch;
  ch.order_id = d.core.panel_order_id;
  ch.old_state = code(before);
  ch.new_state = code(d.core.state);
  ch.final = is_final(d.core.state);
  ch.raw_status = s.status;
  ch.start_count = s.start_count;
  ch.remains = s.remains;
  ch.at = now;
  if (ch.final) {
    d.refund = compute_refund(d.core);
    // The current count is not known here: rule 3 is left to the provider (refill.hpp).
    d.refill = check_refill(d.core, *d.service, st.cfg.policy, now, std::nullopt, st.links);
    ch.refund_micros = d.refund.amount.micros();
    ch.refund_reason = std::string(to_string(d.refund.reason));
    ch.refill_eligible = d.refill == refill_reason::eligible;
    st.links.remove_running(d.core.link_hash, d.core.panel_order_id);
    ++st.settled;
  }
  return ch;
}

struct poll_shared {
  explicit poll_shared(asio::any_io_executor ex) : done(ex) {}
  poll_figures fig;
  async_signal done;
  std::size_t running = 0;
  std::optional<clock_type::time_point> give_up_at;
  clock_type::time_point last_final = clock_type::now();
};

asio::awaitable<void> poll_provider(run_state& st, provider_slot& p, poll_settings settings,
                                    std::shared_ptr<poll_shared> sh) {
  asio::steady_timer pause(st.io);
  for (;;) {
    if (st.placing_done) {
      if (p.open.empty()) break;
      if (!sh->give_up_at) sh->give_up_at = clock_type::now() + settings.give_up;
      if (clock_type::now() >= *sh->give_up_at) {
        sh->fig.gave_up = true;
        sh->fig.left_open += p.open.size();
        break;
      }
    }
    if (!p.open.empty()) {
      std::vector<std::string> ids;
      ids.reserve(p.open.size());
      for (const std::size_t i : p.open) ids.push_back(st.orders[i].provider_order_id);
      auto r = co_await p.client->status_multi(std::move(ids));
      ++sh->fig.rounds;
      if (!r.ok()) ++sh->fig.failed_rounds;  // the chunks that succeeded still count (value)
      const auto now = run_state::unix_now();
      std::vector<store::journal_op> ops;
      for (const auto& e : r.value) {
        const auto it = p.by_order_id.find(e.id);
        if (it == p.by_order_id.end()) continue;
        if (!e.status) {
          ++sh->fig.id_errors;
          continue;
        }
        if (auto ch = apply_report(st, st.orders[it->second], *e.status, sh->fig, now))
          ops.emplace_back(std::move(*ch));
      }
      if (!ops.empty()) st.journal.write(std::move(ops));
      const auto before = p.open.size();
      std::erase_if(p.open, [&st](std::size_t i) { return is_final(st.orders[i].core.state); });
      if (p.open.size() != before) sh->last_final = clock_type::now();
    }
    pause.expires_after(settings.interval);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace

asio::awaitable<poll_figures> run_polling(run_state& st, poll_settings settings) {
  auto sh = std::make_shared<poll_shared>(st.io);
  const auto started = clock_type::now();
  for (auto& [name, p] : st.providers) {
    if (!p.reachable) continue;
    ++sh->running;
    asio::co_spawn(st.io, poll_provider(st, p, settings, sh), [sh, n = name](std::exception_ptr e) {
      if (e) spdlog::error("demo: polling {} failed", n);
      --sh->running;
      sh->done.notify_all();
    });
  }
  while (sh->running > 0) co_await sh->done.wait();
  sh->fig.took = sh->last_final - started;
  co_return sh->fig;
}

}  // namespace smm::demo
