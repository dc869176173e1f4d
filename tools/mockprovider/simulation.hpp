#pragma once
// A provider's life without any I/O: catalogue, prepaid balance, orders that deliver over
// time, provider-side partials and cancels, drops after completion, refills and cancels.
// Time is passed in by the caller (milliseconds of any monotonic clock), so tests drive it.
//
// Thread safety: none; the owner (provider) serialises calls.
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dispatch/money.hpp"
#include "tools/mockprovider/catalogue.hpp"

namespace smm::mock {

/// Knobs of the simulated provider. Probabilities are in [0, 1].
struct sim_config {
  money initial_balance = money::from_units(1000);
  std::string currency = "USD";
  double speed_per_s = 50.0;             ///< units delivered per second while In progress
  std::int64_t pending_ms = 200;         ///< time in Pending before delivery starts
  std::int64_t start_count_max = 5000;   ///< start counts are uniform in [0, this]
  double partial_probability = 0.0;      ///< the provider stops early: Partial
  double cancel_probability = 0.0;       ///< the provider cancels before starting: Canceled
  double drop_probability = 0.0;         ///< some units drop after completion
  double drop_fraction = 0.1;            ///< share of delivered units that drop (at least 1)
  std::int64_t drop_after_ms = 1000;     ///< delay from completion to the drop
  std::int64_t refill_pending_ms = 200;  ///< refill: Pending this long
  std::int64_t refill_ms = 500;          ///< then In progress this long, then decided
  std::int64_t first_order_id = 1;
  std::uint64_t seed = 1;
};

/// Order states of the canonical template.
enum class order_status { pending, in_progress, completed, partial, canceled };
/// Refill states of the canonical template.
enum class refill_status { pending, in_progress, completed, rejected };

/// An `add` as the simulation sees it, after the API layer applied the service type.
struct order_request {
  std::int64_t service = 0;
  std::string link;
  std::int64_t quantity = 0;          ///< units to deliver (total over all runs)
  std::int64_t checked_quantity = 0;  ///< the figure checked against min/max (per run)
  std::int64_t billed_quantity = 0;   ///< units the rate applies to (1000 per package)
};

/// Result of `add`: an order id, or an error message verbatim from api-v2.md §6.2.
struct add_result {
  std::optional<std::int64_t> order;
  std::string error;
  money charge;
};

/// What `status` reports for one order.
struct order_view {
  money charge;
  std::int64_t start_count = 0;
  order_status status = order_status::pending;
  std::int64_t remains = 0;
};

/// Result of `refill` or `cancel` for one order: a refill id (refill only) or an error.
struct request_result {
  std::optional<std::int64_t> id;
  std::string error;
};

/// Error strings the simulation answers (api-v2.md §6.2, §5).
namespace msg {
inline constexpr const char* no_service = "Service ID does not exists";
inline constexpr const char* below_min = "Quantity must to be greater than or equal to minimum amount";
inline constexpr const char* above_max = "Quantity must to be less than or equal to maximum amount";
inline constexpr const char* no_funds = "Not enough funds on balance";
inline constexpr const char* duplicate_link =
    "You have active order with this link. Please wait until order being completed.";
inline constexpr const char* bad_order = "Incorrect order ID";
inline constexpr const char* no_refill = "Order not eligible for refill.";
inline constexpr const char* no_cancel = "Order not eligible for cancel.";
inline constexpr const char* bad_refill = "Refill not found";
}  // namespace msg

/// The simulated provider state.
class simulation {
 public:
  simulation(std::vector<mock_service> catalogue, sim_config config);

  /// The catalogue, in `services` order.
  const std::vector<mock_service>& services() const { return catalogue_; }
  /// The service with this id, or null.
  const mock_service* find_service(std::int64_t id) const;

  /// Places an order: checks service, min/max, a running order on the same link and
  /// the balance (in that order), then debits charge_for(rate, billed_quantity).
  /// `foreign`: an order of another key (another customer of the provider): it takes the next
  /// id like any order but neither checks nor debits this key's balance, nor holds its link.
  add_result add(const order_request& request, std::int64_t now_ms, bool foreign = false);
  /// True when the order exists and belongs to another key (added with `foreign`).
  bool is_foreign(std::int64_t order_id) const;
  /// The order's state at `now_ms`, or none for an unknown id.
  std::optional<order_view> status(std::int64_t order_id, std::int64_t now_ms);
  /// Requests a refill: the order must be Completed or Partial on a refill service and
  /// have no refill running.
  request_result refill(std::int64_t order_id, std::int64_t now_ms);
  /// A refill's state at `now_ms`, or none for an unknown id.
  std::optional<refill_status> refill_state(std::int64_t refill_id, std::int64_t now_ms);
  /// Requests a cancel ("1" means asked): the service must allow it and the order must
  /// still be Pending or In progress. Undelivered units are refunded when it takes effect.
  request_result cancel(std::int64_t order_id, std::int64_t now_ms);
  /// The prepaid balance at `now_ms` (refunds of finished orders included).
  money balance(std::int64_t now_ms);
  /// Replaces the balance (admin).
  void set_balance(money value) { balance_ = value; }
  /// Number of orders placed so far.
  std::size_t order_count() const { return orders_.size(); }
  /// Currency code of every amount.
  const std::string& currency() const { return config_.currency; }

 private:
  struct order {
    std::int64_t id = 0;
    std::int64_t service = 0;
    std::string link;
    std::int64_t quantity = 0;
    money charge;
    std::int64_t start_count = 0;
    std::int64_t created_ms = 0;
    std::int64_t target = 0;  ///< where delivery stops: quantity, or less for a Partial
    bool provider_cancel = false;
    std::optional<std::int64_t> cancel_at_ms;  ///< when the client asked to cancel
    bool drops = false;                        ///< a drop is still to happen after completion
    order_status status = order_status::pending;
    std::int64_t delivered = 0;
    std::int64_t finished_ms = 0;
    std::int64_t dropped = 0;  ///< units lost after completion and not refilled yet
    std::int64_t dropped_at_ms = 0;
    money refunded;
    bool refill_running = false;
    bool foreign = false;  ///< another key's order
  };
  struct refill_entry {
    std::int64_t id = 0;
    std::int64_t order_id = 0;
    std::int64_t created_ms = 0;
    refill_status status = refill_status::pending;
  };

  void advance(order& o, std::int64_t now_ms);
  void advance(refill_entry& r, std::int64_t now_ms);
  void finish(order& o, order_status status, std::int64_t delivered, std::int64_t at_ms);
  std::int64_t delivered_by(const order& o, std::int64_t at_ms) const;
  std::int64_t full_delivery_ms(const order& o) const;
  std::int64_t next_event_ms(const order& o) const;
  void advance_all(std::int64_t now_ms);

  std::vector<mock_service> catalogue_;
  sim_config config_;
  std::mt19937_64 rng_;
  money balance_;
  std::unordered_map<std::int64_t, order> orders_;
  std::unordered_map<std::string, std::int64_t> active_by_link_;
  std::unordered_map<std::int64_t, refill_entry> refills_;
  std::int64_t next_order_id_;
  std::int64_t next_refill_id_ = 1;
  /// (time, order id) of the next state change of each unfinished order, earliest on top:
  /// advance_all touches only orders whose time has come (O(log n) per event).
  using event = std::pair<std::int64_t, std::int64_t>;
  std::priority_queue<event, std::vector<event>, std::greater<>> events_;
};

}  // namespace smm::mock
