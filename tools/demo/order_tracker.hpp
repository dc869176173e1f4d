#pragma once
// The demo's live view of its orders, driven by the add answers and the daemon's event feed:
// how many were accepted, placed with a provider, and settled (final, or unknown: nothing
// more happens without an operator). It drives the progress line and says when to stop
// waiting. Pure: no I/O. Thread safety: none (the demo's io thread only).
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "dispatch/order_state.hpp"
#include "tools/demo/panel_messages.hpp"

namespace smm::demo {

/// Counts per stage, for the demo's own orders (events of other orders are ignored).
class order_tracker {
 public:
  using clock = std::chrono::steady_clock;

  /// Tracks `orders` by panel id.
  explicit order_tracker(const std::vector<demo_order>& orders);

  /// An add answer for one order; `now` stamps the last answer.
  void on_add(const add_item& a, clock::time_point now);
  /// A feed event; `now` stamps the last placement.
  void on_event(const event_item& e, clock::time_point now);

  std::size_t total() const { return slots_.size(); }
  std::size_t answered() const { return answered_; }  ///< add answers received
  std::size_t accepted() const { return accepted_; }  ///< taken by the daemon
  std::size_t refused() const { return answered_ - accepted_; }
  std::size_t placed() const { return placed_; }    ///< reached `placed` or a provider state
  std::size_t settled() const { return settled_; }  ///< final or unknown
  clock::time_point last_answer() const { return last_answer_; }
  clock::time_point last_placed() const { return last_placed_; }

  /// Every order answered and every accepted one settled.
  bool all_settled() const { return answered_ == total() && settled_ >= accepted_; }

  /// "\r[#####-----] accepted 3000/3000 | placed 2400 | final 1800 |  60%" (no newline). The
  /// percent is (settled + refused) * 100 / total, rounded down: 100 only when all are done.
  std::string progress_line() const;

 private:
  struct slot {
    bool answered = false;
    bool placed = false;
    bool settled = false;
  };
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<slot> slots_;
  std::size_t answered_ = 0;
  std::size_t accepted_ = 0;
  std::size_t placed_ = 0;
  std::size_t settled_ = 0;
  clock::time_point last_answer_{};
  clock::time_point last_placed_{};
};

}  // namespace smm::demo
