#pragma once
// Support for the fault suite (tests/faults/faults_test.cpp): its size knobs, a config with
// several providers, smm-loadgen as a child process, the mock providers' full audit, the
// refund the mock's own status implies, and the admin `orders` listing.
//
// Everything talks to loopback only and every wait is bounded.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/daemon_e2e/daemon_env.hpp"
#include "tests/support/unix_client.hpp"

namespace smm::test::faults {

/// How big a run is. From the environment: SMM_FAULTS_KILLS (default 20), SMM_FAULTS_ORDERS
/// (default 4000), SMM_FAULTS_SEED (default: from the clock, printed). SMM_FAULTS_SHORT=1
/// (set by ctest, i.e. `make test`) lowers the defaults to the CI short form: 5 kills and
/// 300 orders; explicit SMM_FAULTS_KILLS / SMM_FAULTS_ORDERS still win.
struct suite_size {
  int kills = 20;
  int orders = 4000;
  std::uint64_t seed = 0;
  bool short_form = false;
};
suite_size read_size();

/// Micro-units (1e-6) of a decimal string such as "0.09" or "12"; none when malformed.
/// Written here, not taken from dispatch/money: the oracle does not reuse the code it checks.
std::optional<std::int64_t> to_micros(std::string_view text);

/// The refund the mock's own status of an order implies, in micro-units, or none (with the
/// reason in `why`) when that status is not final: Canceled -> the whole charge, Partial ->
/// floor(charge * clamp(remains, 0, quantity) / quantity), Completed -> 0.
std::optional<std::int64_t> expected_refund(const mock_order& upstream, std::int64_t charge_micros,
                                            std::int64_t quantity, std::string& why);

/// One `add` as a mock recorded it.
struct audit_add {
  std::int64_t seq = 0;
  std::string link;
  std::string order;  ///< the order it created; empty when none
  std::string error;
  std::string fault;       ///< the fault applied; empty for none
  std::string delivered;   ///< "true", "false" (lost) or "pending"
  std::string request_id;  ///< the idempotency key it carried; empty for none
  bool replayed = false;   ///< answered with the order an earlier add created (same request_id)
};

/// A mock's GET /admin/audit, indexed by link.
struct mock_audit {
  std::vector<audit_add> adds;
  std::map<std::string, std::int64_t> counts;               ///< requests per action
  std::map<std::string, std::vector<std::size_t>> by_link;  ///< indexes into adds

  /// Add requests the mock received for `link`.
  int requests(const std::string& link) const;
  /// Orders the mock created for `link` (a replayed add created none).
  int created(const std::string& link) const;
  /// Adds for `link` sent after one that created its order, other than replays of it: each
  /// would have been a second order had the provider not refused it.
  int after_created(const std::string& link) const;
  /// The order created for `link`, empty when none.
  std::string order_of(const std::string& link) const;
  /// Requests of `action` ("add", "status", ...).
  std::int64_t count(const std::string& action) const;
};
mock_audit read_audit(unsigned short port);

/// Requests of `action` a mock received so far (GET /admin/stats: cheaper than the audit).
std::int64_t action_count(unsigned short port, const std::string& action);

/// Uses left of each fault rule a mock still holds (GET /admin/faults); -1: unlimited.
std::vector<std::int64_t> fault_uses_left(unsigned short port);

/// One provider of the generated config.
struct fleet_provider {
  std::string name;
  unsigned short port = 0;
  int max_in_flight = 4;
  int request_timeout_ms = 3000;
  int call_deadline_ms = 5000;
  int poll_interval_s = 1;
  bool idempotency_key = false;  ///< the mock runs with --idempotency
  bool bracketing = false;       ///< the mock runs with --status-own-orders-only (ids increase anyway)
};

/// One service of the generated config; route hops are (provider, provider service id).
struct fleet_service {
  std::int64_t id = 1;
  std::string rate = "0.90";
  std::int64_t min = 50;
  std::int64_t max = 10000;
  bool cancel = false;
  std::optional<int> refill_days{};
  std::vector<std::pair<std::string, std::int64_t>> route{};
};

/// The TOML text of a config for these providers and services (sockets and journal in `dir`);
/// `reconcile_interval_s` > 0 sets daemon.reconcile_interval_s.
std::string fleet_config(const std::string& dir, const std::vector<fleet_provider>& providers,
                         const std::vector<fleet_service>& services, int reconcile_interval_s = 0);

/// What one smm-loadgen run is asked to do.
struct loadgen_args {
  std::string socket_path;
  std::int64_t service = 1;
  std::int64_t quantity = 100;
  int count = 100;
  double rate = 0;  ///< orders/s; 0: as fast as answered
  int batch = 1;
  int window = 8;
  double max_seconds = 10;
  std::string id_prefix;
  std::string link_prefix;

  /// The panel order id and link of order `i` (as smm-loadgen makes them).
  std::string id(int i) const { return id_prefix + std::to_string(i); }
  std::string link(int i) const { return link_prefix + std::to_string(i); }
};

/// What it reported (its --json line). One connection, so answers come in send order: when
/// every answered order was taken, orders [0, answered) are the acknowledged ones.
struct loadgen_result {
  bool reported = false;  ///< a JSON line was printed (false: it could not even connect)
  int exit_code = -1;
  std::int64_t sent = 0, answered = 0, accepted = 0, failed_lines = 0;
  std::string stderr_text;
};

/// smm-loadgen as a child process (one connection), bounded by its --count and --max-seconds.
class loadgen_process {
 public:
  /// Starts it; output goes to files under `dir`.
  loadgen_process(const loadgen_args& args, const std::string& dir);
  /// SIGKILL if still running.
  ~loadgen_process();
  loadgen_process(const loadgen_process&) = delete;
  loadgen_process& operator=(const loadgen_process&) = delete;

  const loadgen_args& args() const { return args_; }
  /// True until it exits.
  bool running();
  /// Waits for the exit (at most `timeout`, then SIGKILL) and reads what it printed.
  loadgen_result wait(std::chrono::milliseconds timeout);

 private:
  loadgen_args args_;
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  int status_ = -1;  ///< wait status once reaped
};

/// The daemon's view of a final order placed upstream against the mock that holds it: placed
/// with the id the mock's audit gave its link, in the state the mock reports, and with the
/// refund the mock's own remains imply. Empty when all match, else what differs.
std::string compare_with_upstream(const order_status& s, const std::string& link, const mock_audit& audit,
                                  unsigned short port);

/// Failures grouped by check, with a few examples each: one broken rule reads as one line, and
/// every check is reported (and can fail) on its own.
class findings {
 public:
  void add(const std::string& check, const std::string& detail);
  int count(const std::string& check) const;
  /// Up to 8 examples, one a line.
  std::string examples(const std::string& check) const;

 private:
  std::map<std::string, int> counts_;
  std::map<std::string, std::vector<std::string>> examples_;
};

/// One order of an admin `orders` page (the fields the suite reads).
struct listed_order {
  std::string panel_order_id;
  std::string provider;
  std::string provider_order_id;
  std::optional<std::string> refund;
  std::string note;
};

/// What an order's history (the admin `history` op) says about reconciliation.
struct order_trail {
  bool was_unknown = false;             ///< some event moved it to `unknown`
  bool reconciled_found = false;        ///< settled as placed with the order found upstream
  bool reconciled_absent = false;       ///< proven absent and queued again
  bool reconcile_inconclusive = false;  ///< an inconclusive note was journaled
};
/// The trail of one order (by panel id), on `c`.
order_trail trail_of(unix_client& c, const std::string& panel_id, std::int64_t& next_request_id);

/// Every order in `state`, all pages of the admin `orders` op, on `c`.
std::vector<listed_order> list_orders(unix_client& c, const std::string& state,
                                      std::int64_t& next_request_id);

/// Sends one line per order for `op` (refill, cancel) without waiting; answers are read
/// later with `drain_answers`.
void send_order_ops(unix_client& c, const std::string& op, const std::vector<std::string>& panel_ids,
                    std::int64_t& next_request_id);
/// Reads up to `n` answer lines, at most `timeout` in all; returns how many said ok.
int drain_answers(unix_client& c, std::size_t n, std::chrono::milliseconds timeout);

}  // namespace smm::test::faults
