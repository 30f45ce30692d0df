// An exclusive lock between processes, held through flock(2) on a host file.
//
// The pond uses two: $POND/lock serializes writers, and $POND/cache/index.lock
// serializes changes to the index (catching up, rebuilding). The lock file is
// opened with O_NOFOLLOW, so a planted symlink cannot make the pond create or
// truncate a file elsewhere, and it must be a regular file.
//
// Thread safety: a FileLock belongs to one thread; flock locks are per open
// file, so two FileLocks on one path exclude each other even in one process.
#pragma once

#include <memory>
#include <string>

#include "util/status.h"

namespace pond::tlogfs {

class FileLock {
 public:
  // Opens (creating it if needed) the lock file `path` and takes the lock,
  // waiting up to `timeout_ms` (0: one try). Conflict with `busy_message` when
  // another holder keeps it past the wait; IOError naming the file and the
  // system's reason when it cannot be opened or is not a regular file.
  static Result<std::unique_ptr<FileLock>> Acquire(const std::string& path, int timeout_ms,
                                                   const std::string& busy_message);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace pond::tlogfs
