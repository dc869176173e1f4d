#pragma once
// The API v2 endpoint's connections that have not yet presented a valid key ("on
// probation"), oldest first, and their own share of the connection cap. When that share is
// full, a new connection takes the place of the oldest one, which is stopped (closed at once,
// or after the answer it is writing): idle, slowloris and key-guessing sockets can neither
// take more than their share of the cap nor keep a panel's new connection out. A connection
// leaves probation as soon as a request of it carries a valid key, so a request whose answer
// may be an order's id is never cut. No asio: the server stops what this names.
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "daemon/net/connection_registry.hpp"

namespace smm::daemon::apiv2 {

/// Thread safety: every member from any thread (one mutex, never held while calling out).
class probation {
 public:
  /// At most `max` connections (at least 1) on probation at once.
  explicit probation(std::size_t max);

  /// Puts connection `id` on probation. When the share is full, the oldest connection on
  /// probation leaves it and is returned, for the caller to stop() (nullptr: none, or gone).
  std::shared_ptr<net::connection> admit(std::uint64_t id, const std::weak_ptr<net::connection>& c);
  /// `id` presented a valid key, or closed: it leaves probation. Unknown ids are ignored.
  void leave(std::uint64_t id);
  /// Connections on probation now.
  std::size_t size() const;
  std::size_t max() const { return max_; }

 private:
  struct entry {
    std::uint64_t id = 0;
    std::weak_ptr<net::connection> connection;
  };
  const std::size_t max_;
  mutable std::mutex mutex_;
  std::list<entry> entries_;  // oldest first
  std::unordered_map<std::uint64_t, std::list<entry>::iterator> index_;
};

}  // namespace smm::daemon::apiv2
