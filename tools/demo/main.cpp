// smm-demo: a panel client of smm-dispatchd. It submits synthetic orders over the daemon's
// panel socket (pipelined `add` lines), follows the event feed from seq 0 for a progress line,
// and once every order is settled (or it gives up, bounded) asks `status` for each and prints
// a summary per provider. The daemon does all the work; scripts/demo.sh starts it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "tools/demo/order_tracker.hpp"
#include "tools/demo/panel_connection.hpp"
#include "tools/demo/panel_messages.hpp"
#include "tools/demo/report.hpp"
#include "tools/demo/synthetic_orders.hpp"

namespace asio = boost::asio;
using namespace smm;
using namespace smm::demo;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string config_path;
  std::string socket_path;  // default: the config's daemon.socket_path
  std::string panel;        // --panel: say hello as this [[daemon.panel_keys]] entry
  std::string panel_key;    // its key, from the config (never printed)
  synthetic_spec spec;
  std::size_t batch = 100;
  std::size_t window = 16;
  int give_up_s = 40;
  bool progress = true;
};

// A detached coroutine's end, so the run can wait for it before its locals go away.
struct task_state {
  bool done = false;
  std::string error;
};

template <class Awaitable>
void spawn_tracked(asio::any_io_executor ex, Awaitable a, task_state& st) {
  asio::co_spawn(ex, std::move(a), [&st](std::exception_ptr e) {
    st.done = true;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      st.error = ex.what();
    }
  });
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Request ids: 1 subscribe, add lines from add_id_base, status lines from status_id_base.
constexpr std::int64_t subscribe_id = 1;
constexpr std::int64_t hello_id = 2;
constexpr std::int64_t add_id_base = 1000;
constexpr std::int64_t status_id_base = 1'000'000'000;
constexpr std::size_t status_batch = 500;

// Everything the coroutines of one run share. Touched only from the io thread.
struct run_context {
  const options& opt;
  std::vector<demo_order> orders;
  order_tracker tracker;
  run_figures fig;
  std::vector<std::string> accepted_ids;
  std::size_t in_flight = 0;  // add lines sent, not answered
  std::size_t lines_answered = 0;
  std::size_t lines = 0;
  std::string failure;  // the connection or the daemon failed: stop
  clock_type::time_point start;

  run_context(const options& o, std::vector<demo_order> os)
      : opt(o), orders(std::move(os)), tracker(orders) {}

  std::span<const demo_order> batch(std::size_t b) const {
    const std::size_t first = b * opt.batch;
    return std::span(orders).subspan(first, std::min(opt.batch, orders.size() - first));
  }
};

// The feed: the subscribe answer, then events until the connection closes.
asio::awaitable<void> read_feed(panel_connection& c, run_context& rc) {
  message_reader mr;
  bool subscribed = false;
  while (auto line = co_await c.read_line()) {
    const auto p = mr.read(*line);
    if (p.kind == line_kind::event) {
      ++rc.fig.events;
      rc.tracker.on_event(p.event, clock_type::now());
    } else if (p.kind == line_kind::answer && p.id == subscribe_id && p.ok && !subscribed) {
      subscribed = true;
    } else {
      rc.failure = "feed: unexpected line: " + (p.message.empty() ? std::string(*line) : p.message);
      co_return;
    }
  }
}

// Add answers, in line order; wakes the writer through `wake` as the window frees up.
asio::awaitable<void> read_adds(panel_connection& c, run_context& rc, asio::steady_timer& wake) {
  message_reader mr;
  while (rc.lines_answered < rc.lines) {
    const auto line = co_await c.read_line();
    if (!line) {
      rc.failure = "the daemon closed the panel connection during intake";
      co_return;
    }
    const auto p = mr.read(*line);
    const auto b = static_cast<std::size_t>(p.id - add_id_base);
    if (p.kind != line_kind::answer || p.id < add_id_base || b >= rc.lines) {
      rc.failure = "intake: unexpected line: " + (p.message.empty() ? std::string(*line) : p.message);
      co_return;
    }
    const auto now = clock_type::now();
    if (!p.ok) {  // the whole line was refused (bad_request, too_large, ...): every order in it
      for (const auto& d : rc.batch(b)) {
        rc.tracker.on_add({d.panel_order_id, p.error_code, p.message}, now);
        ++rc.fig.refused[p.error_code];
      }
    } else {
      for (auto& a : mr.add_items()) {
        rc.tracker.on_add(a, now);
        if (a.taken())
          rc.accepted_ids.push_back(std::move(a.panel_order_id));
        else
          ++rc.fig.refused[a.status];
      }
    }
    --rc.in_flight;
    ++rc.lines_answered;
    wake.cancel();
  }
}

asio::awaitable<void> tick_progress(run_context& rc, const bool& stop, bool tty) {
  // A terminal gets one line redrawn in place every 200 ms; a log gets a line per second at
  // most, and only when it changed. Short naps, so `stop` is seen at once.
  const auto every = tty ? std::chrono::milliseconds{200} : std::chrono::milliseconds{1000};
  std::string last;
  auto next = clock_type::now();
  while (!stop) {
    if (clock_type::now() >= next) {
      auto line = rc.tracker.progress_line();
      if (line != last) {
        std::cerr << (tty ? line : line.substr(1) + "\n") << std::flush;
        last = std::move(line);
      }
      next += every;
    }
    co_await sleep_for(std::chrono::milliseconds{20});
  }
  const auto line = rc.tracker.progress_line();
  std::cerr << (tty ? line : line.substr(1)) << "\n" << std::flush;
}

// With --panel, a fresh connection first says which panel it is (its orders are then that
// panel's, as on API v2), and waits for the answer. Throws with the daemon's reason, which
// never holds the key.
asio::awaitable<void> say_hello(panel_connection& c, const options& opt) {
  if (opt.panel_key.empty()) co_return;
  co_await c.write(hello_line(hello_id, opt.panel_key));
  const auto line = co_await c.read_line();
  if (!line) throw std::runtime_error("the daemon closed the panel connection during hello");
  message_reader mr;
  const auto p = mr.read(*line);
  if (p.kind != line_kind::answer || p.id != hello_id || !p.ok)
    throw std::runtime_error("hello as panel \"" + opt.panel + "\" refused: " + p.error_code + ": " +
                             p.message);
}

// `status` for every accepted order, a line of status_batch ids at a time.
asio::awaitable<std::vector<status_item>> lookup(panel_connection& c, run_context& rc) {
  std::vector<status_item> out;
  message_reader mr;
  const std::span<const std::string> ids(rc.accepted_ids);
  for (std::size_t first = 0, n = 0; first < ids.size(); first += status_batch, ++n) {
    const auto id = status_id_base + static_cast<std::int64_t>(n);
    co_await c.write(status_line(id, ids.subspan(first, std::min(status_batch, ids.size() - first))));
    const auto line = co_await c.read_line();
    if (!line) throw std::runtime_error("the daemon closed the panel connection during status");
    const auto p = mr.read(*line);
    if (p.kind != line_kind::answer || p.id != id || !p.ok)
      throw std::runtime_error("status: unexpected answer: " + std::string(*line).substr(0, 300));
    auto items = mr.status_items();
    for (auto& it : items) out.push_back(std::move(it));
  }
  co_return out;
}

asio::awaitable<int> run(run_context& rc) {
  auto ex = co_await asio::this_coro::executor;
  const auto& opt = rc.opt;
  rc.start = clock_type::now();
  rc.fig.count = rc.orders.size();
  rc.lines = (rc.orders.size() + opt.batch - 1) / opt.batch;  // rounded up: the last line may be short

  panel_connection feed(ex), req(ex);
  co_await feed.connect(opt.socket_path);
  co_await say_hello(feed, opt);
  co_await req.connect(opt.socket_path);
  co_await say_hello(req, opt);
  // Subscribe before the first add: the feed starts at seq 0 anyway, so nothing is missed.
  co_await feed.write(subscribe_line(subscribe_id, 0));
  task_state feed_task, adds_task, progress_task;
  spawn_tracked(ex, read_feed(feed, rc), feed_task);

  bool stop_progress = false;
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (opt.progress) spawn_tracked(ex, tick_progress(rc, stop_progress, tty), progress_task);

  // Intake: pipelined add lines, at most `window` unanswered; bounded by the give-up time.
  const auto give_up = std::chrono::seconds{opt.give_up_s};
  const auto intake_deadline = rc.start + give_up;
  asio::steady_timer wake(ex);
  spawn_tracked(ex, read_adds(req, rc, wake), adds_task);
  const auto intake_start = clock_type::now();
  bool timed_out = false;
  for (std::size_t b = 0; b < rc.lines && rc.failure.empty() && !adds_task.done; ++b) {
    while (rc.in_flight >= opt.window && rc.failure.empty() && !adds_task.done) {
      if (clock_type::now() > intake_deadline) break;
      wake.expires_after(std::chrono::milliseconds{100});
      co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (clock_type::now() > intake_deadline) {
      timed_out = true;
      break;
    }
    ++rc.in_flight;
    try {
      co_await req.write(add_line(add_id_base + static_cast<std::int64_t>(b), rc.batch(b)));
    } catch (const std::exception& e) {
      rc.failure = std::string("intake: ") + e.what();
    }
  }
  while (!adds_task.done && rc.failure.empty() && clock_type::now() <= intake_deadline) {
    wake.expires_after(std::chrono::milliseconds{100});
    co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (!adds_task.done) timed_out = true;
  rc.fig.intake = rc.tracker.last_answer() - intake_start;
  rc.fig.accepted = rc.tracker.accepted();

  // Placement and provider progress: wait on the feed, bounded.
  const auto settle_deadline = clock_type::now() + give_up;
  while (!timed_out && rc.failure.empty() && feed_task.error.empty() && !feed_task.done &&
         !rc.tracker.all_settled()) {
    if (clock_type::now() > settle_deadline) {
      timed_out = true;
      break;
    }
    co_await sleep_for(std::chrono::milliseconds{20});
  }
  rc.fig.gave_up = timed_out;
  rc.fig.give_up_after = give_up;
  rc.fig.placed_events = rc.tracker.placed();
  if (rc.tracker.placed() > 0) rc.fig.placement = rc.tracker.last_placed() - intake_start;
  stop_progress = true;

  std::string why = !rc.failure.empty()        ? rc.failure
                    : !adds_task.error.empty() ? adds_task.error
                                               : feed_task.error;
  if (why.empty() && feed_task.done) why = "the daemon closed the event feed";
  if (timed_out)
    std::cerr << "\nsmm-demo: gave up after " << opt.give_up_s << " s with " << rc.tracker.answered()
              << " of " << rc.tracker.total() << " answered, " << rc.tracker.settled() << " of "
              << rc.tracker.accepted() << " accepted orders settled\n";
  if (!why.empty()) std::cerr << "\nsmm-demo: " << why << "\n";

  int code = 0;
  try {
    // With answers still outstanding on `req`, a fresh connection keeps the status lines apart.
    const bool reuse = adds_task.done && adds_task.error.empty() && rc.failure.empty();
    panel_connection ask(ex);
    if (!reuse) {
      co_await ask.connect(opt.socket_path);
      co_await say_hello(ask, opt);
    }
    const auto items = co_await lookup(reuse ? req : ask, rc);
    ask.close();
    rc.fig.wall = clock_type::now() - rc.start;
    const auto t = tally(items);
    while (opt.progress && !progress_task.done)
      co_await sleep_for(std::chrono::milliseconds{5});  // its last line first
    print_summary(std::cout, t, rc.fig);
    const bool balanced = t.total.placed + t.total.rejected + t.total.unknown == rc.fig.accepted;
    if (!balanced || !why.empty() || timed_out || t.total.not_found > 0 || t.bad_money > 0 ||
        rc.tracker.answered() != rc.tracker.total()) {
      std::cerr << "smm-demo: not every order is accounted for (see above)\n";
      code = 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "\nsmm-demo: " << e.what() << "\n";
    code = 1;
  }

  // Let the detached coroutines end before their state goes away.
  feed.close();
  req.close();
  while (!feed_task.done || !adds_task.done || (opt.progress && !progress_task.done))
    co_await sleep_for(std::chrono::milliseconds{10});
  co_return code;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"smm-demo: a panel client of smm-dispatchd that submits synthetic orders and reports"};
  app.add_option("--config", opt.config_path, "the daemon's config (services to sell, socket path)")
      ->required();
  app.add_option("--socket", opt.socket_path, "panel socket (default: daemon.socket_path of the config)");
  app.add_option("--panel", opt.panel,
                 "say hello as this panel (a [[daemon.panel_keys]] name of the config; its key is read "
                 "from there): the orders are then that panel's, as on API v2");
  app.add_option("--count", opt.spec.count, "synthetic orders")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--seed", opt.spec.seed, "RNG seed of the synthetic orders")->capture_default_str();
  app.add_option("--duplicates", opt.spec.duplicate_per_mille,
                 "per mille of orders reusing an earlier account")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--id-prefix", opt.spec.id_prefix, "panel order id prefix")->capture_default_str();
  app.add_option("--batch", opt.batch, "orders per add line")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--window", opt.window, "add lines in flight (pipelined)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--give-up-s", opt.give_up_s, "stop waiting this long after intake (and for intake)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_flag("!--no-progress", opt.progress, "no progress line on stderr");
  CLI11_PARSE(app, argc, argv);

  auto loaded = load_config_file(opt.config_path);
  if (!loaded) {
    for (const auto& e : loaded.errors) std::cerr << opt.config_path << ": " << e.message << "\n";
    return 1;
  }
  const config& cfg = *loaded.value;
  if (opt.socket_path.empty()) opt.socket_path = cfg.daemon.socket_path.string();
  if (!opt.panel.empty()) {
    for (const auto& k : cfg.daemon.panel_keys)
      if (k.name == opt.panel) opt.panel_key = k.key.reveal();
    if (opt.panel_key.empty()) {
      std::cerr << "smm-demo: --panel " << opt.panel << ": no such entry in [[daemon.panel_keys]] of "
                << opt.config_path << "\n";
      return 2;
    }
  }

  int rc = 1;
  try {
    run_context ctx(opt, make_orders(choices_of(cfg), opt.spec));
    std::cerr << "smm-demo: " << ctx.orders.size() << " orders over " << cfg.services.size()
              << " services to " << opt.socket_path << " (" << opt.batch << " per add line, " << opt.window
              << " lines in flight)\n";
    asio::io_context io(1);
    asio::co_spawn(io, run(ctx), [&rc](std::exception_ptr e, int r) {
      rc = r;
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "\nsmm-demo: " << ex.what() << "\n";
      }
      rc = 1;
    });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "smm-demo: " << e.what() << "\n";
    rc = 1;
  }
  return rc;
}
