#include "daemon/auth/panel_gate.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>

namespace smm::daemon::auth {

namespace {

std::array<unsigned char, 32> digest_of(std::string_view text) {
  std::array<unsigned char, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d.data());
  return d;
}

}  // namespace

void key_ring::set(const std::vector<panel_key>& keys) {
  std::vector<entry> next;
  next.reserve(keys.size());
  for (const auto& k : keys)
    if (!k.key.empty()) next.push_back(entry{k.name, digest_of(k.key.reveal())});
  std::lock_guard lock(mu_);
  entries_.swap(next);
}

std::optional<std::string> key_ring::find(std::string_view key) const {
  if (key.empty()) return std::nullopt;
  const auto presented = digest_of(key);
  std::lock_guard lock(mu_);
  const entry* found = nullptr;
  // Every entry is compared, whichever matches: the time does not depend on the position.
  for (const auto& e : entries_) {
    const bool same = CRYPTO_memcmp(e.digest.data(), presented.data(), presented.size()) == 0;
    if (same && found == nullptr) found = &e;
  }
  if (found == nullptr) return std::nullopt;
  return found->name;
}

std::size_t key_ring::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

attempt_limiter::attempt_limiter(std::size_t max_failures, std::chrono::seconds window,
                                 std::size_t max_clients)
    : max_failures_(std::max<std::size_t>(max_failures, 1)),
      window_(window),
      max_clients_(std::max<std::size_t>(max_clients, 1)) {}

bool attempt_limiter::blocked(const std::string& client, clock::time_point now) {
  std::lock_guard lock(mu_);
  const auto it = clients_.find(client);
  if (it == clients_.end()) return false;
  if (now - it->second.start >= window_) {
    clients_.erase(it);
    return false;
  }
  return it->second.failures >= max_failures_;
}

void attempt_limiter::failure(const std::string& client, clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(client);
  if (it != clients_.end() && now - it->second.start >= window_) {
    clients_.erase(it);
    it = clients_.end();
  }
  if (it == clients_.end()) {
    if (clients_.size() >= max_clients_) prune(now);
    it = clients_.emplace(client, window_state{now, 0}).first;
  }
  ++it->second.failures;
}

void attempt_limiter::prune(clock::time_point now) {
  std::erase_if(clients_, [&](const auto& kv) { return now - kv.second.start >= window_; });
  if (clients_.size() < max_clients_) return;
  // Still full: forget the client whose window started first (it is closest to its end).
  auto oldest = std::min_element(clients_.begin(), clients_.end(), [](const auto& a, const auto& b) {
    return a.second.start < b.second.start;
  });
  clients_.erase(oldest);
}

std::size_t attempt_limiter::failures(const std::string& client, clock::time_point now) {
  std::lock_guard lock(mu_);
  const auto it = clients_.find(client);
  if (it == clients_.end() || now - it->second.start >= window_) return 0;
  return it->second.failures;
}

std::size_t attempt_limiter::tracked() const {
  std::lock_guard lock(mu_);
  return clients_.size();
}

std::string failed_key_slot(std::string_view client, std::string_view presented_key) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto d = digest_of(presented_key);
  std::string slot(client);
  slot += " key:";
  for (std::size_t i = 0; i < 8; ++i) {  // 64 bits: enough to tell keys apart, useless to invert
    slot += hex[d[i] >> 4];
    slot += hex[d[i] & 0xf];
  }
  return slot;
}

std::chrono::milliseconds failure_delay(std::size_t peer_failures, std::size_t free_failures) {
  if (peer_failures < free_failures) return std::chrono::milliseconds(0);
  const std::size_t doublings = std::min<std::size_t>(peer_failures - free_failures, 5);
  return std::min(std::chrono::milliseconds(100 << doublings), std::chrono::milliseconds(2000));
}

panel_gate::panel_gate(const std::vector<panel_key>& keys, std::size_t max_failed_attempts,
                       std::chrono::seconds window)
    : keys_(keys),
      max_failed_attempts_(max_failed_attempts),
      by_key_(max_failed_attempts, window),
      by_peer_(max_failed_attempts, window) {}

void panel_gate::set_keys(const std::vector<panel_key>& keys) { keys_.set(keys); }

std::size_t panel_gate::key_count() const { return keys_.size(); }

key_verdict panel_gate::check(const std::string& client, std::string_view key) {
  key_verdict v;
  v.panel = keys_.find(key);
  if (v.panel) return v;
  // A right key is always served; a wrong one is slowed down per peer, then refused per peer
  // and key, so a panel on the same host is never locked out by another's mistakes.
  const std::size_t peer_failures = by_peer_.failures(client);
  by_peer_.failure(client);
  v.delay = failure_delay(peer_failures, max_failed_attempts_);
  const std::string slot = failed_key_slot(client, key);
  if (by_key_.blocked(slot)) {
    v.throttled = true;
    return v;
  }
  by_key_.failure(slot);
  return v;
}

}  // namespace smm::daemon::auth
