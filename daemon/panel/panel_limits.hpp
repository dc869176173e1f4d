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
  std::size_t max_output_bytes = 8u << 20;              ///< queued answers: stop reading above
  /// A subscriber this far behind (queued output) is disconnected; it resumes by seq.
  std::size_t max_subscriber_backlog_bytes = 64u << 20;
  std::size_t max_pending_requests = 100'000;              ///< parsed, not yet answered: stop reading above
  std::size_t max_batch_orders = 10'000;                   ///< orders in one merged engine add call
  std::chrono::milliseconds partial_line_timeout{60'000};  ///< a half line older than this closes
  std::chrono::milliseconds stop_grace{2'000};             ///< on stop, time left to write in-flight answers
  std::size_t max_connections = 0;  ///< open sessions on one socket; one more is closed at once; 0: no cap
};

}  // namespace smm::daemon::panel
