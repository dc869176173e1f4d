// smm-mockprovider: a simulated SMM panel speaking API v2 on loopback (see README.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tools/mockprovider/server.hpp"

int main(int argc, char** argv) {
  using namespace smm::mock;
  CLI::App app{"smm-mockprovider: a simulated SMM panel (API v2) on loopback, with fault injection"};
  server_options server;
  provider_options base;
  int port = 8080;
  int fleet = 1;
  int port_base = -1;
  std::string key;
  std::string catalogue_path;
  std::string balance = "1000";
  std::string latency = "fixed:0";
  std::vector<std::string> fault_specs;
  std::string numbers = "strings";
  std::string status_style = "canonical";
  bool bare_errors = false;
  bool string_ids = false;
  std::uint64_t seed = 1;

  app.add_option("--bind", server.bind, "listen address; loopback only (127.0.0.1 or ::1)")
      ->capture_default_str();
  app.add_option("--port", port, "port of a single provider; 0 picks a free one")->capture_default_str();
  app.add_option("--fleet", fleet, "number of providers, on ports --port-base .. +N-1")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--port-base", port_base, "first port of the fleet (0: free ports; default: --port)");
  app.add_option("--key", key, "API key of every provider (default: key-<i>, i from 0)");
  app.add_option("--threads", server.threads, "io threads (connections run on strands)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--seed", seed, "RNG seed; provider i uses seed+i")->capture_default_str();
  app.add_option("--catalogue", catalogue_path,
                 "TOML file of [[service]] tables (default: built-in catalogue)")
      ->check(CLI::ExistingFile);
  app.add_option("--balance", balance, "initial prepaid balance, decimal text")->capture_default_str();
  app.add_option("--currency", base.sim.currency, "currency code in answers")->capture_default_str();
  app.add_option("--speed", base.sim.speed_per_s, "units delivered per second while In progress (0: never)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--pending-ms", base.sim.pending_ms, "time an order stays Pending")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--start-count-max", base.sim.start_count_max, "start counts are uniform in [0, this]")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--partial-prob", base.sim.partial_probability, "probability an order ends Partial")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--cancel-prob", base.sim.cancel_probability, "probability the provider cancels an order")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--drop-prob", base.sim.drop_probability, "probability units drop after completion")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--drop-fraction", base.sim.drop_fraction, "share of delivered units that drop")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--drop-after-ms", base.sim.drop_after_ms, "delay from completion to the drop")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--refill-pending-ms", base.sim.refill_pending_ms, "a refill stays Pending this long")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--refill-ms", base.sim.refill_ms, "then In progress this long, then Completed/Rejected")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--first-order-id", base.sim.first_order_id, "id of the first order")->capture_default_str();
  app.add_option("--latency", latency, "answer delay: fixed:MS, uniform:MIN-MAX or exp:MEAN")
      ->capture_default_str();
  app.add_option(
      "--fault", fault_specs,
      "fault rule, repeatable: KIND[,action=add][,count=N][,rate=P][,apply=before|after]"
      "[,status=503][,message=TEXT][,retry_after=S][,trickle_bytes=N][,trickle_ms=MS]; KIND: error, "
      "http_5xx, rate_limit, black_hole, reset, html, invalid_json, truncated, trickle");
  app.add_option("--rate-limit", base.rate_limit_per_s,
                 "provider-side limit in requests/s, answered with 429 + Retry-After (0: off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rate-burst", base.rate_burst, "token bucket size of --rate-limit (0: max(1, rate))")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--numbers", numbers, "charge/start_count/remains as 'strings' or 'numbers'")
      ->capture_default_str()
      ->check(CLI::IsMember({"strings", "numbers"}));
  app.add_option("--status-style", status_style, "status spelling: canonical, lower, snake, alt, upper")
      ->capture_default_str()
      ->check(CLI::IsMember({"canonical", "lower", "snake", "alt", "upper"}));
  app.add_flag("--bare-errors", bare_errors, "multi status per-id errors as bare strings (ipanel style)");
  app.add_flag("--string-ids", string_ids, "order ids ord_N and refill ids ref_N");
  bool final_without_remains = false;
  app.add_flag("--final-without-remains", final_without_remains,
               "no remains in the status of a final order (some panels drop it there)");
  bool own_orders_only = false;
  app.add_flag("--status-own-orders-only", own_orders_only,
               "status, refill and cancel answer 'Incorrect order ID' for another key's orders (see "
               "POST /admin/foreign_add)");
  app.add_flag("--idempotency", base.idempotency,
               "add honours request_id: a repeat of one that created an order answers that order");
  app.add_option("--body-limit", server.body_limit, "largest request body in bytes")->capture_default_str();
  app.add_option("--idle-timeout-ms", server.idle_timeout_ms, "close keep-alive connections idle this long")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  const auto money = smm::parse_money(balance);
  if (!money || money.value.is_negative()) {
    std::cerr << "--balance " << balance << ": " << (money ? "negative" : smm::to_string(money.error))
              << "\n";
    return 2;
  }
  base.sim.initial_balance = money.value;
  const auto model = parse_latency(latency);
  if (!model) {
    std::cerr << "--latency " << latency << ": expected fixed:MS, uniform:MIN-MAX or exp:MEAN\n";
    return 2;
  }
  base.latency = *model;
  for (const auto& spec : fault_specs) {
    std::string error;
    const auto rule = parse_fault_spec(spec, error);
    if (!rule) {
      std::cerr << "--fault " << spec << ": " << error << "\n";
      return 2;
    }
    base.faults.push_back(*rule);
  }
  {
    param_map q{{"numbers", numbers},
                {"status_style", status_style},
                {"bare_errors", bare_errors ? "1" : "0"},
                {"string_ids", string_ids ? "1" : "0"},
                {"final_without_remains", final_without_remains ? "1" : "0"},
                {"status_own_orders_only", own_orders_only ? "1" : "0"}};
    std::string error;
    if (!apply_quirks(q, base.quirk, error)) {
      std::cerr << error << "\n";
      return 2;
    }
  }
  if (!catalogue_path.empty()) {
    try {
      base.catalogue = load_catalogue(catalogue_path);
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  if (std::string error; !is_loopback_address(server.bind, error)) {
    std::cerr << error << "\n";
    return 2;
  }
  const int first_port = port_base >= 0 ? port_base : port;
  if (first_port < 0 || first_port + (first_port == 0 ? 0 : fleet - 1) > 65535) {
    std::cerr << "ports " << first_port << ".." << first_port + fleet - 1 << " are out of range\n";
    return 2;
  }

  std::vector<std::unique_ptr<provider>> providers;
  for (int i = 0; i < fleet; ++i) {
    provider_options o = base;
    o.key = key.empty() ? "key-" + std::to_string(i) : key;
    o.sim.seed = seed + static_cast<std::uint64_t>(i);
    providers.push_back(std::make_unique<provider>(std::move(o)));
    server.ports.push_back(static_cast<std::uint16_t>(first_port == 0 ? 0 : first_port + i));
  }
  const int rc = run_server(
      providers, server,
      [](const std::string& where) {
        std::cout << "listening on " << where << std::endl;  // tests read this line: flush it
      },
      [](const std::string& error) { std::cerr << "smm-mockprovider: " << error << std::endl; });
  if (rc == 0) std::cout << "stopped" << std::endl;
  return rc;
}
