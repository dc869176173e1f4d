#pragma once
// The mock provider's service catalogue: built in, or read from a small TOML file.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dispatch/money.hpp"

namespace smm::mock {

/// One service as the mock sells it (api-v2.md §2.2 canonical fields).
struct mock_service {
  std::int64_t id = 0;
  std::string name;
  std::string type = "Default";  ///< as printed by `services` ("Custom Comments")
  std::string category = "Mock";
  money rate;  ///< per 1000 units (per package for package types)
  std::int64_t min = 1;
  std::int64_t max = 100'000;
  bool refill = false;
  bool cancel = false;
};

/// A few services covering every add type, with refill and cancel flags on some.
std::vector<mock_service> default_catalogue();

/// Reads `[[service]]` tables (keys: service, name, type, category, rate, min, max,
/// refill, cancel). Unknown keys, a missing id or an inexact rate throw
/// std::runtime_error naming the file and the key.
std::vector<mock_service> load_catalogue(const std::string& path);

/// "Custom Comments" -> "custom_comments" (lower case, spaces and dashes as '_').
std::string normalized_type(std::string_view type);

}  // namespace smm::mock
