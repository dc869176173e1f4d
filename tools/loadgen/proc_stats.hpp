#pragma once
// What smm-loadgen reads of the daemon's process in /proc: CPU time (utime + stime of
// /proc/PID/stat) and memory figures of /proc/PID/status (VmRSS, VmHWM). The parsers are pure;
// the readers open the files.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace smm::loadgen {

/// utime + stime, in clock ticks, from the text of /proc/PID/stat; nullopt when it does not have
/// them. The command name (field 2) may hold spaces and parentheses: fields are counted after
/// the last ')'.
std::optional<std::uint64_t> cpu_ticks_of_stat(std::string_view stat);

/// The value of a "Key:   N kB" line of /proc/PID/status (VmRSS, VmHWM ...), in KiB; nullopt
/// when there is no such line or its value is not a number.
std::optional<std::uint64_t> status_kib(std::string_view status, std::string_view key);

/// CPU seconds (user + system) the process has used so far; nullopt when it cannot be read.
std::optional<double> process_cpu_seconds(pid_t pid);

/// One /proc/PID/status figure in KiB (see status_kib); nullopt when it cannot be read.
std::optional<std::uint64_t> process_status_kib(pid_t pid, std::string_view key);

}  // namespace smm::loadgen
