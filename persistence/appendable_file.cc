#include "persistence/appendable_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

#include "core/prefaulter.h"

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

// Faults in the pages of a shared file mapping just ahead of an appender's end, on a
// thread of its own. The first store into a page of a MAP_SHARED file mapping costs
// the storing thread a fault: a page-cache page allocated and zeroed and the file
// system's page_mkwrite, microseconds per 4 KiB (about 100 ns per 150-byte record
// measured on the benchmark machine). Populated ahead (MADV_POPULATE_WRITE, which
// changes no byte), the appender's stores find the page mapped and writable.
// Populated pages are dirty: the OS writes their zeros back once, before the
// appender's bytes replace them (the reserved space is zeros on disk anyway).
//
// Thread-safety: Appended and SetMapping are called by the appender (one thread at
// a time); the populating thread touches the mapping only under map_mu_, which
// SetMapping takes, so a mapping is never moved or unmapped under a populate.
class PageFaulter {
 public:
  explicit PageFaulter(uint64_t ahead) : ahead_(ahead) {}
  ~PageFaulter() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    changed_.notify_one();
    if (thread_.joinable()) thread_.join();
  }
  PageFaulter(const PageFaulter&) = delete;
  PageFaulter& operator=(const PageFaulter&) = delete;

  // The mapping may now be populated: file bytes [offset, end) are at base[0, end -
  // offset); base nullptr: there is none. Waits for a populate in flight.
  void SetMapping(char* base, uint64_t offset, uint64_t end) {
    {
      std::lock_guard m(map_mu_);
      base_ = base;
      offset_ = offset;
      end_ = end;
    }
    {
      std::lock_guard l(mu_);
      ++generation_;  // a populate computed against the old mapping records nothing
      clamped_ = false;
      if (done_ < offset) done_ = offset;
    }
    changed_.notify_one();
  }

  // The appender's logical end is now `end`: once it is half-way into the window
  // asked for last, the next window [end, end + ahead) is asked for.
  void Appended(uint64_t end) {
    if (ahead_ == 0 || end + ahead_ / 2 <= asked_) return;
    asked_ = end + ahead_;
    {
      std::lock_guard l(mu_);
      want_ = asked_;
    }
    if (!thread_.joinable()) {
      try {
        thread_ = std::thread([this] { Run(); });
      } catch (const std::system_error&) {
        ahead_ = 0;  // no thread to be had: the appender faults its own pages
        return;
      }
      // Once per file: the thread has started before the appender goes on, so no
      // thread of kin's is starting (which may allocate) when the process forks a
      // snapshot (see Journal::BackgroundPause).
      std::unique_lock l(mu_);
      changed_.wait(l, [this] { return started_; });
    }
    changed_.notify_one();
  }

 private:
  void Run() {
    const uint64_t page = PageSize();
    std::unique_lock l(mu_);
    started_ = true;
    changed_.notify_all();
    for (;;) {
      changed_.wait(l, [&] { return stop_ || (want_ > done_ && !clamped_); });
      if (stop_) return;
      const uint64_t from = done_ / page * page, want = want_, generation = generation_;
      l.unlock();
      uint64_t to;
      bool failed = false;
      {
        std::lock_guard m(map_mu_);
        to = std::min(want, end_);
        if (base_ != nullptr && to > from && from >= offset_)
          failed = PopulateWritable(base_ + (from - offset_), to - from) != 0;  // base_ is page-aligned
      }
      l.lock();
      // An old kernel, or no memory: from now on the appender faults its own pages.
      if (failed) return;
      if (generation != generation_) continue;  // the mapping changed meanwhile: look again
      done_ = std::max(done_, to);
      clamped_ = to < want;  // the rest waits for the mapping to grow
    }
  }

  uint64_t ahead_;      // appender only after construction (0: off)
  uint64_t asked_ = 0;  // appender only
  std::thread thread_;  // started by the first Appended
  std::mutex map_mu_;   // held while the mapping is populated or changed
  char* base_ = nullptr;
  uint64_t offset_ = 0, end_ = 0;
  std::mutex mu_;  // guards what follows
  std::condition_variable changed_;
  uint64_t want_ = 0, done_ = 0;  // populate [done_, want_) within the mapping
  uint64_t generation_ = 0;       // counts SetMapping calls
  bool clamped_ = false, stop_ = false;
  bool started_ = false;  // the thread has started
};

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
        faulter_(options.mapped ? options.prefault_bytes : 0),
        prefault_bytes_(options.mapped ? options.prefault_bytes : 0),
        reserved_(size),
        size_(size) {}

  ~PosixAppendableFile() override {
    faulter_.SetMapping(nullptr, 0, 0);
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
      faulter_.Appended(end);
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

  // Reserves the first chunk and faults in its first pages (up to the prefault
  // window) here, on the preparing thread: the first writes into a fresh extent
  // would otherwise wait in the page fault for the file system.
  Status ReserveAhead() override {
    const uint64_t size = size_.load(std::memory_order_relaxed);
    if (!mapped_) return Status::Ok();
    if (reserved_ <= size) KIN_RETURN_IF_ERROR(Reserve(size + 1));
    if (mapped_ && prefault_bytes_ > 0) {
      const uint64_t from = size / PageSize() * PageSize();
      (void)PopulateWritable(map_ + (from - map_offset_), std::min<uint64_t>(reserved_ - from, prefault_bytes_));
    }
    return Status::Ok();
  }

  // The mapping is dropped first (pages past the new end would fault with SIGBUS);
  // the next Append reserves and maps again from the new end.
  Status CutBack(uint64_t size) override {
    faulter_.SetMapping(nullptr, 0, 0);
    if (map_ != nullptr) ::munmap(map_, reserved_ - map_offset_);
    map_ = nullptr;
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return Errno("cannot cut back", path_);
    reserved_ = size;
    size_.store(size, std::memory_order_release);
    return ::fdatasync(fd_) == 0 ? Status::Ok() : Errno("cannot sync the cut of", path_);
  }

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
    faulter_.SetMapping(nullptr, 0, 0);  // nothing is populated while the mapping moves
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
    faulter_.SetMapping(map_, map_offset_, reserved_);
    return Status::Ok();
  }

  // From now on every Append is a pwrite at the logical size (over any reserved zeros).
  Status FallBackToWrite() {
    faulter_.SetMapping(nullptr, 0, 0);
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
  PageFaulter faulter_;
  const uint64_t prefault_bytes_;
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
