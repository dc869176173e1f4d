#include "logging/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

namespace smm::logging {
namespace {

std::mutex mu;
spdlog::sink_ptr shared_sink;

// syslog priorities for sd-daemon(3) prefixes, by spdlog level.
class journald_prefix final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr const char* prio[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const char* p = prio[static_cast<int>(msg.level)];
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<journald_prefix>();
  }
};

// The pattern formatter's line with every key masked.
class scrubbing_formatter final : public spdlog::formatter {
 public:
  scrubbing_formatter(std::unique_ptr<spdlog::formatter> inner,
                      std::shared_ptr<const secret_scrubber> scrubber)
      : inner_(std::move(inner)), scrubber_(std::move(scrubber)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t line;
    inner_->format(msg, line);
    const std::string clean = scrubber_->scrub(std::string_view(line.data(), line.size()));
    dest.append(clean.data(), clean.data() + clean.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<scrubbing_formatter>(inner_->clone(), scrubber_);
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
  std::shared_ptr<const secret_scrubber> scrubber_;
};

std::unique_ptr<spdlog::pattern_formatter> make_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  if (std::getenv("JOURNAL_STREAM")) {
    f->add_flag<journald_prefix>('*').set_pattern("%*%n: %v");
  } else {
    f->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
  }
  return f;
}

// The shared sink, made on first use. Callers hold `mu`.
const spdlog::sink_ptr& sink_locked() {
  if (!shared_sink) {
    shared_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    shared_sink->set_formatter(make_formatter());
  }
  return shared_sink;
}

}  // namespace

void setup_logging(spdlog::level::level_enum level) {
  std::lock_guard lock(mu);
  spdlog::set_level(level);
  auto d = spdlog::get("daemon");
  if (!d) {
    d = std::make_shared<spdlog::logger>("daemon", sink_locked());
    spdlog::register_logger(d);
  }
  d->set_level(level);
  spdlog::set_default_logger(d);
}

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  if (auto l = spdlog::get(name)) return l;
  std::lock_guard lock(mu);
  if (auto l = spdlog::get(name)) return l;
  auto l = std::make_shared<spdlog::logger>(name, sink_locked());
  l->set_level(spdlog::get_level());
  spdlog::register_logger(l);
  return l;
}

void set_log_level(spdlog::level::level_enum level) { spdlog::set_level(level); }

void scrub_logs_with(std::shared_ptr<const secret_scrubber> scrubber) {
  std::lock_guard lock(mu);
  if (scrubber)
    sink_locked()->set_formatter(
        std::make_unique<scrubbing_formatter>(make_formatter(), std::move(scrubber)));
}

}  // namespace smm::logging
