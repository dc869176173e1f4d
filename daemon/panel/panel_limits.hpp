#pragma once
// Limits of the panel socket, per connection unless said otherwise.
#include <chrono>
#include <cstddef>

#include "daemon/panel/panel_protocol.hpp"

namespace smm::daemon::panel {

/// Tunables of the panel socket. Defaults are the production values.
struct panel_limits {
  std::size_t max_line_bytes = default_max_line_bytes;  ///< longer lines get too_large
  std::size_t read_chunk_bytes = 64 * 1024;             ///< one read at most
  /// Request bytes read and not yet handed to the engine (the half line included): at this
  /// much, reading pauses until the engine takes some. Never exceeded by more than one read.
  std::size_t max_input_bytes = 4u << 20;
  /// Answers and events not yet taken by the client. Above a quarter of it reading pauses and
  /// no new request starts; above it the client gets one output_limit error line and is
  /// disconnected (a subscriber resumes by seq).
  std::size_t max_output_bytes = 16u << 20;
  std::size_t max_pending_requests = 100'000;              ///< parsed, not yet answered: stop reading above
  std::size_t max_batch_orders = 10'000;                   ///< orders in one merged engine add call
  std::chrono::milliseconds partial_line_timeout{60'000};  ///< a half line older than this closes
  std::chrono::milliseconds stop_grace{2'000};             ///< on stop, time left to write in-flight answers
  std::size_t max_connections = 0;  ///< open sessions on one socket; one more is closed at once; 0: no cap
};

}  // namespace smm::daemon::panel
