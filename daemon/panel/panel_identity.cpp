#include "daemon/panel/panel_identity.hpp"

#include <algorithm>

namespace smm::daemon::panel {

namespace {

// Replaces every occurrence of `from` (a journal id, so never empty) in `text` with `to`.
void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// The panel's own id of `id` (a journal id), in place; ids outside the scope stay as they are
// (the engine answers only what it was asked, and it was asked in the scope).
void own(std::string& id, const auth::panel_scope& scope) {
  if (auto mine = scope.own_id(id)) id = std::move(*mine);
}

}  // namespace

hello_policy::hello_policy(std::shared_ptr<auth::panel_gate> gate, bool required)
    : gate_(std::move(gate)), required_(required) {}

hello_figures hello_policy::figures() const {
  hello_figures f;
  for (std::size_t i = 0; i < hello_outcome_count; ++i)
    f.hellos[i] = hellos_[i].load(std::memory_order_relaxed);
  f.hello_required = hello_required_.load(std::memory_order_relaxed);
  return f;
}

std::string gate_client(std::uint32_t uid) { return "uid:" + std::to_string(uid); }

std::optional<refusal> panel_identity::admit(request& req) {
  if (policy_ == nullptr || req.kind == op::ping) return std::nullopt;
  if (!scope_) {
    if (!policy_->required() && !failed_) return std::nullopt;  // an anonymous connection, as before hello
    policy_->count_hello_required();
    return refusal{
        failure_code::hello_required,
        std::string(failed_ ? "the hello of this connection failed: " : "this socket requires hello: ") +
            "send {\"op\":\"hello\",\"key\":\"<panel key>\"} before op \"" +
            std::string(to_string(req.kind)) + "\"; nothing was done"};
  }
  for (auto& o : req.orders) o.panel_order_id = scope_->journal_id(o.panel_order_id);
  for (auto& id : req.ids) id = scope_->journal_id(id);
  return std::nullopt;
}

hello_result panel_identity::hello(const request& req, const std::string& client) {
  hello_result r;
  if (scope_) {
    // One identity per connection: answers in flight were scoped to it.
    r.outcome = hello_outcome::ok;
    r.error =
        refusal{failure_code::conflict, "this connection already said hello (panel \"" + scope_->panel() +
                                            "\"); open a new connection for another panel"};
    return r;
  }
  auth::panel_gate* gate = policy_ ? policy_->gate() : nullptr;
  auth::key_verdict verdict;
  if (gate != nullptr) verdict = gate->check(client, req.key);
  if (verdict.panel) {
    scope_.emplace(*verdict.panel);
    failed_ = false;
    r.outcome = hello_outcome::ok;
    r.panel = *verdict.panel;
  } else {
    failed_ = true;
    r.delay = verdict.delay;
    r.outcome = verdict.throttled ? hello_outcome::throttled : hello_outcome::wrong_key;
    r.error = verdict.throttled ? refusal{failure_code::throttled,
                                          "too many wrong panel keys from this client; try again later"}
                                : refusal{failure_code::unauthorized, "invalid panel key"};
  }
  if (policy_) policy_->count(r.outcome);
  return r;
}

void to_panel_ids(std::span<add_answer> answers, const auth::panel_scope& scope) {
  for (auto& a : answers) {
    const std::string journal_id = a.panel_order_id;
    own(a.panel_order_id, scope);
    if (a.status == add_status::duplicate_link && !a.running_panel_order_id.empty()) {
      if (auto mine = scope.own_id(a.running_panel_order_id)) {
        replace_all(a.error, a.running_panel_order_id, *mine);
        a.running_panel_order_id = std::move(*mine);
      } else {
        // Another panel's order (or an anonymous connection's): its id is none of this panel's business.
        a.error = "link has a running order of another panel";
        a.running_panel_order_id.clear();
      }
    }
    if (journal_id != a.panel_order_id) replace_all(a.error, journal_id, a.panel_order_id);
  }
}

void to_panel_ids(std::span<lookup_answer> answers, const auth::panel_scope& scope) {
  for (auto& a : answers) {
    own(a.panel_order_id, scope);
    if (a.order) own(a.order->panel_order_id, scope);
  }
}

void to_panel_ids(std::span<action_answer> answers, const auth::panel_scope& scope) {
  for (auto& a : answers) own(a.panel_order_id, scope);
}

std::vector<event_view> own_events(std::vector<event_view> events, const auth::panel_scope& scope) {
  std::erase_if(events, [&](const event_view& e) { return !scope.owns(e.panel_order_id); });
  for (auto& e : events) own(e.panel_order_id, scope);
  return events;
}

}  // namespace smm::daemon::panel
