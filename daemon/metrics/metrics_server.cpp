#include "daemon/metrics/metrics_server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <string_view>
#include <system_error>
#include <vector>

#include "daemon/metrics/metrics_routes.hpp"

namespace smm::daemon::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::shared_ptr<spdlog::logger> metrics_logger() {
  if (auto l = spdlog::get("metrics")) return l;
  auto base = spdlog::default_logger();
  auto l = std::make_shared<spdlog::logger>("metrics", base->sinks().begin(), base->sinks().end());
  l->set_level(base->level());
  try {
    spdlog::register_logger(l);
  } catch (const spdlog::spdlog_ex&) {
    if (auto existing = spdlog::get("metrics")) return existing;  // another thread registered it first
  }
  return l;
}

void log_failure(const std::shared_ptr<spdlog::logger>& log, std::string_view what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log->error("metrics {} failed: {}", what, ex.what());
  }
}

// One accepted client. Only its own strand touches the stream.
struct connection {
  explicit connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
};

}  // namespace

struct metrics_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, listen_address a, std::function<std::string()> r, std::function<bool()> rd,
       metrics_server_options o)
      : executor(std::move(ex)),
        address(std::move(a)),
        render(std::move(r)),
        ready(std::move(rd)),
        options(o),
        acceptor(asio::make_strand(executor)),
        log(metrics_logger()) {}

  asio::any_io_executor executor;
  listen_address address;
  std::function<std::string()> render;
  std::function<bool()> ready;
  metrics_server_options options;
  tcp::acceptor acceptor;  // on its own strand; stop() posts there
  std::shared_ptr<spdlog::logger> log;
  std::atomic<std::uint16_t> bound_port{0};
  bool stopped = false;  // acceptor strand only

  std::mutex mu;  // guards connections (added on the acceptor strand, removed on each connection's)
  std::map<std::uint64_t, std::weak_ptr<connection>> connections;
  std::uint64_t next_id = 0;  // acceptor strand only

  asio::awaitable<void> accept_loop();
  // `self` keeps the server state alive for the coroutine's whole life.
  asio::awaitable<void> serve(std::shared_ptr<impl> self, std::shared_ptr<connection> c, std::uint64_t id);
  route_answer answer(const http::request<http::string_body>& req);
  void do_stop();
};

route_answer metrics_server::impl::answer(const http::request<http::string_body>& req) {
  try {
    return route_request(std::string_view(req.method_string()), std::string_view(req.target()), render,
                         ready);
  } catch (const std::exception& e) {
    // A failing render must not cost the connection or the process: the scrape shows an error.
    log->error("metrics render failed: {}", e.what());
    return {500, "text/plain; charset=utf-8", "internal error\n", false};
  }
}

asio::awaitable<void> metrics_server::impl::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    // A named strand: GCC 12 destroys a temporary of a co_await expression twice, and this
    // one holds a reference-counted executor (found by valgrind in the API v2 server).
    const auto strand = asio::make_strand(executor);
    auto [ec, socket] = co_await acceptor.async_accept(strand, tuple_awaitable);
    if (stopped || !acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors and the like: the next accept may succeed; log and go on.
      log->warn("metrics accept failed: {}", ec.message());
      continue;
    }
    std::shared_ptr<connection> c;
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mu);
      if (connections.size() >= options.max_connections) {
        // Over the cap: the socket closes when it goes out of scope.
        log->warn("metrics connection refused: {} open", connections.size());
        continue;
      }
      c = std::make_shared<connection>(std::move(socket));
      id = next_id++;
      connections.emplace(id, c);
    }
    auto ex = c->stream.get_executor();
    asio::co_spawn(ex, serve(self, std::move(c), id),
                   [log = log](std::exception_ptr e) { log_failure(log, "session", e); });
  }
}

asio::awaitable<void> metrics_server::impl::serve([[maybe_unused]] std::shared_ptr<impl> self,
                                                  std::shared_ptr<connection> c, std::uint64_t id) {
  beast::flat_buffer buffer;
  for (std::size_t n = 0; n < options.max_requests_per_connection; ++n) {
    // Between keep-alive requests the client may stay silent up to idle_timeout; once it
    // starts a request, the whole request must arrive within read_timeout.
    if (n > 0 && buffer.size() == 0) {
      c->stream.expires_after(options.idle_timeout);
      auto [ec, got] =
          co_await c->stream.async_read_some(buffer.prepare(options.max_header_bytes), tuple_awaitable);
      if (ec) break;
      buffer.commit(got);
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    c->stream.expires_after(options.read_timeout);
    auto [ec, bytes] = co_await http::async_read(c->stream, buffer, parser, tuple_awaitable);
    (void)bytes;

    http::response<http::string_body> res;
    bool keep_alive = false;
    bool head = false;
    if (!ec) {
      const auto& req = parser.get();
      auto a = answer(req);
      res.result(a.status);
      res.version(req.version());
      res.set(http::field::content_type, a.content_type);
      if (a.method_not_allowed) res.set(http::field::allow, "GET, HEAD");
      res.body() = std::move(a.body);
      keep_alive = req.keep_alive() && n + 1 < options.max_requests_per_connection;
      head = req.method() == http::verb::head;
    } else if (ec == http::error::header_limit) {
      res.result(http::status::request_header_fields_too_large);
      res.body() = "request header too large\n";
    } else if (ec == http::error::body_limit) {
      res.result(http::status::payload_too_large);
      res.body() = "request body too large\n";
    } else if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      // Malformed HTTP: say so, then close. EOF, a half request, a timeout or a reset just close.
      res.result(http::status::bad_request);
      res.body() = "bad request\n";
    } else {
      break;
    }
    if (ec) {
      res.version(11);
      res.set(http::field::content_type, "text/plain; charset=utf-8");
    }
    res.keep_alive(keep_alive);
    res.prepare_payload();
    c->stream.expires_after(options.write_timeout);
    if (head) {
      // HEAD: the headers GET would send (Content-Length included), no body.
      http::response<http::empty_body> head_res{res.result(), res.version()};
      for (const auto& field : res) head_res.set(field.name_string(), field.value());
      auto [wec, wn] = co_await http::async_write(c->stream, head_res, tuple_awaitable);
      (void)wn;
      if (wec) break;
    } else {
      auto [wec, wn] = co_await http::async_write(c->stream, res, tuple_awaitable);
      (void)wn;
      if (wec) break;
    }
    if (!keep_alive) break;
  }
  error_code ignored;
  c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  c->stream.close();
  std::lock_guard lock(mu);
  connections.erase(id);
}

void metrics_server::impl::do_stop() {
  if (stopped) return;
  stopped = true;
  error_code ignored;
  acceptor.close(ignored);
  std::vector<std::shared_ptr<connection>> open;
  {
    std::lock_guard lock(mu);
    for (const auto& [id, weak] : connections)
      if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  // Each stream belongs to its connection's strand: close it there.
  for (auto& c : open) {
    auto ex = c->stream.get_executor();
    asio::post(ex, [c = std::move(c)] { c->stream.close(); });
  }
  log->info("metrics endpoint stopped");
}

metrics_server::metrics_server(asio::any_io_executor executor, listen_address address,
                               std::function<std::string()> render, std::function<bool()> ready,
                               metrics_server_options options)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(address), std::move(render),
                                   std::move(ready), options)) {}

metrics_server::~metrics_server() = default;

void metrics_server::start() {
  auto& i = *impl_;
  tcp::resolver resolver(i.executor);
  error_code ec;
  const auto results = resolver.resolve(i.address.host, std::to_string(i.address.port),
                                        tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec) throw std::system_error(ec, "metrics address " + i.address.to_string());
  if (results.empty())
    throw std::system_error(std::make_error_code(std::errc::address_not_available),
                            "metrics address " + i.address.to_string());
  const tcp::endpoint endpoint = results.begin()->endpoint();
  i.acceptor.open(endpoint.protocol());
  i.acceptor.set_option(asio::socket_base::reuse_address(true));
  i.acceptor.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "bind metrics address " + i.address.to_string());
  i.acceptor.listen(asio::socket_base::max_listen_connections);
  i.bound_port = i.acceptor.local_endpoint().port();
  i.log->info("metrics endpoint listening on {}:{}", endpoint.address().to_string(), i.bound_port.load());
  asio::co_spawn(
      i.acceptor.get_executor(), [self = impl_] { return self->accept_loop(); },
      [log = i.log](std::exception_ptr e) { log_failure(log, "accept loop", e); });
}

void metrics_server::stop() {
  asio::post(impl_->acceptor.get_executor(), [self = impl_] { self->do_stop(); });
}

std::uint16_t metrics_server::port() const { return impl_->bound_port.load(); }

}  // namespace smm::daemon::metrics
