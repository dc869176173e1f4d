#pragma once
// Everything one demo run shares between its phases: the config, the orders, the provider
// clients and what the demo learned about each provider, the duplicate-link index, counters
// for the progress line. Thread safety: none; touched only from the demo's io thread.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "dispatch/link_index.hpp"
#include "providers/client/provider_client.hpp"
#include "tools/demo/demo_order.hpp"
#include "tools/demo/journal_writer.hpp"

namespace smm::demo {

/// One provider as the demo sees it.
struct provider_slot {
  const provider_config* config = nullptr;
  std::unique_ptr<providers::provider_client> client;
  bool reachable = false;      ///< answered `services`
  std::set<std::string> sold;  ///< service ids its `services` answer listed
  bool paused = false;         ///< said not-enough-funds (or bad key): no more adds
  std::string pause_reason;
  std::unordered_map<std::string, std::size_t> by_order_id;  ///< provider order id -> order index
  std::vector<std::size_t> open;                             ///< orders placed here, not final yet
  std::uint64_t failovers_from = 0;  ///< orders that moved on to a later hop after trying here
};

/// Client settings from a provider's [[providers]] entry: its limits are kept as configured.
providers::provider_client_options client_options_for(const provider_config& p);

/// The run's shared state.
struct run_state {
  run_state(const config& c, boost::asio::any_io_executor ex, store::journal& j)
      : cfg(c), io(ex), store(j), journal(ex, j) {}

  const config& cfg;
  boost::asio::any_io_executor io;
  store::journal& store;  ///< for intake's own batches
  journal_writer journal;
  std::map<std::string, provider_slot> providers;  ///< by name
  std::vector<demo_order> orders;                  ///< index i has panel id i + 1
  link_index links;

  std::size_t accepted = 0;       ///< durable in the journal
  std::size_t intake_failed = 0;  ///< orders whose batch did not commit (a bug: the demo stops)
  std::size_t placed = 0;         ///< got a provider order id
  std::size_t settled = 0;        ///< final, rejected or unknown: nothing more to do here
  bool placing_done = false;

  /// Unix seconds now (the domain core's clock).
  static std::int64_t unix_now();
};

}  // namespace smm::demo
