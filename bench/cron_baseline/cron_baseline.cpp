// The baseline dispatcher of bench/RESULTS.md row 9: how the PHP panels' cron scripts place
// orders. A placement cron sends one blocking `add` per order, each on a new connection (the
// provider-distributed PHP `class Api` makes one curl handle per call), waits for the answer,
// then sends the next; then a status cron asks `status` once per order the same way. --workers
// such crons run side by side (panels run a few at most), each on its share of the orders; the
// orders go round robin over the providers of --ports (keys --key-prefix0, 1, ...). Loopback
// only; bounded by --orders and --max-seconds per phase. Prints one JSON object on stdout and a
// line on stderr: placed orders/s of the add phase is the figure scripts/bench.sh compares the
// daemon with.
//   cron_baseline --ports 41001,41002 --orders 400 --workers 4
#include <sys/socket.h>
#include <sys/time.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;
  std::string key_prefix = "key-";
  std::size_t orders = 400;
  std::size_t workers = 4;
  std::int64_t service = 1;
  std::int64_t quantity = 100;
  double max_seconds = 30;
  int timeout_s = 10;
};

// One order as the cron knows it: where it went and the provider's id (empty: not placed).
struct cron_order {
  std::size_t provider = 0;
  std::string link;
  std::string provider_order_id;
  bool status_ok = false;
};

// The provider's order id in an add answer ({"order":23501} or {"order":"23501"}); nullopt
// for an error answer.
std::optional<std::string> order_id_of(const std::string& body) {
  const auto at = body.find("\"order\"");
  if (at == std::string::npos) return std::nullopt;
  auto p = body.find(':', at);
  if (p == std::string::npos) return std::nullopt;
  ++p;
  while (p < body.size() && (body[p] == ' ' || body[p] == '"')) ++p;
  std::string id;
  while (p < body.size() && body[p] >= '0' && body[p] <= '9') id += body[p++];
  if (id.empty()) return std::nullopt;
  return id;
}

// One blocking API v2 call on a new connection, as PHP's curl does it: connect, POST the form,
// read the whole answer, close. Every socket wait is bounded by SO_RCVTIMEO / SO_SNDTIMEO.
// Throws boost::system::system_error on a network error.
std::string call(asio::io_context& io, const options& o, std::uint16_t port, const std::string& form) {
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address(o.host), port));
  timeval tv{o.timeout_s, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  http::request<http::string_body> req{http::verb::post, "/api/v2", 11};
  req.set(http::field::host, o.host + ":" + std::to_string(port));
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.set(http::field::connection, "close");
  req.body() = form;
  req.prepare_payload();
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  boost::system::error_code ignored;
  s.shutdown(tcp::socket::shutdown_both, ignored);
  return std::move(res.body());
}

struct phase_result {
  std::size_t done = 0;    // orders this phase finished (placed, or status read)
  std::size_t errors = 0;  // network errors and error answers
  double seconds = 0;
};

// Runs `one(order)` for every order, --workers threads side by side, each on its share in
// turn; no new call starts after --max-seconds.
template <class F>
phase_result run_phase(const options& o, std::vector<cron_order>& orders, F one) {
  std::atomic<std::size_t> done{0}, errors{0};
  const auto start = clock_type::now();
  const auto deadline =
      start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(o.max_seconds));
  std::vector<std::thread> crons;
  for (std::size_t w = 0; w < o.workers; ++w) {
    crons.emplace_back([&, w] {
      asio::io_context io;
      for (std::size_t k = w; k < orders.size() && clock_type::now() < deadline; k += o.workers) {
        try {
          (one(io, orders[k]) ? done : errors).fetch_add(1);
        } catch (const std::exception&) {
          errors.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : crons) t.join();
  phase_result r;
  r.done = done.load();
  r.errors = errors.load();
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

double per_s(const phase_result& r) { return r.seconds > 0 ? static_cast<double>(r.done) / r.seconds : 0; }

}  // namespace

int main(int argc, char** argv) {
  options o;
  std::string ports_text;
  CLI::App app{"cron_baseline: orders placed the way PHP panel crons place them, for comparison"};
  app.add_option("--ports", ports_text, "providers' ports on 127.0.0.1, comma separated")->required();
  app.add_option("--key-prefix", o.key_prefix, "provider i's key is this plus i")->capture_default_str();
  app.add_option("--orders", o.orders, "orders to place")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--workers", o.workers, "cron scripts running side by side")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  app.add_option("--service", o.service, "the providers' service id")->capture_default_str();
  app.add_option("--quantity", o.quantity, "quantity of every order")->capture_default_str();
  app.add_option("--max-seconds", o.max_seconds, "per phase: no call starts after this long")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);
  for (std::size_t at = 0; at <= ports_text.size();) {
    auto end = ports_text.find(',', at);
    if (end == std::string::npos) end = ports_text.size();
    const int port = std::atoi(ports_text.substr(at, end - at).c_str());
    if (port <= 0 || port > 65535) {
      std::cerr << "cron_baseline: --ports " << ports_text << ": expected ports 1..65535, comma separated\n";
      return 2;
    }
    o.ports.push_back(static_cast<std::uint16_t>(port));
    at = end + 1;
  }

  const std::string run_id = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::vector<cron_order> orders(o.orders);
  for (std::size_t k = 0; k < orders.size(); ++k) {
    orders[k].provider = k % o.ports.size();
    orders[k].link = "https://instagram.com/cron_" + run_id + "_" + std::to_string(k);
  }
  const auto key = [&](const cron_order& c) { return o.key_prefix + std::to_string(c.provider); };

  const auto added = run_phase(o, orders, [&](asio::io_context& io, cron_order& c) {
    const std::string form = "key=" + key(c) + "&action=add&service=" + std::to_string(o.service) +
                             "&link=" + c.link + "&quantity=" + std::to_string(o.quantity);
    const auto id = order_id_of(call(io, o, o.ports[c.provider], form));
    if (id) c.provider_order_id = *id;
    return id.has_value();
  });
  const auto checked = run_phase(o, orders, [&](asio::io_context& io, cron_order& c) {
    if (c.provider_order_id.empty()) return false;
    const std::string body =
        call(io, o, o.ports[c.provider], "key=" + key(c) + "&action=status&order=" + c.provider_order_id);
    c.status_ok = body.find("\"status\"") != std::string::npos;
    return c.status_ok;
  });

  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"workers\":%zu,\"providers\":%zu,\"orders\":%zu,\"placed\":%zu,\"add_errors\":%zu,"
                "\"add_seconds\":%.3f,\"placed_per_s\":%.1f,\"statuses\":%zu,\"status_errors\":%zu,"
                "\"status_seconds\":%.3f,\"statuses_per_s\":%.1f}",
                o.workers, o.ports.size(), o.orders, added.done, added.errors, added.seconds, per_s(added),
                checked.done, checked.errors, checked.seconds, per_s(checked));
  std::cout << buf << "\n";
  std::fprintf(
      stderr,
      "cron_baseline: %zu crons, one call per order on a new connection: %zu placed in %.3f s = %.1f "
      "orders/s (%zu errors); %zu statuses in %.3f s = %.1f/s (%zu errors)\n",
      o.workers, added.done, added.seconds, per_s(added), added.errors, checked.done, checked.seconds,
      per_s(checked), checked.errors);
  return added.errors == 0 && checked.errors == 0 ? 0 : 1;
}
