#pragma once
// Intake rules that need no state: validation of a panel order against its service, the
// canonical encoding of its parameters (stored in the journal, hashed for idempotency)
// and its charge. Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "daemon/order_service.hpp"
#include "dispatch/link.hpp"

namespace smm::daemon {

/// Longest link accepted, in bytes.
inline constexpr std::size_t max_link_bytes = 2048;
/// Longest panel order id accepted, in bytes: a panel's own id (at most 128 bytes on either
/// face) under the prefix of an identified panel ("v2:" + a name of at most 64 bytes + ":").
inline constexpr std::size_t max_panel_id_bytes = 128 + 68;

/// A panel order after validation.
struct prepared_order {
  std::string error;                             ///< non-empty: invalid, names the field
  invalid_reason reason = invalid_reason::none;  ///< with `error`: which rule
  std::string field;                             ///< with `error`: the field it is about
  const service_def* service = nullptr;
  providers::add_order params;  ///< cleaned panel fields (service empty, type from the service)
  std::string encoded;          ///< encode_params(params)
  std::int64_t request_hash = 0;
  normalized_link link;
  std::int64_t quantity = 0;  ///< units the charge is for (quantity * runs for drip-feed)
  money charge;
};

/// Validates `p` against `cfg`; on success fills everything but `error`.
prepared_order prepare_order(const panel_order& p, const config& cfg);

/// Canonical text of the panel fields ("link=...&quantity=...&comments=a&comments=b"),
/// form-encoded; the same content always gives the same text.
std::string encode_params(const providers::add_order& params);
/// The inverse of encode_params; nullopt on text it did not write.
std::optional<providers::add_order> decode_params(std::string_view text);

/// FNV-1a 64 of the service id and the encoded params, as a signed value for the store.
std::int64_t request_hash(std::int64_t service_id, std::string_view encoded);

/// True when the link is plausible: 1..2048 bytes, no spaces or control characters.
bool plausible_link(std::string_view link);

}  // namespace smm::daemon
