#include "daemon/daemon.hpp"

#include <signal.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <thread>

#include "config/config.hpp"
#include "config/loader.hpp"
#include "daemon/engine/engine.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics/metrics_render.hpp"
#include "daemon/metrics/metrics_server.hpp"
#include "daemon/panel/panel_listener.hpp"
#include "daemon/systemd_notify.hpp"
#include "store/journal.hpp"

namespace smm::daemon {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;

// Signals are taken synchronously by the main thread (sigtimedwait), so they are blocked
// before any other thread starts and inherited blocked by all of them.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

void ensure_parent_dir(const fs::path& p) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
}

std::string status_line(const engine_figures& f) {
  std::int64_t open = 0;
  for (std::size_t s = 0; s < f.orders_by_state.size(); ++s)
    if (!is_final(static_cast<order_state>(s))) open += f.orders_by_state[s];
  const auto unknown = f.orders_by_state[static_cast<std::size_t>(order_state::unknown)];
  return "open " + std::to_string(open) + ", accepted " + std::to_string(f.intake_accepted) + ", placed " +
         std::to_string(f.placed) + ", final " + std::to_string(f.finals) + ", unknown " + std::to_string(unknown);
}

// SIGHUP: re-read the file; only what can change safely at run time is applied.
void reload(const fs::path& file, const config& running) {
  auto log = logger("daemon");
  notify_reloading();
  const config_result r = load_config_file(file);
  if (!r) {
    log->error("reload refused, keeping the running config: {} error(s) in {}; first: {}", r.errors.size(),
               file.string(), to_string(r.errors.front()));
  } else {
    set_log_level(r.value->daemon.log_level);
    log->info("reloaded {}: log level applied; provider, service and socket changes take effect on restart",
              file.string());
    if (r.value->providers.size() != running.providers.size() || r.value->services.size() != running.services.size())
      log->warn("reload: providers or services changed; restart the daemon to apply them");
  }
  notify_ready("running (reloaded)");
}

std::string render_metrics(engine& eng) {
  metrics::metrics_snapshot s;
  s.engine = eng.figures();
  const auto figures = eng.client_figures();
  for (auto& v : eng.providers()) {
    metrics::provider_metrics p{v.name, {}, v.paused, v.balance};
    for (const auto& [name, f] : figures)
      if (name == v.name) p.client = f;
    s.providers.push_back(std::move(p));
  }
  return metrics::render_metrics(s);
}

}  // namespace

int run_daemon(const config& cfg, const fs::path& config_file) {
  const sigset_t sigs = handled_signals();
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  setup_logging(cfg.daemon.log_level);
  auto log = logger("daemon");

  const std::string journal_path = cfg.daemon.journal_path.string();
  std::unique_ptr<store::journal> journal;
  try {
    ensure_parent_dir(cfg.daemon.journal_path);
    ensure_parent_dir(cfg.daemon.socket_path);
    journal = std::make_unique<store::journal>(store::journal_options{journal_path});
  } catch (const std::exception& e) {
    log->critical("cannot open the journal {}: {}", journal_path, e.what());
    return 1;
  }

  asio::io_context io(1);
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&io, log] {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {  // contained: one failed handler never stops the daemon
        log->error("unhandled exception in the I/O thread: {}", e.what());
      }
    }
  });

  int rc = 0;
  {
    engine eng(io, cfg, *journal, journal_path);
    panel::panel_listener listener(io.get_executor(), cfg.daemon.socket_path.string(), eng);
    std::atomic<bool> ready{false};
    std::unique_ptr<metrics::metrics_server> metrics_http;
    if (cfg.daemon.metrics_listen) {
      metrics_http = std::make_unique<metrics::metrics_server>(
          io.get_executor(), *cfg.daemon.metrics_listen, [&eng] { return render_metrics(eng); },
          [&ready] { return ready.load(); });
    }
    try {
      const auto report = eng.start();
      log->info("recovered {} open orders: {} queued, {} held, {} running, {} unknown", report.open_orders,
                report.queued, report.held, report.running, report.unknown);
      listener.start();
      log->info("listening on {} (panel NDJSON)", cfg.daemon.socket_path.string());
      if (metrics_http) {
        metrics_http->start();
        log->info("metrics on http://{}:{}/metrics", cfg.daemon.metrics_listen->host, metrics_http->port());
      }
      ready.store(true);
      notify_ready(status_line(eng.figures()));

      for (;;) {
        timespec tick{5, 0};
        const int sig = sigtimedwait(&sigs, nullptr, &tick);
        if (sig == SIGHUP) {
          reload(config_file, cfg);
        } else if (sig == SIGTERM || sig == SIGINT) {
          log->info("{}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
          break;
        } else {
          notify_status(status_line(eng.figures()));
        }
      }
    } catch (const std::exception& e) {
      log->critical("startup failed: {}", e.what());
      rc = 1;
    }
    ready.store(false);
    notify_stopping();
    listener.stop();
    if (metrics_http) metrics_http->stop();
    if (!eng.stop(std::chrono::seconds(10)))
      log->warn("stop: some adds were still on the wire after 10 s; they will be reconciled at next start");
    work.reset();
    io.stop();
    io_thread.join();
    // The journal commits what was submitted and goes before the engine: its last completions
    // post to the engine's strand (on the stopped io_context, which outlives both).
    journal.reset();
  }
  log->info("stopped");
  return rc;
}

}  // namespace smm::daemon
