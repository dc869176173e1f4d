#include "daemon/config_reload.hpp"

#include "config/loader.hpp"

namespace smm::daemon {

namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// Providers that were added, removed or changed, by name, in the new file's order.
std::vector<std::string> changed_providers(const config& running, const config& next) {
  std::vector<std::string> names;
  for (const auto& p : next.providers) {
    const provider_config* old = running.find_provider(p.name);
    if (old == nullptr || !(*old == p)) names.push_back(p.name);
  }
  for (const auto& p : running.providers)
    if (next.find_provider(p.name) == nullptr) names.push_back(p.name + " removed");
  return names;
}

}  // namespace

std::vector<std::string> restart_needed(const config& running, const config& next) {
  std::vector<std::string> out;
  if (const auto names = changed_providers(running, next); !names.empty())
    out.push_back("providers (" + join(names) + ")");
  if (running.services != next.services) out.push_back("services");
  if (running.policy != next.policy) out.push_back("policy");
  if (running.journal.backend != next.journal.backend) out.emplace_back("journal.backend");
  if (running.journal.dsn != next.journal.dsn) out.emplace_back("journal.dsn");
  const auto& a = running.daemon;
  const auto& b = next.daemon;
  if (a.socket_path != b.socket_path) out.emplace_back("daemon.socket_path");
  if (a.api_socket_path != b.api_socket_path) out.emplace_back("daemon.api_socket_path");
  if (a.admin_socket_path != b.admin_socket_path) out.emplace_back("daemon.admin_socket_path");
  if (a.admin_group != b.admin_group) out.emplace_back("daemon.admin_group");
  if (a.http_listen != b.http_listen) out.emplace_back("daemon.http_listen");
  if (a.metrics_listen != b.metrics_listen) out.emplace_back("daemon.metrics_listen");
  if (a.journal_path != b.journal_path) out.emplace_back("daemon.journal_path");
  if (a.retention_days != b.retention_days) out.emplace_back("daemon.retention_days");
  if (a.api_currency != b.api_currency) out.emplace_back("daemon.api_currency");
  if (a.reconcile_interval != b.reconcile_interval) out.emplace_back("daemon.reconcile_interval_s");
  if (a.panel_limits != b.panel_limits) out.emplace_back("daemon.panel_limits");
  if (a.api_limits != b.api_limits) out.emplace_back("daemon.api_limits");
  return out;
}

config_reloader::config_reloader(std::filesystem::path file, config running,
                                 std::function<void(const config&)> apply)
    : file_(std::move(file)), running_(std::move(running)), apply_(std::move(apply)) {}

reload_result config_reloader::reload() {
  std::lock_guard lock(mutex_);
  const config_result r = load_config_file(file_);
  if (!r) {
    return {false, "refused, the running config is kept: " + std::to_string(r.errors.size()) +
                       " error(s) in " + file_.string() + "; first: " + to_string(r.errors.front())};
  }
  const config& next = *r.value;
  const auto pending = restart_needed(running_, next);
  apply_(next);
  running_.daemon.log_level = next.daemon.log_level;
  running_.daemon.panel_keys = next.daemon.panel_keys;
  running_.daemon.require_panel_hello = next.daemon.require_panel_hello;
  std::string msg = "reloaded " + file_.string() + ": log level " +
                    std::string(spdlog::level::to_string_view(next.daemon.log_level).data(),
                                spdlog::level::to_string_view(next.daemon.log_level).size()) +
                    ", " + std::to_string(next.daemon.panel_keys.size()) + " panel key(s) applied" +
                    (next.daemon.require_panel_hello ? ", hello required on the panel socket" : "");
  if (!pending.empty()) msg += "; restart to apply: " + join(pending);
  return {true, msg};
}

}  // namespace smm::daemon
