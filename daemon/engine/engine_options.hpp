#pragma once
// Tunables and figures of the engine (daemon/engine/engine.hpp). Plain data.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "config/secret_scrubber.hpp"
#include "daemon/engine_figures.hpp"
#include "dispatch/order_state.hpp"
#include "providers/client/provider_client.hpp"

namespace smm::daemon {

/// How the engine paces its loops. The defaults suit production; tests shorten them.
struct engine_options {
  /// Open orders the order book makes room for at start (its indexes grow past it by doubling,
  /// which stalls the strand once per doubling). ~3 MB resident per million until used.
  std::size_t expected_open_orders = 1'000'000;
  std::chrono::milliseconds dispatch_tick{50};  ///< dispatcher wake-up when nothing kicks it
  std::chrono::milliseconds poll_tick{200};     ///< poller scan period
  std::chrono::milliseconds retry_delay{2000};  ///< queued again after a "not now" (no route, retry later)
  /// Wait after "active order with this link" when no order of ours runs on the link.
  std::chrono::milliseconds foreign_link_wait{300000};
  std::chrono::milliseconds balance_interval{60000};        ///< balance check of every provider
  std::chrono::milliseconds paused_recheck{10000};          ///< balance check of a paused provider
  std::chrono::milliseconds refill_poll{60000};             ///< refill status check of running refills
  std::chrono::milliseconds maintenance_interval{3600000};  ///< retention purge of the journal
  /// Final orders idle this long leave memory (not the journal; a lookup reloads them). Short,
  /// so memory holds what is open plus a minute of finals, whatever the intake rate.
  std::chrono::seconds evict_final_after{60};
  /// Orders routed to a provider but not sent yet (8 bytes each). Large on purpose: a FIFO
  /// per provider costs nothing per tick, while orders over the cap are re-routed every tick.
  std::size_t max_pending_per_provider = 1'000'000;
  std::size_t status_calls_in_flight =
      4;  ///< concurrent multi-status calls per provider (capped by max_in_flight)
  /// Adds handed to a provider's client at once, as a multiple of its max_in_flight (>= 1); they
  /// stay queued until their request is about to be written.
  std::size_t send_window = 2;
  /// Called on the strand after every dispatch pass of the loop: the daemon pings the systemd
  /// watchdog from it, so a stuck strand or a dead loop stops the pings. Must be cheap.
  std::function<void()> on_dispatch_progress;
  /// Masks keys in what providers say; shared by every provider client (null: each client
  /// masks its own key only). The daemon's knows every provider and panel key.
  std::shared_ptr<const secret_scrubber> scrubber;
  /// Lets the caller adjust each provider client's options (tests: short timeouts).
  std::function<void(const provider_config&, providers::provider_client_options&)> tune_client;
};

}  // namespace smm::daemon
