#pragma once
// What the demo prints at the end: a row per provider from the daemon's `status` answers,
// the measured rates, and the accounting line the ctest reads. Money is summed exactly:
// each refund string is parsed to micro-units and added as an integer, never as a float.
#include <chrono>
#include <cstddef>
#include <map>
#include <ostream>
#include <span>
#include <string>

#include "dispatch/money.hpp"
#include "tools/demo/panel_messages.hpp"

namespace smm::demo {

/// One row of the summary: a provider, or "(panel)" for orders no provider holds.
struct provider_row {
  std::size_t placed = 0;  ///< placed, running or final upstream
  std::size_t completed = 0;
  std::size_t partial = 0;
  std::size_t canceled = 0;   ///< canceled, refunded or failed upstream
  std::size_t open = 0;       ///< placed, not final yet
  std::size_t rejected = 0;   ///< no provider would take it (final)
  std::size_t unknown = 0;    ///< the add's outcome is unknown: for an operator
  std::size_t waiting = 0;    ///< received, queued or sending: not settled
  std::size_t not_found = 0;  ///< the daemon did not know the id
  money refunds;              ///< exact sum of the "refund" strings
};

/// Row name of orders no provider holds.
inline constexpr const char* panel_row = "(panel)";

/// Rows per provider name plus the total.
struct tally_result {
  std::map<std::string, provider_row> rows;
  provider_row total;
  std::size_t bad_money = 0;  ///< refund strings that did not parse, or a sum that overflowed
};

/// Tallies status answers. Rows are keyed by the order's provider ("" -> panel_row).
tally_result tally(std::span<const status_item> items);

/// Figures measured by the demo itself.
struct run_figures {
  std::size_t count = 0;                       ///< orders submitted
  std::size_t accepted = 0;                    ///< taken by the daemon (accepted, held, replayed)
  std::map<std::string, std::size_t> refused;  ///< by add status (duplicate_link, invalid, ...)
  std::chrono::nanoseconds intake{0};          ///< first add sent -> last add answered
  std::size_t placed_events = 0;               ///< orders seen placed on the feed
  std::chrono::nanoseconds placement{0};       ///< first add sent -> last order placed
  std::chrono::nanoseconds wall{0};
  std::size_t events = 0;  ///< feed events received (all orders)
  bool gave_up = false;    ///< stopped waiting before every order settled
  std::chrono::seconds give_up_after{0};
};

/// The table, the rates and, last, the line
/// "accounting: accepted=N placed=P rejected=R unknown=U open=O waiting=W refused=F".
void print_summary(std::ostream& out, const tally_result& t, const run_figures& f);

}  // namespace smm::demo
