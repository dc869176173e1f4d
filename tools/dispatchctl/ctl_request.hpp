#pragma once
// The request line (NDJSON, without its newline) the daemon's admin socket expects for a
// command. Pure.
#include <cstdint>
#include <string>

#include "tools/dispatchctl/ctl_command.hpp"

namespace smm::dispatchctl {

/// The request for `c`, with correlation id `id`. For `orders`, `after_id` is the page's start
/// (the command's --after for the first page, the previous page's next_after_id after that).
std::string request_line(const ctl_command& c, std::int64_t id, std::int64_t after_id);

}  // namespace smm::dispatchctl
