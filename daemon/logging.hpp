#pragma once
// spdlog set-up for the daemon: one stderr sink shared by a named logger per subsystem
// (daemon, store, engine, dispatch, poller, panel, provider.<name>), so journald receives
// every line with its subsystem. Under systemd (JOURNAL_STREAM set) the time stamp is left
// to journald and each line starts with a syslog priority prefix ("<4>") so the journal
// keeps levels.
#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "config/secret_scrubber.hpp"

namespace smm::daemon {

/// Installs the shared sink and the default level. Call once, before any logger is used.
void setup_logging(spdlog::level::level_enum level);

/// The logger called `name`, created on first use with the shared sink and level.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

/// Changes the level of every logger (config reload).
void set_log_level(spdlog::level::level_enum level);

/// Every line written from now on passes through `scrubber` (a second line of defence: provider
/// text is already scrubbed where it enters). Call after setup_logging().
void scrub_logs_with(std::shared_ptr<const secret_scrubber> scrubber);

}  // namespace smm::daemon
