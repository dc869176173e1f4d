#pragma once
// The panel's event feed. Events are read back from the journal (the only source of
// their seq numbers) after each commit, so a subscriber sees exactly what is stored: a
// catch-up replay from its seq in pages, then live pages, in seq order, with no gap and
// no duplicate. Replay and live delivery both run on the engine's strand; a subscriber
// joins the live list only once its cursor has reached the feed's, which is the hand-over.
// Thread safety: notify() and subscribe() from any thread; the rest on the strand.
#include <atomic>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/engine/engine_context.hpp"
#include "daemon/order_service.hpp"

namespace smm::daemon {

/// Events per page read from the journal and handed to a subscriber at once.
inline constexpr std::size_t event_page = 500;

/// Maps a stored event to the panel's view.
event_view to_view(const store::event_row& row);

/// Fans committed events out to subscribers.
class event_feed {
 public:
  explicit event_feed(engine_context& ctx);
  ~event_feed();

  /// Sets the live cursor to the journal's last seq (at start, before any subscriber).
  void start();
  /// New events were committed: deliver them soon (coalesced); reads back only what the
  /// writer did not hand over (committed()).
  void notify();
  /// Strand: the events one commit wrote, handed over by the journal's writer, in seq order.
  void committed(const std::vector<store::event_row>& rows);
  /// Events after `after_seq`, then live ones, to `on_events` (called on the strand).
  std::unique_ptr<subscription> subscribe(std::int64_t after_seq,
                                          std::function<void(std::vector<event_view>)> on_events);
  /// Subscribers receiving live events now (strand).
  std::size_t live_subscribers() const { return live_.size(); }

 private:
  struct subscriber;
  class handle;
  void pump();
  /// Delivers `rows` (contiguous, after published_) to the live subscribers.
  void deliver(const std::vector<store::event_row>& rows);
  /// Reads back and delivers the events up to `up_to` after published_.
  void read_up_to(std::int64_t up_to);
  void catch_up(std::shared_ptr<subscriber> s);
  std::vector<store::event_row> read(std::int64_t after, std::int64_t up_to);

  engine_context& ctx_;
  std::unique_ptr<store::store_reader> reader_;  // strand only
  std::int64_t published_ = 0;                   // every event <= this was delivered to the live list
  std::vector<std::shared_ptr<subscriber>> live_;
  std::atomic<bool> pump_posted_{false};
};

}  // namespace smm::daemon
