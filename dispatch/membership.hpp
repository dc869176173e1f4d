#pragma once
// Several daemons on one database (docs/scale-out.md): who is alive, who may send, how a
// provider's limits are split. Pure decisions over the member rows the database returns, with
// the database's clock, so no two machines' clocks are ever compared.
#include <cstdint>
#include <string>
#include <vector>

namespace smm {

/// One daemon's row in the members table, as read in one query with the database's `now`.
struct member_row {
  std::int64_t id = 0;              ///< from the database, never reused
  std::string name;                 ///< for the operator (host:pid or the configured name)
  std::int64_t lease_until_ms = 0;  ///< the last heartbeat's lease end, database clock
  bool left = false;                ///< stopped cleanly, or taken over: its orders have a new owner
};

/// What one member concludes from the rows.
struct membership_view {
  /// Members whose lease runs at `now`, ascending id (this one among them unless fenced).
  std::vector<std::int64_t> live;
  /// The members among which the providers' limits are split, ascending id: the live ones and
  /// those whose lease ended less than `grace` ago (late, or dying with adds still on the wire:
  /// their share is not handed out until they are dead).
  std::vector<std::int64_t> sharing;
  /// Members whose lease ended more than `grace` ago and whose orders nobody took over yet:
  /// the survivors take them over (their `sending` orders become unknown).
  std::vector<std::int64_t> dead;
  /// This member's index in `sharing` (0 when fenced).
  std::uint32_t rank = 0;
  /// This member's own lease ran out (a long pause, a lost database): it must not write
  /// another add until a heartbeat renews the lease, since a survivor may be taking its
  /// orders over right now.
  bool fenced = false;
};

/// Reads the rows at the database time `now_ms`. A lease that ended less than `grace_ms` ago
/// is neither live nor dead: its owner may only be late, so nobody takes over yet and its share
/// of the limits stays its own. `grace_ms` must exceed the longest add call, so that a dead
/// member has nothing left on the wire when the others take its share and its orders.
membership_view evaluate_membership(const std::vector<member_row>& rows, std::int64_t self,
                                    std::int64_t now_ms, std::int64_t grace_ms);

/// This member's share of a cluster-wide limit (a provider's max_in_flight or requests per
/// second) split among `members` live members: limit / members rounded down, plus one for the
/// first limit % members ranks, so the shares add up to exactly `limit` and never more. A
/// share of 0 (more members than the limit) means: this member sends nothing to that provider.
std::uint32_t member_share(std::uint32_t limit, std::uint32_t members, std::uint32_t rank);

}  // namespace smm
