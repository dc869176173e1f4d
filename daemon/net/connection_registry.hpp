#pragma once
// The open connections of one listener: how many there are, the cap on them, and how stop()
// reaches each one. A connection holds a lease for its place; releasing the lease (or
// destroying it) takes the connection off the registry. No asio here: the listener
// (daemon/net/listener.hpp) fills the registry, and a test can drive it without a socket.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace smm::daemon::net {

/// What a listener asks of an open connection when it stops. Each face's session implements it.
/// Thread safety: called from the listener's strand; implementations post onto their own strand.
class connection {
 public:
  virtual ~connection() = default;
  /// Graceful stop: read no more requests, write the answers in flight, then close.
  virtual void stop() = 0;
  /// Close at once (the listener's stop grace period is over).
  virtual void close() = 0;
};

class connection_registry;

/// One connection's place in a registry, given up exactly once: by release() or the destructor.
/// Thread safety: one owner at a time (the connection, on its strand).
class connection_lease {
 public:
  connection_lease() = default;
  connection_lease(std::weak_ptr<connection_registry> owner, std::uint64_t id)
      : owner_(std::move(owner)), id_(id) {}
  connection_lease(connection_lease&& other) noexcept;
  connection_lease& operator=(connection_lease&& other) noexcept;
  connection_lease(const connection_lease&) = delete;
  connection_lease& operator=(const connection_lease&) = delete;
  ~connection_lease() { release(); }

  /// Takes the connection off the registry (it is closed). Later calls do nothing.
  void release();
  /// The registry's id of the connection.
  std::uint64_t id() const { return id_; }

 private:
  std::weak_ptr<connection_registry> owner_;
  std::uint64_t id_ = 0;
};

/// The connections of one listener, all its sockets together.
/// Thread safety: every member from any thread (one mutex, never held while calling out).
class connection_registry : public std::enable_shared_from_this<connection_registry> {
 public:
  /// `max_connections` 0: no cap.
  explicit connection_registry(std::size_t max_connections = 0) : max_(max_connections) {}

  /// A place for a new connection, or nullopt when the cap is reached (the caller closes the
  /// socket). The registry must be owned by a shared_ptr.
  std::optional<connection_lease> reserve();
  /// Makes `c` reachable by snapshot() under its lease's id; a lease already released stays
  /// released (a connection that ended at once is not brought back).
  void attach(std::uint64_t id, const std::shared_ptr<connection>& c);
  /// The connections open now (those attached and still alive).
  std::vector<std::shared_ptr<connection>> snapshot() const;
  /// Places held now (reserved or attached, not released).
  std::size_t size() const;
  std::size_t max_connections() const { return max_; }
  /// Called after a release leaves the registry empty (on the releasing thread, no lock held).
  /// Set it before the first reserve().
  void on_empty(std::function<void()> fn) { on_empty_ = std::move(fn); }

 private:
  friend class connection_lease;
  void release(std::uint64_t id);

  const std::size_t max_;
  std::function<void()> on_empty_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> open_;
  std::uint64_t next_id_ = 1;
};

}  // namespace smm::daemon::net
