#pragma once
// Writing a snapshot from a forked child process. fork() gives the child a
// copy-on-write image of the store frozen at that instant, so the parent's writers
// wait only for the fork itself (page tables, milliseconds) instead of for the whole
// encoding. The child encodes, writes the file durably, reports through a pipe and
// exits; it is killed if the parent dies first. Call Fork while holding the
// database's lock (the state must not change during fork), Wait after releasing it.

#include <sys/types.h>

#include "persistence/snapshot.h"

namespace kin::persistence {

class SnapshotProcess {
 public:
  // Forks a child that writes the snapshot of `store` at `seq` into `dir`. The
  // child closes its copy of `lock_fd` (the directory lock, -1 for none) first, so
  // the lock never outlives the parent while the child is being killed.
  static Result<SnapshotProcess> Fork(const Store& store, uint64_t seq, const std::string& schema_json,
                                      const std::string& dir, FileSystem& fs, int lock_fd = -1);
  SnapshotProcess(SnapshotProcess&& other) noexcept;
  SnapshotProcess& operator=(SnapshotProcess&&) = delete;
  ~SnapshotProcess();  // waits for a child that was not waited for

  // Waits for the child; its error, or a database_error if it died.
  Result<SnapshotFile> Wait();

 private:
  SnapshotProcess(pid_t pid, int fd, SnapshotFile file) : pid_(pid), fd_(fd), file_(std::move(file)) {}
  pid_t pid_ = -1;
  int fd_ = -1;  // read end of the child's report pipe
  SnapshotFile file_;
};

}  // namespace kin::persistence
