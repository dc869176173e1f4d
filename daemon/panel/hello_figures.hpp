#pragma once
// What the panel socket counts about panels identifying themselves (`hello`), as plain data
// for the metrics endpoint (no asio).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace smm::daemon::panel {

/// How a hello ended.
enum class hello_outcome : std::uint8_t {
  ok,         ///< a panel's key: the connection speaks for that panel
  wrong_key,  ///< no panel's key (or none configured): refused, counted for the client
  throttled,  ///< refused unchecked: the client repeated this wrong key too often
};
inline constexpr std::size_t hello_outcome_count = 3;
inline constexpr std::array<std::string_view, hello_outcome_count> hello_outcome_names{"ok", "wrong_key",
                                                                                       "throttled"};

/// A snapshot of the panel socket's hello counters.
struct hello_figures {
  std::array<std::uint64_t, hello_outcome_count> hellos{};  ///< by hello_outcome
  std::uint64_t hello_required = 0;  ///< requests refused because the connection had not said hello
};

}  // namespace smm::daemon::panel
