#include "daemon/panel/panel_session.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "daemon/panel/panel_response.hpp"

namespace smm::daemon::panel {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Ends of a connection that are normal, not worth more than a debug line.
bool expected_end(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

// What one order's add answer takes at most, about (a line of it is some 150 bytes).
constexpr std::size_t answer_bytes_per_order = 256;

// Keeps big one-off buffers from staying allocated on an idle connection.
void release_if_large(std::string& s) {
  if (s.capacity() > (std::size_t{1} << 20)) std::string().swap(s);
}

}  // namespace

// ---- session ----

panel_session::panel_session(socket_type socket, order_service& service, const panel_limits& limits,
                             net::connection_lease lease, std::shared_ptr<spdlog::logger> log,
                             std::shared_ptr<const admin_hooks> hooks,
                             std::shared_ptr<const session_access> access)
    : socket_(std::move(socket)),
      service_(service),
      limits_(limits),
      lease_(std::move(lease)),
      log_(std::move(log)),
      hooks_(hooks ? std::move(hooks) : std::make_shared<const admin_hooks>()),
      access_(access ? std::move(access) : std::make_shared<const session_access>()),
      identity_(access_->hello),
      wake_(socket_.get_executor()),
      partial_timer_(socket_.get_executor()),
      close_timer_(socket_.get_executor()) {}

void panel_session::start() {
  auto self = shared_from_this();
  asio::co_spawn(
      socket_.get_executor(), [self] { return self->read_loop(); },
      [self](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          self->log_->error("panel session failed: {}", ex.what());
        } catch (...) {
          self->log_->error("panel session failed: unknown exception");
        }
        self->close_now("internal error");
      });
}

void panel_session::stop() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->begin_stop(); });
}

void panel_session::close() {
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->close_now("stop grace period over"); });
}

const std::string& panel_session::peer() {
  if (peer_.empty()) {
    // The credentials the peer had when it connected, as the kernel recorded them.
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
      peer_ = "uid " + std::to_string(cred.uid) + " pid " + std::to_string(cred.pid);
    else
      peer_ = "uid ? pid ?";
  }
  return peer_;
}

template <class Fn>
void panel_session::post_contained(Fn&& fn) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), fn = std::forward<Fn>(fn)]() mutable {
    if (self->closed_) return;
    try {
      fn(*self);
    } catch (const std::exception& ex) {
      self->log_->error("panel session failed: {}", ex.what());
      self->close_now("internal error");
    }
  });
}

asio::awaitable<void> panel_session::read_loop() {
  while (!stopping_ && !closed_ && !failing_) {
    // Back-pressure: the client reads its answers slower than it sends requests, or sends
    // them faster than the engine takes them; the kernel holds the rest meanwhile.
    while (reading_paused() && !stopping_ && !closed_ && !failing_) {
      // Our pause, not the client's slowness: a half line's clock stops meanwhile.
      if (partial_armed_) {
        partial_armed_ = false;
        partial_timer_.cancel();
      }
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(tuple_awaitable);
    }
    if (stopping_ || closed_ || failing_) break;
    update_partial_timer(false);  // a half line left from before a pause: its clock starts again
    // in_ holds at most max_line_bytes here (handle_input cuts longer), so room >= 1; the
    // cap of max_line_bytes + 1 unterminated bytes is what detects a too-large line.
    const std::size_t room = std::min(limits_.read_chunk_bytes, limits_.max_line_bytes + 1 - in_.size());
    // Read into a buffer of its own and append what came: growing in_ by `room` first would
    // zero-fill up to a whole chunk on every read.
    if (!chunk_) chunk_ = std::make_unique<char[]>(limits_.read_chunk_bytes);
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(chunk_.get(), room), asio::bind_cancellation_slot(read_cancel_.slot(), tuple_awaitable));
    in_.append(chunk_.get(), n);
    if (ec) {
      if (!expected_end(ec)) log_->warn("panel read failed: {}", ec.message());
      break;
    }
    handle_input();
  }
  // A half line at the end of input is no request: drop it.
  if (!in_.empty()) log_->debug("panel client ended with {} bytes of an unfinished line", in_.size());
  in_.clear();
  std::string().swap(in_);
  chunk_.reset();
  input_done_ = true;
  partial_armed_ = false;
  partial_timer_.cancel();
  // The peer is gone (or we stop): no more events for it.
  cancel_subscription();
  maybe_close();
}

void panel_session::handle_input() {
  const char* data = in_.data();
  std::size_t pos = 0;
  const std::size_t size = in_.size();
  bool consumed_line = false;
  if (discarding_) {
    const void* nl = std::memchr(data, '\n', size);
    if (!nl) {
      in_.clear();
      update_partial_timer(false);
      return;
    }
    pos = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
    discarding_ = false;
    consumed_line = true;
  }
  while (pos < size && !failing_ && !closed_) {
    const void* nl = std::memchr(data + pos, '\n', size - pos);
    if (!nl) break;
    const auto end = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
    accept_line(std::string_view(data + pos, end - pos));
    pos = end + 1;
    consumed_line = true;
  }
  if (failing_ || closed_) return;  // an answer went over the output cap: nothing more is read
  if (size - pos > limits_.max_line_bytes) {
    // Answer now, then skip the rest of the line whenever it comes; the connection stays.
    std::string text;
    write_error(text, {}, failure_code::too_large,
                "request line is over the " + std::to_string(limits_.max_line_bytes) + "-byte limit");
    complete(new_slot(), std::move(text));
    log_->warn("panel request line over {} bytes: discarded", limits_.max_line_bytes);
    if (failing_ || closed_) return;
    in_.clear();
    discarding_ = true;
  } else {
    in_.erase(0, pos);
  }
  update_partial_timer(consumed_line);
  pump();
}

void panel_session::accept_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;  // blank lines are keep-alives, not requests
  parse_result r = parse_request(line, limits_.max_line_bytes);
  const std::uint64_t slot = new_slot();
  if (!r) {
    std::string text;
    write_error(text, r.id_json, r.code, r.message);
    complete(slot, std::move(text));
    return;
  }
  if (!admitted(*r.req, slot, r.id_json)) return;
  if (r.req->kind == op::ping) {
    std::string text;
    write_pong(text, r.id_json);
    complete(slot, std::move(text));
    return;
  }
  // Identity takes effect in line order: a hello applies to the lines after it.
  if (r.req->kind == op::hello) {
    say_hello(*r.req, slot, r.id_json);
    return;
  }
  if (auto refused = identity_.admit(*r.req)) {
    if (!hello_required_logged_) {  // once per connection, as for forbidden ops
      hello_required_logged_ = true;
      log_->warn("{}: op {} refused: no hello on this connection", peer(), to_string(r.req->kind));
    }
    std::string text;
    write_error(text, r.id_json, refused->code, refused->message);
    complete(slot, std::move(text));
    return;
  }
  waiting_.push_back(pending{slot, std::move(r.id_json), std::move(*r.req), line.size()});
  waiting_bytes_ += line.size();
}

void panel_session::say_hello(const request& req, std::uint64_t slot, const std::string& id_json) {
  // The gate counts wrong keys per client: the peer's uid, as on the API v2 unix socket, so a
  // key search spread over both faces is counted once. Without credentials all such peers
  // share one count (API v2 says "uid:?" too).
  ucred cred{};
  socklen_t len = sizeof cred;
  const bool known = ::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0;
  const hello_result r = identity_.hello(req, known ? gate_client(cred.uid) : std::string("uid:?"));
  std::string text;
  if (!r.error) {
    log_->info("{}: hello as panel \"{}\"", peer(), r.panel);
    write_hello(text, id_json, r.panel);
    complete(slot, std::move(text));
    return;
  }
  // Never the key, not even a part of it.
  if (r.outcome == hello_outcome::wrong_key)
    log_->warn("{}: hello with an invalid panel key", peer());
  else if (r.outcome == hello_outcome::throttled)
    log_->warn("{}: hello refused: too many wrong panel keys from this client", peer());
  else
    log_->debug("{}: second hello on one connection refused", peer());
  write_error(text, id_json, r.error->code, r.error->message);
  if (r.delay.count() <= 0) {
    complete(slot, std::move(text));
    return;
  }
  // A key search is slowed down: the answer waits (the lines after it are read and answered
  // meanwhile, in order behind it).
  auto timer = std::make_shared<asio::steady_timer>(socket_.get_executor(), r.delay);
  timer->async_wait([self = shared_from_this(), timer, slot, text = std::move(text)](
                        const error_code&) mutable { self->complete(slot, std::move(text)); });
}

bool panel_session::admitted(const request& req, std::uint64_t slot, const std::string& id_json) {
  const socket_role role = access_->role;
  if (!serves(role, req.kind)) {
    // Once per connection: a panel probing admin ops is worth a line, not a flood of them.
    if (!forbidden_logged_) {
      forbidden_logged_ = true;
      log_->warn("{}: op {} refused on the {} socket (served on the other one)", peer(), to_string(req.kind),
                 to_string(role));
    }
    std::string text;
    write_error(text, id_json, failure_code::forbidden,
                forbidden_message(role, req.kind, access_->other_socket));
    complete(slot, std::move(text));
    return false;
  }
  // The audit trail of the admin socket: who (uid, pid), what, on which order or provider.
  if (role == socket_role::admin && req.kind != op::ping) {
    const std::string subject = audit_subject(req);
    log_->info("{}: {}{}{}", peer(), to_string(req.kind), subject.empty() ? "" : " ", subject);
  }
  return true;
}

void panel_session::pump() {
  // While the client leaves its answers unread, no request starts: the answers of those
  // already started are all that can still pile up.
  while (!engine_busy_ && !waiting_.empty() && !closed_ && !failing_ && !output_backed_up()) {
    if (waiting_.front().req.kind == op::add) {
      dispatch_add();
    } else {
      pending p = std::move(waiting_.front());
      waiting_.pop_front();
      waiting_bytes_ -= p.bytes;
      dispatch_one(std::move(p));
    }
  }
  if (!reading_paused()) wake_.cancel();
}

void panel_session::dispatch_add() {
  // Merge the run of consecutive adds at the front into one engine call (one commit). Its
  // answers (about answer_bytes_per_order each) stay under the output pause threshold, so a
  // client that reads its answers never meets the output cap however small it is set.
  const std::size_t max_orders = std::clamp<std::size_t>(
      limits_.max_output_bytes / 4 / answer_bytes_per_order, 1, limits_.max_batch_orders);
  std::vector<panel_order> orders;
  std::vector<add_part> parts;
  while (!waiting_.empty() && waiting_.front().req.kind == op::add) {
    pending& p = waiting_.front();
    if (!orders.empty() && orders.size() + p.req.orders.size() > max_orders) break;
    parts.push_back(add_part{p.slot, std::move(p.id_json), p.req.single, p.req.orders.size()});
    std::move(p.req.orders.begin(), p.req.orders.end(), std::back_inserter(orders));
    waiting_bytes_ -= p.bytes;
    waiting_.pop_front();
  }
  engine_busy_ = true;
  try {
    service_.add(std::move(orders), [self = shared_from_this(), parts](std::vector<add_answer> answers) {
      self->post_contained([parts, answers = std::move(answers)](panel_session& s) mutable {
        s.on_add_answers(parts, std::move(answers));
      });
    });
  } catch (const std::exception& ex) {
    log_->error("engine add failed: {}", ex.what());
    for (const auto& part : parts) {
      std::string text;
      write_error(text, part.id_json, failure_code::internal, "the engine failed; nothing was stored");
      complete(part.slot, std::move(text));
    }
    engine_busy_ = false;
  }
}

void panel_session::on_add_answers(const std::vector<add_part>& parts, std::vector<add_answer> answers) {
  engine_busy_ = false;
  if (const auto* scope = identity_.scope()) to_panel_ids(std::span<add_answer>(answers), *scope);
  std::size_t at = 0;
  for (const auto& part : parts) {
    std::string text;
    if (at + part.count > answers.size()) {
      // The engine owes one answer per order; say so instead of guessing.
      log_->error("engine answered {} of the orders, expected more", answers.size());
      write_error(text, part.id_json, failure_code::internal, "the engine returned too few answers");
    } else {
      write_add(text, part.id_json, part.single,
                std::span<const add_answer>(answers.data() + at, part.count));
    }
    at += part.count;
    complete(part.slot, std::move(text));
  }
  pump();
  maybe_close();
}

void panel_session::dispatch_one(pending p) {
  const std::uint64_t slot = p.slot;
  std::string text;
  auto self = shared_from_this();
  // Actions on one order answer with one action_answer; all finish the same way.
  auto action_done = [self, slot, id = p.id_json](action_answer a) {
    self->post_contained([slot, id, a = std::move(a)](panel_session& s) mutable {
      if (const auto* scope = s.identity_.scope()) to_panel_ids(std::span<action_answer>(&a, 1), *scope);
      std::string out;
      write_actions(out, id, true, std::span<const action_answer>(&a, 1));
      s.engine_busy_ = false;
      s.complete(slot, std::move(out));
      s.pump();
      s.maybe_close();
    });
  };
  try {
    switch (p.req.kind) {
      case op::status:
        engine_busy_ = true;
        service_.status(std::move(p.req.ids), [self, slot, id = p.id_json,
                                               single = p.req.single](std::vector<lookup_answer> answers) {
          self->post_contained([slot, id, single, answers = std::move(answers)](panel_session& s) mutable {
            if (const auto* scope = s.identity_.scope())
              to_panel_ids(std::span<lookup_answer>(answers), *scope);
            std::string out;
            write_status(out, id, single, answers);
            s.engine_busy_ = false;
            s.complete(slot, std::move(out));
            s.pump();
            s.maybe_close();
          });
        });
        return;
      case op::cancel:
        engine_busy_ = true;
        service_.cancel(std::move(p.req.ids), [self, slot, id = p.id_json,
                                               single = p.req.single](std::vector<action_answer> answers) {
          self->post_contained([slot, id, single, answers = std::move(answers)](panel_session& s) mutable {
            if (const auto* scope = s.identity_.scope())
              to_panel_ids(std::span<action_answer>(answers), *scope);
            std::string out;
            write_actions(out, id, single, answers);
            s.engine_busy_ = false;
            s.complete(slot, std::move(out));
            s.pump();
            s.maybe_close();
          });
        });
        return;
      case op::refill:
        engine_busy_ = true;
        service_.refill(std::move(p.req.ids.at(0)), p.req.current_count, action_done);
        return;
      case op::refill_status:
        engine_busy_ = true;
        service_.refill_status(std::move(p.req.ids.at(0)), action_done);
        return;
      case op::speedup:
        engine_busy_ = true;
        service_.speedup(std::move(p.req.ids.at(0)), action_done);
        return;
      case op::resolve:
        engine_busy_ = true;
        service_.resolve(resolution{std::move(p.req.ids.at(0)), p.req.placed,
                                    std::move(p.req.provider_order_id), p.req.canceled},
                         action_done);
        return;
      case op::subscribe: {
        if (sub_) {
          write_error(text, p.id_json, failure_code::conflict,
                      "already subscribed on this connection; unsubscribe first");
          break;
        }
        if (stopping_) {
          write_error(text, p.id_json, failure_code::unavailable, "the daemon is stopping");
          break;
        }
        // The answer is queued before any event can arrive: events are posted to this strand.
        write_subscribed(text, p.id_json, p.req.after_seq);
        complete(slot, std::move(text));
        const std::uint64_t gen = ++sub_gen_;
        std::weak_ptr<panel_session> weak = self;
        auto executor = socket_.get_executor();
        sub_ = service_.subscribe(p.req.after_seq, [weak, executor, gen](std::vector<event_view> events) {
          asio::post(executor, [weak, gen, events = std::move(events)] {
            auto s = weak.lock();
            if (!s || s->closed_ || !s->sub_ || s->sub_gen_ != gen) return;
            std::string out;
            // An identified connection hears only of its panel's orders, in its own ids.
            if (const auto* scope = s->identity_.scope())
              write_events(out, own_events(events, *scope));
            else
              write_events(out, events);
            if (out.empty()) return;
            s->push_events(std::move(out));
          });
        });
        return;
      }
      case op::unsubscribe: {
        const bool was = sub_ != nullptr;
        cancel_subscription();
        write_unsubscribed(text, p.id_json, was);
        break;
      }
      case op::services: {
        const auto services = service_.services();
        write_services(text, p.id_json, services);
        break;
      }
      case op::providers: {
        const auto providers = service_.providers();
        write_providers(text, p.id_json, providers);
        break;
      }
      case op::overview:
      case op::orders:
      case op::history:
      case op::pause:
      case op::resume:
      case op::reload:
        if (dispatch_admin(p, text)) return;
        break;
      case op::add:
      case op::ping:
      case op::hello:
        break;  // handled before dispatch
    }
  } catch (const std::exception& ex) {
    log_->error("engine call {} failed: {}", to_string(p.req.kind), ex.what());
    engine_busy_ = false;
    text.clear();
    write_error(text, p.id_json, failure_code::internal, "the engine failed to answer");
  }
  complete(slot, std::move(text));
}

bool panel_session::dispatch_admin(pending& p, std::string& text) {
  const std::uint64_t slot = p.slot;
  auto self = shared_from_this();
  switch (p.req.kind) {
    case op::overview: {
      const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                           hooks_->started);
      write_overview(text, p.id_json, service_.figures(), SMM_VERSION, uptime.count());
      return false;
    }
    case op::orders:
      engine_busy_ = true;
      service_.list_orders(
          p.req.state, p.req.after_id, p.req.limit,
          [self, slot, id = p.id_json, state = p.req.state](order_page page) {
            self->post_contained([slot, id, state, page = std::move(page)](panel_session& s) {
              std::string out;
              write_order_page(out, id, state, page);
              s.engine_busy_ = false;
              s.complete(slot, std::move(out));
              s.pump();
              s.maybe_close();
            });
          });
      return true;
    case op::history:
      engine_busy_ = true;
      service_.history(std::move(p.req.ids.at(0)), [self, slot, id = p.id_json](order_history h) {
        self->post_contained([slot, id, h = std::move(h)](panel_session& s) {
          std::string out;
          write_history(out, id, h);
          s.engine_busy_ = false;
          s.complete(slot, std::move(out));
          s.pump();
          s.maybe_close();
        });
      });
      return true;
    case op::pause:
    case op::resume: {
      const bool pause = p.req.kind == op::pause;
      if (!service_.set_provider_paused(p.req.provider, pause, p.req.reason)) {
        write_error(text, p.id_json, failure_code::not_found, "no provider named \"" + p.req.provider + "\"");
        return false;
      }
      write_paused(text, p.id_json, p.req.provider, pause, p.req.reason);
      return false;
    }
    case op::reload: {
      if (!hooks_->reload) {
        write_error(text, p.id_json, failure_code::not_supported, "reload not available");
        return false;
      }
      const reload_outcome r = hooks_->reload();
      if (r.ok)
        write_reloaded(text, p.id_json, r.message);
      else
        write_error(text, p.id_json, failure_code::invalid, r.message);
      return false;
    }
    default:
      return false;
  }
}

std::uint64_t panel_session::new_slot() {
  slots_.emplace_back();
  return slot_base_ + slots_.size() - 1;
}

void panel_session::complete(std::uint64_t slot, std::string text) {
  // Failing: the slots are gone, and so are the answers still owed to them.
  if (closed_ || failing_ || slot < slot_base_) return;
  slot_bytes_ += text.size();
  slots_[slot - slot_base_] = std::move(text);
  flush();
}

void panel_session::push_events(std::string text) {
  if (failing_) return;
  if (slots_.empty()) {
    out_pending_ += text;
  } else {
    slot_bytes_ += text.size();
    slots_.emplace_back(std::move(text));  // after every answer already owed
  }
  flush();
}

void panel_session::flush() {
  while (!slots_.empty() && slots_.front()) {
    slot_bytes_ -= slots_.front()->size();
    out_pending_ += *slots_.front();
    slots_.pop_front();
    ++slot_base_;
  }
  if (queued_bytes() > limits_.max_output_bytes) {
    // A client that never reads (a subscriber, most often) must not grow our memory.
    fail(failure_code::output_limit,
         "more than " + std::to_string(limits_.max_output_bytes) +
             " bytes of answers and events not taken by the client (panel_limits.max_output_bytes): "
             "closing the connection" +
             (sub_ ? "; subscribe again with after_seq to resume" : ""),
         true);
    return;
  }
  start_write();
}

void panel_session::start_write() {
  if (writing_ || out_pending_.empty() || closed_) return;
  out_writing_.swap(out_pending_);
  out_pending_.clear();
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_writing_),
                    [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_written(ec); });
}

void panel_session::on_written(const error_code& ec) {
  writing_ = false;
  out_writing_.clear();
  release_if_large(out_writing_);
  if (closed_) return;
  if (ec) {
    if (!expected_end(ec)) log_->warn("panel write failed: {}", ec.message());
    close_now("write failed");
    return;
  }
  start_write();
  if (failing_ && !writing_) {
    close_now("closed after its error line");
    return;
  }
  pump();  // requests held back while the output was backed up
  if (!reading_paused()) wake_.cancel();
  maybe_close();
}

bool panel_session::reading_paused() const {
  if (output_backed_up() || slots_.size() > limits_.max_pending_requests) return true;
  // The engine is behind this client: read again once it has taken some. Only with requests
  // waiting, so a half line alone (at most max_line_bytes) can always be completed.
  return !waiting_.empty() && waiting_bytes_ + in_.size() >= limits_.max_input_bytes;
}

void panel_session::update_partial_timer(bool consumed_line) {
  // The clock runs from when the current half line began: a completed line restarts it.
  if (consumed_line && partial_armed_) {
    partial_armed_ = false;
    partial_timer_.cancel();
  }
  const bool partial = !in_.empty() || discarding_;
  if (!partial) {
    if (partial_armed_) {
      partial_armed_ = false;
      partial_timer_.cancel();
    }
    return;
  }
  if (partial_armed_) return;
  partial_armed_ = true;
  const std::uint64_t gen = ++partial_gen_;
  partial_timer_.expires_after(limits_.partial_line_timeout);
  partial_timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
    if (ec || self->closed_ || !self->partial_armed_ || self->partial_gen_ != gen) return;
    self->fail(failure_code::timeout,
               "request line not finished within " +
                   std::to_string(self->limits_.partial_line_timeout.count()) +
                   " ms (panel_limits.partial_line_timeout_ms): closing the connection",
               false);
  });
}

void panel_session::fail(failure_code code, std::string message, bool drop_output) {
  if (closed_ || failing_) return;
  failing_ = true;
  if (access_->closes)
    access_->closes->count(code == failure_code::timeout ? panel_close::timeout : panel_close::output_limit);
  log_->warn("{} client {}: {}", to_string(access_->role), peer(), message);
  cancel_subscription();
  read_cancel_.emit(asio::cancellation_type::terminal);
  wake_.cancel();
  partial_armed_ = false;
  partial_timer_.cancel();
  // Requests read but not started were never acknowledged: dropped. Answers of an engine call
  // in flight are dropped when they come (complete() ignores them from now on).
  waiting_.clear();
  waiting_bytes_ = 0;
  slots_.clear();
  slot_bytes_ = 0;
  if (drop_output) std::string().swap(out_pending_);
  write_error(out_pending_, {}, code, message);
  start_write();
  // A client that does not read gets its error line only this long; then the socket closes.
  close_timer_.expires_after(limits_.stop_grace);
  close_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->close_now("its error line was not taken in time");
  });
}

void panel_session::begin_stop() {
  if (stopping_ || closed_) return;
  stopping_ = true;
  cancel_subscription();
  read_cancel_.emit(asio::cancellation_type::terminal);
  wake_.cancel();
  // Answers still owed are written until the listener's grace period ends (close()).
  maybe_close();
}

void panel_session::cancel_subscription() {
  if (!sub_) return;
  ++sub_gen_;
  sub_->cancel();
  sub_.reset();
}

void panel_session::maybe_close() {
  if (closed_ || !input_done_) return;
  if (waiting_.empty() && !engine_busy_ && slots_.empty() && !writing_ && out_pending_.empty())
    close_now("done");
}

void panel_session::close_now(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  log_->debug("panel connection closed: {}", why);
  cancel_subscription();
  error_code ignored;
  socket_.shutdown(socket_type::shutdown_both, ignored);
  socket_.close(ignored);
  wake_.cancel();
  partial_timer_.cancel();
  close_timer_.cancel();
  waiting_.clear();
  waiting_bytes_ = 0;
  slots_.clear();
  slot_bytes_ = 0;
  std::string().swap(out_pending_);
  std::string().swap(in_);
  lease_.release();
}

}  // namespace smm::daemon::panel
