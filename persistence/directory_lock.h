#pragma once
// DirectoryLock: one open database per directory. Holds an exclusive flock on the
// directory itself for its lifetime (not on a file in it, which could be deleted
// under a running database), so a second Database::Open of the
// same directory, in this process or another, is refused instead of two writers
// appending to one journal (and one cutting the space the other has reserved).
// The lock goes away with the process, so a killed writer never leaves it behind.
// Movable, not copyable; not thread-safe itself.

#include <string>

#include "kin/status.h"

namespace kin::persistence {

class DirectoryLock {
 public:
  // database_error when another open database holds the directory.
  static Result<DirectoryLock> Acquire(const std::string& dir);

  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

  // The descriptor holding the lock: a forked child must close its copy, or the
  // lock lives on in the child after this process is gone.
  int fd() const { return fd_; }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace kin::persistence
