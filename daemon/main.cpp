// smm-dispatchd: forwards to the command-line front (daemon/command_line.hpp).
#include <iostream>

#include "daemon/command_line.hpp"

int main(int argc, char** argv) { return smm::run_command_line(argc, argv, std::cout, std::cerr); }
