#pragma once
// What the domain core needs to know about a panel service and the operator's policy.
// The config loader (config/) fills these; the domain core only reads them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dispatch/money.hpp"

namespace smm {

/// Service types of API v2 (api-v2.md §2.2, §3). Parsed case- and separator-insensitively
/// by the config ("Custom Comments", "custom_comments").
enum class service_type : std::uint8_t {
  default_,
  package,
  custom_comments,
  custom_comments_package,
  mentions,
  mentions_with_hashtags,
  mentions_custom_list,
  mentions_hashtag,
  mentions_user_followers,
  mentions_media_likers,
  comment_likes,
  poll,
  seo,
  subscriptions,
  invites_from_groups,
};

/// One hop of a service's route: which provider, and that provider's own service id.
struct route_hop {
  std::string provider;             ///< provider name from [[providers]]
  std::string provider_service_id;  ///< opaque: "1", "101", "abc"
  friend bool operator==(const route_hop&, const route_hop&) = default;
};

/// A service the panel sells, as the daemon must enforce it.
struct service_def {
  std::int64_t id = 0;  ///< panel service id
  std::string name;
  std::string category = "General";  ///< shown in the API v2 services list
  service_type type = service_type::default_;
  money rate_per_1000;  ///< price per 1000 units, exact
  std::int64_t min_quantity = 1;
  std::int64_t max_quantity = 1'000'000;
  std::optional<std::int32_t> refill_days;  ///< refill guarantee period; none = no refill
  bool cancel_allowed = false;
  bool slow = false;  ///< slow services never get a speed-up
  bool dripfeed = false;
  std::vector<route_hop> route;  ///< ordered: the first usable provider takes the order
  friend bool operator==(const service_def&, const service_def&) = default;
};

/// What to do with a new order whose normalized link already has a running order.
enum class duplicate_link_policy : std::uint8_t { reject, hold, allow };

/// Time windows of the business rules (domain.md), in seconds. Defaults are the seeds'.
struct policy_def {
  duplicate_link_policy duplicate_link = duplicate_link_policy::reject;
  std::int64_t refill_max_start_count = 100'000;   ///< start_count >= this: no refill guarantee
  std::int64_t refill_in_progress_s = 72 * 3600;   ///< a refill request counts as running this long
  std::int64_t claim_window_s = 14 * 86400;        ///< claims accepted after Completed/Partial
  std::int64_t speedup_stuck_after_s = 3 * 86400;  ///< "stuck": no status change for longer
  std::int64_t speedup_min_interval_s = 86400;     ///< at most one speed-up per this interval
  /// A placed order the provider keeps answering "Incorrect order ID" about for this long is
  /// forgotten upstream: it becomes `unknown` for an operator (docs/rules.md).
  std::int64_t forgotten_after_s = 3600;
  friend bool operator==(const policy_def&, const policy_def&) = default;
};

}  // namespace smm
