#include "dispatch/membership.hpp"

#include <algorithm>

namespace smm {

membership_view evaluate_membership(const std::vector<member_row>& rows, std::int64_t self,
                                    std::int64_t now_ms, std::int64_t grace_ms) {
  membership_view v;
  bool self_live = false;
  for (const auto& m : rows) {
    if (m.left) continue;
    if (m.lease_until_ms > now_ms) {
      v.live.push_back(m.id);
      v.sharing.push_back(m.id);
      self_live = self_live || m.id == self;
    } else if (m.lease_until_ms + grace_ms <= now_ms) {
      if (m.id != self) v.dead.push_back(m.id);  // this one, when it wakes up: only fenced
    } else {
      v.sharing.push_back(m.id);  // late: keeps its share until it is dead
    }
  }
  std::sort(v.live.begin(), v.live.end());
  std::sort(v.sharing.begin(), v.sharing.end());
  std::sort(v.dead.begin(), v.dead.end());
  v.fenced = !self_live;
  if (self_live)
    v.rank =
        static_cast<std::uint32_t>(std::find(v.sharing.begin(), v.sharing.end(), self) - v.sharing.begin());
  return v;
}

std::uint32_t member_share(std::uint32_t limit, std::uint32_t members, std::uint32_t rank) {
  if (members == 0 || rank >= members) return 0;
  return limit / members + (rank < limit % members ? 1U : 0U);
}

}  // namespace smm
