#include "daemon/apiv2/api_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "daemon/apiv2/api_handler.hpp"
#include "daemon/apiv2/api_probation.hpp"
#include "daemon/apiv2/api_render.hpp"
#include "daemon/auth/panel_gate.hpp"
#include "daemon/net/listener.hpp"
#include "logging/logging.hpp"

namespace smm::daemon::apiv2 {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_protocol = asio::local::stream_protocol;
using unix_stream = beast::basic_stream<unix_protocol>;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view too_many_failures = "Too many failed attempts, try again later";
constexpr std::size_t max_drain_bytes = 8u << 20;
// What one read may bring in past a request at its caps (pipelined bytes): the input buffer's
// own cap is the request's caps plus this.
constexpr std::size_t read_ahead_bytes = 64 * 1024;

void log_failure(const std::shared_ptr<spdlog::logger>& log, std::string_view what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log->error("apiv2 {} failed: {}", what, ex.what());
  }
}

// Who is asking, for the failed-attempt limit and the logs: the peer uid on the unix socket
// (the panel's service account), the peer address on TCP.
std::string client_of(unix_protocol::socket& s) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(s.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
    return "uid:" + std::to_string(cred.uid);
  return "uid:?";
}

std::string client_of(tcp::socket& s) {
  error_code ec;
  const auto ep = s.remote_endpoint(ec);
  return ec ? std::string("ip:?") : "ip:" + ep.address().to_string();
}

// One client. Its members are touched only on its own strand; the listener's stop() and
// close() post there.
template <typename Stream>
struct connection final : net::connection, std::enable_shared_from_this<connection<Stream>> {
  connection(typename Stream::socket_type s, net::connection_lease l)
      : stream(std::move(s)),
        client(client_of(stream.socket())),
        lease(std::move(l)),
        id(lease.id()),
        deadline(stream.get_executor()) {}
  // Idle: close now; answering a request: write its answer (without keep-alive), then close.
  void stop() override {
    asio::post(stream.get_executor(), [self = this->shared_from_this()] {
      self->closing = true;
      if (!self->busy) self->stream.close();
    });
  }
  void close() override {
    asio::post(stream.get_executor(), [self = this->shared_from_this()] { self->stream.close(); });
  }
  /// Reads from now on end by `limit`: then the read in progress is cancelled (the socket
  /// stays open, so a 408 can still be written) and `timed_out` is set. Writes keep the
  /// stream's own timeout (which closes the socket).
  void arm(std::chrono::milliseconds limit) {
    stream.expires_never();
    timed_out = false;
    const std::uint64_t gen = ++deadline_gen;
    deadline.expires_after(limit);
    deadline.async_wait([weak = this->weak_from_this(), gen](const error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->deadline_gen != gen) return;
      self->timed_out = true;
      self->stream.cancel();
    });
  }
  void disarm() {
    ++deadline_gen;
    deadline.cancel();
  }
  Stream stream;
  std::string client;
  net::connection_lease lease;
  const std::uint64_t id;      ///< the registry's id, also the probation's
  bool busy = false;           ///< a request is being answered
  bool closing = false;        ///< stop() asked: answer what is in flight, then close
  bool authenticated = false;  ///< presented a valid key: off probation, normal keep-alive
  asio::steady_timer deadline;
  std::uint64_t deadline_gen = 0;
  bool timed_out = false;  ///< the armed deadline passed
};

// Ends that are not worth more than a debug line; anything else in http's category is a
// malformed request.
bool is_bad_http(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

struct answer {
  http::status status = http::status::ok;
  std::string body;
  bool authenticated = false;  ///< the request carried a valid key
};

}  // namespace

struct api_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, std::string path, std::optional<listen_address> t, order_service& s,
       std::shared_ptr<auth::panel_gate> g, std::string currency, api_server_options o)
      : socket_path(std::move(path)),
        tcp_address(std::move(t)),
        options(o),
        handler(s, std::move(currency)),
        gate(std::move(g)),
        log(logging::logger("apiv2")),
        net(std::move(ex), net::listener_options{"API v2", o.max_connections, o.stop_grace}, log),
        on_probation(o.max_unauthenticated_connections) {}

  std::string socket_path;
  std::optional<listen_address> tcp_address;
  api_server_options options;
  api_handler handler;
  std::shared_ptr<auth::panel_gate> gate;  ///< panel keys and wrong-key limits (shared with the panel socket)
  std::shared_ptr<spdlog::logger> log;
  net::listener net;  // the unix socket and the TCP address, one connection cap for both
  std::atomic<std::uint16_t> bound_port{0};
  probation on_probation;  ///< connections not yet served with a valid key
  std::array<std::array<std::atomic<std::uint64_t>, api_outcome_count>, api_action_slots> counts{};
  std::array<std::atomic<std::uint64_t>, api_close_count> closes{};
  void count(std::size_t slot, api_outcome o) {
    counts[slot][static_cast<std::size_t>(o)].fetch_add(1, std::memory_order_relaxed);
  }
  void closed(api_close why) {
    closes[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }

  /// What the listener does with an accepted socket. Holds the server weakly: the listener
  /// (a member) keeps the handler.
  template <typename Stream>
  static net::accept_handler<typename Stream::socket_type> on_accept(std::weak_ptr<impl> weak);
  template <typename Stream>
  asio::awaitable<void> serve(std::shared_ptr<impl> self, std::shared_ptr<connection<Stream>> c);
  /// `probation_id`: the connection's id while on probation (it leaves once the key is
  /// valid), 0 once off it.
  asio::awaitable<answer> respond(const http::request<http::string_body>& req, const std::string& client,
                                  std::uint64_t probation_id);
  asio::awaitable<api_reply> run(const request& r, std::string panel);
};

template <typename Stream>
net::accept_handler<typename Stream::socket_type> api_server::impl::on_accept(std::weak_ptr<impl> weak) {
  return [weak](typename Stream::socket_type socket,
                net::connection_lease lease) -> std::shared_ptr<net::connection> {
    auto self = weak.lock();
    if (!self) return nullptr;
    auto c = std::make_shared<connection<Stream>>(std::move(socket), std::move(lease));
    // Every connection starts on probation; a full share makes room by stopping the oldest.
    if (const auto evicted = self->on_probation.admit(c->id, c)) {
      self->closed(api_close::evicted);
      self->log->debug("API v2: the oldest connection without a valid key closed to make room for {}",
                       c->client);
      evicted->stop();
    }
    auto ex = c->stream.get_executor();
    asio::co_spawn(ex, self->serve<Stream>(self, c),
                   [log = self->log](std::exception_ptr e) { log_failure(log, "connection", e); });
    return c;
  };
}

asio::awaitable<api_reply> api_server::impl::run(const request& r, std::string panel) {
  // The engine answers on its own strand: hop back to this connection's before resuming.
  const asio::any_io_executor ex = co_await asio::this_coro::executor;
  // Named locals, not temporaries of the co_await expression: GCC 12 destroys such
  // temporaries twice, which here dropped a reference to the connection's executor.
  auto initiation = [this, &r, &panel, ex](auto resume) {
    auto shared = std::make_shared<decltype(resume)>(std::move(resume));
    auto answered = std::make_shared<std::atomic<bool>>(false);
    auto finish = [shared, answered, ex](api_reply reply) {
      if (answered->exchange(true)) return;
      asio::post(ex, [shared, reply = std::move(reply)]() mutable { (*shared)(std::move(reply)); });
    };
    try {
      handler.handle(r, panel, finish);
    } catch (const std::exception& e) {
      log->error("API v2 {} failed: {}", to_string(r.act), e.what());
      finish(api_reply{error_body("Internal error, try again later"), api_outcome::error});
    }
  };
  auto operation = asio::async_initiate<decltype(asio::use_awaitable), void(api_reply)>(std::move(initiation),
                                                                                        asio::use_awaitable);
  api_reply reply = co_await std::move(operation);
  co_return reply;
}

asio::awaitable<answer> api_server::impl::respond(const http::request<http::string_body>& req,
                                                  const std::string& client, std::uint64_t probation_id) {
  if (req.method() != http::verb::get && req.method() != http::verb::post) {
    count(0, api_outcome::bad_request);
    co_return answer{http::status::method_not_allowed, error_body("Method not allowed: use POST or GET")};
  }
  const decoded_input in =
      decode_input({std::string_view(req.method_string()), std::string_view(req.target()),
                    std::string_view(req[http::field::content_type]), std::string_view(req.body()),
                    std::string_view(req["X-Api-Key"]), std::string_view(req[http::field::authorization])},
                   options.limits);
  if (!in.error.empty()) {
    count(0, api_outcome::bad_request);
    co_return answer{http::status::bad_request, error_body(in.error)};
  }
  // A right key is always served; a wrong one is slowed down per peer, then refused per peer
  // and key (the panel socket's hello counts in the same gate).
  const auth::key_verdict verdict = gate->check(client, in.key);
  const std::optional<std::string>& panel = verdict.panel;
  if (!panel) {
    if (verdict.delay.count() > 0) {
      asio::steady_timer wait(co_await asio::this_coro::executor, verdict.delay);
      co_await wait.async_wait(tuple_awaitable);
    }
    if (verdict.throttled) {
      count(0, api_outcome::throttled);
      co_return answer{http::status::too_many_requests, error_body(too_many_failures)};
    }
    count(0, api_outcome::unauthorized);
    // Never the key itself, not even a part of it.
    log->warn("API v2: {} from {}", in.key.empty() ? "no key" : "invalid key", client);
    co_return answer{http::status::ok,
                     error_body(in.key.empty() ? "Missing required parameter: key" : "Invalid API key")};
  }
  // A valid key: off probation before the engine is asked, so the answer (an order's id,
  // perhaps) is never cut by an eviction.
  if (probation_id != 0) on_probation.leave(probation_id);
  const parse_result parsed = parse_request(in.params, options.limits);
  if (!parsed) {
    count(0, api_outcome::error);
    co_return answer{http::status::ok, error_body(parsed.error), true};
  }
  log->debug("API v2: {} {} from {}", *panel, to_string(parsed.req->act), client);
  // Not inside a braced initializer: GCC 12 miscompiles co_await there (a double free).
  api_reply reply = co_await run(*parsed.req, *panel);
  count(api_action_slot(parsed.req->act), reply.outcome);
  co_return answer{http::status::ok, std::move(reply.body), true};
}

template <typename Stream>
asio::awaitable<void> api_server::impl::serve([[maybe_unused]] std::shared_ptr<impl> self,
                                              std::shared_ptr<connection<Stream>> c) {
  // The input this connection may hold: one request at its caps, plus one read ahead.
  beast::flat_buffer buffer(options.max_header_bytes + options.max_body_bytes + read_ahead_bytes);
  for (std::size_t n = 0; n < options.max_requests_per_connection && !c->closing; ++n) {
    // On probation the whole request, idle time included, must arrive within the short
    // unauthenticated deadline. Once served with a valid key, the client may stay silent
    // between requests up to idle_timeout, and a started request must arrive in read_timeout.
    const bool trusted = c->authenticated;
    const std::chrono::milliseconds limit = trusted ? options.read_timeout : options.unauthenticated_timeout;
    if (trusted && buffer.size() == 0) {
      c->arm(options.idle_timeout);
      auto [ec, got] =
          co_await c->stream.async_read_some(buffer.prepare(options.max_header_bytes), tuple_awaitable);
      c->disarm();
      if (ec) {
        if (c->timed_out) closed(api_close::idle_timeout);
        break;
      }
      buffer.commit(got);
    }
    c->arm(limit);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    auto [ec, bytes] = co_await http::async_read_header(c->stream, buffer, parser, tuple_awaitable);
    (void)bytes;
    if (!ec && !parser.is_done()) {
      // curl asks before sending a big body; say yes (the size already passed the cap).
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, 11};
        auto [wec, wn] = co_await http::async_write(c->stream, go_on, tuple_awaitable);
        (void)wn;
        if (wec) break;
      }
      auto [rec, rn] = co_await http::async_read(c->stream, buffer, parser, tuple_awaitable);
      (void)rn;
      ec = rec;
    }
    c->disarm();
    const bool timed_out = ec && c->timed_out;

    http::response<http::string_body> res;
    bool keep_alive = false;
    bool drain = false;
    if (!ec) {
      c->busy = true;
      const auto& req = parser.get();
      answer a = co_await respond(req, c->client, trusted ? 0 : c->id);
      // Served with a valid key: keep-alive like any panel connection from now on.
      if (a.authenticated) c->authenticated = true;
      res.result(a.status);
      res.version(req.version());
      res.body() = std::move(a.body);
      keep_alive = req.keep_alive() && !c->closing && n + 1 < options.max_requests_per_connection;
      if (a.status == http::status::method_not_allowed) res.set(http::field::allow, "GET, POST");
    } else if (timed_out) {
      // Nothing of a request came: an idle connection just closes. A request begun and not
      // finished in time (a slowloris client, or a panel that stalled) is told why.
      if (!parser.got_some() && buffer.size() == 0) {
        closed(api_close::idle_timeout);
        break;
      }
      closed(api_close::request_timeout);
      count(0, api_outcome::bad_request);
      log->debug("API v2: {} cut off: no whole request within {} ms", c->client, limit.count());
      res.result(http::status::request_timeout);
      res.body() = error_body("Request not complete within " + std::to_string(limit.count()) + " ms");
      drain = true;
    } else if (ec == http::error::header_limit) {
      closed(api_close::header_limit);
      count(0, api_outcome::bad_request);
      res.result(http::status::request_header_fields_too_large);
      res.body() = error_body("Request header too large: at most " +
                              std::to_string(options.max_header_bytes) + " bytes");
      drain = true;
    } else if (ec == http::error::body_limit) {
      closed(api_close::body_limit);
      count(0, api_outcome::bad_request);
      res.result(http::status::payload_too_large);
      res.body() =
          error_body("Request body too large: at most " + std::to_string(options.max_body_bytes) + " bytes");
      drain = true;
    } else if (is_bad_http(ec)) {
      closed(api_close::bad_http);
      count(0, api_outcome::bad_request);
      res.result(http::status::bad_request);
      res.body() = error_body("Bad HTTP request: " + ec.message());
      drain = true;
    } else {
      // EOF, a half request at EOF, a reset, or stop(): just close.
      break;
    }
    if (ec) res.version(11);
    res.set(http::field::content_type, "application/json");
    res.keep_alive(keep_alive);
    res.prepare_payload();
    c->stream.expires_after(options.write_timeout);
    auto [wec, wn] = co_await http::async_write(c->stream, res, tuple_awaitable);
    (void)wn;
    c->busy = false;
    if (wec) break;
    if (drain) {
      // The client may still be sending what we refused: read it away (bounded) after our
      // FIN, so closing with unread data does not reset the connection before it reads the answer.
      error_code ignored;
      c->stream.socket().shutdown(Stream::socket_type::shutdown_send, ignored);
      c->stream.expires_after(std::chrono::seconds(2));
      for (std::size_t drained = 0; drained < max_drain_bytes;) {
        buffer.consume(buffer.size());
        auto [dec, dn] = co_await c->stream.async_read_some(buffer.prepare(64 * 1024), tuple_awaitable);
        if (dec) break;
        drained += dn;
      }
    }
    if (!keep_alive) break;
  }
  c->disarm();
  on_probation.leave(c->id);
  error_code ignored;
  c->stream.socket().shutdown(Stream::socket_type::shutdown_send, ignored);
  c->stream.close();
  c->lease.release();
}

api_server::api_server(asio::any_io_executor executor, std::string socket_path,
                       std::optional<listen_address> tcp, order_service& service,
                       const std::vector<panel_key>& keys, std::string currency, api_server_options options)
    : impl_(std::make_shared<impl>(
          std::move(executor), std::move(socket_path), std::move(tcp), service,
          options.gate
              ? options.gate
              : std::make_shared<auth::panel_gate>(keys, options.max_failed_attempts, options.failure_window),
          std::move(currency), options)) {}

api_server::~api_server() = default;

void api_server::start() {
  auto& i = *impl_;
  if (!i.socket_path.empty())
    i.net.listen_unix(net::unix_socket_spec{i.socket_path, 0660, std::nullopt},
                      impl::on_accept<unix_stream>(impl_));
  // Panel keys travel in clear text over TCP: never off this machine.
  if (i.tcp_address)
    i.bound_port = i.net.listen_tcp(*i.tcp_address, true, impl::on_accept<beast::tcp_stream>(impl_));
  if (i.gate->key_count() == 0)
    i.log->warn("API v2: no panel_keys configured: every request will be refused");
}

void api_server::stop() { impl_->net.stop(); }

void api_server::set_panel_keys(const std::vector<panel_key>& keys) {
  impl_->gate->set_keys(keys);
  impl_->log->info("API v2: {} panel key(s) in use", impl_->gate->key_count());
}

std::uint16_t api_server::tcp_port() const { return impl_->bound_port.load(); }

std::size_t api_server::connection_count() const { return impl_->net.connection_count(); }

api_figures api_server::figures() const {
  api_figures f;
  for (std::size_t a = 0; a < api_action_slots; ++a)
    for (std::size_t o = 0; o < api_outcome_count; ++o)
      f.requests[a][o] = impl_->counts[a][o].load(std::memory_order_relaxed);
  f.connections = impl_->net.connection_count();
  f.unauthenticated = impl_->on_probation.size();
  for (std::size_t r = 0; r < api_close_count; ++r)
    f.closes[r] = impl_->closes[r].load(std::memory_order_relaxed);
  return f;
}

}  // namespace smm::daemon::apiv2
