#pragma once
// What the panel socket counts about connections it closed on a per-connection limit, as plain
// data for the metrics endpoint (no asio), and the counters its sessions share.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace smm::daemon::panel {

/// Why a session was closed by the daemon (a client's own close is not counted).
enum class panel_close : std::uint8_t {
  output_limit,  ///< answers and events not taken by the client over panel_limits.max_output_bytes
  timeout,       ///< a request line not finished within panel_limits.partial_line_timeout
};
inline constexpr std::size_t panel_close_count = 2;
inline constexpr std::array<std::string_view, panel_close_count> panel_close_names{"output_limit", "timeout"};

/// A snapshot of the counters.
struct panel_close_figures {
  std::array<std::uint64_t, panel_close_count> closes{};  ///< by panel_close
};

/// The counters of one listener's sessions. Thread safety: any thread.
class panel_close_counters {
 public:
  void count(panel_close why) {
    closes_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  }
  panel_close_figures figures() const {
    panel_close_figures f;
    for (std::size_t i = 0; i < panel_close_count; ++i)
      f.closes[i] = closes_[i].load(std::memory_order_relaxed);
    return f;
  }

 private:
  std::array<std::atomic<std::uint64_t>, panel_close_count> closes_{};
};

}  // namespace smm::daemon::panel
