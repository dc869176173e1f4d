#pragma once
// A credential read from the config (provider API key, panel key). It prints as "***" in
// every format this project uses (ostream, fmt/spdlog), so a log line or an error message
// that formats a config struct can never leak it. Only reveal() gives the text, and the
// one caller that needs it (the code building a request) says so by name.
#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace smm {

/// A string that never formats as itself.
class secret {
 public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}

  /// The credential itself: only for putting it on the wire.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  /// Constant text shown wherever a secret is printed.
  static constexpr std::string_view mask = "***";

  friend bool operator==(const secret&, const secret&) = default;
  friend std::ostream& operator<<(std::ostream& os, const secret&) { return os << mask; }

 private:
  std::string value_;
};

}  // namespace smm

/// fmt (and so spdlog) prints a secret as "***".
template <>
struct fmt::formatter<smm::secret> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const smm::secret&, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(smm::secret::mask, ctx);
  }
};
