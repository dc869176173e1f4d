#pragma once
// The fixture of the fault suite: daemon_env (a temp dir, the real daemon, a panel
// connection) plus a generated multi-provider config, a start that does not wait for the
// socket (to kill during recovery), kill -9, and the admin `orders` listing.
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/faults/fault_support.hpp"

namespace smm::test::faults {

class faults_env : public daemon_env {
 protected:
  /// Writes config.toml for these providers and services.
  void write_fleet(const std::vector<fleet_provider>& providers, const std::vector<fleet_service>& services,
                   int reconcile_interval_s = 0) {
    std::ofstream(config_path_) << fleet_config(dir_, providers, services, reconcile_interval_s);
  }
  /// Starts the daemon without waiting for its socket.
  void spawn_daemon() {
    panel_.reset();
    admin_.reset();
    daemon_ = std::make_unique<daemon_process>(config_path_, log_path_);
  }
  /// kill -9; true when the daemon was alive and died of it.
  bool kill9() {
    const int st = stop_daemon(SIGKILL);
    return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
  }
  /// Every order in `state` (admin `orders`, all pages) on the admin socket.
  std::vector<listed_order> listed(const std::string& state) {
    return list_orders(admin(), state, next_request_id_);
  }
};

}  // namespace smm::test::faults
