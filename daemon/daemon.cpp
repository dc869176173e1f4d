#include "daemon/daemon.hpp"

#include <signal.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "config/config.hpp"
#include "config/loader.hpp"
#include "daemon/apiv2/api_server.hpp"
#include "daemon/auth/panel_gate.hpp"
#include "daemon/config_reload.hpp"
#include "daemon/engine/engine.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/metrics/metrics_render.hpp"
#include "daemon/metrics/metrics_server.hpp"
#include "daemon/panel/panel_listener.hpp"
#include "daemon/systemd_notify.hpp"
#include "logging/logging.hpp"
#include "store/journal_lock.hpp"
#include "store/open_store.hpp"

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
         std::to_string(f.placed) + ", final " + std::to_string(f.finals) + ", unknown " +
         std::to_string(unknown);
}

// Pings the systemd watchdog from the dispatch loop, at most twice per interval: the pings
// stop when the loop stops making passes (stuck strand, dead loop), and systemd restarts us.
std::function<void()> watchdog_pinger() {
  const auto interval = watchdog_interval();
  if (!interval) return {};
  const auto half = std::chrono::duration_cast<std::chrono::steady_clock::duration>(*interval) / 2;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [half, last] {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last < half) return;
    *last = now;
    notify_watchdog();
  };
}

// The panel and admin sockets' per-connection caps ([daemon.panel_limits]).
panel::panel_limits panel_limits_of(const panel_limits_config& c) {
  panel::panel_limits l;
  l.max_connections = c.max_connections;
  l.max_line_bytes = c.max_line_bytes;
  l.max_input_bytes = c.max_input_bytes;
  l.max_output_bytes = c.max_output_bytes;
  l.partial_line_timeout = c.partial_line_timeout;
  return l;
}

// The API v2 endpoint's connection caps ([daemon.api_limits]).
apiv2::api_server_options api_options_of(const api_limits_config& c) {
  apiv2::api_server_options o;
  o.max_connections = c.max_connections;
  o.max_unauthenticated_connections = c.max_unauthenticated_connections;
  o.unauthenticated_timeout = c.unauthenticated_timeout;
  o.idle_timeout = c.idle_timeout;
  o.read_timeout = c.request_timeout;
  o.max_header_bytes = c.max_header_bytes;
  o.max_body_bytes = c.max_body_bytes;
  return o;
}

// Every connection is a descriptor: take what the hard limit allows, and say when even that
// is short of what the caps may open (journal, provider connections and the metrics endpoint
// need some too).
void check_fd_limit(const config& cfg, const std::shared_ptr<spdlog::logger>& log) {
  constexpr std::uint64_t admin_connections = 64, reserve = 512;
  const std::uint64_t soft = raise_fd_limit();
  const std::uint64_t wanted = cfg.daemon.panel_limits.max_connections + admin_connections +
                               cfg.daemon.api_limits.max_connections + reserve;
  if (soft != 0 && soft < wanted)
    log->warn(
        "the open-file limit is {}, below the {} the connection caps may need (panel_limits and "
        "api_limits max_connections, 64 admin, {} for the journal and providers): raise LimitNOFILE "
        "or lower the caps",
        soft, wanted, reserve);
}

// Waits (at most a second) until `ctx` has run every handler posted to it before this call.
void wait_for_turn(asio::io_context& ctx) {
  auto reached = std::make_shared<std::promise<void>>();
  auto turn = reached->get_future();
  asio::post(ctx, [reached] { reached->set_value(); });
  turn.wait_for(std::chrono::seconds(1));
}

std::string render_metrics(engine& eng, const apiv2::api_server* api, const panel::hello_policy& hellos,
                           const panel::panel_listener& panel) {
  metrics::metrics_snapshot s;
  if (api != nullptr) s.api = api->figures();
  s.panel_hellos = hellos.figures();
  s.panel_closes = panel.close_figures();
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
  logging::setup_logging(cfg.daemon.log_level);
  // Every key the daemon holds is masked in provider text and, again, in every log line.
  const auto scrubber = std::make_shared<secret_scrubber>(cfg.secrets());
  logging::scrub_logs_with(scrubber);
  auto log = logging::logger("daemon");
  check_fd_limit(cfg, log);

  const std::string journal_path = cfg.daemon.journal_path.string();
  const bool on_sqlite = cfg.journal.backend == journal_backend::sqlite;
  std::unique_ptr<store::journal_lock> journal_lock;
  std::unique_ptr<store::order_store> journal;
  try {
    ensure_parent_dir(cfg.daemon.socket_path);
    if (on_sqlite) {
      ensure_parent_dir(cfg.daemon.journal_path);
      // Before recovery or any write: a second daemon on this journal stops here. (Several
      // daemons may share one PostgreSQL store: no lock there.)
      journal_lock = std::make_unique<store::journal_lock>(journal_path);
    }
  } catch (const std::exception& e) {
    log->critical("{}", e.what());
    return 1;
  }
  store::store_options store_opts;
  store_opts.backend = on_sqlite ? store::backend_kind::sqlite : store::backend_kind::postgresql;
  store_opts.path = journal_path;
  store_opts.dsn = cfg.journal.dsn.reveal();
  try {
    journal = store::open_store(store_opts);
    log->info("journal: {}", journal->describe());
  } catch (const std::exception& e) {  // names the file, or the server without its password
    log->critical("cannot open the journal ({}): {}", store::to_string(store_opts.backend), e.what());
    return 1;
  }

  // Two threads with clear jobs: `io` carries the panel, admin, API v2 and metrics sockets
  // (parsing, validation, answers); `engine_io` carries the engine's strand (order book,
  // decisions), its provider clients and the poller, so a burst of provider replies never
  // delays an acknowledgement and the two halves use both cores. They meet only through
  // posts (order_service's contract) and the journal's queue.
  asio::io_context io(1);
  asio::io_context engine_io(1);
  auto work = asio::make_work_guard(io);
  auto engine_work = asio::make_work_guard(engine_io);
  auto run_contained = [log](asio::io_context& ctx, const char* what) {
    for (;;) {
      try {
        ctx.run();
        return;
      } catch (const std::exception& e) {  // contained: one failed handler never stops the daemon
        log->error("unhandled exception in the {} thread: {}", what, e.what());
      }
    }
  };
  std::thread io_thread([&] { run_contained(io, "I/O"); });
  std::thread engine_thread([&] { run_contained(engine_io, "engine"); });

  int rc = 0;
  {
    engine_options opts;
    opts.on_dispatch_progress = watchdog_pinger();
    opts.scrubber = scrubber;
    engine eng(engine_io, cfg, *journal, opts);
    // SIGHUP and `smm-dispatchctl reload` share one reloader (one reload at a time).
    std::unique_ptr<apiv2::api_server> api_http;  // API v2 for existing panels (unix socket, optional TCP)
    // The panel keys and their wrong-key limits, one gate for API v2 and the panel socket's hello.
    auto gate = std::make_shared<auth::panel_gate>(cfg.daemon.panel_keys);
    auto hellos = std::make_shared<panel::hello_policy>(gate, cfg.daemon.require_panel_hello);
    config_reloader reloader(config_file, cfg, [&api_http, &cfg, scrubber, hellos](const config& next) {
      logging::set_log_level(next.daemon.log_level);
      auto keys = cfg.secrets();  // the running providers keep theirs until a restart
      for (auto& k : next.secrets()) keys.push_back(std::move(k));
      scrubber->set(keys);
      if (api_http) api_http->set_panel_keys(next.daemon.panel_keys);  // the shared gate: both faces
      hellos->set_required(next.daemon.require_panel_hello);
    });
    auto reload = [&reloader, log] {
      const auto r = reloader.reload();
      if (r.ok)
        log->info("{}", r.message);
      else
        log->error("reload {}", r.message);
      return r;
    };
    // Panels on the panel socket; the operator (smm-dispatchctl) on the admin socket, the only
    // one serving the admin ops (resolve, pause, reload, ...). Each names the other in `forbidden`.
    const panel::panel_limits panel_limits = panel_limits_of(cfg.daemon.panel_limits);
    panel::panel_listener listener(
        io.get_executor(), cfg.daemon.socket_path.string(), eng, panel_limits, {},
        panel::socket_face{panel::socket_role::panel, cfg.daemon.admin_socket_path.string(), std::nullopt,
                           hellos});
    panel::panel_limits admin_limits = panel_limits;
    admin_limits.max_connections = 64;  // a few operators and scripts, never a crowd
    std::optional<gid_t> admin_group;
    if (cfg.daemon.admin_gid) admin_group = static_cast<gid_t>(*cfg.daemon.admin_gid);
    panel::panel_listener admin_listener(
        io.get_executor(), cfg.daemon.admin_socket_path.string(), eng, admin_limits,
        [&reload] {
          const auto r = reload();
          return panel::reload_outcome{r.ok, r.message};
        },
        panel::socket_face{panel::socket_role::admin, cfg.daemon.socket_path.string(), admin_group,
                           nullptr});  // no hello: the socket file's permissions authorize
    std::atomic<bool> ready{false};
    std::unique_ptr<metrics::metrics_server> metrics_http;
    if (cfg.daemon.metrics_listen) {
      metrics_http = std::make_unique<metrics::metrics_server>(
          io.get_executor(), *cfg.daemon.metrics_listen,
          [&eng, &api_http, hellos, &listener] {
            return render_metrics(eng, api_http.get(), *hellos, listener);
          },
          [&ready] { return ready.load(); });
    }
    apiv2::api_server_options api_options = api_options_of(cfg.daemon.api_limits);
    api_options.gate = gate;  // one gate for API v2 and the panel socket's hello
    api_http = std::make_unique<apiv2::api_server>(io.get_executor(), cfg.daemon.api_socket_path.string(),
                                                   cfg.daemon.http_listen, eng, cfg.daemon.panel_keys,
                                                   cfg.daemon.api_currency, api_options);
    try {
      const auto report = eng.start();
      log->info("recovered {} open orders: {} queued, {} held, {} running, {} unknown", report.open_orders,
                report.queued, report.held, report.running, report.unknown);
      listener.start();
      log->info("listening on {} (panel NDJSON{})", cfg.daemon.socket_path.string(),
                cfg.daemon.require_panel_hello ? ", hello required" : "");
      ensure_parent_dir(cfg.daemon.admin_socket_path);
      admin_listener.start();
      log->info("admin socket on {}{}", cfg.daemon.admin_socket_path.string(),
                cfg.daemon.admin_group.empty() ? " (mode 0600)"
                                               : " (mode 0660, group " + cfg.daemon.admin_group + ")");
      ensure_parent_dir(cfg.daemon.api_socket_path);
      api_http->start();
      if (cfg.daemon.http_listen)
        log->info("API v2 on {} and http://{}:{}/api/v2", cfg.daemon.api_socket_path.string(),
                  cfg.daemon.http_listen->host, api_http->tcp_port());
      else
        log->info("API v2 on {}", cfg.daemon.api_socket_path.string());
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
          notify_reloading();
          reload();
          notify_ready(status_line(eng.figures()));
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
    // An add on the wire is waited for up to its call deadline (its answer settles it; cut
    // short, it would be `unknown`), plus a margin for the journal; systemd is told to wait.
    auto grace = std::chrono::milliseconds(2000);
    for (const auto& p : cfg.providers)
      grace = std::max(grace, p.call_deadline + std::chrono::milliseconds(2000));
    notify_stopping();
    notify_extend_timeout(grace + std::chrono::seconds(5));
    listener.stop();
    admin_listener.stop();
    api_http->stop();
    if (metrics_http) metrics_http->stop();
    // The stops above run on `io`: let them (socket files removed, sessions told) before the
    // engine drains on its own thread, and the answers it produces meanwhile after it.
    wait_for_turn(io);
    if (!eng.stop(grace))
      log->warn("stop: some adds were still on the wire after {} ms; they are unknown at next start",
                grace.count());
    wait_for_turn(io);
    work.reset();
    engine_work.reset();
    io.stop();
    engine_io.stop();
    io_thread.join();
    engine_thread.join();
    // The journal commits what was submitted and goes before the engine: its last completions
    // post to the engine's strand (on the stopped engine_io, which outlives both).
    journal.reset();
  }
  log->info("stopped");
  return rc;
}

}  // namespace smm::daemon
