#pragma once
// sd_notify(3) for Type=notify units. Every call is a no-op outside systemd
// (NOTIFY_SOCKET unset), so the daemon runs the same way by hand and in tests.
#include <chrono>
#include <optional>
#include <string_view>

namespace smm::daemon {

/// READY=1 with a STATUS line: recovery is done and the sockets are bound.
void notify_ready(std::string_view status);
/// STOPPING=1: a graceful stop has begun.
void notify_stopping();
/// Asks systemd for `extra` more time before it kills a stop (EXTEND_TIMEOUT_USEC).
void notify_extend_timeout(std::chrono::milliseconds extra);
/// RELOADING=1 before a reload, READY=1 after it.
void notify_reloading();
/// STATUS=... (live figures for `systemctl status`).
void notify_status(std::string_view status);
/// WATCHDOG=1.
void notify_watchdog();
/// The watchdog interval systemd expects (WatchdogSec), if enabled for this process.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace smm::daemon
