#pragma once
// What a panel may do with an order after intake: look it up, cancel it, ask for a
// refill or a speed-up, and what an operator does with an `unknown` one (resolve).
// Thread safety: public calls from any thread; work and callbacks on the engine's strand.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/engine/engine_context.hpp"
#include "daemon/order_service.hpp"

namespace smm::daemon {

/// The panel's view of a record (refill and speed-up eligibility computed now). `row`: its journal
/// row when the caller has read it (the link of a placed order is read from it, else from the
/// journal).
order_view make_view(engine_context& ctx, order_record& r, const store::order_row* row = nullptr);

/// Lookups and actions on existing orders.
class order_actions {
 public:
  explicit order_actions(engine_context& ctx) : ctx_(ctx) {}
  void status(std::vector<std::string> ids, std::function<void(std::vector<lookup_answer>)> done);
  void cancel(std::vector<std::string> ids, std::function<void(std::vector<action_answer>)> done);
  void refill(std::string id, std::optional<std::int64_t> current_count,
              std::function<void(action_answer)> done);
  void refill_status(std::string id, std::function<void(action_answer)> done);
  void speedup(std::string id, std::function<void(action_answer)> done);
  void resolve(resolution r, std::function<void(action_answer)> done);
  void panel_ids(std::vector<std::int64_t> order_ids,
                 std::function<void(std::vector<std::optional<std::string>>)> done);
  void list_orders(order_state state, std::int64_t after_id, std::size_t limit,
                   std::function<void(order_page)> done);
  void history(std::string panel_order_id, std::function<void(order_history)> done);

 private:
  void cancel_one(const std::string& id, std::function<void(action_answer)> done);
  /// The order whose daemon id is `text` ("123" or "#123"), from memory or the journal.
  order_record* lookup_daemon_id(const std::string& text);

  engine_context& ctx_;
};

}  // namespace smm::daemon
