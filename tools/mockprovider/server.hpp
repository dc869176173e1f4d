#pragma once
// The HTTP/1.1 side of the mock: one loopback listener per provider, keep-alive sessions
// as C++20 coroutines, and the transport faults the providers decide on. This header
// stays free of asio so main.cpp and tests compile fast.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/mockprovider/provider.hpp"

namespace smm::mock {

/// Listener settings shared by every provider of the process.
struct server_options {
  std::string bind = "127.0.0.1";    ///< must be a loopback address
  std::vector<std::uint16_t> ports;  ///< one per provider; 0 picks a free port
  int threads = 1;
  std::size_t body_limit = 1 << 20;       ///< larger request bodies get 413
  std::int64_t idle_timeout_ms = 30'000;  ///< a keep-alive connection idle this long is closed
};

/// True when `address` parses as 127.0.0.0/8 or ::1; else false with the reason.
bool is_loopback_address(const std::string& address, std::string& error);

/// Serves every provider until SIGINT or SIGTERM. Calls `on_listening("127.0.0.1:PORT")`
/// once per provider, in order, after all ports are bound. Returns the exit code
/// (0 after a signal, 2 when binding fails: the reason goes to `on_error`).
int run_server(std::vector<std::unique_ptr<provider>>& providers, const server_options& options,
               const std::function<void(const std::string&)>& on_listening,
               const std::function<void(const std::string&)>& on_error);

}  // namespace smm::mock
