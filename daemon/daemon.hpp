#pragma once
// The daemon process: journal, engine, panel socket, signals, systemd notifications.
#include <filesystem>

namespace smm {
struct config;
}

namespace smm::daemon {

/// Runs until SIGTERM/SIGINT (graceful stop) and returns the exit code. SIGHUP reloads
/// the config file: a bad file is refused and the running config kept, with the reason
/// logged. Startup failures (journal, socket) are logged and return 1.
int run_daemon(const config& cfg, const std::filesystem::path& config_file);

}  // namespace smm::daemon
