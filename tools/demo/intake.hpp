#pragma once
// Step 1: the durable intake. Each order is checked against the duplicate-link policy, then
// journaled in batches (one journal submit per batch, the journal group-commits them); an
// order counts as accepted only once its batch is committed.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "tools/demo/run_state.hpp"

namespace smm::demo {

/// What the intake measured.
struct intake_figures {
  std::size_t accepted = 0;
  std::size_t duplicates = 0;        ///< refused by the duplicate-link policy (journaled as rejected)
  std::chrono::nanoseconds took{0};  ///< first submit to last commit
  std::uint64_t commits = 0;         ///< journal transactions the intake took
};

/// Journals st.orders in batches of `batch` orders, all batches in flight at once.
boost::asio::awaitable<intake_figures> run_intake(run_state& st, std::size_t batch);

}  // namespace smm::demo
