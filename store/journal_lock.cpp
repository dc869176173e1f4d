#include "store/journal_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace smm::store {

pid_t journal_lock_holder(const std::string& lock_path) {
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  long pid = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid = pid * 10 + (buf[i] - '0');
  return static_cast<pid_t>(pid);
}

journal_lock::journal_lock(const std::string& journal_path) : path_(journal_path + ".lock") {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0)
    throw std::runtime_error("cannot open the journal lock " + path_ + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      const pid_t holder = journal_lock_holder(path_);
      throw std::runtime_error("the journal is in use by another smm-dispatchd" +
                               (holder > 0 ? " (pid " + std::to_string(holder) + ")" : std::string()) +
                               ": lock " + path_ + " is held; one daemon per journal");
    }
    throw std::runtime_error("cannot lock the journal " + path_ + ": " + std::strerror(err));
  }
  // Our pid for the message a second daemon prints; the lock itself is the flock.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    const ssize_t w = ::pwrite(fd_, pid.data(), pid.size(), 0);
    (void)w;  // the pid is informative only
  }
}

journal_lock::~journal_lock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace smm::store
