#pragma once
// The dispatcher: takes committed queued orders from a lock-free queue (bulk dequeue),
// routes each to the first usable provider of its service's route, journals
// `sending(attempt n)` for a batch and only then lets the adds leave, and journals what
// each add came back with. An add whose outcome is unknown is never sent again.
// Thread safety: enqueue() and kick() from any thread; the rest on the engine's strand.
#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <span>
#include <vector>

#include "daemon/engine/engine_context.hpp"

namespace smm::daemon {

/// Routes and sends queued orders.
class dispatcher {
 public:
  explicit dispatcher(engine_context& ctx);

  /// Starts the dispatch loop (strand).
  void start();
  /// Stops sending new adds; adds already on the wire finish and are journaled.
  void stop();
  /// Any thread: hands over orders whose insert (or release) is committed.
  void enqueue(std::span<const std::int64_t> ids);
  /// Strand: one order to dispatch (released from hold, resolved absent).
  void enqueue_local(std::int64_t id);
  /// Any thread: asks for a dispatch pass soon (coalesced).
  void kick();
  /// Adds on the wire now, all providers (strand).
  std::size_t adds_in_flight() const;
  /// Orders waiting for a route or a retry time (strand).
  std::size_t waiting() const { return waiting_.size(); }

 private:
  boost::asio::awaitable<void> loop(std::shared_ptr<engine_context> keep);
  boost::asio::awaitable<void> send(std::shared_ptr<engine_context> keep, std::int64_t id,
                                    std::size_t provider, std::size_t hop);
  /// Journals `sending` for the order (on the engine's strand) once its request is about to
  /// be written; false when it must not leave (canceled, stopping, changed).
  static boost::asio::awaitable<bool> journal_sending(std::shared_ptr<engine_context> keep, std::int64_t id,
                                                      std::size_t provider);
  /// An add refused with an order id beside the error: asks `status` for the id with our key
  /// and turns the result into `placed` (it exists and is no other order of ours), the
  /// refusal (unknown upstream, or another order's id), or `unknown` (no proof either way).
  boost::asio::awaitable<void> check_unconfirmed(std::shared_ptr<engine_context> keep, std::size_t provider,
                                                 providers::call_result<providers::add_result>& res,
                                                 std::string& evidence);
  void pause(std::size_t provider, const std::string& reason, bool key_refused);
  void pass();
  void route(order_record& r);
  void wait(order_record& r, std::int64_t delay_ms);
  /// After any provider resumed, moves the parked orders into `due` (bounded per pass).
  void unpark(std::vector<std::int64_t>& due);
  void launch();
  void on_result(std::int64_t id, std::size_t provider, std::size_t hop,
                 const providers::call_result<providers::add_result>& res, bool journaled,
                 const std::string& evidence);
  void requeue(order_record& r, const order_plan& plan, const order_event& e, plan_detail d);
  void requeue_behind_link(order_record& r, const order_plan& plan, const order_event& e, plan_detail d);

  engine_context& ctx_;
  moodycamel::ConcurrentQueue<std::int64_t> inbox_;
  std::atomic<bool> kicked_{false};
  // Orders waiting for a time (retry, no route, busy), earliest first: a pass touches only
  // the due ones, so a large backlog costs nothing per tick.
  using timed_id = std::pair<std::int64_t, std::int64_t>;  // (not_before_ms, order id)
  std::priority_queue<timed_id, std::vector<timed_id>, std::greater<>> waiting_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  // unpark(): each provider's pause as of the last pass, and how many of its parked orders are
  // still to be routed again since a provider resumed.
  std::vector<bool> was_paused_;
  std::vector<std::size_t> to_release_;
};

}  // namespace smm::daemon
