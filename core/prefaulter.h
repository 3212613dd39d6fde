#pragma once
// Prefaulter: a thread that maps in the pages of memory before their first use, so
// the thread that writes them later does not stop for each page's fault. A fresh
// 4 KiB page costs about 1.5 us to fault in on a virtual machine, much of a create's
// time when every few creates start a page (benchmarks/RESULTS.md).
//
// Populating writes no byte (Linux MADV_POPULATE_WRITE): the memory's owner may
// write a range while it is being populated, and reads back what it wrote. Where the
// system cannot populate (not Linux, a kernel before 5.14), or the thread cannot be
// started, Submit does nothing and writers fault their own pages as before.
//
// Ranges are populated one at a time, in the order submitted. The thread starts on
// the first Submit, so a small database never runs it.
//
// Thread-safety: every method may be called from any thread. Not fork-safe: a
// forked child must not call it.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace kin {

// Faults in the pages of [begin, begin + bytes) writable without writing a byte
// (Linux MADV_POPULATE_WRITE), retrying when interrupted. `begin` is page-aligned;
// the range rounds up to whole pages. Returns 0, or the errno of the failure
// (EINVAL where the system cannot do this).
int PopulateWritable(void* begin, size_t bytes);

class Prefaulter {
 public:
  Prefaulter() = default;
  // Stops the thread; ranges still queued are dropped.
  ~Prefaulter();
  Prefaulter(const Prefaulter&) = delete;
  Prefaulter& operator=(const Prefaulter&) = delete;

  // Whether this system can populate memory without writing it (tried once on a
  // page of its own).
  static bool Supported();
  // Whether Submit queues ranges: the system supports populating and nothing has
  // failed (a failed thread start or populate turns the prefaulter off for good).
  bool enabled() const;

  // Queues the whole pages inside [begin, begin + bytes) to be faulted in writable;
  // does nothing when not enabled() or out of memory. The memory must stay allocated
  // until it was populated or Cancel(begin) returned.
  void Submit(void* begin, size_t bytes) noexcept;
  // Drops the range submitted at `begin` from the queue, or waits until it is
  // populated if that has begun: afterwards the memory may be freed.
  void Cancel(const void* begin);
  // Holds the thread before its next range until Resume (ranges still queue).
  void Pause();
  void Resume();
  // While the returned lock is held, the thread is not inside the allocator (it
  // allocates and frees its queue only under the lock; populating allocates
  // nothing): what a fork needs when the allocator does not make fork wait for its
  // locks (a sanitizer's). Submit waits meanwhile.
  std::unique_lock<std::mutex> HoldForFork() const { return std::unique_lock<std::mutex>(mu_); }
  // Ranges populated so far, and ranges queued or being populated.
  uint64_t populated() const;
  size_t pending() const;

 private:
  struct Range {
    char* begin;
    size_t bytes;
  };
  void Run();

  mutable std::mutex mu_;  // guards what follows
  std::condition_variable changed_;
  std::deque<Range> queue_;
  const void* current_ = nullptr;  // the range being populated
  uint64_t populated_ = 0;
  bool started_ = false, disabled_ = false, paused_ = false, stop_ = false;
  bool running_ = false;  // the thread has started
  std::thread thread_;
};

}  // namespace kin
