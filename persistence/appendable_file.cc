#include "persistence/appendable_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace kin::persistence {

namespace {

Status Errno(const std::string& what, const std::string& path, int err = errno) {
  return Status::DatabaseError(what + " " + path + ": " + std::strerror(err));
}

uint64_t PageSize() {
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

uint64_t RoundUp(uint64_t n, uint64_t unit) { return (n + unit - 1) / unit * unit; }

// flock, retried when a signal interrupts it; true when the lock is held.
bool Lock(int fd, int operation) {
  int rc;
  do {
    rc = ::flock(fd, operation);
  } while (rc != 0 && errno == EINTR);
  return rc == 0;
}

// An open appendable file. Owns the descriptor and, when mapped, the mapping of
// the reserved space [map_offset_, reserved_). Append is called by one thread at a
// time; Sync and size() may run on other threads meanwhile: Sync touches only the
// descriptor (never the mapping Append may be moving), size() only the atomic
// logical size. Every open appendable file holds a shared flock on its file, so a
// closing one can tell whether another (a segment reopened with truncate, say) now
// owns the file's end.
class PosixAppendableFile final : public WritableFile {
 public:
  PosixAppendableFile(int fd, std::string path, uint64_t size, const AppendableFileOptions& options)
      : fd_(fd),
        path_(std::move(path)),
        chunk_(RoundUp(std::max<uint64_t>(options.reserve_bytes, 1), PageSize())),
        mapped_(options.mapped),
        reserved_(size),
        size_(size) {}

  ~PosixAppendableFile() override {
    if (map_ != nullptr) ::munmap(map_, reserved_ - map_offset_);
    // Cut the reserved zeros, unless another appendable file has this one open: its
    // end is that writer's now, and cutting it would pull pages from under its
    // mapping. And only ever shrink: a file already shorter than the logical size was
    // cut by someone else (a simulated power loss); growing it back would invent zeros.
    const uint64_t size = size_.load();
    struct stat st;
    const bool alone = Lock(fd_, LOCK_EX | LOCK_NB) || errno != EWOULDBLOCK;  // no flock support: alone
    if (alone && ::fstat(fd_, &st) == 0 && static_cast<uint64_t>(st.st_size) > size)
      (void)::ftruncate(fd_, static_cast<off_t>(size));
    ::close(fd_);
  }

  Status Append(std::string_view data) override {
    if (data.empty()) return Status::Ok();
    const uint64_t at = size_.load(std::memory_order_relaxed);
    const uint64_t end = at + data.size();
    if (mapped_ && end > reserved_) KIN_RETURN_IF_ERROR(Reserve(end));
    if (mapped_) {
      std::memcpy(map_ + (at - map_offset_), data.data(), data.size());  // now in the page cache
    } else {
      KIN_RETURN_IF_ERROR(WriteAt(at, data));
    }
    size_.store(end, std::memory_order_release);
    return Status::Ok();
  }

  // On Linux fdatasync also writes back the pages dirtied through the mapping.
  Status Sync() override { return ::fdatasync(fd_) == 0 ? Status::Ok() : Errno("cannot sync", path_); }

  uint64_t size() const override { return size_.load(std::memory_order_acquire); }

 private:
  // Reserves whole chunks up to at least `end` and maps them. Reserving blocks first
  // matters: a store into a sparse mapping on a full disk raises SIGBUS, while a
  // failed fallocate is an error. A file system that can neither fallocate nor mmap
  // switches this file to pwrite.
  Status Reserve(uint64_t end) {
    const uint64_t want = RoundUp(end, chunk_);
    int rc;
    do {
      rc = ::fallocate(fd_, 0, static_cast<off_t>(reserved_), static_cast<off_t>(want - reserved_));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) return FallBackToWrite();
      return Errno("cannot reserve space in", path_);
    }
    void* p;
    if (map_ == nullptr) {
      map_offset_ = size_.load(std::memory_order_relaxed) / PageSize() * PageSize();
      p = ::mmap(nullptr, want - map_offset_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                 static_cast<off_t>(map_offset_));
    } else {
      p = ::mremap(map_, reserved_ - map_offset_, want - map_offset_, MREMAP_MAYMOVE);
    }
    if (p == MAP_FAILED) return FallBackToWrite();
    map_ = static_cast<char*>(p);
    reserved_ = want;
    return Status::Ok();
  }

  // From now on every Append is a pwrite at the logical size (over any reserved zeros).
  Status FallBackToWrite() {
    if (map_ != nullptr) ::munmap(map_, reserved_ - map_offset_);
    map_ = nullptr;
    mapped_ = false;
    return Status::Ok();
  }

  Status WriteAt(uint64_t offset, std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot write", path_);
      }
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  const int fd_;
  const std::string path_;
  const uint64_t chunk_;
  // Used by Append (and the destructor) only.
  bool mapped_;
  char* map_ = nullptr;     // file offset map_offset_ (page-aligned) is map_[0]
  uint64_t map_offset_ = 0;
  uint64_t reserved_;       // the file's size as this object made it: logical size plus reserved zeros
  std::atomic<uint64_t> size_;  // the logical size: bytes appended
};

}  // namespace

Result<std::unique_ptr<WritableFile>> OpenPosixAppendable(const std::string& path, bool truncate,
                                                          const AppendableFileOptions& options) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  // Under the lock, so that no closing writer is cutting the file meanwhile (it
  // holds the lock exclusively for that moment only).
  (void)Lock(fd, LOCK_SH);
  struct stat st;
  Status s = truncate && ::ftruncate(fd, 0) != 0 ? Errno("cannot truncate", path) : Status::Ok();
  if (s.ok() && ::fstat(fd, &st) != 0) s = Errno("cannot stat", path);
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  return std::unique_ptr<WritableFile>(
      new PosixAppendableFile(fd, path, static_cast<uint64_t>(st.st_size), options));
}

}  // namespace kin::persistence
