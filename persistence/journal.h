#pragma once
// Journal: the append-only log of committed change sets, as segment files in
// `<db>/journal/`. Append() is called by one writer at a time (the database's
// write lock); WaitDurable() may be called from many threads at once and implements
// group commit: one fdatasync covers every record appended before it started.
// A failed write or sync poisons the journal: every later Append fails with
// database_error (readers of the database are unaffected).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "kin/options.h"
#include "kin/status.h"
#include "persistence/file_system.h"

namespace kin::persistence {

using ::kin::SyncPolicy;  // kin/options.h
const char* SyncPolicyName(SyncPolicy p);
bool ParseSyncPolicy(const std::string& s, SyncPolicy* out);

struct JournalOptions {
  SyncPolicy sync = SyncPolicy::kAlways;
  int interval_ms = 100;                  // kInterval: flush at least this often
  uint64_t segment_bytes = 64ull << 20;   // rotate to a new segment past this size
};

struct JournalStats {
  uint64_t records = 0;  // appended since open
  uint64_t syncs = 0;    // fdatasync calls since open
};

class Journal {
 public:
  // Opens the journal for appending records from `next_seq` on. `tail_segment` is
  // the last existing segment (already cut to its last good record) to continue,
  // or empty to start a new segment.
  static Result<std::unique_ptr<Journal>> Open(const std::string& dir, const JournalOptions& options,
                                               uint64_t next_seq, const std::string& tail_segment,
                                               FileSystem& fs = FileSystem::Posix());
  ~Journal();  // flushes and syncs what was appended

  // Appends one record and returns its sequence number. The bytes are handed to
  // the OS before returning; durability follows the sync policy (WaitDurable).
  Result<uint64_t> Append(std::string_view payload);
  // The same for a frame built in place, sparing the copy of its payload: *frame is
  // kFrameRoom bytes of room for the frame header (their content is overwritten),
  // then the payload.
  static constexpr size_t kFrameRoom = 16;
  Result<uint64_t> AppendFramed(std::string* frame);
  // Under kAlways, returns once record `seq` is on disk; otherwise at once.
  Status WaitDurable(uint64_t seq);
  // Forces everything appended so far to disk.
  Status Sync();
  // Makes the current segment durable and starts a new one at next_seq() (a segment
  // holding no record already starts there and is kept). Called
  // like Append (by the one writer, or while writers are excluded).
  Status Rotate();

  uint64_t next_seq() const { return next_seq_; }
  JournalStats stats() const;
  // Forgets segments wholly before `seq` (they are covered by a snapshot).
  Status RemoveSegmentsBefore(uint64_t seq);

 private:
  Journal(std::string dir, JournalOptions options, uint64_t next_seq, FileSystem& fs);
  Status StartSegment();
  Status RotateLocked(std::unique_lock<std::mutex>& lock);
  // Checks run before an append: a poisoned journal, an oversized payload, a full
  // segment (rotated here).
  Status BeforeAppend(size_t payload_size);
  // Writes a sealed frame for next_seq_ and returns its seq.
  Result<uint64_t> WriteFrame(std::string_view frame);
  // Poisons the journal with `s` (under mu_) and returns it.
  Status Fail(Status s);
  Status SyncUpTo(uint64_t target);
  void IntervalLoop();

  const std::string dir_;
  const JournalOptions options_;
  FileSystem& fs_;
  std::unique_ptr<WritableFile> file_;  // the segment being appended
  uint64_t next_seq_;
  const uint64_t opened_after_;  // the last seq before this journal appended any
  std::string frame_;  // the frame being appended, reused (Append runs one at a time)

  // Last seq handed to the OS: stored by the appender (release) after its bytes are
  // the OS's, so a sync that loads it (acquire) and then starts covers it.
  std::atomic<uint64_t> appended_;

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable synced_;
  uint64_t durable_ = 0;   // last seq known on disk
  bool syncing_ = false;
  Status failure_;         // set once; poisons the journal
  std::atomic<bool> failed_{false};  // !failure_.ok(), readable without mu_ (set under it)
  uint64_t syncs_ = 0;
  bool stopping_ = false;
  std::thread interval_thread_;
};

}  // namespace kin::persistence
