#pragma once
// Panels on the panel socket may identify themselves: {"op":"hello","key":"<panel key>"}, with
// the keys of `[[daemon.panel_keys]]`, checked by the gate the API v2 endpoint uses (constant
// time, the same wrong-key limits per client). After a hello, the connection speaks for that
// panel: every order it names is in the panel's scope (daemon/auth/panel_scope.hpp), exactly
// as on the API v2 endpoint, and every answer and event names its orders by the panel's own
// ids; another panel's orders do not exist for it. `daemon.require_panel_hello` makes hello
// mandatory: any op but ping and hello is refused (hello_required) and nothing happens. A
// connection whose hello failed is treated the same way, so a panel that meant to be scoped
// never acts unscoped by mistake. Pure: no asio, no I/O.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "daemon/auth/panel_gate.hpp"
#include "daemon/auth/panel_scope.hpp"
#include "daemon/order_service.hpp"
#include "daemon/panel/hello_figures.hpp"
#include "daemon/panel/panel_protocol.hpp"

namespace smm::daemon::panel {

/// The hello rules of one panel socket, shared by its sessions: the gate (keys, wrong-key
/// limits; shared with API v2), whether hello is required (a reload changes it at once, for
/// open connections too), and the counters. Thread safety: every method from any thread.
class hello_policy {
 public:
  /// `gate` null: no panel keys exist, every hello is a wrong key.
  hello_policy(std::shared_ptr<auth::panel_gate> gate, bool required);

  void set_required(bool required) { required_.store(required, std::memory_order_relaxed); }
  bool required() const { return required_.load(std::memory_order_relaxed); }
  auth::panel_gate* gate() const { return gate_.get(); }

  void count(hello_outcome o) {
    hellos_[static_cast<std::size_t>(o)].fetch_add(1, std::memory_order_relaxed);
  }
  void count_hello_required() { hello_required_.fetch_add(1, std::memory_order_relaxed); }
  hello_figures figures() const;

 private:
  std::shared_ptr<auth::panel_gate> gate_;
  std::atomic<bool> required_;
  std::array<std::atomic<std::uint64_t>, hello_outcome_count> hellos_{};
  std::atomic<std::uint64_t> hello_required_{0};
};

/// A request refused before it reached the engine.
struct refusal {
  failure_code code = failure_code::hello_required;
  std::string message;
};

/// What a hello came to.
struct hello_result {
  hello_outcome outcome = hello_outcome::wrong_key;
  std::optional<refusal> error;        ///< unset: ok (`panel` names it)
  std::string panel;                   ///< ok: the panel's name
  std::chrono::milliseconds delay{0};  ///< refused: hold the answer this long (the gate's slow-down)
};

/// "uid:<uid>": a unix peer as the gate knows it (the API v2 unix socket says the same, so a
/// client's wrong keys count once across both faces).
std::string gate_client(std::uint32_t uid);

/// One connection's identity. Thread safety: one strand (the session's).
class panel_identity {
 public:
  /// `policy` null: the socket has no hello (the admin socket); admit() lets everything pass.
  explicit panel_identity(std::shared_ptr<hello_policy> policy) : policy_(std::move(policy)) {}

  /// The panel's scope once a hello succeeded.
  const auth::panel_scope* scope() const { return scope_ ? &*scope_ : nullptr; }

  /// Before `req` (any op but hello) is carried out: refused when this connection must say
  /// hello first; otherwise, on an identified connection, every order id in it is put in the
  /// panel's scope. Ping always passes.
  std::optional<refusal> admit(request& req);

  /// Checks a hello's key for `client` (gate_client) and, when it is a panel's, identifies the
  /// connection. A second hello on an identified connection is a conflict. The key is never
  /// kept or put in a message.
  hello_result hello(const request& req, const std::string& client);

 private:
  std::shared_ptr<hello_policy> policy_;
  std::optional<auth::panel_scope> scope_;
  bool failed_ = false;  ///< a hello failed and none succeeded yet
};

// ---- answers back in the panel's own ids (the engine speaks journal ids) ----

/// Add answers: each order's id, and the ids in conflict and duplicate-link messages (another
/// panel's running order on the link is not named).
void to_panel_ids(std::span<add_answer> answers, const auth::panel_scope& scope);
/// Status answers: the id asked and the order view's id.
void to_panel_ids(std::span<lookup_answer> answers, const auth::panel_scope& scope);
/// Action answers (cancel, refill, refill_status, speedup).
void to_panel_ids(std::span<action_answer> answers, const auth::panel_scope& scope);
/// The panel's own events, in its own ids; every other panel's are left out (their seq too:
/// a scoped feed has gaps, and resumes by seq as any feed).
std::vector<event_view> own_events(std::vector<event_view> events, const auth::panel_scope& scope);

}  // namespace smm::daemon::panel
