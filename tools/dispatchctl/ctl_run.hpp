#pragma once
// smm-dispatchctl as a function: parse the command line, ask the daemon, print the answer.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace smm::dispatchctl {

/// Runs one invocation; returns the exit code (0 ok, 1 the daemon refused or could not be
/// reached, 2 usage). `socket_from_env` is $SMM_DISPATCHD_SOCKET when set.
int run_ctl(const std::vector<std::string>& args, const std::optional<std::string>& socket_from_env,
            std::ostream& out, std::ostream& err);

}  // namespace smm::dispatchctl
