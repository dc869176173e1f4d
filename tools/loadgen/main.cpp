// smm-loadgen: intake load for smm-dispatchd's panel socket. N connections send a fixed count
// of orders in `add` lines of --batch orders, either as fast as the daemon answers (--rate 0:
// at most --window unanswered lines per connection; figure: orders acknowledged per second) or
// at a fixed --rate (orders/s, lines spread over the connections, no window, so a slow answer
// never delays the next send; figure: per-order acknowledgement latency from the line's send to
// its answer). With --admin-socket it also samples the daemon's placed-order counter every
// --poll-ms (placed orders/s; --count 0 only watches, until --placed-target orders were placed);
// with --daemon-pid, the daemon's CPU time per 1000 orders and its peak RSS. Bounded by --count
// and --max-seconds; prints a table on stderr, and with --json a JSON object on stdout as well.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <ctime>
#include <deque>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/demo/panel_connection.hpp"
#include "tools/demo/panel_messages.hpp"
#include "tools/loadgen/latency_stats.hpp"
#include "tools/loadgen/placement_watch.hpp"
#include "tools/loadgen/proc_stats.hpp"
#include "tools/loadgen/run_report.hpp"

namespace asio = boost::asio;
using smm::demo::demo_order;
using smm::demo::line_kind;
using smm::demo::message_reader;
using smm::demo::panel_connection;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string socket_path;
  std::size_t connections = 4;
  std::size_t count = 20000;
  std::size_t batch = 10;
  double rate = 0;  // orders/s; 0: as fast as possible. Scheduling only, never money.
  std::size_t window = 32;
  double max_seconds = 30;
  std::int64_t service = 1;
  std::int64_t service_spread = 1;  // service ids service .. service + spread - 1, round robin
  std::int64_t quantity = 100;
  std::string id_prefix;
  std::string link_prefix = "https://instagram.com/lg";
  bool json = false;
  std::string admin_socket;  // set: sample the placed counter there
  int poll_ms = 100;
  std::int64_t placed_target = 0;  // > 0: watch until this many more orders are placed
  pid_t daemon_pid = 0;
};

struct sent_line {
  clock_type::time_point at;
  std::size_t orders;
};

struct connection {
  explicit connection(asio::any_io_executor ex) : conn(ex), wake(ex) {}
  panel_connection conn;
  asio::steady_timer wake;  // the reader cancels it when a window place frees up
  std::deque<sent_line> pending;
  bool writer_done = false;
  bool reader_done = false;
};

struct run_state {
  explicit run_state(const options& o) : opt(o) {}
  const options& opt;
  std::size_t lines_total = 0;
  std::size_t next_line = 0;  // max mode: lines are taken from one shared counter
  clock_type::time_point start, deadline;
  std::size_t sent = 0, answered = 0, taken = 0, failed_lines = 0;
  clock_type::time_point last_answer;
  std::vector<std::int64_t> latencies_ns;  // one per answered order
  std::string failure;
  bool hit_time_cap = false;
  bool sending_over = false;  // every answer in (or given up on): the watch may stop
  bool watch_done = false;
  std::optional<double> cpu_at_start, cpu_at_end;  // the daemon's, around the sending
};

std::string add_line_for(const run_state& st, std::size_t k) {
  const auto& o = st.opt;
  const std::size_t first = k * o.batch;
  const std::size_t n = std::min(o.batch, o.count - first);
  std::vector<demo_order> orders(n);
  for (std::size_t j = 0; j < n; ++j) {
    auto& d = orders[j];
    d.panel_order_id = o.id_prefix + std::to_string(first + j);
    d.service_id =
        o.service + static_cast<std::int64_t>((first + j) % static_cast<std::size_t>(o.service_spread));
    d.link = o.link_prefix + std::to_string(first + j);  // unique: no duplicate-link refusals
    d.quantity = o.quantity;
  }
  return smm::demo::add_line(static_cast<std::int64_t>(k), orders);
}

std::size_t orders_in(const run_state& st, std::size_t k) {
  return std::min(st.opt.batch, st.opt.count - k * st.opt.batch);
}

asio::awaitable<void> write_lines(run_state& st, connection& c, std::size_t index) {
  const auto& o = st.opt;
  for (std::size_t k = index;; k += o.connections) {
    if (!st.failure.empty()) break;
    if (o.rate > 0) {
      if (k >= st.lines_total) break;
      // Line k is due at k * batch / rate seconds (rounded to the nanosecond).
      const auto due =
          st.start + std::chrono::nanoseconds(std::llround(static_cast<double>(k * o.batch) * 1e9 / o.rate));
      if (due > st.deadline) {
        st.hit_time_cap = true;
        break;
      }
      c.wake.expires_at(due);
      co_await c.wake.async_wait(asio::as_tuple(asio::use_awaitable));
      while (clock_type::now() < due) {  // woken early by an answer: sleep on
        c.wake.expires_at(due);
        co_await c.wake.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    } else {
      while (c.pending.size() >= o.window && st.failure.empty() && clock_type::now() < st.deadline) {
        c.wake.expires_after(std::chrono::milliseconds{100});
        co_await c.wake.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (clock_type::now() >= st.deadline) {
        st.hit_time_cap = st.next_line < st.lines_total;
        break;
      }
      k = st.next_line++;
      if (k >= st.lines_total) break;
    }
    const std::string line = add_line_for(st, k);
    c.pending.push_back({clock_type::now(), orders_in(st, k)});
    st.sent += orders_in(st, k);
    co_await c.conn.write(line);
  }
  c.writer_done = true;
}

asio::awaitable<void> read_answers(run_state& st, connection& c) {
  message_reader mr;
  while (auto line = co_await c.conn.read_line()) {
    const auto now = clock_type::now();
    const auto p = mr.read(*line);
    if (p.kind != line_kind::answer || c.pending.empty()) {
      st.failure = "unexpected line: " + std::string(*line).substr(0, 200);
      break;
    }
    const sent_line s = c.pending.front();
    c.pending.pop_front();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - s.at).count();
    st.latencies_ns.insert(st.latencies_ns.end(), s.orders, ns);
    st.answered += s.orders;
    st.last_answer = now;
    if (p.ok) {
      std::size_t taken = 0;
      mr.item_count(&taken);
      st.taken += taken;
    } else {
      ++st.failed_lines;
    }
    c.wake.cancel();
  }
  c.reader_done = true;
}

asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(std::chrono::milliseconds{ms});
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Samples the placed counter every --poll-ms until the sending is over and, with a target,
// until the target is placed or the deadline passed; then once more, so that without a target
// the samples reach the end of the sending.
asio::awaitable<void> watch_placement(run_state& st, smm::loadgen::placement_watch& w) {
  const auto& o = st.opt;
  for (;;) {
    const bool target_met = o.placed_target > 0 && w.placed_since_first() >= o.placed_target;
    if (!st.failure.empty() ||
        (st.sending_over && (o.placed_target == 0 || target_met || clock_type::now() >= st.deadline)))
      break;
    co_await sleep_ms(o.poll_ms);
    co_await w.sample();
  }
  if (st.failure.empty()) co_await w.sample();
  st.watch_done = true;
}

asio::awaitable<void> run(run_state& st, std::vector<std::unique_ptr<connection>>& conns,
                          smm::loadgen::placement_watch* watch) {
  auto ex = co_await asio::this_coro::executor;
  for (auto& c : conns) co_await c->conn.connect(st.opt.socket_path);
  if (watch != nullptr) {
    co_await watch->connect();
    co_await watch->sample();
  }
  if (st.opt.daemon_pid > 0) st.cpu_at_start = smm::loadgen::process_cpu_seconds(st.opt.daemon_pid);
  st.start = clock_type::now();
  st.deadline = st.start + std::chrono::nanoseconds(std::llround(st.opt.max_seconds * 1e9));
  auto note = [&st](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      if (st.failure.empty()) st.failure = ex.what();
    }
  };
  for (std::size_t i = 0; i < conns.size(); ++i) {
    auto& c = *conns[i];
    asio::co_spawn(ex, read_answers(st, c), [&c, note](std::exception_ptr e) {
      c.reader_done = true;
      note(e);
    });
    asio::co_spawn(ex, write_lines(st, c, i), [&c, note](std::exception_ptr e) {
      c.writer_done = true;
      note(e);
    });
  }
  if (watch != nullptr) {
    asio::co_spawn(ex, watch_placement(st, *watch), [&st, note](std::exception_ptr e) {
      st.watch_done = true;
      note(e);
    });
  }
  // Every writer done, then every answer in (or 5 s past the cap), then close and let the
  // readers end.
  const auto all = [&conns](auto pred) {
    for (auto& c : conns)
      if (!pred(*c)) return false;
    return true;
  };
  while (!all([](connection& c) { return c.writer_done; })) co_await sleep_ms(5);
  const auto grace = std::max(st.deadline, clock_type::now()) + std::chrono::seconds{5};
  while (st.failure.empty() && !all([](connection& c) { return c.pending.empty() || c.reader_done; }) &&
         clock_type::now() < grace)
    co_await sleep_ms(1);
  if (st.opt.daemon_pid > 0) st.cpu_at_end = smm::loadgen::process_cpu_seconds(st.opt.daemon_pid);
  st.sending_over = true;
  for (auto& c : conns) c->conn.close();
  while (!all([](connection& c) { return c.reader_done; })) co_await sleep_ms(5);
  if (watch != nullptr) {
    while (!st.watch_done) co_await sleep_ms(5);
    watch->close();
  }
}

std::optional<smm::loadgen::placement_figures> placement_of(const smm::loadgen::placement_watch& w,
                                                            std::int64_t target) {
  const auto& samples = w.samples();
  const auto window = smm::loadgen::placement_window_of(samples, target);
  if (!window) return std::nullopt;
  const auto& a = samples[window->first];
  const auto& b = samples[window->last];
  smm::loadgen::placement_figures p;
  p.placed = b.placed - a.placed;
  p.seconds = static_cast<double>(b.at_ns - a.at_ns) / 1e9;
  p.per_s = smm::loadgen::placed_per_second(samples, *window);
  if (a.cpu_s >= 0 && b.cpu_s >= 0) p.daemon_cpu_s = b.cpu_s - a.cpu_s;
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  int pid = 0;
  CLI::App app{"smm-loadgen: intake load on smm-dispatchd's panel socket"};
  app.add_option("--socket", opt.socket_path, "the daemon's panel socket (needed unless --count 0)");
  app.add_option("--connections", opt.connections, "client connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--count", opt.count, "orders to send in all; 0: send none, only watch placement")
      ->capture_default_str()
      ->check(CLI::Range(0, 10'000'000));
  app.add_option("--batch", opt.batch, "orders per add line")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--rate", opt.rate, "orders/s at a fixed rate; 0: as fast as answered")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10'000'000.0));
  app.add_option("--window", opt.window, "unanswered lines per connection (--rate 0 only)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-seconds", opt.max_seconds, "stop sending (and watching) after this long")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--service", opt.service, "service id of every order (the first, with --service-spread)")
      ->capture_default_str();
  app.add_option("--service-spread", opt.service_spread,
                 "spread orders round robin over service ids --service .. --service + N - 1")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--quantity", opt.quantity, "quantity of every order")->capture_default_str();
  app.add_option("--id-prefix", opt.id_prefix, "panel order id prefix (default: lg-PID-TIME-)");
  app.add_option("--link-prefix", opt.link_prefix, "link prefix; the order number is appended")
      ->capture_default_str();
  app.add_option(
      "--admin-socket", opt.admin_socket,
      "the daemon's admin socket: sample its placed-order counter (overview) to report placed orders/s");
  app.add_option("--poll-ms", opt.poll_ms, "placement sampling period")
      ->capture_default_str()
      ->check(CLI::Range(10, 10000));
  app.add_option("--placed-target", opt.placed_target,
                 "keep watching after the sending until this many more orders were placed (or --max-seconds)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{100'000'000}));
  app.add_option("--daemon-pid", pid, "the daemon's pid: report its CPU time per 1000 orders and peak RSS")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", opt.json, "also print the result as one JSON object on stdout");
  CLI11_PARSE(app, argc, argv);
  opt.daemon_pid = static_cast<pid_t>(pid);
  if (opt.count > 0 && opt.socket_path.empty()) {
    std::cerr << "smm-loadgen: --socket is required to send orders (--count 0 only watches)\n";
    return 2;
  }
  if (opt.count == 0 && opt.admin_socket.empty()) {
    std::cerr << "smm-loadgen: --count 0 watches placement: it needs --admin-socket\n";
    return 2;
  }
  if (opt.id_prefix.empty())
    opt.id_prefix = "lg-" + std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr)) + "-";
  if (opt.link_prefix == "https://instagram.com/lg") opt.link_prefix += opt.id_prefix;

  run_state st(opt);
  st.lines_total = (opt.count + opt.batch - 1) / opt.batch;  // rounded up: the last line may be short
  st.latencies_ns.reserve(opt.count);
  asio::io_context io(1);
  std::vector<std::unique_ptr<connection>> conns;
  for (std::size_t i = 0; opt.count > 0 && i < opt.connections; ++i)
    conns.push_back(std::make_unique<connection>(io.get_executor()));
  std::optional<smm::loadgen::placement_watch> watch;
  if (!opt.admin_socket.empty()) watch.emplace(io.get_executor(), opt.admin_socket, opt.daemon_pid);
  int rc = 0;
  asio::co_spawn(io, run(st, conns, watch ? &*watch : nullptr), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::cerr << "smm-loadgen: " << ex.what() << "\n";
    }
    rc = 1;
  });
  io.run();
  if (rc != 0) return rc;

  smm::loadgen::run_figures f;
  f.mode = opt.count == 0 ? "watch" : opt.rate > 0 ? "rate" : "max";
  f.connections = conns.size();
  f.batch = opt.batch;
  f.target_per_s = opt.rate;
  f.sent = st.sent;
  f.answered = st.answered;
  f.accepted = st.taken;
  f.failed_lines = st.failed_lines;
  const auto took = st.last_answer > st.start ? st.last_answer - st.start : clock_type::duration{0};
  f.seconds = std::chrono::duration<double>(took).count();
  f.acked_per_s = f.seconds > 0 ? static_cast<double>(st.answered) / f.seconds : 0.0;
  f.latency = smm::loadgen::summarize(st.latencies_ns);
  f.time_capped = st.hit_time_cap;
  if (watch) f.placement = placement_of(*watch, opt.placed_target);
  if (opt.daemon_pid > 0) {
    smm::loadgen::daemon_figures d;
    if (st.cpu_at_start && st.cpu_at_end && opt.count > 0) d.intake_cpu_s = *st.cpu_at_end - *st.cpu_at_start;
    d.vmhwm_kib = smm::loadgen::process_status_kib(opt.daemon_pid, "VmHWM");
    d.vmrss_kib = smm::loadgen::process_status_kib(opt.daemon_pid, "VmRSS");
    f.daemon = d;
  }
  std::cerr << smm::loadgen::table_of(f);
  if (opt.json) std::cout << smm::loadgen::json_of(f) << "\n";
  if (!st.failure.empty()) {
    std::cerr << "smm-loadgen: " << st.failure << "\n";
    return 1;
  }
  return st.answered == st.sent ? 0 : 1;
}
