#pragma once
// Helpers shared by the config tests: a minimal valid config, locating a line in a text,
// finding the error about a key, and a scratch directory.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "config/loader.hpp"

namespace smm::test {

/// One provider, one service: the smallest config that loads.
inline constexpr std::string_view minimal_providers = R"(
[[providers]]
name = "alpha"
api_url = "http://127.0.0.1:18081/api/v2"
key = "k-alpha"
)";

inline constexpr std::string_view minimal_services = R"(
[[services]]
id = 1
name = "Followers"
rate = "0.90"
route = [{ provider = "alpha", service = "101" }]
)";

inline std::string minimal_config() { return std::string(minimal_providers) + std::string(minimal_services); }

/// 1-based number of the first line of `text` containing `needle`; 0 if none.
inline std::uint32_t line_of(std::string_view text, std::string_view needle) {
  const auto pos = text.find(needle);
  if (pos == std::string_view::npos) return 0;
  std::uint32_t line = 1;
  for (std::size_t i = 0; i < pos; ++i)
    if (text[i] == '\n') ++line;
  return line;
}

/// The first error about exactly `key`, or nullptr.
inline const config_error* error_for(const config_result& r, std::string_view key) {
  for (const auto& e : r.errors)
    if (e.key == key) return &e;
  return nullptr;
}

/// Loads `text` as "test.toml" relative to `base`.
inline config_result load(std::string_view text, const std::filesystem::path& base = {}) {
  return load_config_string(text, "test.toml", base);
}

/// A fresh directory under /tmp, removed on destruction.
class scratch_dir {
 public:
  scratch_dir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("smm_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `content` to `name` inside the directory, with `mode` permissions.
  std::filesystem::path write(const std::string& name, std::string_view content,
                              std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                            std::filesystem::perms::owner_write) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    std::filesystem::permissions(p, mode);
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace smm::test
