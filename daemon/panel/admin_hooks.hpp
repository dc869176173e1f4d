#pragma once
// What the daemon gives the panel socket for the admin operations beyond the engine: the
// config reload (`reload`) and the facts of the process (`overview`: version, uptime).
#include <chrono>
#include <functional>
#include <string>

namespace smm::daemon::panel {

/// The outcome of a config reload: ok, or why the file was refused (the running config is
/// kept). `message` is shown to the admin as is: it must never hold a secret.
struct reload_outcome {
  bool ok = false;
  std::string message;
};

/// Re-reads the config file and applies what can change at run time. Runs on the I/O thread
/// (a session's strand), so it must be short (read and validate one file) and safe to run
/// beside a SIGHUP reload. Unset: `reload` answers not_supported.
using reload_hook = std::function<reload_outcome()>;

/// Shared by every session of one listener.
struct admin_hooks {
  reload_hook reload;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

}  // namespace smm::daemon::panel
