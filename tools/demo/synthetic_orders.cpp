#include "tools/demo/synthetic_orders.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>

#include "dispatch/link.hpp"

namespace smm::demo {

std::vector<demo_order> make_orders(const std::vector<service_choice>& choices, const synthetic_spec& spec,
                                    std::int64_t now) {
  if (choices.empty()) throw std::invalid_argument("no service can be sold: every route hop is unusable");
  std::vector<double> weights;
  for (const auto& c : choices) weights.push_back(c.weight);
  std::mt19937_64 rng(spec.seed);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  std::uniform_int_distribution<std::uint32_t> per_mille(0, 999);

  std::vector<demo_order> out;
  out.reserve(spec.count);
  for (std::size_t k = 0; k < spec.count; ++k) {
    const service_choice& c = choices[pick(rng)];
    const service_def& s = *c.service;
    demo_order d;
    d.service = &s;
    d.hops = c.hops;
    d.core.panel_order_id = static_cast<std::int64_t>(k) + 1;
    d.core.service_id = s.id;
    d.core.received_at = now;

    const bool comments =
        s.type == service_type::custom_comments || s.type == service_type::custom_comments_package;
    const std::int64_t hi = comments ? std::min(s.max_quantity, s.min_quantity + 10)
                                     : std::min(s.max_quantity, s.min_quantity * 20);
    d.core.quantity = std::uniform_int_distribution<std::int64_t>(s.min_quantity, hi)(rng);
    if (comments) {
      for (std::int64_t i = 0; i < d.core.quantity; ++i)
        d.comments.push_back("Great post " + std::to_string(k) + "." + std::to_string(i));
    }

    // A duplicate names an earlier account with another spelling: the normalized link is equal.
    if (k > 10 && per_mille(rng) < spec.duplicate_per_mille) {
      const auto earlier = std::uniform_int_distribution<std::size_t>(0, k - 1)(rng);
      d.link = "https://www.instagram.com/User" + std::to_string(earlier) + "/?igshid=demo";
    } else {
      d.link = "https://instagram.com/user" + std::to_string(k);
    }
    auto norm = normalize_link(d.link);
    d.link_key = std::move(norm.text);
    d.core.link_hash = norm.hash;

    const auto charge = charge_for(s.rate_per_1000, d.core.quantity);
    if (!charge)
      throw std::invalid_argument("charge of service " + std::to_string(s.id) + ": " +
                                  std::string(to_string(charge.error)));
    d.core.charge = charge.value;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace smm::demo
