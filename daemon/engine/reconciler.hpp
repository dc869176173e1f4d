#pragma once
// Reconciliation of `unknown` orders (docs/rules.md "Unknown orders", design.md "Nothing lost,
// nothing ordered twice" 3): an add that was written and got no definitive answer may exist
// upstream, so it is never resent on a guess. Where the provider allows it, evidence settles it:
//
//  a. idempotency_key providers: the add is sent again with the same `request_id` (every add to
//     them carries one). An order id back is the order (the original, or created now: either
//     way the only one); a definitive refusal proves nothing exists; anything else waits for the
//     next interval.
//  b. order_ids_increasing + status_own_orders_only providers: the unknown add lies between our
//     nearest orders placed before it and sent after its call deadline. Unknown orders whose
//     ranges share ids are decided together: every id of their ranges is asked with
//     multi-status; the ids that answer and are not in our journal are orphans our key created.
//     An orphan only one of them can have created (its range, its remains) is that one's: found;
//     one whose range holds no orphan left: absent (queued again); anything else: inconclusive,
//     with the candidates in the note.
//  c. other providers: nothing automatic; the note says so once and an operator resolves.
//
// Decisions are the lifecycle's (event_kind::reconciled); the reconciler gathers evidence and
// journals it in the order's note. It keeps only the ids of unknown orders (fed by
// engine_context::apply and recovery), so its work is proportional to them.
// Thread safety: the engine's strand.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/engine/engine_context.hpp"

namespace smm::daemon {

/// One unknown order of a bracketing pass: the open id range its add may have created an
/// order in (lo and hi are ours; lo == INT64_MIN: no lower bound, hi == INT64_MAX: not closed).
struct bracket_range {
  std::int64_t order_id = 0;
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};

/// Groups ranges whose open intervals overlap (an orphan in one could come from the other):
/// indexes into `ranges`, each group ordered by lo. Pure.
std::vector<std::vector<std::size_t>> overlapping_groups(const std::vector<bracket_range>& ranges);

/// Which unknown orders created which orphans (ids of our key that no journaled order has).
struct orphan_attribution {
  std::vector<int> found;    ///< per member: the orphan it created (index), -1: not proven
  std::vector<char> absent;  ///< per member: proven to have created none
  std::vector<char> taken;   ///< per orphan: attributed to a member
  int unexplained = -1;      ///< an orphan no member can have created (-1: none)
};

/// Attributes orphans to the members that can have created them (`candidates`: per orphan,
/// the members whose id range holds it and that it fits), repeatedly: an orphan with one
/// candidate left is that member's (an add creates at most one order); a member whose whole
/// range was asked (`bounded`) and none of whose candidate orphans is left created nothing.
/// Anything else stays unproven. An orphan that no member is left to explain means the
/// assumptions do not hold (`unexplained`). Pure.
orphan_attribution attribute_orphans(std::size_t members,
                                     const std::vector<std::vector<std::size_t>>& candidates,
                                     const std::vector<char>& bounded);

/// Reconciles unknown orders with their providers every `daemon.reconcile_interval_s`.
class reconciler {
 public:
  explicit reconciler(engine_context& ctx);
  void start();
  void stop();
  /// An order became (or was found) `unknown`: it is considered at the next pass.
  void watch(std::int64_t id);
  /// Orders watched now.
  std::size_t watched() const { return watch_.size(); }

 private:
  /// What is remembered of one watched order between passes.
  struct entry {
    bool lower_looked = false;  ///< the lower bracket was looked up (fixed once looked up)
    std::optional<store::store_reader::bracket_order> lower;
    std::optional<store::store_reader::bracket_order> upper;
    bool cursor_set = false;
    store::store_reader::placement_cursor cursor;  ///< where the search for the upper goes on
  };
  /// One member of a bracketing pass.
  struct member {
    std::int64_t id = 0;
    std::string problem;    ///< why its range is not fully bounded (or not to be trusted)
    bool blocking = false;  ///< the problem breaks bracketing for every order sharing its ids
    bracket_range range;
  };

  boost::asio::awaitable<void> loop(std::shared_ptr<engine_context> keep);
  void pass();
  boost::asio::awaitable<void> by_request_id(std::shared_ptr<engine_context> keep, std::size_t provider,
                                             std::vector<std::int64_t> ids);
  boost::asio::awaitable<void> by_bracket(std::shared_ptr<engine_context> keep, std::size_t provider,
                                          std::vector<std::int64_t> ids);
  member bracket_of(std::size_t provider, order_record& r);
  boost::asio::awaitable<void> settle_group(std::shared_ptr<engine_context> keep, std::size_t provider,
                                            std::vector<member> group);
  /// The order's unknown record, if it may still be reconciled now.
  order_record* open(std::int64_t id);
  /// Journals the finding through the lifecycle. Inconclusive: only when `note` differs from
  /// the order's last note (once per distinct finding, also across restarts).
  void conclude(order_record& r, reconcile_finding f, std::string note,
                std::optional<std::string> provider_order_id = std::nullopt);

  engine_context& ctx_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::unordered_map<std::int64_t, entry> watch_;
  std::vector<char> running_;  ///< per provider: a pass is in flight
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace smm::daemon
