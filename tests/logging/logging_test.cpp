// The logger factory: one logger per name, every one on the shared sink, every one following a
// level change (reload) whether it was made before or after it, every line through the scrubber.
#include "logging/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace smm::logging {
namespace {

// Sends fd 2 to a file for the lifetime of the object, and reads it back.
class captured_stderr {
 public:
  captured_stderr() {
    std::fflush(stderr);
    saved_ = ::dup(2);
    std::FILE* f = std::tmpfile();
    file_ = f;
    ::dup2(::fileno(f), 2);
  }
  ~captured_stderr() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    std::fclose(file_);
  }
  std::string text() {
    std::fflush(stderr);
    std::string out;
    std::rewind(file_);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) out.append(buf, n);
    return out;
  }

 private:
  int saved_ = -1;
  std::FILE* file_ = nullptr;
};

TEST(logger_factory, one_logger_per_name) {
  EXPECT_EQ(logger("unit.same").get(), logger("unit.same").get());
  EXPECT_NE(logger("unit.same").get(), logger("unit.other").get());
}

TEST(logger_factory, a_level_change_reaches_loggers_made_before_and_after_it) {
  setup_logging(spdlog::level::warn);
  auto before = logger("unit.before");
  EXPECT_EQ(before->level(), spdlog::level::warn);
  set_log_level(spdlog::level::debug);
  auto after = logger("unit.after");
  EXPECT_EQ(before->level(), spdlog::level::debug);
  EXPECT_EQ(after->level(), spdlog::level::debug);
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  set_log_level(spdlog::level::err);
  EXPECT_EQ(before->level(), spdlog::level::err);
  EXPECT_EQ(after->level(), spdlog::level::err);
}

TEST(logger_factory, every_logger_writes_through_the_shared_scrubbing_sink) {
  setup_logging(spdlog::level::info);
  auto early = logger("unit.early");  // made before the scrubber is installed
  scrub_logs_with(std::make_shared<secret_scrubber>(std::vector<std::string>{"sk-live-123456"}));
  auto late = logger("provider.unit");
  captured_stderr cap;
  early->warn("echoed key=sk-live-123456 in a reply");
  late->warn("Authorization: Bearer sk-live-123456");
  early->debug("below the level: not written");
  early->flush();
  late->flush();
  const std::string out = cap.text();
  EXPECT_EQ(out.find("sk-live-123456"), std::string::npos) << out;
  EXPECT_NE(out.find("unit.early: echoed key="), std::string::npos) << out;
  EXPECT_NE(out.find("provider.unit: Authorization"), std::string::npos) << out;
  EXPECT_EQ(out.find("below the level"), std::string::npos) << out;
}

}  // namespace
}  // namespace smm::logging
