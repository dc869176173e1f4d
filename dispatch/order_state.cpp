#include "dispatch/order_state.hpp"

#include <array>

namespace smm {
namespace {

using st = order_state;
constexpr auto n = order_state_count;
using row = std::array<transition_result, n>;
using table = std::array<row, n>;

constexpr std::size_t idx(st s) { return static_cast<std::size_t>(s); }

constexpr table build_table() {
  table t{};
  for (auto& r : t) r.fill(transition_result::anomaly);
  for (std::size_t i = 0; i < n; ++i) t[i][i] = transition_result::duplicate;
  auto allow = [&t](st from, std::initializer_list<st> to) {
    for (const st s : to) t[idx(from)][idx(s)] = transition_result::applied;
  };
  const auto provider_finals = {st::completed, st::partial, st::canceled, st::refunded, st::failed};

  allow(st::received, {st::queued, st::rejected});
  // queued -> rejected: policy (duplicate link, no route) or an operator.
  allow(st::queued, {st::sending, st::rejected});
  // queued -> canceled: the panel canceled it before it was sent (the whole charge back).
  allow(st::queued, {st::canceled});
  // sending -> queued: the request provably never left (connect/TLS failure), retry later.
  allow(st::sending, {st::queued, st::placed, st::rejected, st::unknown});
  // Reconcile proves presence (placed) or absence (queued); an operator may reject, or give
  // up on it (canceled, the whole charge back).
  allow(st::unknown, {st::placed, st::queued, st::rejected, st::canceled});
  // A provider that forgets a running order hands it to an operator (docs/rules.md).
  for (const st s : {st::placed, st::pending, st::in_progress}) allow(s, {st::unknown});
  allow(st::placed, {st::pending, st::in_progress});
  allow(st::placed, provider_finals);
  allow(st::pending, {st::in_progress});
  allow(st::pending, provider_finals);
  // in_progress -> pending is not allowed: delivery does not go backwards.
  allow(st::in_progress, provider_finals);
  // Canceled and refunded give the same money outcome; a provider flipping between the
  // two spellings is a repeat, not an anomaly worth an operator's time.
  t[idx(st::canceled)][idx(st::refunded)] = transition_result::duplicate;
  t[idx(st::refunded)][idx(st::canceled)] = transition_result::duplicate;
  return t;
}

constexpr table transitions = build_table();

// The table's own invariants, checked at compile time.
static_assert(transitions[idx(st::completed)][idx(st::in_progress)] == transition_result::anomaly);
static_assert(transitions[idx(st::sending)][idx(st::placed)] == transition_result::applied);

}  // namespace

std::string_view to_string(order_state s) {
  switch (s) {
    case st::received:
      return "received";
    case st::queued:
      return "queued";
    case st::sending:
      return "sending";
    case st::placed:
      return "placed";
    case st::unknown:
      return "unknown";
    case st::rejected:
      return "rejected";
    case st::pending:
      return "pending";
    case st::in_progress:
      return "in_progress";
    case st::completed:
      return "completed";
    case st::partial:
      return "partial";
    case st::canceled:
      return "canceled";
    case st::refunded:
      return "refunded";
    case st::failed:
      return "failed";
  }
  return "invalid";
}

std::string_view to_string(transition_result r) {
  switch (r) {
    case transition_result::applied:
      return "applied";
    case transition_result::duplicate:
      return "duplicate";
    case transition_result::anomaly:
      return "anomaly";
  }
  return "invalid";
}

transition_result check_transition(order_state current, order_state next) noexcept {
  const auto i = idx(current);
  const auto j = idx(next);
  // A corrupted byte from storage must not index out of the table.
  if (i >= n || j >= n) return transition_result::anomaly;
  return transitions[i][j];
}

}  // namespace smm
