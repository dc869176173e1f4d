#pragma once
// The in-memory order book: every open order (and the final ones this process touched),
// by daemon id and by panel id, the duplicate-link index and the orders held behind a
// running one on their link. The journal is the truth; the book is its working copy.
//
// Memory (issue 11: 1M open orders): a record is hot fields only, what the dispatcher and the
// poller read every pass (state, ids, times, counts, money, flags), 248 bytes. What few orders
// need lives beside it and is allocated only when needed:
//  - pending_add: the add's panel fields while the order still has to be sent; freed once it is
//    placed (or final). A placed order sent again (one forgotten by its provider, resolved
//    --not-placed) gets them back from the journal's `params` (engine_context::pending_of).
//  - order_extra: notes, the last anomaly, a refund, a refill request, replay waiters.
// Provider names and raw status texts repeat across orders: the book keeps each once
// (text_pool) and records point at it. Both indexes are flat sets of record pointers, so the
// panel id is stored once, in the record.
// Thread safety: none; owned by the engine's strand.
#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/engine/inline_string.hpp"
#include "dispatch/link_index.hpp"
#include "dispatch/order.hpp"
#include "dispatch/refund.hpp"
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

/// True in the states from which an order may still be sent (its add's fields are kept): an
/// unknown one may be proven absent and sent again. Placed, running and final ones may not.
constexpr bool may_be_sent(order_state s) {
  return s == order_state::received || s == order_state::queued || s == order_state::sending ||
         s == order_state::unknown;
}

/// What an order needs until a provider has it.
struct pending_add {
  providers::add_order params;   ///< panel fields; service and type are filled per route hop
  std::int64_t accepted_us = 0;  ///< steady-clock us of its intake (0: recovered at start)
};

/// What few orders ever have, in one side allocation (order_record::extra()).
struct order_extra {
  std::string note;                   ///< the last note of its events (unless order_record::note_is_mark)
  std::string last_anomaly;           ///< raw status of the last anomaly recorded (one event per new one)
  std::string raw_status;             ///< the raw status text, when the book's text pool is full
  std::string refund_reason;          ///< a refund reason that is no refund_reason name (never written today)
  std::optional<money> refund;        ///< the refund recorded (a non-zero one)
  std::int64_t missing_since_ms = 0;  ///< steady ms of the first "Incorrect order ID" in a row (0: none)
  std::unique_ptr<refill_detail> refill;  ///< set once the order had a refill request
  /// Replayed answers waiting for this order's insert to commit (true: committed).
  std::vector<std::function<void(bool)>> on_durable;

  /// Nothing is set: the allocation may go.
  bool empty() const {
    return note.empty() && last_anomaly.empty() && raw_status.empty() && refund_reason.empty() && !refund &&
           missing_since_ms == 0 && !refill && on_durable.empty();
  }
};

class order_book;

/// One order as the engine works on it: the hot fields every pass reads; the rest on demand.
struct order_record {
  order o;  ///< domain record; o.panel_order_id holds the daemon id (link_index and refill rules)
  std::int64_t request_hash = 0;
  const service_def* service = nullptr;  ///< null when the config no longer has the service
  std::int64_t updated_at = 0;
  std::int64_t sent_at = 0;              ///< unix seconds of its latest `sending` change (0: never sent)
  std::int64_t not_before_ms = 0;        ///< steady ms before which the dispatcher leaves it waiting
  std::int64_t next_poll_ms = -1;        ///< due time of its live poll_schedule entry (-1: none)
  std::unique_ptr<pending_add> pending;  ///< the add's fields while it may still be sent (else null)

  /// Daemon order id (the journal's).
  std::int64_t id() const { return o.panel_order_id; }
  void set_id(std::int64_t id) { o.panel_order_id = id; }
  /// Unix seconds of its intake.
  std::int64_t created_at() const { return o.received_at; }

  std::string_view panel_order_id() const { return panel_order_id_.view(); }
  /// Set once, before the record enters a book (the book indexes it).
  void set_panel_order_id(std::string_view id) { panel_order_id_ = id; }
  std::string_view provider_order_id() const { return provider_order_id_.view(); }
  void set_provider_order_id(std::string_view id) { provider_order_id_ = id; }
  /// The provider it was last sent to (may be one the config no longer has).
  const std::string& provider() const { return *provider_; }
  /// The provider's last status text, verbatim.
  std::string_view raw_status() const;

  /// The last note of its events.
  std::string note() const;
  void set_note(std::string_view note);
  std::string_view last_anomaly() const;
  void set_last_anomaly(std::string_view text);
  /// The refund recorded (non-zero ones), if any.
  std::optional<money> refund() const { return extra_ ? extra_->refund : std::nullopt; }
  void set_refund(money m) { extra().refund = m; }
  /// Why the refund is what it is ("partial"); empty until the order is final.
  std::string_view refund_reason_text() const;
  void set_refund_reason(std::string_view reason);
  std::int64_t missing_since_ms() const { return extra_ ? extra_->missing_since_ms : 0; }
  void set_missing_since_ms(std::int64_t ms);
  /// Its latest refill request, if it had one.
  refill_detail* refill() { return extra_ ? extra_->refill.get() : nullptr; }
  const refill_detail* refill() const { return extra_ ? extra_->refill.get() : nullptr; }
  /// Its latest refill request, made empty first when it had none.
  refill_detail& refill_slot();
  void clear_refill();
  /// Calls waiting for its insert to commit.
  bool has_durable_waiters() const { return extra_ && !extra_->on_durable.empty(); }
  void on_durable(std::function<void(bool)> f) { extra().on_durable.push_back(std::move(f)); }
  std::vector<std::function<void(bool)>> take_durable_waiters();

  /// The side allocation, made on first use.
  order_extra& extra();
  /// True while the side allocation exists.
  bool has_extra() const { return extra_ != nullptr; }
  /// Frees the side allocation once nothing is set in it.
  void trim();

 private:
  friend class order_book;
  inline_string<24> panel_order_id_;          // 23 bytes inline: "v2:<panel>:<id>" mostly fits
  inline_string<16> provider_order_id_;       // 15 bytes inline: providers' ids are mostly digits
  const std::string* provider_ = &no_text;    // in the book's text pool
  const std::string* raw_status_ = &no_text;  // in the book's text pool (or extra_->raw_status)
  std::unique_ptr<order_extra> extra_;

  // The small fields last, packed together (public and private alike).
 public:
  std::int16_t provider_index = -1;   ///< provider_set index it is routed to or placed with, -1: none
  std::int16_t waits_on_paused = -1;  ///< provider_set index whose `queued` counts it (-1: none)
  std::uint16_t min_hop = 0;          ///< first route hop to try (a hop that rejected the service is skipped)
  std::uint16_t hop = 0;              ///< route hop of the last send
  bool durable : 1 = false;           ///< its insert is committed
  bool held : 1 = false;              ///< queued, waiting for the running order on its link
  bool busy : 1 = false;              ///< a journal change is in flight: no other change may start
  bool in_dispatch : 1 = false;       ///< somewhere in the dispatcher (inbox, waiting, pending, sending)
  bool polling : 1 = false;           ///< a status call for it is in flight

 private:
  std::uint8_t refund_reason_ = 0;  // refund_reason + 1 (0: none; refund_reason_other: in extra_)
  bool note_is_mark_ : 1 = false;   // the note is request_id_mark(*this), not stored
  bool raw_status_in_extra_ : 1 = false;

  static const std::string no_text;
  static constexpr std::uint8_t refund_reason_other = 0xff;
};

/// The idempotency key of the order's adds at a provider that honours one (provider_config::
/// idempotency_key): "smm-<order id>-<created_at>-<request hash, hex>". The same on every attempt
/// and after a restart (all three are journaled), and unique across journals (a fresh journal
/// reuses ids, not their creation time and content together).
std::string request_id_for(const order_record& r);
/// The note of a `sending` change whose add carries request_id_for(r): the journal's proof that
/// resending it is safe (daemon/engine/reconciler.hpp).
std::string request_id_mark(const order_record& r);

/// Texts many orders share (provider names, raw status answers), each stored once for the
/// book's life, at a stable address.
class text_pool {
 public:
  /// The stored copy of `s` (added if new).
  const std::string* intern(std::string_view s);
  /// The stored copy of `s` if there is one.
  const std::string* find(std::string_view s) const;
  std::size_t size() const { return texts_.size(); }

 private:
  std::deque<std::string> texts_;
  boost::unordered_flat_map<std::string_view, const std::string*> index_;  // views into texts_
};

/// The book. Keeps per-state counts (the poller's schedule knows which orders run upstream).
class order_book {
 public:
  /// Distinct raw status texts the book keeps once; beyond them an order keeps its own copy
  /// (a provider that puts order details in its status text cannot grow the pool forever).
  static constexpr std::size_t max_status_texts = 4096;

  order_book() = default;
  ~order_book();
  order_book(const order_book&) = delete;
  order_book& operator=(const order_book&) = delete;

  /// Adds a record (its id and panel id must be new) and returns it.
  order_record& insert(std::unique_ptr<order_record> r);
  /// Drops a record whose insert failed to commit (never one that is durable).
  void erase(std::int64_t id);
  order_record* find(std::int64_t id);
  order_record* find_panel(std::string_view panel_order_id);

  /// Moves the order to `s`, keeping the counts and the running set current.
  void set_state(order_record& r, order_state s);
  /// Names the provider the order went to (kept once in the book's text pool).
  void set_provider(order_record& r, std::string_view name);
  /// The provider's last status text for the order.
  void set_raw_status(order_record& r, std::string_view text);

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
  /// Room for `n` orders in both indexes and the link index, allocated once. Each would
  /// otherwise double as the book grows, and a doubling rehashes every order at once: tens of
  /// milliseconds on the strand at a few hundred thousand orders, stalling every ack meanwhile.
  /// Slots are not touched until used: only the indexes' metadata (~1 byte a slot) is resident.
  void reserve(std::size_t n) {
    by_id_.reserve(n);
    by_panel_.reserve(n);
    links_.reserve_running(n);
  }
  /// Distinct texts kept once (provider names, raw statuses).
  std::size_t texts() const { return texts_.size(); }
  /// Calls `f(record)` for every record (do not insert or erase from `f`).
  template <class F>
  void for_each(F&& f) {
    for (order_record* r : by_id_) f(*r);
  }

 private:
  // Both indexes hold record pointers and hash what the record holds: the id, the panel id.
  struct id_hash {
    using is_transparent = void;
    std::size_t operator()(std::int64_t id) const noexcept { return std::hash<std::int64_t>{}(id); }
    std::size_t operator()(const order_record* r) const noexcept { return (*this)(r->id()); }
  };
  struct id_equal {
    using is_transparent = void;
    static std::int64_t key(std::int64_t id) noexcept { return id; }
    static std::int64_t key(const order_record* r) noexcept { return r->id(); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return key(a) == key(b);
    }
  };
  struct panel_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    std::size_t operator()(const order_record* r) const noexcept { return (*this)(r->panel_order_id()); }
  };
  struct panel_equal {
    using is_transparent = void;
    static std::string_view key(std::string_view s) noexcept { return s; }
    static std::string_view key(const order_record* r) noexcept { return r->panel_order_id(); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return key(a) == key(b);
    }
  };

  boost::unordered_flat_set<order_record*, id_hash, id_equal> by_id_;  // owns the records
  boost::unordered_flat_set<order_record*, panel_hash, panel_equal> by_panel_;
  link_index links_;
  std::unordered_map<std::uint64_t, std::deque<std::int64_t>> held_;
  text_pool texts_;
  std::array<std::int64_t, order_state_count> counts_{};
  std::int64_t held_count_ = 0;
};

}  // namespace smm::daemon
