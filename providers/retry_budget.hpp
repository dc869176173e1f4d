#pragma once
// Caps retries to a share of recent requests so a sick provider is not hammered by retry
// storms: retries in the window <= max(min_retries, requests * percent / 100).
#include <chrono>
#include <cstdint>
#include <vector>

namespace smm::providers {

/// Budget settings.
struct retry_budget_policy {
  std::uint32_t percent = 20;      ///< retries allowed per 100 first attempts in the window
  std::uint32_t min_retries = 10;  ///< always allowed in the window, even with few requests
  std::chrono::steady_clock::duration window{std::chrono::seconds{10}};
  std::uint32_t buckets = 10;  ///< the window slides in steps of window / buckets
};

/// Sliding-window retry budget. Thread safety: none; owned by one provider client's strand.
class retry_budget {
 public:
  using clock = std::chrono::steady_clock;

  explicit retry_budget(retry_budget_policy policy = {});

  /// Count a first attempt.
  void record_request(clock::time_point now);
  /// Spend one retry if the budget allows it at `now`; false means do not retry.
  bool try_spend_retry(clock::time_point now);
  /// Retries still allowed at `now`: max(min, floor(requests * percent / 100)) - retries.
  std::uint64_t available(clock::time_point now);

 private:
  struct bucket {
    std::int64_t epoch = -1;  // which step of time this bucket holds
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
  };
  bucket& current(clock::time_point now);

  retry_budget_policy policy_;
  clock::duration step_;
  std::vector<bucket> buckets_;
};

}  // namespace smm::providers
