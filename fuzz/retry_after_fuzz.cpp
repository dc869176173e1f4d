// Fuzzes the Retry-After parser (providers/retry_after.hpp): any header value a provider or a
// proxy in front of it sends.
//
// Invariants: a wait is never negative nor over max_retry_after; delta-seconds read as their
// value (clamped); whether a value parses does not depend on the clock, and a later clock never
// means a longer wait. Round trip: a time derived from the input's bytes, written in each of
// the three HTTP-date forms, reads back as exactly the wait until it (clamped, rounded up).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "providers/retry_after.hpp"

namespace {

using namespace std::chrono;
using smm::providers::max_retry_after;
using smm::providers::parse_retry_after;

// 2026-11-27 12:00:00 UTC.
const system_clock::time_point now = sys_days{year{2026} / November / 27} + 12h;

constexpr std::array<const char*, 7> short_days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 7> long_days{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                               "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct civil {
  int year;
  unsigned month, day, weekday, hour, minute, second;
};

civil to_civil(sys_seconds t) {
  const sys_days d = floor<days>(t);
  const year_month_day ymd{d};
  const hh_mm_ss<seconds> tod{t - d};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          weekday{d}.c_encoding(),
          static_cast<unsigned>(tod.hours().count()),
          static_cast<unsigned>(tod.minutes().count()),
          static_cast<unsigned>(tod.seconds().count())};
}

// The expected answer for a date at `t`: the wait until it, zero when past, clamped.
// In seconds: far dates do not fit the clock's nanoseconds.
seconds expected_wait(sys_seconds t) {
  const sys_seconds from = time_point_cast<seconds>(now);
  if (t <= from) return seconds{0};
  return std::min(t - from, max_retry_after);
}

void check_range(const std::optional<seconds>& wait) {
  if (wait) SMM_FUZZ_REQUIRE(*wait >= seconds{0} && *wait <= max_retry_after);
}

// FNV-1a of the input: a time that changes with every mutation.
std::uint64_t hash(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

void check_date_round_trip(std::string_view input) {
  // Years 1900 to 9999: the four-digit range of an IMF-fixdate.
  const std::int64_t first = sys_seconds{sys_days{year{1900} / January / 1}}.time_since_epoch().count();
  const std::int64_t last = sys_seconds{sys_days{year{9999} / December / 31}}.time_since_epoch().count();
  const std::uint64_t span = static_cast<std::uint64_t>(last - first);
  const sys_seconds t{seconds{first + static_cast<std::int64_t>(hash(input) % span)}};
  const civil c = to_civil(t);
  const seconds want = expected_wait(t);

  char text[64];
  std::snprintf(text, sizeof text, "%s, %02u %s %04d %02u:%02u:%02u GMT", short_days[c.weekday], c.day,
                months[c.month - 1], c.year, c.hour, c.minute, c.second);
  SMM_FUZZ_REQUIRE(parse_retry_after(text, now) == want);
  // Half a second later the wait rounds up to the same whole second.
  SMM_FUZZ_REQUIRE(parse_retry_after(text, now + 500ms) == want);
  std::snprintf(text, sizeof text, "%s %s %2u %02u:%02u:%02u %04d", short_days[c.weekday],
                months[c.month - 1], c.day, c.hour, c.minute, c.second, c.year);
  SMM_FUZZ_REQUIRE(parse_retry_after(text, now) == want);
  // RFC 850's two-digit year covers 1970-2069 here.
  if (c.year >= 1970 && c.year <= 2069) {
    std::snprintf(text, sizeof text, "%s, %02u-%s-%02d %02u:%02u:%02u GMT", long_days[c.weekday], c.day,
                  months[c.month - 1], c.year % 100, c.hour, c.minute, c.second);
    SMM_FUZZ_REQUIRE(parse_retry_after(text, now) == want);
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Delta-seconds ("120", "007"): their value, saturated at max_retry_after; nothing otherwise.
std::optional<seconds> delta_seconds(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = std::min<std::int64_t>(v * 10 + (c - '0'), max_retry_after.count());
  }
  return seconds{v};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto wait = parse_retry_after(value, now);
  check_range(wait);
  const auto delta = delta_seconds(value);
  if (delta) SMM_FUZZ_REQUIRE(wait == delta);

  const auto later = parse_retry_after(value, now + 30min);
  check_range(later);
  SMM_FUZZ_REQUIRE(wait.has_value() == later.has_value());
  if (wait) SMM_FUZZ_REQUIRE(delta ? *later == *wait : *later <= *wait);  // delta-seconds ignore the clock

  check_date_round_trip(value);
  return 0;
}
