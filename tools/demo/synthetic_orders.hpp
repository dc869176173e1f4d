#pragma once
// Synthetic panel orders for the demo: pure, seeded, no I/O.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dispatch/service.hpp"
#include "tools/demo/demo_order.hpp"

namespace smm::demo {

/// A service the demo may sell, how often, and which of its route hops are usable.
struct service_choice {
  const service_def* service = nullptr;
  double weight = 0;              ///< relative share of the orders (> 0); not money
  std::vector<std::size_t> hops;  ///< usable hops, in route order (non-empty)
};

/// What to generate.
struct synthetic_spec {
  std::size_t count = 3000;
  std::uint64_t seed = 1;
  /// Per mille of orders that reuse an earlier order's account, spelled differently
  /// ("https://www.instagram.com/User7/?igshid=x"): the duplicate-link policy catches them.
  std::uint32_t duplicate_per_mille = 30;
};

/// `spec.count` orders, panel ids 1..count, state `received`: a service drawn by weight, a
/// quantity in [min, min(max, 20 * min)] (custom comments: that many comment lines, at most
/// min + 10), a link "https://instagram.com/user<k>" or a duplicate spelling, the charge from
/// smm::charge_for (rounded half away from zero to the micro-unit). `now` stamps received_at.
/// Throws std::invalid_argument when `choices` is empty or a charge cannot be computed.
std::vector<demo_order> make_orders(const std::vector<service_choice>& choices, const synthetic_spec& spec,
                                    std::int64_t now);

}  // namespace smm::demo
