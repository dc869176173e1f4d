#include "providers/client/client_figures.hpp"

#include <algorithm>

namespace smm::providers {

std::string_view to_string(call_outcome o) {
  switch (o) {
    case call_outcome::ok:
      return "ok";
    case call_outcome::rejected:
      return "rejected";
    case call_outcome::retry_later:
      return "retry_later";
    case call_outcome::pause_provider:
      return "pause_provider";
    case call_outcome::unknown:
      return "unknown";
    case call_outcome::failed:
      return "failed";
    case call_outcome::breaker_open:
      return "breaker_open";
    case call_outcome::queue_full:
      return "queue_full";
    case call_outcome::cancelled:
      return "cancelled";
  }
  return "?";
}

std::uint64_t client_figures::total(action a) const {
  std::uint64_t n = 0;
  for (auto v : calls[static_cast<std::size_t>(a)]) n += v;
  return n;
}

std::uint64_t client_figures::total(call_outcome o) const {
  std::uint64_t n = 0;
  for (const auto& row : calls) n += row[static_cast<std::size_t>(o)];
  return n;
}

void client_figures::record(action a, call_outcome o, std::chrono::microseconds latency) {
  ++calls[static_cast<std::size_t>(a)][static_cast<std::size_t>(o)];
  const auto us = std::max<std::int64_t>(latency.count(), 0);
  latency_sum_us += static_cast<std::uint64_t>(us);
  // Bucket i holds latencies in (bound[i-1], bound[i]] ms; microseconds compare exactly.
  const auto it = std::lower_bound(latency_bucket_ms.begin(), latency_bucket_ms.end(), us,
                                   [](std::int64_t bound_ms, std::int64_t v) { return bound_ms * 1000 < v; });
  ++latency_buckets[static_cast<std::size_t>(it - latency_bucket_ms.begin())];
}

}  // namespace smm::providers
