// smm-demo: the order life end to end against mock providers on loopback, until the daemon
// core exists (issue 2). Intake -> journal -> placement by route -> status polling -> refunds.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "config/loader.hpp"
#include "tools/demo/intake.hpp"
#include "tools/demo/placer.hpp"
#include "tools/demo/poller.hpp"
#include "tools/demo/report.hpp"
#include "tools/demo/run_state.hpp"
#include "tools/demo/synthetic_orders.hpp"

namespace asio = boost::asio;
using namespace smm;
using namespace smm::demo;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string config_path;
  synthetic_spec spec;
  std::size_t batch = 100;
  std::size_t window = 64;
  poll_settings poll;
  std::string journal_dir;
  bool keep_journal = false;
  bool progress = true;
};

// Asks every provider what it sells; a hop is usable only when its provider sells its id.
asio::awaitable<void> discover(run_state& st) {
  for (auto& [name, p] : st.providers) {
    providers::call_options c;
    c.deadline = clock_type::now() + std::chrono::seconds{5};
    auto r = co_await p.client->services(c);
    if (!r.ok()) {
      spdlog::warn("{}: services failed: {} ({})", name, providers::to_string(r.outcome), r.error);
      continue;
    }
    p.reachable = true;
    for (const auto& s : r.value.services) p.sold.insert(s.service);
  }
}

// Services with at least one usable hop, each weighted by its first usable provider's request
// rate shared among the services starting there: every provider's queue then drains in about
// the same time, so the run is as short as the configured limits allow.
std::vector<service_choice> choices_of(const run_state& st) {
  std::vector<service_choice> out;
  std::map<std::string, int> starting_at;
  for (const auto& s : st.cfg.services) {
    service_choice c;
    c.service = &s;
    for (std::size_t h = 0; h < s.route.size(); ++h) {
      const auto it = st.providers.find(s.route[h].provider);
      if (it != st.providers.end() && it->second.reachable &&
          it->second.sold.contains(s.route[h].provider_service_id))
        c.hops.push_back(h);
    }
    if (c.hops.empty()) continue;
    ++starting_at[s.route[c.hops.front()].provider];
    out.push_back(std::move(c));
  }
  for (auto& c : out) {
    const auto& first = st.providers.at(c.service->route[c.hops.front()].provider);
    c.weight = first.config->requests_per_second / starting_at[first.config->name];
  }
  return out;
}

asio::awaitable<void> tick_progress(run_state& st, const bool& stop, bool tty) {
  asio::steady_timer t(st.io);
  std::string last;
  while (!stop) {
    auto line = progress_line(st);
    if (line != last) {
      // A terminal gets one line redrawn in place; a log gets a line per second at most.
      std::cerr << (tty ? line : line.substr(1) + "\n") << std::flush;
      last = std::move(line);
    }
    t.expires_after(tty ? std::chrono::milliseconds{200} : std::chrono::milliseconds{1000});
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  std::cerr << (tty ? progress_line(st) + "\n" : progress_line(st).substr(1) + "\n") << std::flush;
}

asio::awaitable<int> run(run_state& st, const options& opt, store::journal& journal) {
  const auto wall_start = clock_type::now();
  co_await discover(st);
  const auto choices = choices_of(st);
  if (choices.empty()) {
    std::cerr
        << "smm-demo: no provider answered `services` with a routed service id; are the mocks running?\n";
    co_return 1;
  }
  st.orders = make_orders(choices, opt.spec, run_state::unix_now());
  std::cerr << "smm-demo: " << st.orders.size() << " orders over " << choices.size() << " services, "
            << st.providers.size() << " providers; journal " << journal.path() << "\n";

  bool stop_progress = false;
  const bool tty = opt.progress && isatty(STDERR_FILENO) != 0;
  if (opt.progress) asio::co_spawn(st.io, tick_progress(st, stop_progress, tty), asio::detached);

  run_figures f;
  f.intake = co_await run_intake(st, opt.batch);
  if (st.intake_failed > 0) {
    stop_progress = true;
    std::cerr << "\nsmm-demo: " << st.intake_failed << " orders were not journaled; stopping\n";
    co_return 1;
  }

  // Placing and polling run together: orders are polled while others are still being placed.
  auto placed = std::make_shared<std::optional<placement_figures>>();
  asio::co_spawn(st.io, run_placement(st, opt.window), [placed](std::exception_ptr e, placement_figures pf) {
    if (e) spdlog::error("demo: placement failed");
    *placed = pf;
  });
  f.poll = co_await run_polling(st, opt.poll);
  f.placement = placed->value_or(placement_figures{});
  co_await st.journal.drain();
  f.journal = journal.stats();
  f.wall = clock_type::now() - wall_start;
  stop_progress = true;
  asio::steady_timer settle(st.io);  // let the progress coroutine print its last line
  settle.expires_after(std::chrono::milliseconds{250});
  co_await settle.async_wait(asio::as_tuple(asio::use_awaitable));

  print_summary(std::cout, st, f);
  const auto rows = tally(st);
  const auto t = total_of(rows);
  if (t.placed + t.rejected + t.unknown != st.accepted || st.journal.failed() > 0) {
    std::cerr << "smm-demo: accounting mismatch or failed journal batches\n";
    co_return 2;
  }
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  std::string log_level = "error";
  CLI::App app{"smm-demo: the order life end to end against mock providers on loopback"};
  app.add_option("--config", opt.config_path, "daemon config (config/examples/demo.toml)")->required();
  app.add_option("--count", opt.spec.count, "synthetic orders")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--seed", opt.spec.seed, "RNG seed of the synthetic orders")->capture_default_str();
  app.add_option("--duplicates", opt.spec.duplicate_per_mille,
                 "per mille of orders reusing an earlier account")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--batch", opt.batch, "orders per journal submit at intake")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--window", opt.window, "adds in flight per provider queue")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  int poll_ms = 500, give_up_s = 40;
  app.add_option("--poll-ms", poll_ms, "status poll interval")
      ->capture_default_str()
      ->check(CLI::Range(10, 60000));
  app.add_option("--give-up-s", give_up_s, "stop polling this long after placing ends")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--journal-dir", opt.journal_dir,
                 "where the journal goes (default: a new temp dir, removed)");
  app.add_flag("--keep-journal", opt.keep_journal, "keep the journal file for inspection");
  app.add_flag("!--no-progress", opt.progress, "no progress line on stderr");
  app.add_option("--log-level", log_level, "spdlog level of the clients' logs")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  opt.poll.interval = std::chrono::milliseconds{poll_ms};
  opt.poll.give_up = std::chrono::seconds{give_up_s};
  spdlog::set_level(spdlog::level::from_str(log_level));

  auto loaded = load_config_file(opt.config_path);
  if (!loaded) {
    for (const auto& e : loaded.errors) std::cerr << opt.config_path << ": " << e.message << "\n";
    return 1;
  }
  const config& cfg = *loaded.value;

  bool own_dir = false;
  if (opt.journal_dir.empty()) {
    std::string templ = (std::filesystem::temp_directory_path() / "smm-demo-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) {
      std::cerr << "smm-demo: cannot create a temp dir\n";
      return 1;
    }
    opt.journal_dir = templ;
    own_dir = !opt.keep_journal;
  }

  int rc = 1;
  try {
    asio::io_context io(1);
    store::journal journal({.path = (std::filesystem::path(opt.journal_dir) / "journal.sqlite").string()});
    run_state st(cfg, io.get_executor(), journal);
    for (const auto& p : cfg.providers) {
      auto& slot = st.providers[p.name];
      slot.config = &p;
      slot.client = std::make_unique<providers::provider_client>(io.get_executor(), client_options_for(p));
    }
    asio::co_spawn(io, run(st, opt, journal), [&rc, &io](std::exception_ptr e, int r) {
      rc = r;
      io.stop();  // pooled connections and breaker probes may hold timers: the run is over
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          std::cerr << "smm-demo: " << ex.what() << "\n";
        }
        rc = 1;
      }
    });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "smm-demo: " << e.what() << "\n";
    rc = 1;
  }
  if (own_dir)
    std::filesystem::remove_all(opt.journal_dir);
  else
    std::cerr << "smm-demo: journal kept in " << opt.journal_dir << "\n";
  return rc;
}
