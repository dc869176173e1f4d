#include "daemon/panel/panel_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "daemon/panel/panel_session.hpp"

namespace smm::daemon::panel {

namespace asio = boost::asio;
using boost::system::error_code;
using stream_protocol = asio::local::stream_protocol;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

std::shared_ptr<spdlog::logger> panel_logger() {
  if (auto l = spdlog::get("panel")) return l;
  auto base = spdlog::default_logger();
  auto l = std::make_shared<spdlog::logger>("panel", base->sinks().begin(), base->sinks().end());
  l->set_level(base->level());
  try {
    spdlog::register_logger(l);
  } catch (const spdlog::spdlog_ex&) {
    if (auto existing = spdlog::get("panel")) return existing;  // another thread registered it first
  }
  return l;
}

}  // namespace

struct panel_listener::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor ex, std::string p, order_service& s, panel_limits l, reload_hook reload)
      : executor(std::move(ex)),
        path(std::move(p)),
        service(s),
        limits(l),
        acceptor(asio::make_strand(executor)),
        retry_timer(acceptor.get_executor()),
        registry(std::make_shared<session_registry>()),
        log(panel_logger()),
        hooks(std::make_shared<admin_hooks>(admin_hooks{std::move(reload), std::chrono::steady_clock::now()})) {}

  asio::any_io_executor executor;
  std::string path;
  order_service& service;
  panel_limits limits;
  stream_protocol::acceptor acceptor;  // on its own strand; stop() posts there
  asio::steady_timer retry_timer;
  std::shared_ptr<session_registry> registry;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<const admin_hooks> hooks;
  bool bound = false;   // we created the socket file (so we remove it)
  bool stopped = false;

  void remove_stale_socket();
  asio::awaitable<void> accept_loop();
  void do_stop();
};

void panel_listener::impl::remove_stale_socket() {
  namespace fs = std::filesystem;
  std::error_code fec;
  const auto st = fs::symlink_status(path, fec);
  if (fec || !fs::exists(st)) return;
  if (!fs::is_socket(st))
    throw std::runtime_error("panel socket path " + path + " exists and is not a socket; refusing to replace it");
  // A socket file: is anyone behind it? A live daemon accepts; a stale file refuses.
  stream_protocol::socket probe(executor);
  error_code ec;
  probe.connect(stream_protocol::endpoint(path), ec);
  if (!ec) throw std::runtime_error("another process is listening on the panel socket " + path);
  if (ec != asio::error::connection_refused && ec != asio::error::not_found &&
      ec != boost::system::errc::no_such_file_or_directory)
    throw std::runtime_error("cannot check the panel socket " + path + ": " + ec.message());
  fs::remove(path, fec);
  if (fec) throw std::runtime_error("cannot remove the stale panel socket " + path + ": " + fec.message());
  log->info("removed a stale panel socket file {}", path);
}

asio::awaitable<void> panel_listener::impl::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    // A named strand: GCC 12 destroys a temporary of a co_await expression twice, and this
    // one holds a reference-counted executor (found by valgrind in the API v2 server).
    const auto strand = asio::make_strand(executor);
    auto [ec, socket] = co_await acceptor.async_accept(strand, tuple_awaitable);
    if (stopped || !acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors and the like: back off a little instead of spinning.
      log->warn("panel accept failed: {}", ec.message());
      retry_timer.expires_after(std::chrono::milliseconds(100));
      co_await retry_timer.async_wait(tuple_awaitable);
      continue;
    }
    auto session = std::make_shared<panel_session>(panel_session::socket_type(std::move(socket)), service, limits,
                                                   registry, log, hooks);
    registry->add(session);
    session->start();
  }
}

void panel_listener::impl::do_stop() {
  if (stopped) return;
  stopped = true;
  error_code ignored;
  acceptor.close(ignored);
  retry_timer.cancel();
  if (bound) {
    std::error_code fec;
    std::filesystem::remove(path, fec);
  }
  for (const auto& s : registry->snapshot()) s->stop();
  log->info("panel socket {} stopped", path);
}

panel_listener::panel_listener(asio::any_io_executor executor, std::string path, order_service& service,
                               panel_limits limits, reload_hook reload)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(path), service, limits, std::move(reload))) {}

panel_listener::~panel_listener() = default;

void panel_listener::start() {
  auto& i = *impl_;
  i.remove_stale_socket();
  const stream_protocol::endpoint endpoint(i.path);
  i.acceptor.open(endpoint.protocol());
  i.acceptor.bind(endpoint);
  i.bound = true;
  if (::chmod(i.path.c_str(), 0660) != 0) {
    const int err = errno;
    throw std::system_error(err, std::generic_category(), "chmod 0660 " + i.path);
  }
  i.acceptor.listen(asio::socket_base::max_listen_connections);
  i.log->info("panel socket listening on {}", i.path);
  asio::co_spawn(i.acceptor.get_executor(), [self = impl_] { return self->accept_loop(); },
                 [log = i.log](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     log->error("panel accept loop failed: {}", ex.what());
                   }
                 });
}

void panel_listener::stop() {
  asio::post(impl_->acceptor.get_executor(), [self = impl_] { self->do_stop(); });
}

std::size_t panel_listener::session_count() const { return impl_->registry->size(); }

}  // namespace smm::daemon::panel
