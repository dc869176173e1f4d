#pragma once
// The engine: owns orders from intake to their final state. It implements the panel
// contract (daemon/order_service.hpp) on top of the journal (durability), the
// dispatcher (routes and sends adds), the poller (statuses, balances) and the event feed.
//
// Threads: the caller's io_context runs all network I/O (one thread is enough) and the
// engine's strand, which owns the order book; the journal has its own writer thread.
// Accepted orders cross from the writer thread to the dispatcher through a lock-free queue.
//
// Lifetime: construct, start() (recovery), run the io_context, stop() from another thread,
// then destroy. Async work keeps the shared state alive until it completes.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "daemon/engine/engine_options.hpp"
#include "daemon/engine/recovery.hpp"
#include "daemon/order_service.hpp"
#include "store/store.hpp"

namespace smm::daemon {

class engine_context;
class intake;
class order_actions;

/// The order engine.
/// Thread safety: every order_service method, figures() and stop() from any thread;
/// start() once, before or while the io_context runs, never from its thread.
class engine final : public order_service {
 public:
  /// `journal` must outlive the engine (its readers are opened from it).
  /// Creates one API client per configured provider on `io`.
  engine(boost::asio::io_context& io, const config& cfg, store::order_store& journal,
         engine_options opts = {});
  ~engine() override;
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Recovery (sending -> unknown, open orders loaded), then the dispatch and poll loops.
  /// Intake answers `unavailable` until this returns. Throws when the journal fails.
  recovery_report start();
  /// Stops intake (add answers `unavailable`) and new sends; waits up to `grace` for the
  /// adds on the wire to come back and be journaled. True when everything drained.
  /// Call from a thread other than the io_context's while it runs.
  bool stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  /// Each provider client's figures (requests, latency, breaker), by provider name. Any thread.
  std::vector<std::pair<std::string, providers::client_figures>> client_figures() const;

  void add(std::vector<panel_order> orders, std::function<void(std::vector<add_answer>)> done) override;
  void status(std::vector<std::string> panel_order_ids,
              std::function<void(std::vector<lookup_answer>)> done) override;
  void cancel(std::vector<std::string> panel_order_ids,
              std::function<void(std::vector<action_answer>)> done) override;
  void refill(std::string panel_order_id, std::optional<std::int64_t> current_count,
              std::function<void(action_answer)> done) override;
  void refill_status(std::string panel_order_id, std::function<void(action_answer)> done) override;
  void speedup(std::string panel_order_id, std::function<void(action_answer)> done) override;
  void resolve(resolution r, std::function<void(action_answer)> done) override;
  std::unique_ptr<subscription> subscribe(std::int64_t after_seq,
                                          std::function<void(std::vector<event_view>)> on_events) override;
  std::vector<provider_view> providers() override;
  std::vector<service_def> services() override;
  void panel_ids(std::vector<std::int64_t> order_ids,
                 std::function<void(std::vector<std::optional<std::string>>)> done) override;
  /// A snapshot of the counters. Any thread.
  engine_figures figures() const override;
  void list_orders(order_state state, std::int64_t after_id, std::size_t limit,
                   std::function<void(order_page)> done) override;
  void history(std::string panel_order_id, std::function<void(order_history)> done) override;
  bool set_provider_paused(const std::string& name, bool paused, std::string reason) override;

 private:
  std::shared_ptr<engine_context> ctx_;
  std::unique_ptr<intake> intake_;
  std::unique_ptr<order_actions> actions_;
};

}  // namespace smm::daemon
