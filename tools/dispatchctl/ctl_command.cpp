#include "tools/dispatchctl/ctl_command.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <ostream>

#include "dispatch/order_state.hpp"

namespace smm::dispatchctl {

namespace {

std::vector<std::string> state_names() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < order_state_count; ++i)
    names.emplace_back(to_string(static_cast<order_state>(i)));
  return names;
}

// A usage error names what was wrong, then shows the usage of the (sub)command at fault.
std::string usage_failure(const CLI::App* app, const CLI::Error& e) {
  return "smm-dispatchctl: " + std::string(e.what()) + "\n\n" + app->help();
}

// CLI11 reports a misspelt subcommand as "A subcommand is required": name it instead.
void check_subcommand_name(const CLI::App& app, const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--socket" || a == "--timeout") {
      ++i;  // its value
      continue;
    }
    if (a.empty() || a[0] == '-') continue;
    for (const CLI::App* sub : app.get_subcommands({}))
      if (sub->get_name() == a) return;
    throw CLI::ValidationError("unknown command \"" + a + "\"");
  }
}

}  // namespace

parse_outcome parse_command_line(const std::vector<std::string>& args,
                                 const std::optional<std::string>& socket_from_env, std::ostream& out,
                                 std::ostream& err) {
  ctl_command c;
  if (socket_from_env && !socket_from_env->empty()) c.socket_path = *socket_from_env;
  double timeout_s = 10;

  CLI::App app{
      "smm-dispatchctl: look at and steer a running smm-dispatchd through its admin socket.\n"
      "Tables for people by default; --json prints the daemon's answer as one JSON document.\n"
      "Exit codes: 0 ok, 1 the daemon refused or could not be reached, 2 usage error.",
      "smm-dispatchctl"};
  app.failure_message(usage_failure);
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.add_option("--socket", c.socket_path,
                 std::string("the daemon's admin socket, daemon.admin_socket_path (default ") +
                     default_socket_path + ", or $" + socket_env + ")");
  app.add_option("--timeout", timeout_s, "seconds to wait for each answer (default 10)")
      ->check(CLI::Range(0.001, 3600.0));
  app.add_flag("--json", c.json, "print the daemon's answer as JSON instead of a table");

  auto* status =
      app.add_subcommand("status", "overview: orders by state, intake, placement, refunds, uptime");
  auto* providers =
      app.add_subcommand("providers", "providers: breaker, paused (and why), in flight, queued, balance");
  auto* orders = app.add_subcommand("orders", "list the orders in one state, oldest daemon id first");
  orders->add_option("--state", c.state, "the state to list")
      ->required()
      ->check(CLI::IsMember(state_names()));
  orders->add_option("--after", c.after_id, "only daemon order ids above this one (for the next page)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return !v.empty() && v[0] == '-' ? std::string("must be >= 0") : std::string();
          },
          "ID >= 0"));
  orders->add_option("--limit", c.limit, "orders per page, 1..1000 (default 100)")
      ->check(CLI::Range(1, 1000));
  orders->add_flag("--all", c.all, "fetch every page, not just the first");
  auto* show = app.add_subcommand("show", "one order with every field and its events as a timeline");
  show->add_option("ID", c.order, "the panel's order id, or the daemon's order id (123 or #123)")->required();
  auto* resolve = app.add_subcommand("resolve",
                                     "settle an order in state unknown after checking with the provider:\n"
                                     "--placed ID (the provider has it: the daemon follows it), "
                                     "--not-placed (the daemon sends it again, once) or --canceled "
                                     "(give up: canceled, the whole charge refunded)");
  resolve->add_option("ID", c.order, "the panel's order id")->required();
  auto* placed =
      resolve->add_option("--placed", c.provider_order_id, "the provider created it, with this order id");
  bool not_placed_flag = false;
  auto* not_placed = resolve->add_flag("--not-placed", not_placed_flag, "the provider did not create it");
  bool canceled_flag = false;
  auto* canceled = resolve->add_flag("--canceled", canceled_flag,
                                     "the provider did not create it or will not deliver it: cancel it here "
                                     "with the whole charge refunded, never sent again");
  placed->excludes(not_placed);
  placed->excludes(canceled);
  not_placed->excludes(canceled);
  auto* pause =
      app.add_subcommand("pause", "stop sending new orders to a provider (running ones are still followed)");
  pause->add_option("PROVIDER", c.provider, "the provider's name from the config")->required();
  pause->add_option("--reason", c.reason, "shown with the provider (at most 200 bytes)");
  auto* resume = app.add_subcommand("resume", "send to a paused provider again");
  resume->add_option("PROVIDER", c.provider, "the provider's name from the config")->required();
  auto* reload = app.add_subcommand(
      "reload", "re-read the daemon's config file (a bad file is refused and the running one kept)");

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them back to front
  try {
    check_subcommand_name(app, args);
    app.parse(reversed);
    if (*resolve && placed->count() == 0 && not_placed->count() == 0 && canceled->count() == 0)
      throw CLI::ValidationError("resolve: give --placed PROVIDER_ORDER_ID, --not-placed or --canceled");
    if (*resolve && placed->count() > 0 && c.provider_order_id.empty())
      throw CLI::ValidationError("--placed: the provider order id must not be empty");
    if (*pause && c.reason.size() > 200) throw CLI::ValidationError("--reason: longer than 200 bytes");
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return parse_outcome{std::nullopt, code == 0 ? exit_ok : exit_usage};
  }
  c.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(timeout_s * 1000)));
  if (*status) c.kind = subcommand::status;
  if (*providers) c.kind = subcommand::providers;
  if (*orders) c.kind = subcommand::orders;
  if (*show) c.kind = subcommand::show;
  if (*resolve) {
    c.kind = subcommand::resolve;
    c.placed = placed->count() > 0;
    c.canceled = canceled->count() > 0;
  }
  if (*pause) c.kind = subcommand::pause;
  if (*resume) c.kind = subcommand::resume;
  if (*reload) c.kind = subcommand::reload;
  return parse_outcome{std::move(c), exit_ok};
}

}  // namespace smm::dispatchctl
