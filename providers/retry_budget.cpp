#include "providers/retry_budget.hpp"

#include <algorithm>

namespace smm::providers {

retry_budget::retry_budget(retry_budget_policy policy) : policy_(policy) {
  policy_.buckets = std::max<std::uint32_t>(policy_.buckets, 1);
  // window / buckets rounded up to the clock tick, and never zero.
  const auto ticks = std::max<clock::rep>(policy_.window.count(), 1);
  step_ = clock::duration{(ticks + policy_.buckets - 1) / policy_.buckets};
  buckets_.resize(policy_.buckets);
}

retry_budget::bucket& retry_budget::current(clock::time_point now) {
  const std::int64_t epoch = now.time_since_epoch() / step_;
  bucket& b = buckets_[static_cast<std::size_t>(epoch % policy_.buckets)];
  if (b.epoch != epoch) b = bucket{epoch, 0, 0};
  return b;
}

std::uint64_t retry_budget::available(clock::time_point now) {
  const std::int64_t epoch = now.time_since_epoch() / step_;
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  for (const bucket& b : buckets_) {
    // Only the buckets of the last `buckets` steps count.
    if (b.epoch >= 0 && b.epoch <= epoch && epoch - b.epoch < static_cast<std::int64_t>(policy_.buckets)) {
      requests += b.requests;
      retries += b.retries;
    }
  }
  // Rounds down: the budget never exceeds the configured share.
  const std::uint64_t allowed =
      std::max<std::uint64_t>(policy_.min_retries, requests * policy_.percent / 100);
  return allowed > retries ? allowed - retries : 0;
}

void retry_budget::record_request(clock::time_point now) { ++current(now).requests; }

bool retry_budget::try_spend_retry(clock::time_point now) {
  if (available(now) == 0) return false;
  ++current(now).retries;
  return true;
}

}  // namespace smm::providers
