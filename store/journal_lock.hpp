#pragma once
// One daemon per journal: an exclusive flock on `<journal>.lock`, taken before recovery or
// any write and held for the life of the process. A second daemon on the same journal would
// run recovery on a live journal (turning the first one's in-flight adds `unknown`) and could
// send its queued orders a second time, so it must stop before touching anything.
// The kernel drops the lock when the process dies (kill -9 included): no stale lock files.
#include <sys/types.h>

#include <string>

namespace smm::store {

/// Holds the lock until destroyed. Thread safety: immutable after construction.
class journal_lock {
 public:
  /// Takes the lock or throws std::runtime_error naming the lock file and, when known, the
  /// pid of the daemon holding it.
  explicit journal_lock(const std::string& journal_path);
  ~journal_lock();
  journal_lock(const journal_lock&) = delete;
  journal_lock& operator=(const journal_lock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

/// The pid written in a lock file by its holder, or 0 when unreadable.
pid_t journal_lock_holder(const std::string& lock_path);

}  // namespace smm::store
