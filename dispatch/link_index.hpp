#pragma once
// Which orders are running on each normalized link, and the newest order ever placed
// on it (refill rule 5). Keyed by the link hash; in memory, rebuilt from the store.
// The newest-placement table is read on the hot path (every refill check), so it is a
// flat open-addressing table: one probe, usually one cache line, no node chasing. The
// engine forgets placements older than any refill check can meet (forget_placements_before),
// so it holds the links placed within the refill guarantee, not every link ever. Nearly every
// running link has one order, so the running sets are a flat table of link -> order (16 bytes
// a link) with the rare links that have more in a map of their own.
// Thread safety: none; owned by the dispatcher's strand.
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace smm {

/// An order placed on a link, and when.
struct link_placement {
  std::int64_t placed_at = 0;  ///< Unix seconds
  std::int64_t order_id = 0;   ///< panel order id

  /// Later placement first; the same second is broken by the higher panel id (ids grow).
  bool newer_than(const link_placement& o) const {
    return placed_at != o.placed_at ? placed_at > o.placed_at : order_id > o.order_id;
  }
};

/// The duplicate-link index.
class link_index {
 public:
  /// Marks an order as running on the link (idempotent).
  void add_running(std::uint64_t link, std::int64_t order_id);
  /// Removes a running order (call when it becomes final). False if it was not there.
  bool remove_running(std::uint64_t link, std::int64_t order_id);
  /// Orders running on the link, in the order they were added. Valid until the next change of
  /// the running sets.
  std::span<const std::int64_t> running(std::uint64_t link) const;
  /// True when any order is running on the link: the duplicate-link policy applies.
  bool has_running(std::uint64_t link) const { return !running(link).empty(); }
  /// Links with at least one running order.
  std::size_t running_links() const { return running_one_.size() + running_more_.size(); }
  /// Room for `n` links running one order each, allocated now rather than by doubling later.
  void reserve_running(std::size_t n) { running_one_.reserve(n); }

  /// Notes a placement; keeps only the newest per link.
  void record_placement(std::uint64_t link, std::int64_t order_id, std::int64_t placed_at);
  /// The newest order placed on the link, if any.
  std::optional<link_placement> newest_placement(std::uint64_t link) const noexcept;
  /// Links with a recorded placement.
  std::size_t placed_links() const { return placed_count_; }
  /// Drops the placements made before `t` (Unix seconds) and shrinks the table to fit what is
  /// left; returns how many were dropped. O(table): for periodic maintenance, not the hot path.
  std::size_t forget_placements_before(std::int64_t t);

 private:
  struct slot {
    std::uint64_t link = 0;  // 0 marks an empty slot; a real hash 0 is stored as 1
    link_placement newest;
  };
  std::size_t find_slot(std::uint64_t key) const noexcept;
  void grow();

  // A link is in at most one of them: one running order, or two or more (in the order added).
  boost::unordered_flat_map<std::uint64_t, std::int64_t> running_one_;
  std::unordered_map<std::uint64_t, std::vector<std::int64_t>> running_more_;
  std::vector<slot> slots_;  // size is a power of two, at most half full
  std::size_t placed_count_ = 0;
};

}  // namespace smm
