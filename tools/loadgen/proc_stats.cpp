#include "tools/loadgen/proc_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace smm::loadgen {

namespace {

std::optional<std::uint64_t> number_at(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  pos = static_cast<std::size_t>(end - s.data());
  return v;
}

std::optional<std::string> read_proc(pid_t pid, const char* file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<std::uint64_t> cpu_ticks_of_stat(std::string_view stat) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After the name: state (field 3), ppid ... utime is field 14, stime field 15.
  std::size_t pos = close + 1;
  for (int field = 3; field < 14; ++field) {
    while (pos < stat.size() && stat[pos] == ' ') ++pos;
    const auto next = stat.find(' ', pos);
    if (pos >= stat.size() || next == std::string_view::npos) return std::nullopt;
    pos = next;
  }
  const auto utime = number_at(stat, pos);
  if (!utime || pos >= stat.size() || stat[pos] != ' ') return std::nullopt;
  const auto stime = number_at(stat, pos);
  if (!stime) return std::nullopt;
  return *utime + *stime;
}

std::optional<std::uint64_t> status_kib(std::string_view status, std::string_view key) {
  for (std::size_t at = 0; at < status.size();) {
    auto end = status.find('\n', at);
    if (end == std::string_view::npos) end = status.size();
    const auto line = status.substr(at, end - at);
    at = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') continue;
    std::size_t pos = key.size() + 1;
    return number_at(line, pos);
  }
  return std::nullopt;
}

std::optional<double> process_cpu_seconds(pid_t pid) {
  const auto text = read_proc(pid, "stat");
  if (!text) return std::nullopt;
  const auto ticks = cpu_ticks_of_stat(*text);
  const long per_s = ::sysconf(_SC_CLK_TCK);
  if (!ticks || per_s <= 0) return std::nullopt;
  return static_cast<double>(*ticks) / static_cast<double>(per_s);
}

std::optional<std::uint64_t> process_status_kib(pid_t pid, std::string_view key) {
  const auto text = read_proc(pid, "status");
  if (!text) return std::nullopt;
  return status_kib(*text, key);
}

}  // namespace smm::loadgen
