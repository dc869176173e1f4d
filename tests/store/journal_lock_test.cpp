// One daemon per journal: the flock is exclusive between open file descriptions, released on
// destruction and on process death, and the refusal names the holder's pid.
#include "store/journal_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <stdexcept>

namespace fs = std::filesystem;
using smm::store::journal_lock;

namespace {

std::string temp_journal() {
  const auto dir =
      fs::temp_directory_path() / ("smm-lock-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return (dir / "journal.sqlite").string();
}

TEST(journal_lock, a_second_lock_is_refused_with_the_holders_pid_until_the_first_is_released) {
  const std::string path = temp_journal();
  std::optional<journal_lock> first(path);
  try {
    journal_lock second(path);
    FAIL() << "a second lock on the same journal was granted";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("pid " + std::to_string(::getpid())), std::string::npos) << what;
    EXPECT_NE(what.find(path + ".lock"), std::string::npos) << what;
  }
  first.reset();
  EXPECT_NO_THROW(journal_lock again(path));
  fs::remove_all(fs::path(path).parent_path());
}

TEST(journal_lock, the_lock_of_a_killed_process_is_free_at_once) {
  const std::string path = temp_journal();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    journal_lock held(path);
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_THROW(journal_lock refused(path), std::runtime_error);
  EXPECT_EQ(smm::store::journal_lock_holder(path + ".lock"), child);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_NO_THROW(journal_lock taken(path));
  ::close(ready[0]);
  ::close(ready[1]);
  fs::remove_all(fs::path(path).parent_path());
}

}  // namespace
