#pragma once
// smm-dispatchctl's command line: global options and one subcommand, parsed into a plain
// struct. Pure (no I/O besides the help and error text written to the given streams).
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace smm::dispatchctl {

/// The socket used when neither --socket nor SMM_DISPATCHD_SOCKET says otherwise: the daemon's
/// admin socket (daemon.admin_socket_path's default), the only one serving the admin ops.
inline constexpr const char* default_socket_path = "/run/smm-dispatchd/admin.sock";
/// The environment variable naming the socket.
inline constexpr const char* socket_env = "SMM_DISPATCHD_SOCKET";

/// Exit codes.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  ///< the daemon refused, or could not be reached
inline constexpr int exit_usage = 2;

enum class subcommand { status, providers, orders, show, resolve, pause, resume, reload };

/// Everything the command line says.
struct ctl_command {
  subcommand kind = subcommand::status;
  std::string socket_path = default_socket_path;
  std::chrono::milliseconds timeout{10'000};  ///< per answer
  bool json = false;
  // orders
  std::string state;
  std::int64_t after_id = 0;
  std::int64_t limit = 100;
  bool all = false;
  // show, resolve: the panel's order id
  std::string order;
  // resolve
  bool placed = false;
  bool canceled = false;  ///< resolve --canceled
  std::string provider_order_id;
  // pause, resume
  std::string provider;
  std::string reason;
};

/// The outcome of parsing: a command to run, or an exit code (help was printed: 0; a usage
/// error was printed with the usage: 2).
struct parse_outcome {
  std::optional<ctl_command> command;
  int exit_code = exit_ok;
};

/// Parses `args` (without the program name). `socket_from_env` is SMM_DISPATCHD_SOCKET's value
/// when set (the caller reads the environment, so tests need not touch it). Help goes to
/// `out`, usage errors (with the usage text) to `err`.
parse_outcome parse_command_line(const std::vector<std::string>& args,
                                 const std::optional<std::string>& socket_from_env, std::ostream& out,
                                 std::ostream& err);

}  // namespace smm::dispatchctl
