#pragma once
// Step 3: status polling. One loop per provider asks status_multi (the client sends chunks
// of 100) for every order placed there and not final, maps each status with
// map_provider_status, applies the transition, and on a final state computes the refund
// (compute_refund) and the refill eligibility (check_refill). Bounded: after `give_up` past
// the end of placing, whatever is still open stays open and the figures say so.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "tools/demo/run_state.hpp"

namespace smm::demo {

/// Polling settings.
struct poll_settings {
  std::chrono::milliseconds interval{500};   ///< between two rounds of one provider
  std::chrono::milliseconds give_up{40000};  ///< after placing ends
};

/// What polling saw.
struct poll_figures {
  std::uint64_t rounds = 0;         ///< status_multi calls made (each may be several chunks)
  std::uint64_t failed_rounds = 0;  ///< calls that did not end ok (retried next round)
  std::uint64_t transitions = 0;    ///< applied state changes
  std::uint64_t anomalies = 0;      ///< statuses refused by the state machine or unrecognized
  std::uint64_t id_errors = 0;      ///< per-id errors in multi replies
  std::size_t left_open = 0;        ///< still not final when polling gave up
  bool gave_up = false;
  std::chrono::nanoseconds took{0};  ///< start of polling to the last order final
};

/// Polls every provider until all placed orders are final or the give-up time passes.
/// Runs alongside run_placement; returns once st.placing_done and nothing is open (or gave up).
boost::asio::awaitable<poll_figures> run_polling(run_state& st, poll_settings settings);

}  // namespace smm::demo
