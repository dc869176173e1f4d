#pragma once
// What the mock saw: every `add` with its outcome and whether its answer reached the
// client, request counts per action, and requests in flight (current and peak).
//
// Thread safety: in-flight counters are atomic; the rest is serialised by the owner.
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smm::mock {

/// One `add` request as received. It created an order when `order_id` is set and it was not
/// `replayed` (the audit's "created"): counting those per link counts the orders on a link.
struct add_record {
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;  ///< provider clock
  std::string key_hash;      ///< FNV-1a of the key, never the key itself
  std::string service;
  std::string link;
  std::int64_t quantity = 0;
  std::optional<std::string> order_id;  ///< the order it created
  std::string error;                    ///< the error it answered
  std::string fault;                    ///< the fault applied, empty for none
  std::string request_id;               ///< the idempotency key sent, empty for none
  bool replayed = false;                ///< answered with the order an earlier add created (request_id)
  enum class delivery { pending, delivered, lost } delivered = delivery::pending;
};

/// Hex FNV-1a 64 of a key: lets an audit tell keys apart without storing them.
std::string key_hash(std::string_view key);

/// The audit trail of one provider.
class audit_log {
 public:
  /// Stores an add and returns its sequence number (from 1).
  std::uint64_t record_add(add_record record);
  /// Marks whether the answer of add `seq` was written completely.
  void mark_delivery(std::uint64_t seq, bool delivered);
  /// Counts one request of `action` ("" counts as "none").
  void count(const std::string& action);
  /// Enters/leaves the in-flight window of an API request; updates the peak.
  void enter();
  void leave();
  std::int64_t in_flight() const { return in_flight_.load(); }
  std::int64_t peak_in_flight() const { return peak_.load(); }
  std::uint64_t requests() const { return requests_; }
  const std::vector<add_record>& adds() const { return adds_; }
  /// Forgets everything but the requests in flight (the peak restarts from them).
  void reset();
  /// {"adds":[...],"counts":{...},"requests":N,"in_flight":n,"peak_in_flight":p}
  std::string to_json() const;
  /// {"add":3,"status":1}
  std::string counts_json() const;

 private:
  std::vector<add_record> adds_;
  std::map<std::string, std::uint64_t> counts_;
  std::uint64_t requests_ = 0;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> peak_{0};
};

}  // namespace smm::mock
