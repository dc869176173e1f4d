#pragma once
// Synthetic panel orders for the demo: pure, seeded, no I/O. They are what a panel would send
// on the socket's `add` line; the daemon validates, prices and routes them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "dispatch/money.hpp"
#include "dispatch/service.hpp"

namespace smm::demo {

/// One order as the demo submits it.
struct demo_order {
  std::string panel_order_id;  ///< "<prefix><k>", k from 1
  std::int64_t service_id = 0;
  std::string link;
  std::int64_t quantity = 0;          ///< units; sent as "quantity" unless the type counts lines
  bool send_quantity = true;          ///< false for custom comments and packages
  std::vector<std::string> comments;  ///< custom comments: one line per unit
  money charge;                       ///< what the daemon should charge: smm::charge_for
};

/// A service the demo may sell and how often.
struct service_choice {
  const service_def* service = nullptr;
  double weight = 0;  ///< relative share of the orders (> 0); not money
};

/// Every configured service, weighted by its first provider's request rate shared among the
/// services starting there: each provider's queue then drains in about the same time, so the
/// run is as short as the configured limits allow. Services without a route are left out.
std::vector<service_choice> choices_of(const config& cfg);

/// What to generate.
struct synthetic_spec {
  std::size_t count = 3000;
  std::uint64_t seed = 1;
  /// Per mille of orders that reuse an earlier order's account, spelled differently
  /// ("https://www.instagram.com/User7/?igshid=x"): the duplicate-link policy catches them.
  std::uint32_t duplicate_per_mille = 30;
  std::string id_prefix = "demo-";  ///< panel ids are prefix + 1..count
};

/// `spec.count` orders: a service drawn by weight; a quantity in [min, min(max, 20 * min)]
/// (custom comments: that many comment lines, at most min + 10; packages: 1, not sent); a link
/// "https://instagram.com/user<k>" or a duplicate spelling; the expected charge from
/// smm::charge_for (rounded half away from zero to the micro-unit).
/// Throws std::invalid_argument when `choices` is empty or a charge cannot be computed.
std::vector<demo_order> make_orders(const std::vector<service_choice>& choices, const synthetic_spec& spec);

}  // namespace smm::demo
