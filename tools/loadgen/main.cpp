// smm-loadgen: intake load for smm-dispatchd's panel socket. N connections send a fixed count
// of orders in `add` lines of --batch orders, either as fast as the daemon answers (--rate 0:
// at most --window unanswered lines per connection; figure: orders acknowledged per second) or
// at a fixed --rate (orders/s, lines spread over the connections, no window, so a slow answer
// never delays the next send; figure: per-order acknowledgement latency from the line's send to
// its answer). Bounded by --count and --max-seconds; prints one line, and with --json a JSON
// object on stdout as well.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tools/demo/panel_connection.hpp"
#include "tools/demo/panel_messages.hpp"
#include "tools/loadgen/latency_stats.hpp"

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
  std::int64_t quantity = 100;
  std::string id_prefix;
  std::string link_prefix = "https://instagram.com/lg";
  bool json = false;
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
};

std::string add_line_for(const run_state& st, std::size_t k) {
  const auto& o = st.opt;
  const std::size_t first = k * o.batch;
  const std::size_t n = std::min(o.batch, o.count - first);
  std::vector<demo_order> orders(n);
  for (std::size_t j = 0; j < n; ++j) {
    auto& d = orders[j];
    d.panel_order_id = o.id_prefix + std::to_string(first + j);
    d.service_id = o.service;
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

asio::awaitable<void> run(run_state& st, std::vector<std::unique_ptr<connection>>& conns) {
  auto ex = co_await asio::this_coro::executor;
  for (auto& c : conns) co_await c->conn.connect(st.opt.socket_path);
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
  for (auto& c : conns) c->conn.close();
  while (!all([](connection& c) { return c.reader_done; })) co_await sleep_ms(5);
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"smm-loadgen: intake load on smm-dispatchd's panel socket"};
  app.add_option("--socket", opt.socket_path, "the daemon's panel socket")->required();
  app.add_option("--connections", opt.connections, "client connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--count", opt.count, "orders to send in all")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--batch", opt.batch, "orders per add line")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--rate", opt.rate, "orders/s at a fixed rate; 0: as fast as answered")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10'000'000.0));
  app.add_option("--window", opt.window, "unanswered lines per connection (--rate 0 only)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-seconds", opt.max_seconds, "stop sending after this long")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--service", opt.service, "service id of every order")->capture_default_str();
  app.add_option("--quantity", opt.quantity, "quantity of every order")->capture_default_str();
  app.add_option("--id-prefix", opt.id_prefix, "panel order id prefix (default: lg-PID-TIME-)");
  app.add_option("--link-prefix", opt.link_prefix, "link prefix; the order number is appended")
      ->capture_default_str();
  app.add_flag("--json", opt.json, "also print the result as one JSON object on stdout");
  CLI11_PARSE(app, argc, argv);
  if (opt.id_prefix.empty())
    opt.id_prefix = "lg-" + std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr)) + "-";
  if (opt.link_prefix == "https://instagram.com/lg") opt.link_prefix += opt.id_prefix;

  run_state st(opt);
  st.lines_total = (opt.count + opt.batch - 1) / opt.batch;  // rounded up: the last line may be short
  st.latencies_ns.reserve(opt.count);
  asio::io_context io(1);
  std::vector<std::unique_ptr<connection>> conns;
  for (std::size_t i = 0; i < opt.connections; ++i)
    conns.push_back(std::make_unique<connection>(io.get_executor()));
  int rc = 0;
  asio::co_spawn(io, run(st, conns), [&](std::exception_ptr e) {
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

  const auto took = st.last_answer > st.start ? st.last_answer - st.start : clock_type::duration{0};
  const double secs = std::chrono::duration<double>(took).count();
  const double per_s = secs > 0 ? static_cast<double>(st.answered) / secs : 0.0;
  const auto lat = smm::loadgen::summarize(st.latencies_ns);
  const char* mode = opt.rate > 0 ? "rate" : "max";
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "smm-loadgen: %s conns=%zu batch=%zu target=%.0f/s sent=%zu answered=%zu accepted=%zu "
                "failed_lines=%zu in %.3f s = %.0f orders/s acked; ack latency ms p50=%.3f p90=%.3f p99=%.3f "
                "max=%.3f%s",
                mode, opt.connections, opt.batch, opt.rate, st.sent, st.answered, st.taken, st.failed_lines,
                secs, per_s, ms(lat.p50_ns), ms(lat.p90_ns), ms(lat.p99_ns), ms(lat.max_ns),
                st.hit_time_cap ? " (stopped by --max-seconds)" : "");
  std::cerr << buf << "\n";
  if (opt.json) {
    std::snprintf(
        buf, sizeof buf,
        "{\"mode\":\"%s\",\"connections\":%zu,\"batch\":%zu,\"target_per_s\":%.1f,\"sent\":%zu,"
        "\"answered\":%zu,\"accepted\":%zu,\"failed_lines\":%zu,\"seconds\":%.6f,\"acked_per_s\":%.1f,"
        "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},\"time_capped\":%s}",
        mode, opt.connections, opt.batch, opt.rate, st.sent, st.answered, st.taken, st.failed_lines, secs,
        per_s, ms(lat.p50_ns), ms(lat.p90_ns), ms(lat.p99_ns), ms(lat.max_ns),
        st.hit_time_cap ? "true" : "false");
    std::cout << buf << "\n";
  }
  if (!st.failure.empty()) {
    std::cerr << "smm-loadgen: " << st.failure << "\n";
    return 1;
  }
  return st.answered == st.sent ? 0 : 1;
}
