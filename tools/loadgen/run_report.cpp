#include "tools/loadgen/run_report.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

namespace smm::loadgen {

namespace {

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

template <class... A>
std::string format(const char* fmt, A... a) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a...);
  return buf;
}

std::string number_or_null(std::optional<double> v, const char* fmt) {
  return v ? format(fmt, *v) : std::string("null");
}

std::string kib_or_null(std::optional<std::uint64_t> v) {
  return v ? std::to_string(*v) : std::string("null");
}

}  // namespace

std::optional<double> cpu_s_per_1000(std::optional<double> cpu_s, std::int64_t orders) {
  if (!cpu_s || orders <= 0) return std::nullopt;
  return *cpu_s * 1000.0 / static_cast<double>(orders);
}

std::string table_of(const run_figures& f) {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("mode", f.mode == "rate" ? format("rate (%.0f orders/s)", f.target_per_s) : f.mode);
  if (f.mode != "watch") {
    rows.emplace_back("connections, batch", format("%zu, %zu orders per add line", f.connections, f.batch));
    rows.emplace_back("sent / answered / accepted",
                      format("%zu / %zu / %zu", f.sent, f.answered, f.accepted));
    rows.emplace_back("failed lines", std::to_string(f.failed_lines));
    rows.emplace_back("acked orders/s", format("%.0f (%zu in %.3f s)%s", f.acked_per_s, f.answered, f.seconds,
                                               f.time_capped ? ", stopped by --max-seconds" : ""));
    rows.emplace_back("ack latency p50 / p90 / p99 / max",
                      format("%.3f / %.3f / %.3f / %.3f ms", ms(f.latency.p50_ns), ms(f.latency.p90_ns),
                             ms(f.latency.p99_ns), ms(f.latency.max_ns)));
  }
  if (f.placement)
    rows.emplace_back("placed orders/s",
                      format("%.0f (%lld in %.3f s)", f.placement->per_s,
                             static_cast<long long>(f.placement->placed), f.placement->seconds));
  else if (f.mode == "watch")
    rows.emplace_back("placed orders/s", "none placed");
  if (f.daemon) {
    const auto acked = cpu_s_per_1000(f.daemon->intake_cpu_s, static_cast<std::int64_t>(f.accepted));
    if (acked) rows.emplace_back("daemon CPU s per 1000 acked", format("%.4f", *acked));
    if (f.placement) {
      const auto placed = cpu_s_per_1000(f.placement->daemon_cpu_s, f.placement->placed);
      if (placed) rows.emplace_back("daemon CPU s per 1000 placed", format("%.4f", *placed));
    }
    if (f.daemon->vmhwm_kib)
      rows.emplace_back("daemon peak RSS (VmHWM)",
                        format("%llu KiB", static_cast<unsigned long long>(*f.daemon->vmhwm_kib)));
    if (f.daemon->vmrss_kib)
      rows.emplace_back("daemon RSS now (VmRSS)",
                        format("%llu KiB", static_cast<unsigned long long>(*f.daemon->vmrss_kib)));
  }
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  std::string out = "smm-loadgen:\n";
  for (const auto& [name, value] : rows) {
    out += "  " + name + std::string(width - name.size() + 2, ' ') + value + "\n";
  }
  return out;
}

std::string json_of(const run_figures& f) {
  std::string out = format("{\"mode\":\"%s\",\"connections\":%zu,\"batch\":%zu,\"target_per_s\":%.1f,",
                           f.mode.c_str(), f.connections, f.batch, f.target_per_s);
  out += format("\"sent\":%zu,\"answered\":%zu,\"accepted\":%zu,\"failed_lines\":%zu,", f.sent, f.answered,
                f.accepted, f.failed_lines);
  out += format("\"seconds\":%.6f,\"acked_per_s\":%.1f,", f.seconds, f.acked_per_s);
  out += format("\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f},", ms(f.latency.p50_ns),
                ms(f.latency.p90_ns), ms(f.latency.p99_ns), ms(f.latency.max_ns));
  out += format("\"time_capped\":%s", f.time_capped ? "true" : "false");
  if (f.placement)
    out += format(",\"placed\":%lld,\"placed_per_s\":%.1f,\"placement_seconds\":%.6f",
                  static_cast<long long>(f.placement->placed), f.placement->per_s, f.placement->seconds);
  if (f.daemon) {
    const auto placed_cpu =
        f.placement ? cpu_s_per_1000(f.placement->daemon_cpu_s, f.placement->placed) : std::nullopt;
    out += ",\"daemon\":{\"cpu_s_intake\":" + number_or_null(f.daemon->intake_cpu_s, "%.3f");
    out +=
        ",\"cpu_s_per_1000_acked\":" +
        number_or_null(cpu_s_per_1000(f.daemon->intake_cpu_s, static_cast<std::int64_t>(f.accepted)), "%.6f");
    out += ",\"cpu_s_per_1000_placed\":" + number_or_null(placed_cpu, "%.6f");
    out += ",\"vmhwm_kib\":" + kib_or_null(f.daemon->vmhwm_kib);
    out += ",\"vmrss_kib\":" + kib_or_null(f.daemon->vmrss_kib) + "}";
  }
  out += "}";
  return out;
}

}  // namespace smm::loadgen
