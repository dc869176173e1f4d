#pragma once
// One panel connection: reads NDJSON request lines, hands them to the engine in order (runs
// of consecutive adds merged into one engine call), and writes the answers back in request
// order, one write per batch. After a subscribe, events are pushed on the same connection.
// Internal to smm_panel_socket (the listener creates sessions).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/net/connection_registry.hpp"
#include "daemon/order_service.hpp"
#include "daemon/panel/admin_hooks.hpp"
#include "daemon/panel/op_access.hpp"
#include "daemon/panel/panel_close_figures.hpp"
#include "daemon/panel/panel_identity.hpp"
#include "daemon/panel/panel_limits.hpp"
#include "daemon/panel/panel_protocol.hpp"

namespace spdlog {
class logger;
}

namespace smm::daemon::panel {

/// The socket a session belongs to; shared by the sessions of one listener.
struct session_access {
  socket_role role = socket_role::panel;
  std::string other_socket;  ///< the path named in `forbidden` answers
  /// The panel socket's hello rules (keys shared with API v2); null: no hello (the admin socket).
  std::shared_ptr<hello_policy> hello;
  /// Closes on a per-connection limit, counted for the metrics; null: not counted.
  std::shared_ptr<panel_close_counters> closes;
};

/// One client connection. Thread safety: everything runs on the socket's strand; stop(),
/// close() and the engine's callbacks post onto it.
class panel_session : public net::connection, public std::enable_shared_from_this<panel_session> {
 public:
  using socket_type = boost::asio::local::stream_protocol::socket;

  /// `socket`'s executor must be a strand (the listener accepts onto a new one per client).
  /// `lease` is the session's place in its listener's registry, given up when it closes.
  /// On the admin socket every request is logged with the peer's credentials (SO_PEERCRED).
  panel_session(socket_type socket, order_service& service, const panel_limits& limits,
                net::connection_lease lease, std::shared_ptr<spdlog::logger> log,
                std::shared_ptr<const admin_hooks> hooks, std::shared_ptr<const session_access> access);

  /// Starts reading. Call once.
  void start();
  /// Graceful stop: no more reads or events; in-flight answers are written until the listener
  /// closes the connection (its stop grace), or at once when none is owed. Any thread.
  void stop() override;
  /// Closes the connection now. Any thread.
  void close() override;

 private:
  // A parsed request waiting for its turn at the engine.
  struct pending {
    std::uint64_t slot = 0;
    std::string id_json;
    request req;
    std::size_t bytes = 0;  // the request line's length, counted in waiting_bytes_
  };
  // The slice of a merged add call that belongs to one request line.
  struct add_part {
    std::uint64_t slot = 0;
    std::string id_json;
    bool single = false;
    std::size_t count = 0;
  };

  boost::asio::awaitable<void> read_loop();
  void handle_input();
  void accept_line(std::string_view line);
  /// Whether this socket serves `req`; if not, answers `forbidden` in `slot`. Logs every
  /// request on the admin socket (op, what it names, peer uid and pid).
  bool admitted(const request& req, std::uint64_t slot, const std::string& id_json);
  /// hello: checks the key (the shared gate) and answers in `slot`, a wrong key only after the
  /// gate's delay. Logs the outcome with the peer's credentials, never the key.
  void say_hello(const request& req, std::uint64_t slot, const std::string& id_json);
  void pump();
  void dispatch_add();
  void dispatch_one(pending p);
  /// The admin ops (overview, orders, history, pause, resume, reload); true when the answer
  /// comes later (an engine callback), false when `text` holds it.
  bool dispatch_admin(pending& p, std::string& text);
  void on_add_answers(const std::vector<add_part>& parts, std::vector<add_answer> answers);

  std::uint64_t new_slot();
  void complete(std::uint64_t slot, std::string text);
  void push_events(std::string text);
  void flush();
  void start_write();
  void on_written(const boost::system::error_code& ec);

  bool reading_paused() const;
  /// Output not yet taken by the client: answers and events written, queued, or waiting
  /// behind an earlier request's answer.
  std::size_t queued_bytes() const { return out_pending_.size() + out_writing_.size() + slot_bytes_; }
  /// Above a quarter of the output cap no request starts and nothing is read.
  bool output_backed_up() const { return queued_bytes() > limits_.max_output_bytes / 4; }
  /// Ends the connection over a per-connection limit: nothing more is read, started or
  /// streamed; one error line (`code`, `message`) goes after the write in progress (after
  /// the answers already queued, unless `drop_output`), then the connection closes, at the
  /// latest after limits_.stop_grace.
  void fail(failure_code code, std::string message, bool drop_output);
  void update_partial_timer(bool consumed_line);
  void begin_stop();
  const std::string& peer();
  void cancel_subscription();
  void maybe_close();
  void close_now(std::string_view why);
  /// Runs `fn` on this session's strand, containing any exception to this session.
  template <class Fn>
  void post_contained(Fn&& fn);

  socket_type socket_;
  order_service& service_;
  panel_limits limits_;
  net::connection_lease lease_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<const admin_hooks> hooks_;
  std::shared_ptr<const session_access> access_;
  panel_identity identity_;  // which panel this connection speaks for, after a hello
  bool hello_required_logged_ = false;
  std::string peer_;  // "uid 1000 pid 4242" (SO_PEERCRED), read once when first needed
  bool forbidden_logged_ = false;

  std::string in_;                 // bytes read, not yet a complete line (after handle_input)
  std::unique_ptr<char[]> chunk_;  // one read; allocated at the first read, freed at the end
  bool discarding_ = false;        // skipping the rest of a too-large line
  boost::asio::cancellation_signal read_cancel_;
  boost::asio::steady_timer wake_;  // the reader waits here while output is backed up
  boost::asio::steady_timer partial_timer_;
  bool partial_armed_ = false;
  std::uint64_t partial_gen_ = 0;

  std::deque<pending> waiting_;    // parsed, in order, not yet given to the engine
  std::size_t waiting_bytes_ = 0;  // their request lines' bytes
  bool engine_busy_ = false;       // one engine call at a time keeps requests in order

  // Answers in request order: slot n is slots_[n - slot_base_]; empty until answered.
  std::deque<std::optional<std::string>> slots_;
  std::uint64_t slot_base_ = 0;
  std::size_t slot_bytes_ = 0;  // bytes of the answers and events in slots_
  std::string out_pending_;     // answered, in order, not yet handed to a write
  std::string out_writing_;     // the bytes of the write in progress
  bool writing_ = false;

  std::unique_ptr<subscription> sub_;
  std::uint64_t sub_gen_ = 0;  // events of an older subscription are dropped

  bool input_done_ = false;
  bool failing_ = false;                   // fail(): only its error line is still to be written
  boost::asio::steady_timer close_timer_;  // bounds how long that line may take
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace smm::daemon::panel
