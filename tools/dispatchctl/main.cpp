// smm-dispatchctl: the admin's command line for a running smm-dispatchd (see --help).
#include <cstdlib>
#include <iostream>

#include "tools/dispatchctl/ctl_command.hpp"
#include "tools/dispatchctl/ctl_run.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::optional<std::string> socket;
  if (const char* s = std::getenv(smm::dispatchctl::socket_env)) socket = s;
  return smm::dispatchctl::run_ctl(args, socket, std::cout, std::cerr);
}
