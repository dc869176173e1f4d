#pragma once
// Who a panel is, for every face that panels use (the API v2 endpoint and the NDJSON panel
// socket's `hello`): the panel keys of `[[daemon.panel_keys]]` and the limit on wrong keys.
//
// Keys are kept only as SHA-256 digests and a presented key is compared, digest against
// digest with CRYPTO_memcmp, with every configured key (no early exit), so neither the
// comparison time nor a log line tells anything about a key. A client (a unix peer's uid, a
// TCP peer's address) that presents wrong keys is slowed down, then refused per presented key,
// on both faces together: one gate serves them all. A right key is always served.
// Pure (OpenSSL's libcrypto only).
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

namespace smm::daemon::auth {

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

/// What the gate says about one presented key.
struct key_verdict {
  std::optional<std::string> panel;    ///< the panel whose key it is: serve it, at once
  bool throttled = false;              ///< wrong, and this client repeated it too often: refuse it
  std::chrono::milliseconds delay{0};  ///< wrong: hold the answer this long first
};

/// The panel keys with the wrong-key limits, shared by every face. Thread safety: every
/// method may be called from any thread.
class panel_gate {
 public:
  /// `max_failed_attempts` wrong keys per client and presented key in `window`, then that key
  /// is refused until the window ends; beyond that many wrong keys of any kind, the client's
  /// wrong-key answers are delayed (failure_delay).
  explicit panel_gate(const std::vector<panel_key>& keys, std::size_t max_failed_attempts = 10,
                      std::chrono::seconds window = std::chrono::seconds(60));

  /// Replaces the keys (config reload); the failure counts stay.
  void set_keys(const std::vector<panel_key>& keys);
  /// Keys in use.
  std::size_t key_count() const;
  /// Checks `key` for `client` ("uid:1000", "ip:127.0.0.1": the same client on every face) and
  /// counts it when wrong. The key is never kept, logged or put in the verdict.
  key_verdict check(const std::string& client, std::string_view key);

 private:
  key_ring keys_;
  std::size_t max_failed_attempts_;
  attempt_limiter by_key_;   ///< per client and presented key: refuses a repeated wrong key
  attempt_limiter by_peer_;  ///< per client, any wrong key: how much to slow its answers down
};

}  // namespace smm::daemon::auth
