#include "tools/loadgen/placement_watch.hpp"

#include <simdjson.h>

#include <chrono>
#include <stdexcept>

#include "tools/demo/panel_messages.hpp"
#include "tools/loadgen/proc_stats.hpp"

namespace smm::loadgen {

std::optional<std::int64_t> placed_of_overview(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  bool ok = false;
  std::int64_t placed = 0;
  if (doc["ok"].get(ok) != simdjson::SUCCESS || !ok) return std::nullopt;
  if (doc["result"]["placement"]["placed"].get(placed) != simdjson::SUCCESS) return std::nullopt;
  return placed;
}

placement_watch::placement_watch(boost::asio::any_io_executor ex, std::string admin_socket, pid_t daemon_pid)
    : conn_(std::move(ex)), path_(std::move(admin_socket)), pid_(daemon_pid) {}

boost::asio::awaitable<void> placement_watch::connect() { co_await conn_.connect(path_); }

boost::asio::awaitable<void> placement_watch::sample() {
  co_await conn_.write(demo::bare_line(next_id_++, "overview"));
  const auto line = co_await conn_.read_line();
  // The counter is read as the answer arrives; the CPU time right after it.
  const auto at = std::chrono::steady_clock::now().time_since_epoch();
  if (!line) throw std::runtime_error("the admin socket " + path_ + " closed");
  const auto placed = placed_of_overview(*line);
  if (!placed) throw std::runtime_error("unexpected overview answer: " + std::string(line->substr(0, 200)));
  placement_sample s;
  s.at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at).count();
  s.placed = *placed;
  if (pid_ > 0) s.cpu_s = process_cpu_seconds(pid_).value_or(-1.0);
  samples_.push_back(s);
}

}  // namespace smm::loadgen
