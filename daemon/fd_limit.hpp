#pragma once
// The process's limit on open descriptors: every connection of every face holds one, so the
// soft limit (1024 on many systems) is raised to the hard one at start.
#include <cstdint>

namespace smm::daemon {

/// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the soft limit now in force
/// (0 when it cannot be read). Never lowers it.
std::uint64_t raise_fd_limit();

}  // namespace smm::daemon
