#pragma once
// Normalizing the status strings that SMM API v2 providers send (api-v2.md §4.2).
// The mapper never allocates; the caller keeps the raw string for audit.
#include <cstdint>
#include <string_view>

namespace smm {

/// A provider's order status after normalization.
enum class provider_status : std::uint8_t {
  unknown,  ///< not recognized: never treated as any other status
  pending,
  in_progress,  ///< "In progress", "Inprogress", "Active" (drip-feed)
  processing,
  completed,
  partial,
  canceled,  ///< "Canceled", "Cancelled", "Cancel"
  refunded,
  failed,  ///< "Fail", "Failed", "Error"
};

/// Lower-case name ("in_progress").
std::string_view to_string(provider_status s);

/// Maps a raw status string. An exact table of the spellings seen in the wild is tried
/// first; then the string is folded (ASCII lower case, spaces, '_' and '-' dropped) and
/// searched for keywords in a safe order: partial, cancel, refund, fail/error before
/// progress/process/pending/complete, so "Partially Completed" is partial and
/// "Partially refunded" is not read as in progress. Negated completions ("Incomplete",
/// "Not completed") and anything else unrecognized map to `unknown`, never `completed`.
provider_status map_provider_status(std::string_view raw) noexcept;

/// True for the statuses after which a provider no longer changes the order.
constexpr bool is_final(provider_status s) {
  return s == provider_status::completed || s == provider_status::partial || s == provider_status::canceled ||
         s == provider_status::refunded || s == provider_status::failed;
}

}  // namespace smm
