#pragma once
// One synthetic panel order as the demo carries it through its life: the domain core's
// compact record plus the text the store would keep (link, comments, provider ids).
#include <cstddef>
#include <string>
#include <vector>

#include "dispatch/order.hpp"
#include "dispatch/refill.hpp"
#include "dispatch/refund.hpp"
#include "dispatch/service.hpp"

namespace smm::demo {

/// An order and what happened to it.
struct demo_order {
  order core;                                           ///< state machine, charge, counts, times
  const service_def* service = nullptr;                 ///< points into the loaded config
  std::string link;                                     ///< as the panel sent it
  std::string link_key;                                 ///< normalized (dispatch/link.hpp)
  std::vector<std::string> comments;                    ///< custom-comments services: one per unit
  std::vector<std::size_t> hops;                        ///< usable route hops (indices into service->route)
  std::string provider;                                 ///< provider the last `add` went to; empty: none
  std::string provider_order_id;                        ///< provider's id once placed
  std::string note;                                     ///< why it was rejected or is unknown
  std::string reason;                                   ///< `note` without order details, for grouping
  bool failed_over = false;                             ///< placed on a later hop than the first usable one
  refund_decision refund;                               ///< set when final
  refill_reason refill = refill_reason::not_completed;  ///< set when final
};

}  // namespace smm::demo
