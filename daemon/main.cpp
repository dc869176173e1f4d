// smm-dispatchd: forwards to the command-line front (daemon/command_line.hpp), which runs
// the daemon (daemon/daemon.hpp) for --config.
#include <iostream>

#include "daemon/command_line.hpp"
#include "daemon/daemon.hpp"

int main(int argc, char** argv) {
  return smm::run_command_line(argc, argv, std::cout, std::cerr, smm::daemon::run_daemon);
}
