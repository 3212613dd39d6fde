#pragma once
// Journal: the append-only log of committed change sets, as segment files in
// `<db>/journal/`. Append(), SyncOrCutBack() and Rotate() are called by one thread at
// a time, the appender (the database's writer); WaitDurable() may be called from
// many threads at once and implements group commit: one fdatasync covers every
// record appended before it started.
//
// A failed call leaves no trace in the journal: a failed append is cut back off
// the segment, and SyncOrCutBack cuts a failed sync's records back to the last
// durable one, after which appending goes on (a disk that was full may have room
// again). Only when the journal cannot be cut back, or a background sync of
// records already acknowledged fails (sync=interval), is it poisoned: every later
// Append fails with database_error saying why (readers are unaffected).

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
  // Whether Append itself rotates a full segment (false: the appender calls
  // RotateIfFull() where it may wait for the disk, e.g. outside a lock readers take).
  bool rotate_in_append = true;
  // Where to record the newest segment started (journal_end.h); empty: nowhere.
  std::string end_record;
  // Whether the next segment is prepared ahead on a thread of the journal's own
  // (false: a rotation creates and syncs it, then returns).
  bool prepare_segments = true;
};

// The name, inside the journal directory, of the segment file prepared ahead. It
// holds no record; opening removes one left behind.
inline constexpr const char kPreparedSegmentName[] = "prepared-segment.tmp";

struct JournalStats {
  uint64_t records = 0;  // appended since open
  uint64_t syncs = 0;    // fdatasync calls since open
  uint64_t writers_waiting = 0;  // calls waiting for the write in progress (filled by the database)
  uint64_t prepared_segments = 0;  // segments started from a file prepared ahead, since open
  bool prepared_ready = false;     // a prepared file is waiting for the next rotation
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
  // the OS before returning; durability follows the sync policy (WaitDurable). On
  // failure the segment is cut back to where it was (or, when it cannot be, the
  // journal is poisoned) and the sequence number is given to the next record.
  Result<uint64_t> Append(std::string_view payload);
  // The same for a frame built in place, sparing the copy of its payload: *frame is
  // kFrameRoom bytes of room for the frame header (their content is overwritten),
  // then the payload.
  static constexpr size_t kFrameRoom = 16;
  Result<uint64_t> AppendFramed(std::string* frame);
  // Under kAlways, returns once record `seq` is on disk; otherwise at once.
  Status WaitDurable(uint64_t seq);

  // While one is held, the journal's own threads (segment preparation, interval
  // syncs) are idle: each finishes what it was doing, and work asked meanwhile waits
  // for the pause to end. What a fork needs when the process's allocator does not
  // make fork wait for its locks (a sanitizer's): no thread of kin's own inside it.
  // Take it where no append is under way (an append may wait for the preparing
  // thread); hold it only briefly.
  class BackgroundPause {
   public:
    explicit BackgroundPause(Journal& journal);
    ~BackgroundPause();
    BackgroundPause(const BackgroundPause&) = delete;
    BackgroundPause& operator=(const BackgroundPause&) = delete;

   private:
    Journal& journal_;
  };
  // Forces everything appended so far to disk.
  Status Sync();
  // The appender's sync (no Append running): makes every record appended so far
  // durable. When the sync fails, the segment is cut back to the last durable
  // record and the records after it are forgotten (next_seq() goes back), so each
  // of them can be reported as failed; the journal is poisoned only when the cut
  // fails too.
  Status SyncOrCutBack();
  // Makes the current segment durable and starts a new one at next_seq() (a segment
  // holding no record already starts there and is kept). Called
  // like Append (by the one writer, or while writers are excluded). A failure to
  // start the new segment leaves the current one in use.
  Status Rotate();
  // Rotate() when the current segment has reached segment_bytes.
  Status RotateIfFull();
  // Asks for the next segment file to be prepared now, because a Rotate() is
  // coming (a snapshot is being written). Any thread; nothing without prepare_segments.
  void PrepareNextSegment();

  uint64_t next_seq() const { return next_seq_; }
  // The current segment's size in bytes (called like Append).
  uint64_t segment_size() const { return file_->size(); }
  // Why the journal refuses appends (ok while it takes them).
  Status failure() const;
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
  // After `cause` failed: cuts the segment back to `size`; the cause, or the
  // journal poisoned (under mu_) when the cut fails.
  Status CutBackAfter(const Status& cause, uint64_t size);
  // Syncs until `target` is durable; a failed sync is returned, not yet recorded.
  Status SyncUpTo(uint64_t target);
  Status PoisonOnFailure(Status s);
  void IntervalLoop();
  // Asks the preparing thread for the next segment file once the current one is half full.
  void MaybeRequestPrepared();
  // The rotation with a prepared file (under mu_): header, rename, settling asked
  // for. False when there is none or it cannot be used (it is removed then).
  bool StartPreparedSegment();
  // Asks the preparing thread to settle unsettled_from_ (under mu_).
  void AskToSettle();
  // Under interval and none, whose records are acknowledged before their segment
  // is settled, a failed settling is tried once more before it counts: true when
  // it was asked again (under mu_).
  bool RetrySettle();
  // The preparing thread: settles a renamed segment, prepares the next file.
  void PrepareLoop();
  // A new file under the prepared name, its first space reserved, durable.
  Result<std::unique_ptr<WritableFile>> PrepareFile();

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
  uint64_t durable_size_ = 0;  // the current segment's size when durable_ was reached
  bool syncing_ = false;
  Status failure_;         // set once; poisons the journal
  Status sync_failure_;    // a failed sync not yet cut back: no sync runs until it is
  uint64_t cut_pending_ = UINT64_MAX;  // a cut that failed (tried again on close)
  std::atomic<bool> failed_{false};  // !failure_.ok(), readable without mu_ (set under it)
  uint64_t syncs_ = 0;
  uint64_t prepared_segments_ = 0;
  bool stopping_ = false;
  int paused_ = 0;           // BackgroundPauses held
  int background_busy_ = 0;  // the journal's threads at work outside mu_
  std::thread interval_thread_;

  // Segment preparation (prepare_segments), under mu_ but for the appender's flag.
  bool prepare_requested_ = false;  // the appender's: asked for this segment already
  bool prepare_wanted_ = false;     // the preparing thread is to prepare a file
  std::unique_ptr<WritableFile> prepared_;  // a file ready to become the next segment
  std::unique_ptr<WritableFile> retired_;   // the segment before it, for the preparing thread to close
  bool settle_wanted_ = false;      // the preparing thread is to settle unsettled_from_
  bool settling_ = false;           // it is settling it
  bool settle_retried_ = false;     // interval, none: a failed settling was tried again (reset on success)
  bool settler_gone_ = false;       // closing: the preparing thread has stopped
  uint64_t unsettled_from_ = UINT64_MAX;  // first seq of a segment whose name or journal-end is not durable
  Status settle_failure_;           // settling it failed: the appender cuts back and asks again
  std::thread prepare_thread_;
};

// Removes the segments of `journal_dir` wholly before `seq` (the next segment starts
// at or before it); the newest segment always stays. For a journal not open for
// appending (a Journal removes its own through the method).
Status RemoveSegmentsBefore(const std::string& journal_dir, uint64_t seq, FileSystem& fs = FileSystem::Posix());

}  // namespace kin::persistence
