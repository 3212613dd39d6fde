#include "persistence/snapshot_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kin::persistence {

namespace {

void WriteAllFd(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// The child: encode, write, report "ok" or the error message, exit without
// running the parent's destructors or atexit handlers.
[[noreturn]] void RunChild(int fd, pid_t parent, const Store& store, uint64_t seq, const std::string& schema_json,
                           const std::string& dir, FileSystem& fs) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(3);  // the parent died before prctl took effect
  Status s;
  try {
    auto written = WriteSnapshotFile(dir, seq, EncodeSnapshot(store, seq, schema_json), fs);
    s = written.status();
  } catch (const std::exception& e) {
    s = Status::DatabaseError(std::string("snapshot writer: ") + e.what());
  }
  WriteAllFd(fd, s.ok() ? std::string("ok") : s.message());
  ::_exit(s.ok() ? 0 : 1);
}

}  // namespace

Result<SnapshotProcess> SnapshotProcess::Fork(const Store& store, uint64_t seq, const std::string& schema_json,
                                              const std::string& dir, FileSystem& fs, int lock_fd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return Status::DatabaseError(std::string("cannot create a pipe for the snapshot writer: ") + std::strerror(errno));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::DatabaseError(std::string("cannot fork the snapshot writer: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (lock_fd >= 0) ::close(lock_fd);
    RunChild(fds[1], parent, store, seq, schema_json, dir, fs);
  }
  ::close(fds[1]);
  return SnapshotProcess(pid, fds[0], SnapshotFile{seq, dir + "/" + SnapshotFileName(seq)});
}

SnapshotProcess::SnapshotProcess(SnapshotProcess&& other) noexcept
    : pid_(other.pid_), fd_(other.fd_), file_(std::move(other.file_)) {
  other.pid_ = -1;
  other.fd_ = -1;
}

SnapshotProcess::~SnapshotProcess() {
  if (pid_ > 0) (void)Wait();
}

Result<SnapshotFile> SnapshotProcess::Wait() {
  std::string report;
  char buf[512];
  while (true) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  ::close(fd_);
  fd_ = -1;
  int status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid_, &status, 0);
  } while (waited < 0 && errno == EINTR);
  pid_ = -1;
  if (waited < 0) return Status::DatabaseError(std::string("lost the snapshot writer: ") + std::strerror(errno));
  if (WIFSIGNALED(status))
    return Status::DatabaseError("the snapshot writer died with signal " + std::to_string(WTERMSIG(status)));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || report != "ok")
    return Status::DatabaseError(report.empty() ? "the snapshot writer failed" : report);
  return file_;
}

}  // namespace kin::persistence
