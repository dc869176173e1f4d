#include "providers/retry_after.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace smm::providers {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int> number(std::string_view s) {
  int v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<unsigned> month_of(std::string_view s) {
  static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < names.size(); ++i)
    if (s == names[i]) return i + 1;
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, std::string_view seps) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && seps.find(s[i]) != std::string_view::npos) ++i;
    std::size_t j = i;
    while (j < s.size() && seps.find(s[j]) == std::string_view::npos) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// "08:49:37" -> seconds of the day.
std::optional<int> time_of_day(std::string_view s) {
  const auto parts = split(s, ":");
  if (parts.size() != 3) return std::nullopt;
  const auto h = number(parts[0]), m = number(parts[1]), sec = number(parts[2]);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

// In whole seconds: a date a few centuries away (year 9999 is valid) does not fit the
// system clock's nanoseconds.
std::optional<std::chrono::sys_seconds> make_time(int year, unsigned month, int day, int secs) {
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + seconds{secs};
}

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view s) {
  const auto t = split(s, " ,-");
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT ; RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  if (t.size() == 6 && t[5] == "GMT") {
    const auto day = number(t[1]);
    const auto month = month_of(t[2]);
    auto year = number(t[3]);
    const auto tod = time_of_day(t[4]);
    if (!day || !month || !year || !tod) return std::nullopt;
    // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
    if (t[3].size() == 2) *year += *year < 70 ? 2000 : 1900;
    return make_time(*year, *month, *day, *tod);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  if (t.size() == 5) {
    const auto month = month_of(t[1]);
    const auto day = number(t[2]);
    const auto tod = time_of_day(t[3]);
    const auto year = number(t[4]);
    if (!day || !month || !year || !tod) return std::nullopt;
    return make_time(*year, *month, *day, *tod);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const std::string_view v = trim(value);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    // Leading zeros are digits of delta-seconds too ("0000000000005" is 5 s), not length.
    const std::string_view digits = v.substr(std::min(v.find_first_not_of('0'), v.size() - 1));
    // Too many digits for an int means "very long": clamp rather than reject.
    if (digits.size() > 9) return max_retry_after;
    return std::min(seconds{*number(digits)}, max_retry_after);
  }
  const auto when = parse_http_date(v);
  if (!when) return std::nullopt;
  // Against `now` rounded down, so the wait rounds up: waiting a fraction of a second too
  // long is harmless, too short is not.
  const sys_seconds from = floor<seconds>(now);
  if (*when <= from) return seconds{0};
  return std::min(*when - from, max_retry_after);
}

}  // namespace smm::providers
