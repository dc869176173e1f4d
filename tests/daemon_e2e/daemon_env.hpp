#pragma once
// End-to-end test support: the real smm-dispatchd in a fresh temporary directory (config,
// journal, socket and log there), talking to real smm-mockprovider processes on loopback.
// Every wait is bounded; the fixture always kills what it started and removes the directory.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/unix_client.hpp"

namespace smm::test {

using namespace std::chrono_literals;

/// The daemon as a child process; stdout and stderr go to a log file.
class daemon_process {
 public:
  /// `extra_env`: NAME=value entries put before the test's own environment (they win).
  daemon_process(const std::string& config_path, const std::string& log_path,
                 const std::vector<std::string>& extra_env = {});
  /// SIGKILL if still running.
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  /// True while the process has not exited.
  bool running();
  /// The process id while running (for a signal such as SIGHUP).
  pid_t pid() const { return pid_; }
  /// Sends `sig`, waits up to `timeout` for the exit; returns the wait status, or -1 when it
  /// did not exit in time (it is then killed with SIGKILL).
  int stop(int sig, std::chrono::milliseconds timeout = 15s);

 private:
  pid_t pid_ = -1;
  int status_ = -1;  ///< wait status once reaped
};

/// One provider of the generated config.
struct provider_spec {
  std::string name;
  unsigned short port = 0;
  int max_in_flight = 8;
  int requests_per_second = 1000;
  int poll_interval_s = 1;  ///< status_poll_interval_s
};

/// One service of the generated config: route hops are (provider name, provider service id).
struct service_spec {
  std::int64_t id = 1;
  std::string rate = "0.90";
  std::int64_t min = 10;
  std::int64_t max = 100000;
  bool cancel = true;
  std::vector<std::pair<std::string, std::int64_t>> route;
};

/// The generated config.
struct config_spec {
  std::vector<provider_spec> providers;
  std::vector<service_spec> services;
  std::string duplicate_link = "reject";
  std::string log_level = "info";
  /// Set: the journal is this PostgreSQL database ([journal] backend = "postgresql").
  std::string journal_dsn;
};

/// An `add` answer for one order.
struct add_reply {
  bool ok = false;
  std::string status;  ///< accepted, held, replayed (ok) or the failing status in a batch
  std::int64_t order_id = 0;
  std::string state;
  std::string charge;
  std::string error_code;  ///< when !ok: "conflict", "duplicate_link", ...
  std::string error_message;
  std::string raw;  ///< the line as received
};

/// A `status` answer for one order.
struct order_status {
  bool found = false;
  std::string panel_order_id;
  std::int64_t order_id = 0;
  std::string state;
  bool held = false;
  std::string provider;
  std::string provider_order_id;
  std::string raw_status;
  std::int64_t quantity = 0;
  std::string charge;
  std::optional<std::int64_t> remains;
  std::optional<std::string> refund;
  std::string refund_reason;
  std::string note;
};

/// One event line of a subscription.
struct event_line {
  std::int64_t seq = 0;
  std::string panel_order_id;
  std::string old_state;
  std::string new_state;
  std::string charge;
  std::optional<std::int64_t> remains;
  std::optional<std::string> refund;
};

/// An error answer's parts ({"id":..,"ok":false,"error":{"code":..,"message":..}}).
struct error_reply {
  bool is_error = false;
  std::string id_json;  ///< the echoed id as JSON text ("" when absent)
  std::string code;
  std::string message;
};

/// True for completed, partial, canceled, refunded, rejected, failed.
bool is_final_state(const std::string& state);

/// Parses an error answer (is_error false when the line is not one).
error_reply parse_error(const std::string& line);
/// Parses an event line; nothing when the line is not an event.
std::optional<event_line> parse_event(const std::string& line);
/// True when the line is {"ok":true,"result":{"pong":true}}.
bool is_pong(const std::string& line);

/// What the mock's GET /admin/audit says per link: adds seen, and the order ids given.
struct audit_by_link {
  std::map<std::string, int> adds;
  std::map<std::string, std::vector<std::string>> orders;
  int total = 0;
};
/// Reads a mock's audit through its port.
audit_by_link read_audit_links(unsigned short mock_port);

/// The mock's own view of one of its orders (status action): status text and remains.
struct mock_order {
  std::string status;
  std::optional<std::int64_t> remains;
};
mock_order mock_status(unsigned short mock_port, const std::string& provider_order_id);

/// A loopback port nobody listens on (bound, then closed): connections to it are refused.
unsigned short closed_loopback_port();

/// The fixture: a temp dir, a config, the daemon, a panel connection.
class daemon_env : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Writes config.toml for `spec` (socket, journal in the temp dir).
  void write_config(const config_spec& spec);
  /// Starts the daemon on the written config and connects `panel_` (waits for a pong).
  void start_daemon(const std::vector<std::string>& extra_env = {});
  /// Stops it with `sig`; returns the wait status (-1: did not exit in time).
  int stop_daemon(int sig, std::chrono::milliseconds timeout = 15s);
  /// Everything the daemon logged so far (all runs).
  std::string daemon_log() const;
  /// A fresh connection to the panel socket.
  std::unique_ptr<unix_client> connect();
  /// A fresh connection to the admin socket (the admin ops: overview, orders, history, ...).
  std::unique_ptr<unix_client> connect_admin();
  /// The connection to the admin socket, opened on first use (after start_daemon()).
  unix_client& admin();

  /// `add` of one order on `c` (a unique request id is used).
  add_reply add(unix_client& c, const std::string& panel_id, std::int64_t service, const std::string& link,
                std::int64_t quantity);
  /// `add` on the main connection.
  add_reply add(const std::string& panel_id, std::int64_t service, const std::string& link,
                std::int64_t quantity) {
    return add(*panel_, panel_id, service, link, quantity);
  }
  /// Pipelines one `add` line per order and reads every answer (in line order).
  std::vector<add_reply> add_pipelined(const std::vector<std::string>& panel_ids, std::int64_t service,
                                       const std::vector<std::string>& links, std::int64_t quantity);
  /// `status` of one order.
  order_status status(const std::string& panel_id);
  /// `status` of many, in chunks; keyed by panel order id.
  std::map<std::string, order_status> status_many(const std::vector<std::string>& panel_ids);
  /// Polls until every order is final (or unknown when `unknown_ok`), at most `timeout`.
  /// Returns the last statuses seen.
  std::map<std::string, order_status> wait_settled(const std::vector<std::string>& panel_ids,
                                                   std::chrono::milliseconds timeout,
                                                   bool unknown_ok = false);
  /// Calls `pred` every 100 ms until it returns true or `timeout` passes.
  static bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

  std::string dir_;                ///< the temp dir
  std::string config_path_;        ///< dir_/config.toml
  std::string socket_path_;        ///< dir_/panel.sock
  std::string admin_socket_path_;  ///< dir_/admin.sock (daemon.admin_socket_path's default there)
  std::string journal_path_;
  std::string log_path_;
  std::unique_ptr<daemon_process> daemon_;
  std::unique_ptr<unix_client> panel_;
  std::unique_ptr<unix_client> admin_;
  std::int64_t next_request_id_ = 1;
};

}  // namespace smm::test
