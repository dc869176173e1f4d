#pragma once
// The poller: asks each provider about its running orders with multi-status calls of up to
// 100 ids, from a due-time queue per provider (poll_schedule: a pass costs what is due, calls
// carry full chunks), at intervals that follow the order's age (young orders often, old ones
// less); applies what the provider says through the state machine (anomalies are recorded,
// not applied), computes the refund on a final state, and checks provider balances.
// Thread safety: the engine's strand.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "daemon/engine/engine_context.hpp"
#include "daemon/engine/poll_schedule.hpp"

namespace smm::daemon {

/// Milliseconds until the next poll of an order `age_s` seconds after placement, for a
/// provider polled every `base_ms`: half the base (at least 250 ms) in the first ten
/// minutes, the base up to six hours, twice it up to two days, four times it after.
std::int64_t poll_interval_ms(std::int64_t base_ms, std::int64_t age_s);

/// Polls order statuses and provider balances.
class poller {
 public:
  explicit poller(engine_context& ctx);
  void start();
  void stop();
  /// A newly running order (placed, resolved as placed): first polled one interval on.
  void schedule_first(order_record& r);
  /// A running order found by recovery: first polled within one interval, spread evenly so a
  /// restart with many running orders does not poll them all at once.
  void schedule_recovered(order_record& r);
  /// Running orders in the schedules (stale entries included), for figures and tests.
  std::size_t scheduled() const;
  /// Follows the refill of an order until the provider reports it done or rejected.
  void watch_refill(std::int64_t id);
  /// Final orders evicted from memory so far (they stay in the journal).
  std::uint64_t evicted() const { return evicted_; }

 private:
  boost::asio::awaitable<void> loop(std::shared_ptr<engine_context> keep);
  boost::asio::awaitable<void> poll_chunk(std::shared_ptr<engine_context> keep, std::size_t provider,
                                          std::vector<std::int64_t> ids);
  boost::asio::awaitable<void> check_balance(std::shared_ptr<engine_context> keep, std::size_t provider);
  void scan();
  void scan_provider(std::size_t provider);
  std::int64_t base_interval_ms(const order_record& r) const;
  poll_schedule& schedule_of(const order_record& r);
  void scan_refills();
  void maintenance();
  /// Final orders idle for evict_final_after leave the book (the due ones only).
  void evict_finals(std::int64_t wall);
  boost::asio::awaitable<void> poll_refills(std::shared_ptr<engine_context> keep, std::size_t provider,
                                            std::vector<std::int64_t> ids);
  void balances();
  void schedule(order_record& r);
  void apply_status(order_record& r, const providers::order_status& st);
  /// The provider answered an error for the order (e.g. "Incorrect order ID"): after
  /// policy.forgotten_after_s of such answers in a row, the order becomes `unknown`.
  void note_missing(order_record& r, const provider_entry& p, const std::string& said);

  engine_context& ctx_;
  boost::asio::steady_timer timer_;
  std::minstd_rand jitter_;
  std::vector<poll_schedule> schedules_;  // one per provider_set index
  bool stopped_ = false;
  std::vector<std::int64_t> refills_;  // orders whose refill is followed
  std::int64_t next_refill_scan_ms_ = 0;
  std::int64_t next_maintenance_ms_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace smm::daemon
