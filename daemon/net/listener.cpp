#include "daemon/net/listener.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace smm::daemon::net {

namespace asio = boost::asio;
using boost::system::error_code;
using unix_protocol = asio::local::stream_protocol;
using tcp = asio::ip::tcp;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// After a failed accept (out of descriptors and the like): wait this long instead of spinning.
constexpr std::chrono::milliseconds accept_backoff{100};

std::string octal(unsigned mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
}

// One bound socket of the listener. Its acceptor is touched only on the listener's strand.
struct bound_base {
  virtual ~bound_base() = default;
  virtual void close() = 0;
};

template <class Protocol>
struct bound final : bound_base {
  bound(const asio::strand<asio::any_io_executor>& strand, accept_handler<typename Protocol::socket> handler)
      : acceptor(strand), on_accept(std::move(handler)) {}
  void close() override {
    error_code ignored;
    acceptor.close(ignored);
  }
  typename Protocol::acceptor acceptor;
  accept_handler<typename Protocol::socket> on_accept;
};

}  // namespace

struct listener::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, listener_options o, std::shared_ptr<spdlog::logger> l)
      : executor(std::move(ex)),
        options(std::move(o)),
        control(asio::make_strand(executor)),
        grace_timer(control),
        registry(std::make_shared<connection_registry>(options.max_connections)),
        log(std::move(l)) {}

  asio::any_io_executor executor;
  listener_options options;
  asio::strand<asio::any_io_executor> control;  // acceptors, grace timer, stop
  asio::steady_timer grace_timer;
  std::shared_ptr<connection_registry> registry;
  std::shared_ptr<spdlog::logger> log;
  std::vector<std::shared_ptr<bound_base>> sockets;
  std::vector<std::string> files;  // socket files we created (so we remove them)
  bool stopped = false;            // control strand only

  void remove_stale_socket(const std::string& path);
  template <class Protocol>
  void spawn_accept_loop(std::shared_ptr<bound<Protocol>> b);
  template <class Protocol>
  asio::awaitable<void> accept_loop(std::shared_ptr<bound<Protocol>> b);
  void do_stop();
};

void listener::impl::remove_stale_socket(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string& name = options.name;
  std::error_code fec;
  const auto st = fs::symlink_status(path, fec);
  if (fec || !fs::exists(st)) return;
  if (!fs::is_socket(st))
    throw std::runtime_error(name + " socket path " + path +
                             " exists and is not a socket; refusing to replace it");
  // A socket file: is anyone behind it? A live daemon accepts; a stale file refuses.
  unix_protocol::socket probe(executor);
  error_code ec;
  probe.connect(unix_protocol::endpoint(path), ec);
  if (!ec) throw std::runtime_error("another process is listening on the " + name + " socket " + path);
  if (ec != asio::error::connection_refused && ec != asio::error::not_found &&
      ec != boost::system::errc::no_such_file_or_directory)
    throw std::runtime_error("cannot check the " + name + " socket " + path + ": " + ec.message());
  fs::remove(path, fec);
  if (fec)
    throw std::runtime_error("cannot remove the stale " + name + " socket " + path + ": " + fec.message());
  log->info("removed a stale {} socket file {}", name, path);
}

template <class Protocol>
void listener::impl::spawn_accept_loop(std::shared_ptr<bound<Protocol>> b) {
  sockets.push_back(b);
  asio::co_spawn(
      control, [self = shared_from_this(), b] { return self->accept_loop<Protocol>(b); },
      [log = log, name = options.name](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log->error("{} accept loop failed: {}", name, ex.what());
        }
      });
}

template <class Protocol>
asio::awaitable<void> listener::impl::accept_loop(std::shared_ptr<bound<Protocol>> b) {
  auto self = shared_from_this();
  asio::steady_timer backoff(control);
  for (;;) {
    // A named strand, not a temporary of the co_await expression: GCC 12 destroys such a
    // temporary twice, and this one holds a reference-counted executor (found by valgrind).
    const auto strand = asio::make_strand(executor);
    auto [ec, socket] = co_await b->acceptor.async_accept(strand, tuple_awaitable);
    if (stopped || !b->acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      log->warn("{} accept failed: {}", options.name, ec.message());
      backoff.expires_after(accept_backoff);
      co_await backoff.async_wait(tuple_awaitable);
      continue;
    }
    auto lease = registry->reserve();
    if (!lease) {
      // Over the cap: the socket closes when it goes out of scope.
      log->warn("{} connection refused: {} open", options.name, registry->size());
      continue;
    }
    const std::uint64_t id = lease->id();
    std::shared_ptr<connection> c;
    try {
      // The socket runs on its own strand: as the protocol's socket type, its executor is that strand.
      c = b->on_accept(typename Protocol::socket(std::move(socket)), std::move(*lease));
    } catch (const std::exception& e) {
      // Contained to this client: its lease went with the handler's arguments.
      log->error("{} connection failed to start: {}", options.name, e.what());
      continue;
    }
    if (c) registry->attach(id, c);
  }
}

void listener::impl::do_stop() {
  if (stopped) return;
  stopped = true;
  for (const auto& s : sockets) s->close();
  for (const auto& f : files) {
    std::error_code fec;
    std::filesystem::remove(f, fec);
  }
  for (const auto& c : registry->snapshot()) c->stop();
  log->info("{} listener stopped", options.name);
  if (registry->size() == 0) return;
  // The registry's on_empty cancels this wait once the last connection has closed.
  grace_timer.expires_after(options.stop_grace);
  grace_timer.async_wait([self = shared_from_this()](error_code ec) {
    if (ec) return;
    for (const auto& c : self->registry->snapshot()) c->close();
  });
}

listener::listener(asio::any_io_executor executor, listener_options options,
                   std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(options), std::move(log))) {
  // The last connection gone after stop(): the grace timer has nothing left to cut.
  impl_->registry->on_empty([weak = std::weak_ptr<impl>(impl_)] {
    auto self = weak.lock();
    if (!self) return;
    asio::post(self->control, [self] {
      if (self->stopped) self->grace_timer.cancel();
    });
  });
}

listener::~listener() = default;

void listener::listen_unix(const unix_socket_spec& spec, accept_handler<unix_socket> on_accept) {
  auto& i = *impl_;
  i.remove_stale_socket(spec.path);
  auto b = std::make_shared<bound<unix_protocol>>(i.control, std::move(on_accept));
  const unix_protocol::endpoint endpoint(spec.path);
  b->acceptor.open(endpoint.protocol());
  b->acceptor.bind(endpoint);
  i.files.push_back(spec.path);
  // Group and mode before listen(): until then a connect is refused, so nobody ever gets in
  // under the mode bind() left (umask) or the process's own group.
  if (spec.group && ::chown(spec.path.c_str(), static_cast<uid_t>(-1), *spec.group) != 0) {
    const int err = errno;
    throw std::system_error(err, std::generic_category(),
                            "chown " + spec.path + " to group " + std::to_string(*spec.group) +
                                (err == EPERM ? " (the daemon must be a member of that group)" : ""));
  }
  if (::chmod(spec.path.c_str(), spec.mode) != 0) {
    const int err = errno;
    throw std::system_error(err, std::generic_category(), "chmod " + octal(spec.mode) + " " + spec.path);
  }
  b->acceptor.listen(asio::socket_base::max_listen_connections);
  i.log->info("{} listening on unix:{} (mode {})", i.options.name, spec.path, octal(spec.mode));
  i.spawn_accept_loop<unix_protocol>(std::move(b));
}

std::uint16_t listener::listen_tcp(const listen_address& address, bool loopback_only,
                                   accept_handler<tcp_socket> on_accept) {
  auto& i = *impl_;
  const std::string& name = i.options.name;
  tcp::resolver resolver(i.executor);
  error_code ec;
  const auto results = resolver.resolve(address.host, std::to_string(address.port),
                                        tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec) throw std::system_error(ec, name + " address " + address.to_string());
  if (results.empty())
    throw std::system_error(std::make_error_code(std::errc::address_not_available),
                            name + " address " + address.to_string());
  const tcp::endpoint endpoint = results.begin()->endpoint();
  if (loopback_only && !endpoint.address().is_loopback())
    throw std::runtime_error(name + " address " + address.to_string() + " is not a loopback address");
  auto b = std::make_shared<bound<tcp>>(i.control, std::move(on_accept));
  b->acceptor.open(endpoint.protocol());
  b->acceptor.set_option(asio::socket_base::reuse_address(true));
  b->acceptor.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "bind " + name + " address " + address.to_string());
  b->acceptor.listen(asio::socket_base::max_listen_connections);
  const std::uint16_t port = b->acceptor.local_endpoint().port();
  i.log->info("{} listening on {}:{}", name, endpoint.address().to_string(), port);
  i.spawn_accept_loop<tcp>(std::move(b));
  return port;
}

void listener::stop() {
  asio::post(impl_->control, [self = impl_] { self->do_stop(); });
}

std::size_t listener::connection_count() const { return impl_->registry->size(); }

}  // namespace smm::daemon::net
