#pragma once
// What the demo prints: the one-line progress bar and the closing summary. Both write to a
// stream main() hands in; the numbers come from the orders themselves, not from counters
// kept on the side, so the table cannot drift from what happened.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "dispatch/money.hpp"
#include "store/journal.hpp"
#include "tools/demo/intake.hpp"
#include "tools/demo/placer.hpp"
#include "tools/demo/poller.hpp"
#include "tools/demo/run_state.hpp"

namespace smm::demo {

/// One row of the summary: a provider, or "(panel)" for orders no provider took.
struct provider_row {
  std::size_t placed = 0;
  std::size_t completed = 0;
  std::size_t partial = 0;
  std::size_t canceled = 0;  ///< canceled, refunded or failed upstream: the whole charge back
  std::size_t open = 0;      ///< placed, not final when polling stopped
  std::size_t rejected = 0;
  std::size_t unknown = 0;
  std::size_t refill_eligible = 0;
  money refunds;  ///< sum of compute_refund amounts
  std::uint64_t failovers_from = 0;
  std::uint64_t retries = 0;  ///< HTTP retries of the provider client
};

/// Row name of orders no provider took.
inline constexpr const char* panel_row = "(panel)";

/// Rows per provider (config order kept by the map's name order) plus the panel row.
std::map<std::string, provider_row> tally(const run_state& st);

/// The sum of every row.
provider_row total_of(const std::map<std::string, provider_row>& rows);

/// Everything the summary prints besides the rows.
struct run_figures {
  intake_figures intake;
  placement_figures placement;
  poll_figures poll;
  store::journal_stats journal;
  std::chrono::nanoseconds wall{0};
};

/// "\r[#####-----]  accepted 3000 | placed 2400 | final 1800 |  60%" (no newline).
std::string progress_line(const run_state& st);

/// The closing table and rates. Ends with the line
/// "accounting: accepted=N placed=P rejected=R unknown=U" (tests read it).
void print_summary(std::ostream& out, const run_state& st, const run_figures& f);

}  // namespace smm::demo
