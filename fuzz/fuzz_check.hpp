#pragma once
// The invariant check of the fuzz targets. Unlike assert() it stays on whatever the build type,
// and it names the broken invariant before aborting; libFuzzer then saves the input as a crash.
#include <cstdio>
#include <cstdlib>

namespace smm::fuzz {

/// Aborts with `what` (the condition's text) when `ok` is false.
inline void require(bool ok, const char* what, const char* file, int line) {
  if (ok) return;
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

}  // namespace smm::fuzz

/// Checks an invariant of the code under test; the message is the condition itself.
#define SMM_FUZZ_REQUIRE(cond) ::smm::fuzz::require(static_cast<bool>(cond), #cond, __FILE__, __LINE__)
