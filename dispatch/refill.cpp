#include "dispatch/refill.hpp"

#include <array>

namespace smm {

std::string_view to_string(refill_reason r) {
  switch (r) {
    case refill_reason::eligible:
      return "eligible";
    case refill_reason::no_refill_guarantee:
      return "no_refill_guarantee";
    case refill_reason::not_completed:
      return "not_completed";
    case refill_reason::nothing_delivered:
      return "nothing_delivered";
    case refill_reason::guarantee_expired:
      return "guarantee_expired";
    case refill_reason::start_count_unknown:
      return "start_count_unknown";
    case refill_reason::count_not_dropped:
      return "count_not_dropped";
    case refill_reason::dropped_below_start_count:
      return "dropped_below_start_count";
    case refill_reason::start_count_too_high:
      return "start_count_too_high";
    case refill_reason::newer_order_on_link:
      return "newer_order_on_link";
    case refill_reason::refill_in_progress:
      return "refill_in_progress";
    case refill_reason::provider_refused:
      return "provider_refused";
  }
  return "invalid";
}

namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

// a + b, or none when it does not fit in 64 bits.
std::optional<std::int64_t> checked_sum(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

}  // namespace

std::optional<refill_state> refill_state_from_status(std::string_view text) noexcept {
  // Folded: lower case, no spaces, '_' or '-' ("In progress", "IN-PROGRESS", "in_progress").
  constexpr std::size_t max_folded = 48;
  std::array<char, max_folded> buf{};
  std::size_t n = 0;
  for (const char c : text) {
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    if (n == max_folded) return std::nullopt;
    buf[n++] = lower(c);
  }
  const std::string_view s(buf.data(), n);
  if (s.empty()) return std::nullopt;
  // Words that end the refill without refilling win over progress/complete: reading one
  // as running would block the order's next refill request (rule 6) for days.
  if (contains(s, "reject") || contains(s, "cancel") || contains(s, "error") || contains(s, "fail") ||
      contains(s, "refund") || contains(s, "declin")) {
    return refill_state::rejected;
  }
  if (contains(s, "progress") || contains(s, "process")) return refill_state::in_progress;
  if (contains(s, "pending") || contains(s, "queue") || contains(s, "wait")) return refill_state::pending;
  if (contains(s, "incomplet") || contains(s, "notcomplet") || contains(s, "uncomplet")) return std::nullopt;
  if (contains(s, "complet") || s == "done" || s == "success" || s == "refilled")
    return refill_state::completed;
  return std::nullopt;
}

std::optional<refill_state> refill_after_status(refill_state current, std::string_view text) noexcept {
  if (!refill_followed(current)) return std::nullopt;
  const auto next = refill_state_from_status(text);
  if (!next || *next == current) return std::nullopt;
  return next;
}

namespace {

// Rules 1 to 4: everything the order and its service say on their own.
refill_reason check_own_rules(const order& o, const service_def& svc, const policy_def& policy,
                              const refill_query& q) noexcept {
  // 1. A guarantee period exists (0 or fewer days is no guarantee).
  if (!svc.refill_days || *svc.refill_days <= 0) return refill_reason::no_refill_guarantee;

  // 2. Completed (or Partial, for what was delivered), within the period from completion.
  if (o.state != order_state::completed && o.state != order_state::partial) {
    return refill_reason::not_completed;
  }
  if (o.completed_at == no_value) return refill_reason::not_completed;
  const auto delivered = o.delivered();
  if (!delivered || *delivered <= 0) return refill_reason::nothing_delivered;
  const std::int64_t period_s = static_cast<std::int64_t>(*svc.refill_days) * 86400;
  // A period end past the int64 range never comes.
  if (const auto end = checked_sum(o.completed_at, period_s); end && q.now > *end) {
    return refill_reason::guarantee_expired;
  }

  // 3. The count really dropped, but not below where it started. A sum past the int64 range
  // is above any count, so the count dropped.
  if (q.current_count) {
    if (o.start_count == no_value) return refill_reason::start_count_unknown;
    if (*q.current_count < o.start_count) return refill_reason::dropped_below_start_count;
    const auto full = checked_sum(o.start_count, *delivered);
    if (full && *q.current_count >= *full) return refill_reason::count_not_dropped;
  }

  // 4. Small accounts only: the guarantee does not cover a start count at the limit.
  if (o.start_count == no_value) return refill_reason::start_count_unknown;
  if (o.start_count >= policy.refill_max_start_count) return refill_reason::start_count_too_high;
  return refill_reason::eligible;
}

// Rules 5 to 7: the link's history, refills in flight, the provider's word.
refill_reason check_history_rules(const order& o, const policy_def& policy, const refill_query& q) noexcept {
  // 5. A newer order on the same link voids this one's guarantee.
  if (q.newest_on_link && q.newest_on_link->order_id != o.panel_order_id &&
      q.newest_on_link->newer_than(link_placement{o.placed_at, o.panel_order_id})) {
    return refill_reason::newer_order_on_link;
  }

  // 6. One refill at a time; after the in-progress bound a silent request counts as over. A
  // request in flight or of unknown outcome may be running upstream, so it blocks too.
  if (refill_may_be_running(o.refill) && o.last_refill_at != no_value &&
      q.now - o.last_refill_at < policy.refill_in_progress_s) {
    return refill_reason::refill_in_progress;
  }

  // 7. The provider is the last word (private accounts): its refusal stands.
  if (o.refill_refused != refill_refusal::none) return refill_reason::provider_refused;
  return refill_reason::eligible;
}

}  // namespace

refill_reason check_refill(const order& o, const service_def& svc, const policy_def& policy,
                           const refill_query& q) noexcept {
  const refill_reason own = check_own_rules(o, svc, policy, q);
  if (own != refill_reason::eligible) return own;
  return check_history_rules(o, policy, q);
}

refill_reason check_refill(const order& o, const service_def& svc, const policy_def& policy, std::int64_t now,
                           std::optional<std::int64_t> current_count, const link_index& links) noexcept {
  refill_query q{now, current_count, std::nullopt};
  const refill_reason own = check_own_rules(o, svc, policy, q);
  if (own != refill_reason::eligible) return own;
  q.newest_on_link = links.newest_placement(o.link_hash);
  return check_history_rules(o, policy, q);
}

}  // namespace smm
