#pragma once
// The one logger factory: one stderr sink shared by a named logger per subsystem
// (daemon, engine, reconcile, panel, admin, apiv2, metrics, provider.<name>), so journald
// receives every line with its subsystem, every line passes the secret scrubber, and a reload's
// level reaches every logger (all are registered with spdlog; nothing clones or copies sinks). Under systemd
// (JOURNAL_STREAM set) the time stamp is left to journald and each line starts with a syslog priority prefix
// ("<4>") so the journal keeps levels.
#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "config/secret_scrubber.hpp"

namespace smm::logging {

/// Installs the shared sink and the default level. Call once, before any logger is used.
void setup_logging(spdlog::level::level_enum level);

/// The logger called `name`, created on first use with the shared sink and the current level.
/// Safe from any thread; usable before setup_logging() (tests, tools).
std::shared_ptr<spdlog::logger> logger(const std::string& name);

/// Changes the level of every logger made by logger(), and of those made later (config reload).
void set_log_level(spdlog::level::level_enum level);

/// Every line written from now on passes through `scrubber` (a second line of defence: provider
/// text is already scrubbed where it enters). Call after setup_logging().
void scrub_logs_with(std::shared_ptr<const secret_scrubber> scrubber);

}  // namespace smm::logging
