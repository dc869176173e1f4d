#include "daemon/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace smm::daemon {

void notify_ready(std::string_view status) {
  const std::string msg = "READY=1\nSTATUS=" + std::string(status);
  sd_notify(0, msg.c_str());
}

void notify_stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping: draining in-flight requests"); }

void notify_extend_timeout(std::chrono::milliseconds extra) {
  const std::string msg =
      "EXTEND_TIMEOUT_USEC=" +
      std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(extra).count());
  sd_notify(0, msg.c_str());
}

void notify_reloading() { sd_notify(0, "RELOADING=1"); }

void notify_status(std::string_view status) {
  const std::string msg = "STATUS=" + std::string(status);
  sd_notify(0, msg.c_str());
}

void notify_watchdog() { sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace smm::daemon
