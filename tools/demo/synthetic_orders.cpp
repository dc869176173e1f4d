#include "tools/demo/synthetic_orders.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

namespace smm::demo {

std::vector<service_choice> choices_of(const config& cfg) {
  std::vector<service_choice> out;
  std::map<std::string, int> starting_at;
  for (const auto& s : cfg.services) {
    if (s.route.empty()) continue;
    ++starting_at[s.route.front().provider];
    out.push_back({&s, 0});
  }
  for (auto& c : out) {
    const auto& name = c.service->route.front().provider;
    const provider_config* p = cfg.find_provider(name);
    const double rps = p != nullptr ? p->requests_per_second : 1.0;
    c.weight = rps / starting_at[name];
  }
  return out;
}

std::vector<demo_order> make_orders(const std::vector<service_choice>& choices, const synthetic_spec& spec) {
  if (choices.empty()) throw std::invalid_argument("no service can be sold: no service has a route");
  std::vector<double> weights;
  for (const auto& c : choices) weights.push_back(c.weight);
  std::mt19937_64 rng(spec.seed);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  std::uniform_int_distribution<std::uint32_t> per_mille(0, 999);

  std::vector<demo_order> out;
  out.reserve(spec.count);
  for (std::size_t k = 0; k < spec.count; ++k) {
    const service_def& s = *choices[pick(rng)].service;
    demo_order d;
    d.panel_order_id = spec.id_prefix + std::to_string(k + 1);
    d.service_id = s.id;

    const bool comments =
        s.type == service_type::custom_comments || s.type == service_type::custom_comments_package;
    const bool package = s.type == service_type::package;
    if (package) {
      d.quantity = 1;  // one unit, priced at rate / 1000 (the daemon's rule)
      d.send_quantity = false;
    } else {
      const std::int64_t hi = comments ? std::min(s.max_quantity, s.min_quantity + 10)
                                       : std::min(s.max_quantity, s.min_quantity * 20);
      d.quantity = std::uniform_int_distribution<std::int64_t>(s.min_quantity, hi)(rng);
    }
    if (comments) {
      d.send_quantity = false;  // the number of comment lines is the quantity
      for (std::int64_t i = 0; i < d.quantity; ++i)
        d.comments.push_back("Great post " + std::to_string(k) + "." + std::to_string(i));
    }

    // A duplicate names an earlier account with another spelling: the normalized link is equal.
    if (k > 10 && per_mille(rng) < spec.duplicate_per_mille) {
      const auto earlier = std::uniform_int_distribution<std::size_t>(0, k - 1)(rng);
      d.link = "https://www.instagram.com/User" + std::to_string(earlier) + "/?igshid=demo";
    } else {
      d.link = "https://instagram.com/user" + std::to_string(k);
    }

    const auto charge = charge_for(s.rate_per_1000, d.quantity);
    if (!charge)
      throw std::invalid_argument("charge of service " + std::to_string(s.id) + ": " +
                                  std::string(to_string(charge.error)));
    d.charge = charge.value;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace smm::demo
