#pragma once
// Retry-After header values (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
#include <chrono>
#include <optional>
#include <string_view>

namespace smm::providers {

/// Longest wait honoured; a larger value is clamped to it (a bad header must not park a
/// provider for days).
inline constexpr std::chrono::seconds max_retry_after{std::chrono::hours{1}};

/// Seconds to wait from `now`: "120" -> 120 s; "Wed, 21 Oct 2015 07:28:00 GMT" (IMF-fixdate),
/// the RFC 850 and asctime forms -> the time until then, zero when it is past.
/// Nullopt when the value is neither.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace smm::providers
