#pragma once
// The in-memory order book: every open order (and the final ones this process touched),
// by daemon id and by panel id, the duplicate-link index and the orders held behind a
// running one on their link. The journal is the truth; the book is its working copy.
// Thread safety: none; owned by the engine's strand.
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "dispatch/link_index.hpp"
#include "dispatch/order.hpp"
#include "dispatch/service.hpp"
#include "providers/request_builder.hpp"

namespace smm::daemon {

/// An order's latest refill request beyond what its domain record holds (state, request
/// time and refusal are in order_record::o). Journaled: daemon/engine/refills.hpp.
struct refill_detail {
  std::int32_t attempt = 0;  ///< 1 for the order's first request, then 2, 3 ...
  std::string provider;      ///< the provider asked
  std::string refill_id;     ///< the provider's refill id, once it answered
  std::string raw_status;    ///< the provider's last refill status text, verbatim
  std::string message;       ///< the provider's refusal, or what failed
};

/// One order as the engine works on it.
struct order_record {
  std::int64_t id = 0;  ///< daemon order id (the journal's)
  std::string panel_order_id;
  std::int64_t request_hash = 0;
  order o;  ///< domain record; o.panel_order_id holds the daemon id (link_index and refill rules)
  providers::add_order params;           ///< panel fields; service and type are filled per route hop
  const service_def* service = nullptr;  ///< null when the config no longer has the service
  bool durable = false;                  ///< its insert is committed
  bool held = false;                     ///< queued, waiting for the running order on its link
  bool busy = false;                     ///< a journal change is in flight: no other change may start
  bool in_dispatch = false;              ///< somewhere in the dispatcher (inbox, waiting, pending, sending)
  std::size_t min_hop = 0;         ///< first route hop to try (a hop that rejected the service is skipped)
  std::size_t hop = 0;             ///< route hop of the last send
  int provider_index = -1;         ///< provider_set index of `provider`, -1 when none
  std::int64_t not_before_ms = 0;  ///< steady ms before which the dispatcher leaves it waiting
  std::string provider;
  std::string provider_order_id;
  std::string raw_status;
  std::string note;
  std::unique_ptr<refill_detail> refill;  ///< set once the order had a refill request (most never do)
  std::string last_anomaly;               ///< raw status of the last anomaly recorded (one event per new one)
  std::optional<money> refund;
  std::string refund_reason;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t sent_at = 0;           ///< unix seconds of its latest `sending` change (0: never sent)
  int waits_on_paused = -1;           ///< provider_set index whose `queued` counts it (-1: none)
  std::int64_t next_poll_ms = -1;     ///< due time of its live poll_schedule entry (-1: none)
  std::int64_t accepted_us = 0;       ///< steady-clock us of its intake (0: recovered at start)
  bool polling = false;               ///< a status call for it is in flight
  std::int64_t missing_since_ms = 0;  ///< steady ms of the first "Incorrect order ID" in a row (0: none)
  /// Replayed answers waiting for this order's insert to commit (true: committed).
  std::vector<std::function<void(bool)>> on_durable;
};

/// The idempotency key of the order's adds at a provider that honours one (provider_config::
/// idempotency_key): "smm-<order id>-<created_at>-<request hash, hex>". The same on every attempt
/// and after a restart (all three are journaled), and unique across journals (a fresh journal
/// reuses ids, not their creation time and content together).
std::string request_id_for(const order_record& r);
/// The note of a `sending` change whose add carries request_id_for(r): the journal's proof that
/// resending it is safe (daemon/engine/reconciler.hpp).
std::string request_id_mark(const order_record& r);

/// The book. Keeps per-state counts (the poller's schedule knows which orders run upstream).
class order_book {
 public:
  /// Adds a record (its id and panel id must be new) and returns it.
  order_record& insert(std::unique_ptr<order_record> r);
  /// Drops a record whose insert failed to commit (never one that is durable).
  void erase(std::int64_t id);
  order_record* find(std::int64_t id);
  order_record* find_panel(const std::string& panel_order_id);

  /// Moves the order to `s`, keeping the counts and the running set current.
  void set_state(order_record& r, order_state s);

  /// Marks the order as occupying its link (running for the duplicate-link policy).
  void occupy_link(order_record& r);
  /// Queues the order behind the running ones on its link.
  void hold(order_record& r);
  /// The order left its link (final, or its insert failed): returns the held order to
  /// release next, if the link is now free.
  order_record* leave_link(order_record& r);

  link_index& links() { return links_; }
  const link_index& links() const { return links_; }
  /// Orders per state (received counts only records whose insert is in flight).
  const std::array<std::int64_t, order_state_count>& counts() const { return counts_; }
  std::int64_t held_count() const { return held_count_; }
  std::size_t size() const { return by_id_.size(); }
  /// Calls `f(record)` for every record (do not insert or erase from `f`).
  template <class F>
  void for_each(F&& f) {
    for (auto& [id, r] : by_id_) f(*r);
  }

 private:
  std::unordered_map<std::int64_t, std::unique_ptr<order_record>> by_id_;
  std::unordered_map<std::string, std::int64_t> by_panel_;
  link_index links_;
  std::unordered_map<std::uint64_t, std::deque<std::int64_t>> held_;
  std::array<std::int64_t, order_state_count> counts_{};
  std::int64_t held_count_ = 0;
};

}  // namespace smm::daemon
