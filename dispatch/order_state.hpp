#pragma once
// The order state machine (design.md "Orders and their states"). One enum covers the
// daemon's own states and the provider's states after `placed`, so an order's state is
// a single byte and every transition is a lookup in one constexpr table.
#include <cstdint>
#include <optional>
#include <string_view>

#include "dispatch/provider_status.hpp"

namespace smm {

/// Where an order stands. Daemon side: received -> queued -> sending -> placed, or
/// rejected, or unknown (an `add` that may have created an order upstream, to reconcile).
/// Provider side after placed: pending -> in_progress -> completed | partial | canceled,
/// plus refunded and failed, which some providers report as final states.
enum class order_state : std::uint8_t {
  received,     ///< accepted from the panel, not yet durable
  queued,       ///< durable, waiting for a provider
  sending,      ///< `add` request on the wire (attempt counted on the order)
  placed,       ///< provider order id known, no status yet
  unknown,      ///< `add` outcome unknown: reconcile, never resend automatically
  rejected,     ///< provider or policy said no, definitively (final)
  pending,      ///< provider: accepted, not started
  in_progress,  ///< provider: delivering ("In progress", "Processing")
  completed,    ///< provider: final, fully delivered
  partial,      ///< provider: final, `remains` undelivered
  canceled,     ///< provider: final, nothing charged
  refunded,     ///< provider: final, charge returned (same money outcome as canceled)
  failed,       ///< provider: final, "Fail"/"Error": not delivered
};

/// Number of states, for tables indexed by state.
inline constexpr std::size_t order_state_count = 13;

/// Lower-case name ("in_progress").
std::string_view to_string(order_state s);

/// Final states never change again (only an anomaly is recorded).
constexpr bool is_final(order_state s) {
  return s == order_state::rejected || s == order_state::completed || s == order_state::partial ||
         s == order_state::canceled || s == order_state::refunded || s == order_state::failed;
}

/// True for the states a provider reports (pending .. failed).
constexpr bool is_provider_state(order_state s) {
  return static_cast<std::uint8_t>(s) >= static_cast<std::uint8_t>(order_state::pending);
}

/// True while the order is with a provider and not final (placed, pending, in_progress):
/// the states a status poll, a speed-up or a duplicate-link check care about.
constexpr bool is_running_upstream(order_state s) {
  return s == order_state::placed || s == order_state::pending || s == order_state::in_progress;
}

/// The state a provider status asks for; none for `unknown` (nothing to apply).
/// "Processing" and "In progress" are the same state; the raw string keeps the difference.
constexpr std::optional<order_state> state_for(provider_status s) {
  switch (s) {
    case provider_status::pending:
      return order_state::pending;
    case provider_status::in_progress:
    case provider_status::processing:
      return order_state::in_progress;
    case provider_status::completed:
      return order_state::completed;
    case provider_status::partial:
      return order_state::partial;
    case provider_status::canceled:
      return order_state::canceled;
    case provider_status::refunded:
      return order_state::refunded;
    case provider_status::failed:
      return order_state::failed;
    case provider_status::unknown:
      break;
  }
  return std::nullopt;
}

/// What a requested transition did.
enum class transition_result : std::uint8_t {
  applied,    ///< legal: the caller journals it and moves the order
  duplicate,  ///< same state again (a repeated poll): nothing to do
  anomaly,    ///< illegal (e.g. completed -> in_progress): not applied, recorded
};

/// Lower-case name ("anomaly").
std::string_view to_string(transition_result r);

/// Judges `current -> next`. Pure; the caller applies `next` only on `applied`.
transition_result check_transition(order_state current, order_state next) noexcept;

/// Judges and, when legal, applies: `state` becomes `next` only on `applied`.
inline transition_result apply_transition(order_state& state, order_state next) noexcept {
  const transition_result r = check_transition(state, next);
  if (r == transition_result::applied) state = next;
  return r;
}

/// A provider status report: unrecognized statuses are anomalies (never guessed).
inline transition_result apply_transition(order_state& state, provider_status reported) noexcept {
  const auto next = state_for(reported);
  if (!next) return transition_result::anomaly;
  return apply_transition(state, *next);
}

}  // namespace smm
