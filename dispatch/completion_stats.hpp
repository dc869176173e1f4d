#pragma once
// Average completion time per service, measured from real orders (domain.md "Delivery
// time"). Integer seconds only: a sum and a count per service, exact.
// Thread safety: none; owned by one strand.
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "dispatch/order.hpp"

namespace smm {

/// Per-service running totals of completion times.
class completion_stats {
 public:
  /// Adds one completion of `duration_s` seconds. Negative durations (clock steps) are
  /// ignored, and so is a sample that would overflow the sum. True if counted.
  bool record(std::int64_t service_id, std::int64_t duration_s);
  /// Adds a Completed order, timed from placement to completion. Other states, and
  /// orders missing either time, are ignored (a Partial order did not complete).
  bool record(const order& o);
  /// Mean seconds for the service, rounded half up (remainder >= count/2 rounds up); none
  /// without samples.
  std::optional<std::int64_t> average_s(std::int64_t service_id) const;
  /// Samples counted for the service.
  std::int64_t count(std::int64_t service_id) const;

 private:
  struct totals {
    std::int64_t sum_s = 0;
    std::int64_t count = 0;
  };
  std::unordered_map<std::int64_t, totals> by_service_;
};

}  // namespace smm
