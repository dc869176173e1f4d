#pragma once
// Samples smm-dispatchd's placed-order counter on its admin socket: `overview` round trips
// (result.placement.placed), each with the daemon's CPU time when its pid is known. What the
// samples mean is placement_stats.hpp's business.
// Thread safety: none. Use from one executor, one sample() at a time.
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/demo/panel_connection.hpp"
#include "tools/loadgen/placement_stats.hpp"

namespace smm::loadgen {

/// The placed counter of an `overview` answer line; nullopt when the line is not a successful
/// answer carrying result.placement.placed. Pure.
std::optional<std::int64_t> placed_of_overview(std::string_view line);

/// One admin-socket connection taking placement samples.
class placement_watch {
 public:
  /// `daemon_pid` 0: samples carry no CPU time.
  placement_watch(boost::asio::any_io_executor ex, std::string admin_socket, pid_t daemon_pid);

  /// Connects to the admin socket. Throws boost::system::system_error on failure.
  boost::asio::awaitable<void> connect();
  /// One `overview` round trip, appended to samples(). Throws std::runtime_error when the answer
  /// carries no placed counter, or on a socket error.
  boost::asio::awaitable<void> sample();
  /// Closes the connection. Never throws.
  void close() noexcept { conn_.close(); }

  const std::vector<placement_sample>& samples() const { return samples_; }
  /// Orders placed since the first sample (0 before two samples).
  std::int64_t placed_since_first() const {
    return samples_.empty() ? 0 : samples_.back().placed - samples_.front().placed;
  }

 private:
  demo::panel_connection conn_;
  std::string path_;
  pid_t pid_;
  std::int64_t next_id_ = 1;
  std::vector<placement_sample> samples_;
};

}  // namespace smm::loadgen
