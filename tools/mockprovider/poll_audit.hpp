#pragma once
// How well a client follows the orders it placed here: per order, when it was created and
// every status poll after, so a test can check that each order was asked about within its
// interval (the longest gap, counting from creation and up to now) without timing the client.
// Thread safety: none; the provider's mutex serialises it.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace smm::mock {

/// Poll coverage of one provider.
class poll_audit {
 public:
  /// An order was created (its id as sent to the client).
  void created(const std::string& order_id, std::int64_t now_ms);
  /// One status call named these ids (comma-separated list or one id); calls are counted too.
  void polled(std::string_view ids, std::int64_t now_ms);
  /// {"orders":N,"never_polled":n,"max_gap_ms":g,"late":l,"status_calls":c,"ids_polled":i}: `late`
  /// counts orders whose longest gap (creation to first poll, between polls, last poll to now)
  /// exceeds `late_ms`.
  std::string to_json(std::int64_t now_ms, std::int64_t late_ms) const;
  void reset() { *this = poll_audit{}; }

 private:
  struct entry {
    std::int64_t created_ms = 0;
    std::int64_t last_ms = 0;
    std::int64_t max_gap_ms = 0;
    std::int64_t polls = 0;
  };
  std::unordered_map<std::string, entry> orders_;
  std::int64_t calls_ = 0;
  std::int64_t ids_ = 0;
};

}  // namespace smm::mock
