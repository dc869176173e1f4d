// Fuzzes the config loader (config/loader.hpp): TOML text in, a validated config or every
// error found.
//
// Invariants: a config loads exactly when there is no error; every error and warning names
// the file and says what is wrong, in file order; and a loaded config keeps the promises of
// config/config.hpp (unique provider names and service ids, routes naming configured providers,
// min <= max, non-negative rates, distinct sockets, a retention that outlasts every keep window).
//
// Relative paths (key_file, ca_file) resolve under a directory that does not exist, so the
// loader never reads what the fuzzer happens to name next to it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "config/loader.hpp"
#include "dispatch/retention.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace smm;

constexpr std::string_view file_name = "fuzz.toml";

void check_messages(const std::vector<config_error>& list) {
  for (const config_error& e : list) {
    SMM_FUZZ_REQUIRE(e.file == file_name);
    SMM_FUZZ_REQUIRE(!e.message.empty());
  }
  SMM_FUZZ_REQUIRE(std::is_sorted(list.begin(), list.end(), [](const config_error& a, const config_error& b) {
    return std::pair{a.line, a.column} < std::pair{b.line, b.column};
  }));
}

void check_config(const config& c) {
  std::set<std::string> names;
  for (const provider_config& p : c.providers) {
    SMM_FUZZ_REQUIRE(!p.name.empty() && names.insert(p.name).second);
    SMM_FUZZ_REQUIRE(!p.key.empty());
    SMM_FUZZ_REQUIRE(p.call_deadline >= p.request_timeout);
  }
  std::set<std::int64_t> ids;
  for (const service_def& s : c.services) {
    SMM_FUZZ_REQUIRE(ids.insert(s.id).second);
    SMM_FUZZ_REQUIRE(c.find_service(s.id) != nullptr);
    SMM_FUZZ_REQUIRE(s.min_quantity <= s.max_quantity);
    SMM_FUZZ_REQUIRE(!s.rate_per_1000.is_negative());
    for (const route_hop& hop : s.route) {
      SMM_FUZZ_REQUIRE(c.find_provider(hop.provider) != nullptr);
      SMM_FUZZ_REQUIRE(!hop.provider_service_id.empty());
    }
  }
  const daemon_config& d = c.daemon;
  if (!d.socket_path.empty()) SMM_FUZZ_REQUIRE(d.socket_path != d.api_socket_path);
  if (!d.admin_socket_path.empty())
    SMM_FUZZ_REQUIRE(d.admin_socket_path != d.socket_path && d.admin_socket_path != d.api_socket_path);
  for (const panel_key& k : d.panel_keys) SMM_FUZZ_REQUIRE(!k.name.empty() && !k.key.empty());
  SMM_FUZZ_REQUIRE(std::int64_t{d.retention_days} * 86400 >=
                   longest_keep_after_final(c.services, c.policy).seconds);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const config_result r = load_config_string(text, file_name, "/nonexistent/smm-fuzz");
  SMM_FUZZ_REQUIRE(r.value.has_value() == r.errors.empty());
  check_messages(r.errors);
  check_messages(r.warnings);
  if (r.value) check_config(*r.value);
  return 0;
}
