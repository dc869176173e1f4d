#pragma once
// Step 2: placing. One dispatcher per provider takes the orders whose first usable hop is that
// provider and co_spawns one placement per order, a bounded number at once (so a slow
// provider's queue never holds back a fast one's). A placement walks the order's route:
// `sending` is journaled (and committed) before each `add` leaves, so a crash could only turn
// it into `unknown`, never into a second order upstream.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>

#include "tools/demo/run_state.hpp"

namespace smm::demo {

/// What placing measured.
struct placement_figures {
  std::chrono::nanoseconds took{0};  ///< first add to last answer
  std::size_t placed = 0;            ///< got a provider order id
  std::size_t failovers = 0;         ///< placed on a later hop than the first usable one
};

/// Places every queued order of st.orders, at most `window` adds per provider queue at once
/// (less when the provider's limits allow less). Sets st.placing_done at the end.
boost::asio::awaitable<placement_figures> run_placement(run_state& st, std::size_t window);

/// Places one order (exposed for the tests' reading; run_placement is the entry point).
boost::asio::awaitable<void> place_one(run_state& st, std::size_t index);

}  // namespace smm::demo
