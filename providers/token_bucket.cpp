#include "providers/token_bucket.hpp"

#include <algorithm>

namespace smm::providers {

token_bucket::token_bucket(std::uint32_t tokens, clock::duration period, std::uint32_t burst) {
  set_rate(tokens, period, burst);
}

void token_bucket::set_rate(std::uint32_t tokens, clock::duration period, std::uint32_t burst) {
  tokens = std::max<std::uint32_t>(tokens, 1);
  burst = std::max<std::uint32_t>(burst, 1);
  const auto ticks = std::max<clock::rep>(period.count(), 1);
  interval_ = clock::duration{(ticks + tokens - 1) / tokens};  // rounds up
  tolerance_ = interval_ * (burst - 1);
}

bool token_bucket::try_take(clock::time_point now) {
  const clock::time_point tat = std::max(tat_, now);
  if (tat - now > tolerance_) return false;
  tat_ = tat + interval_;
  return true;
}

token_bucket::clock::duration token_bucket::time_until_available(clock::time_point now) const {
  const clock::time_point tat = std::max(tat_, now);
  const auto ahead = tat - now;
  return ahead > tolerance_ ? ahead - tolerance_ : clock::duration::zero();
}

void token_bucket::block_until(clock::time_point until) {
  // The next token may be taken at `until`: tat - tolerance == until. The burst does not
  // refill during the block.
  tat_ = std::max(tat_, until + tolerance_);
}

}  // namespace smm::providers
