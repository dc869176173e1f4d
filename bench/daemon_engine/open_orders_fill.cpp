// Fills a journal with open orders for the memory figure of bench/RESULTS.md (row 6: RSS per
// open order): COUNT orders, each journaled as the daemon journals it (an order_insert as intake
// writes it, then a state_change to `placed` at PROVIDER with a provider order id), in batches
// of --batch ops, so that smm-dispatchd started on the journal recovers COUNT running orders
// and keeps them in memory. Point PROVIDER at an address where nothing answers: the orders then
// never finish. Not a Google Benchmark: a setup tool scripts/bench.sh runs (bounded by `timeout`).
//   open_orders_fill --journal PATH --count 1000000 --provider idle --service 1
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "daemon/engine/intake_rules.hpp"
#include "dispatch/link.hpp"
#include "dispatch/order_state.hpp"
#include "store/journal.hpp"

namespace {

using smm::store::journal_op;

// The order with daemon id `id`, as intake would journal it: queued, its params encoded.
smm::store::order_insert order_of(std::int64_t id, std::int64_t service, std::int64_t now) {
  smm::providers::add_order params;
  params.link = "https://instagram.com/open_" + std::to_string(id);
  params.quantity = 1000;
  smm::store::order_insert o;
  o.id = id;
  o.panel_order_id = "fill-" + std::to_string(id);
  o.service_id = service;
  o.link_key = smm::normalize_link(params.link).text;
  o.link = params.link;
  o.quantity = 1000;
  o.params = smm::daemon::encode_params(params);
  o.request_hash = smm::daemon::request_hash(service, o.params);
  o.charge_micros = 900'000;
  o.state = static_cast<std::uint8_t>(smm::order_state::queued);
  o.at = now;
  return o;
}

// Its placement: as the dispatcher journals an add answered with an order id.
smm::store::state_change placed_of(std::int64_t id, const std::string& provider, std::int64_t now) {
  smm::store::state_change c;
  c.order_id = id;
  c.old_state = static_cast<std::uint8_t>(smm::order_state::queued);
  c.new_state = static_cast<std::uint8_t>(smm::order_state::placed);
  c.provider = provider;
  c.provider_order_id = std::to_string(1'000'000'000 + id);
  c.attempt = 1;
  c.at = now;
  c.placed_at = now;
  c.sent_at = now;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  std::string provider;
  std::int64_t count = 1'000'000;
  std::int64_t service = 1;
  std::size_t batch_ops = 10'000;
  CLI::App app{"open_orders_fill: a journal holding COUNT placed, running orders"};
  app.add_option("--journal", path, "journal file (created; must not hold orders yet)")->required();
  app.add_option("--count", count, "orders")->capture_default_str()->check(CLI::Range(1, 100'000'000));
  app.add_option("--provider", provider, "provider name the orders are placed at")->required();
  app.add_option("--service", service, "panel service id of every order")->capture_default_str();
  app.add_option("--batch", batch_ops, "ops per submitted batch")
      ->capture_default_str()
      ->check(CLI::Range(2, 1'000'000));
  CLI11_PARSE(app, argc, argv);

  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t now = std::time(nullptr);
  try {
    smm::store::journal j({path});
    std::vector<journal_op> ops;
    ops.reserve(batch_ops);
    for (std::int64_t id = 1; id <= count; ++id) {
      ops.emplace_back(order_of(id, service, now));
      ops.emplace_back(placed_of(id, provider, now));
      if (ops.size() + 2 > batch_ops || id == count) {
        const auto r = j.submit_and_wait(std::move(ops));
        if (!r.ok) {
          std::cerr << "open_orders_fill: " << path << ": " << r.error << "\n";
          return 1;
        }
        ops.clear();
        ops.reserve(batch_ops);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "open_orders_fill: " << e.what() << "\n";
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "open_orders_fill: " << count << " placed orders at " << provider << " in " << path << " in "
            << secs << " s\n";
  return 0;
}
