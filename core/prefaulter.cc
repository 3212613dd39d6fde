#include "core/prefaulter.h"

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <unistd.h>

#if defined(__linux__)
#include <sys/mman.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels answer EINVAL
#endif
#endif

namespace kin {

namespace {

size_t PageSize() {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

// Populates the whole pages inside [begin, begin + bytes): 0, or the errno.
int Populate(char* begin, size_t bytes) {
  const uintptr_t page = PageSize();
  const uintptr_t from = (reinterpret_cast<uintptr_t>(begin) + page - 1) & ~(page - 1);
  const uintptr_t to = (reinterpret_cast<uintptr_t>(begin) + bytes) & ~(page - 1);
  return to <= from ? 0 : PopulateWritable(reinterpret_cast<void*>(from), to - from);
}

}  // namespace

int PopulateWritable(void* begin, size_t bytes) {
#if defined(__linux__)
  for (;;) {
    if (::madvise(begin, bytes, MADV_POPULATE_WRITE) == 0) return 0;
    if (errno != EINTR) return errno;
  }
#else
  (void)begin;
  (void)bytes;
  return EINVAL;
#endif
}

bool Prefaulter::Supported() {
#if defined(__linux__)
  // A kernel that knows the advice may still refuse it (a sandbox, an emulator):
  // populate a page of our own to find out.
  static const bool supported = [] {
    void* page = ::mmap(nullptr, PageSize(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return false;
    const bool ok = Populate(static_cast<char*>(page), PageSize()) == 0;
    ::munmap(page, PageSize());
    return ok;
  }();
  return supported;
#else
  return false;
#endif
}

bool Prefaulter::enabled() const {
  std::lock_guard l(mu_);
  return !disabled_ && !stop_ && Supported();
}

Prefaulter::~Prefaulter() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Prefaulter::Submit(void* begin, size_t bytes) noexcept {
  std::unique_lock l(mu_);
  if (disabled_ || stop_) return;
  if (!started_) {
    started_ = true;
    if (!Supported()) {
      disabled_ = true;
      return;
    }
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (...) {  // no thread: writers fault their own pages
      disabled_ = true;
      return;
    }
    // The thread has started before the writer goes on: no thread of kin's is
    // starting (which may allocate) when the process forks a snapshot.
    changed_.wait(l, [&] { return running_; });
  }
  try {
    queue_.push_back({static_cast<char*>(begin), bytes});
  } catch (...) {  // no memory for the queue: this range faults as it is written
    return;
  }
  l.unlock();
  changed_.notify_all();
}

void Prefaulter::Cancel(const void* begin) {
  std::unique_lock l(mu_);
  auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Range& r) { return r.begin == begin; });
  if (it != queue_.end()) queue_.erase(it);
  changed_.wait(l, [&] { return current_ != begin; });
}

void Prefaulter::Pause() {
  std::lock_guard l(mu_);
  paused_ = true;
}

void Prefaulter::Resume() {
  {
    std::lock_guard l(mu_);
    paused_ = false;
  }
  changed_.notify_all();
}

uint64_t Prefaulter::populated() const {
  std::lock_guard l(mu_);
  return populated_;
}

size_t Prefaulter::pending() const {
  std::lock_guard l(mu_);
  return queue_.size() + (current_ != nullptr ? 1 : 0);
}

void Prefaulter::Run() {
  std::unique_lock l(mu_);
  running_ = true;
  changed_.notify_all();
  for (;;) {
    changed_.wait(l, [&] { return stop_ || (!paused_ && !queue_.empty()); });
    if (stop_) return;
    Range r = queue_.front();
    queue_.pop_front();
    current_ = r.begin;
    l.unlock();
    const int error = Populate(r.begin, r.bytes);
    l.lock();
    current_ = nullptr;
    if (error == 0) ++populated_;
    // No memory now is no reason to stop; anything else (an unknown advice) is.
    if (error != 0 && error != ENOMEM && error != EAGAIN) {
      disabled_ = true;
      queue_.clear();
    }
    changed_.notify_all();
    if (disabled_) return;
  }
}

}  // namespace kin
