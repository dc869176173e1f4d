#pragma once
// The command-line front of smm-dispatchd: parses the options and runs the commands that
// need no daemon core (--check-config, --print-config-schema, --version). main() only
// forwards to run_command_line().
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace smm {

/// What the command line asked for.
struct command_line_options {
  std::optional<std::string> check_config;  ///< --check-config FILE
  std::optional<std::string> config;        ///< --config FILE
  bool print_schema = false;                ///< --print-config-schema
  bool version = false;                     ///< --version
};

struct config;

/// Runs the daemon with a loaded, valid config; returns the exit code. Injected by main()
/// so the command-line front does not depend on the engine.
using daemon_runner = std::function<int(const config&, const std::filesystem::path& config_file)>;

/// Parses argv and runs the command; `out`/`err` receive what would go to stdout/stderr.
/// Returns the process exit code: 0 on success, 1 on a bad config, 2 on a usage error.
/// Without a `runner`, --config only validates and summarizes.
int run_command_line(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                     const daemon_runner& runner = {});

}  // namespace smm
