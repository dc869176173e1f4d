#pragma once
// One simulated provider behind one port: checks the key, decides faults and latency,
// runs the action, keeps the audit, and serves /admin/*. Plain C++: the server hands it
// a request and carries out the reply it gets back.
//
// Thread safety: handle() and finish() lock a mutex; call them from any thread. No I/O
// happens under the lock.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tools/mockprovider/api.hpp"
#include "tools/mockprovider/audit.hpp"
#include "tools/mockprovider/faults.hpp"
#include "tools/mockprovider/poll_audit.hpp"
#include "tools/mockprovider/simulation.hpp"

namespace smm::mock {

/// Everything one provider starts with (and returns to on /admin/reset).
struct provider_options {
  std::string key = "key-0";
  std::vector<mock_service> catalogue = default_catalogue();
  sim_config sim;
  quirks quirk;
  latency_model latency;
  std::vector<fault_rule> faults;
  double rate_limit_per_s = 0;  ///< 0: no provider-side rate limit
  double rate_burst = 0;        ///< bucket size; 0: max(1, rate)
  /// `add` honours `request_id` (NotPanel-style idempotency key): a repeat of one that created
  /// an order answers that order and creates nothing. An add that created nothing is not
  /// remembered: its repeat runs again.
  bool idempotency = false;
};

/// An HTTP request, reduced to what the mock reads.
struct incoming {
  std::string method = "POST";
  std::string target = "/api/v2";
  std::string content_type;
  std::string body;
  std::string x_api_key;      ///< X-Api-Key header
  std::string authorization;  ///< Authorization header
};

/// What the server must send (or not send) back.
struct reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  fault_kind transport = fault_kind::none;  ///< black_hole, reset, truncated or trickle
  std::size_t trickle_bytes = 8;
  std::int64_t trickle_interval_ms = 0;
  std::int64_t delay_ms = 0;    ///< wait this long before answering
  std::uint64_t audit_seq = 0;  ///< non-zero: report delivery through finish()
  bool api = false;             ///< an API request (counted in flight), not /admin
};

/// The provider.
class provider {
 public:
  /// Milliseconds of a monotonic clock; tests inject their own.
  using clock_fn = std::function<std::int64_t()>;

  explicit provider(provider_options options, clock_fn clock = {});

  /// Handles one request; /admin/* paths are answered without faults or latency.
  reply handle(const incoming& request);
  /// Reports whether the answer of an audited `add` was written completely.
  void finish(std::uint64_t audit_seq, bool delivered);
  /// Requests in flight: the server brackets each API request with these.
  void enter() { audit_.enter(); }
  void leave() { audit_.leave(); }

  const std::string& key() const { return options_.key; }

 private:
  reply handle_api(const incoming& request, std::string_view query);
  reply handle_admin(const incoming& request, std::string_view path, std::string_view query);
  void apply_fault(const fault_rule& rule, bool action_ran, const incoming& request, reply& out) const;
  std::string stats_json();
  void set_rate_limit(double per_s, double burst);

  provider_options options_;
  clock_fn clock_;
  std::mutex mutex_;
  simulation sim_;
  fault_plan faults_;
  quirks quirks_;
  latency_model latency_;
  token_bucket bucket_;
  std::uint64_t rate_limited_ = 0;
  audit_log audit_;
  poll_audit polls_;  ///< status coverage of the orders created here (/admin/polls)
  /// request_id -> (order id, answer body) of the adds that created an order (--idempotency).
  std::unordered_map<std::string, std::pair<std::string, std::string>> by_request_id_;
  std::mt19937_64 rng_;  ///< faults and latency; the simulation has its own
};

/// Parameters of a request: query string, then the body (form or JSON) on top.
param_map request_params(std::string_view query, const incoming& request);

}  // namespace smm::mock
