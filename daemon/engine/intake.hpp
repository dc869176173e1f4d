#pragma once
// Intake: validation (on the caller's thread), idempotency by panel order id, the
// duplicate-link policy, one journal batch per add() call, and the answer after the
// commit that holds the accepted orders. Committed orders go to the dispatcher through
// its lock-free queue straight from the journal's writer thread.
// Thread safety: add() from any thread; the rest runs on the engine's strand.
#include <functional>
#include <memory>
#include <vector>

#include "daemon/engine/engine_context.hpp"
#include "daemon/engine/intake_rules.hpp"
#include "daemon/order_service.hpp"

namespace smm::daemon {

/// Accepts panel orders.
class intake {
 public:
  explicit intake(engine_context& ctx) : ctx_(ctx) {}
  /// See order_service::add.
  void add(std::vector<panel_order> orders, std::function<void(std::vector<add_answer>)> done);

 private:
  struct call;
  void admit(std::shared_ptr<call> c, std::vector<prepared_order> prepared);
  void committed(std::shared_ptr<call> c, std::vector<std::pair<std::size_t, std::int64_t>> placed_at,
                 const store::commit_result& res);
  static void finish(const std::shared_ptr<call>& c);

  engine_context& ctx_;
};

}  // namespace smm::daemon
