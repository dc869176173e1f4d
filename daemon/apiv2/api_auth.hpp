#pragma once
// Authentication of the API v2 endpoint: panel keys and a limit on failed attempts.
//
// Keys are kept only as SHA-256 digests and a presented key is compared, digest against
// digest with CRYPTO_memcmp, with every configured key (no early exit), so neither the
// comparison time nor a log line tells anything about a key. Pure (OpenSSL's libcrypto only).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace smm::daemon::apiv2 {

/// The panel keys. Thread safety: every method may be called from any thread; set() swaps
/// the whole set atomically (a config reload).
class key_ring {
 public:
  key_ring() = default;
  explicit key_ring(const std::vector<panel_key>& keys) { set(keys); }

  /// Replaces every key. Keys that are empty are skipped (they could never be presented).
  void set(const std::vector<panel_key>& keys);
  /// The name of the panel whose key this is, or nothing.
  std::optional<std::string> find(std::string_view key) const;
  std::size_t size() const;

 private:
  struct entry {
    std::string name;
    std::array<unsigned char, 32> digest{};
  };
  mutable std::mutex mu_;
  std::vector<entry> entries_;
};

/// Counts failed attempts per client (a peer address, a peer uid). A client with
/// `max_failures` failures inside one window is blocked until the window that started with
/// its first failure ends; then it starts over. Memory is bounded: at most `max_clients`
/// clients are tracked (expired ones are dropped first, then the oldest window).
/// Thread safety: every method may be called from any thread.
class attempt_limiter {
 public:
  using clock = std::chrono::steady_clock;

  explicit attempt_limiter(std::size_t max_failures = 10,
                           std::chrono::seconds window = std::chrono::seconds(60),
                           std::size_t max_clients = 10'000);

  /// True while `client` must be refused without looking at its key.
  bool blocked(const std::string& client, clock::time_point now = clock::now());
  /// Records one failed attempt.
  void failure(const std::string& client, clock::time_point now = clock::now());
  /// Failed attempts of `client` in its current window.
  std::size_t failures(const std::string& client, clock::time_point now = clock::now());
  /// Clients tracked (tests).
  std::size_t tracked() const;

 private:
  struct window_state {
    clock::time_point start;
    std::size_t failures = 0;
  };
  void prune(clock::time_point now);

  std::size_t max_failures_;
  clock::duration window_;
  std::size_t max_clients_;
  mutable std::mutex mu_;
  std::map<std::string, window_state, std::less<>> clients_;
};

/// The limiter's slot of a wrong key: the peer and a short digest of the key it presented, so a
/// client repeating a bad key is refused without locking out another panel on the same host
/// that presents its own, right key. Never the key itself.
std::string failed_key_slot(std::string_view client, std::string_view presented_key);

/// How long to hold the answer to a peer's next failed attempt: nothing below `free_failures`
/// failures in its window, then 100 ms doubling per failure up to 2 s. Slows a key search down
/// before any refusal, and a right key is never delayed.
std::chrono::milliseconds failure_delay(std::size_t peer_failures, std::size_t free_failures);

}  // namespace smm::daemon::apiv2
