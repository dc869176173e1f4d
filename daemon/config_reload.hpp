#pragma once
// Config reload (SIGHUP and `smm-dispatchctl reload`): what a new file changes, which of it
// applies to the running daemon, and which waits for a restart. Pure, no I/O but the file read.
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace smm::daemon {

/// The parts of `next` that differ from `running` and only take effect on a restart, named
/// for the operator: "providers (alpha, beta)", "services", "policy", "daemon.socket_path", ...
/// Live parts (daemon.log_level, daemon.panel_keys, daemon.require_panel_hello) are never listed.
std::vector<std::string> restart_needed(const config& running, const config& next);

/// What a reload did: applied, or refused with the reason (the running config kept). The
/// message never holds a secret (config errors name keys, never their values).
struct reload_result {
  bool ok = false;
  std::string message;
};

/// Re-reads one config file and applies its live parts through `apply`.
/// Thread safety: reload() from any thread; reloads run one at a time.
class config_reloader {
 public:
  /// `apply(next)` sets what may change at run time (log level, panel keys, require_panel_hello).
  config_reloader(std::filesystem::path file, config running, std::function<void(const config&)> apply);
  reload_result reload();

 private:
  std::mutex mutex_;
  std::filesystem::path file_;
  config running_;  ///< what the daemon runs with: the start config plus applied live parts
  std::function<void(const config&)> apply_;
};

}  // namespace smm::daemon
