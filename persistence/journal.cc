#include "persistence/journal.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "persistence/journal_end.h"
#include "persistence/journal_format.h"
#include "persistence/journal_reader.h"

namespace kin::persistence {

const char* SyncPolicyName(SyncPolicy p) {
  switch (p) {
    case SyncPolicy::kAlways: return "always";
    case SyncPolicy::kInterval: return "interval";
    case SyncPolicy::kNone: return "none";
  }
  return "?";
}

bool ParseSyncPolicy(const std::string& s, SyncPolicy* out) {
  if (s == "always") *out = SyncPolicy::kAlways;
  else if (s == "interval") *out = SyncPolicy::kInterval;
  else if (s == "none") *out = SyncPolicy::kNone;
  else return false;
  return true;
}

Journal::Journal(std::string dir, JournalOptions options, uint64_t next_seq, FileSystem& fs)
    : dir_(std::move(dir)),
      options_(options),
      fs_(fs),
      next_seq_(next_seq),
      opened_after_(next_seq - 1),
      appended_(next_seq - 1),
      durable_(next_seq - 1) {}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& dir, const JournalOptions& options,
                                               uint64_t next_seq, const std::string& tail_segment, FileSystem& fs) {
  KIN_RETURN_IF_ERROR(fs.CreateDirectories(dir));
  (void)fs.Remove(dir + "/" + kPreparedSegmentName);  // left by a writer that did not close
  std::unique_ptr<Journal> j(new Journal(dir, options, next_seq, fs));
  if (tail_segment.empty()) {
    KIN_RETURN_IF_ERROR(j->StartSegment());
  } else {
    KIN_ASSIGN_OR_RETURN(j->file_, fs.OpenAppendable(tail_segment, false));
    j->durable_size_ = j->file_->size();  // what a segment holds at open is taken as durable
    uint64_t first;
    const size_t slash = tail_segment.find_last_of('/');
    if (!options.end_record.empty() && ParseSegmentFileName(tail_segment.substr(slash + 1), &first)) {
      KIN_ASSIGN_OR_RETURN(std::optional<uint64_t> recorded, ReadJournalEnd(options.end_record, fs));
      if (recorded != first) KIN_RETURN_IF_ERROR(WriteJournalEnd(options.end_record, first, fs));
    }
  }
  // A thread counts as busy until it first waits (see BackgroundPause): its start
  // may allocate. Both are counted before either starts.
  const bool interval = options.sync == SyncPolicy::kInterval;
  {
    std::lock_guard l(j->mu_);
    j->background_busy_ = (interval ? 1 : 0) + (options.prepare_segments ? 1 : 0);
  }
  if (interval) j->interval_thread_ = std::thread([p = j.get()] { p->IntervalLoop(); });
  if (options.prepare_segments) j->prepare_thread_ = std::thread([p = j.get()] { p->PrepareLoop(); });
  return j;
}

Journal::~Journal() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  synced_.notify_all();
  if (prepare_thread_.joinable()) prepare_thread_.join();  // after settling what it was asked to
  if (interval_thread_.joinable()) interval_thread_.join();
  {
    // A segment left unsettled (its settling failed and was cut back) is settled
    // here, with no thread left to ask.
    std::lock_guard l(mu_);
    settler_gone_ = true;
    if (unsettled_from_ != UINT64_MAX) {
      Status s = fs_.SyncDirectory(dir_);
      if (s.ok() && !options_.end_record.empty()) s = WriteJournalEnd(options_.end_record, unsettled_from_, fs_);
      if (s.ok()) unsettled_from_ = UINT64_MAX;
      else settle_failure_ = s;
    }
  }
  // A cut that failed is tried once more, so that the failed records do not come
  // back on reopen if the disk has recovered meanwhile.
  if (file_ && cut_pending_ != UINT64_MAX) (void)file_->CutBack(cut_pending_);
  if (file_) (void)Sync();
  if (prepared_) {
    prepared_.reset();
    (void)fs_.Remove(dir_ + "/" + kPreparedSegmentName);
  }
}

// A segment that cannot be started whole is removed again: no empty or headless
// segment is left behind (a full disk must not leave debris for the next open).
Status Journal::StartSegment() {
  std::string path = dir_ + "/" + SegmentFileName(next_seq_);
  KIN_ASSIGN_OR_RETURN(auto file, fs_.OpenAppendable(path, true));
  Status s = file->Append(SegmentHeader(next_seq_));
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = fs_.SyncDirectory(dir_);
  // Recorded once the segment is durable: the record never names a segment that may not exist.
  if (s.ok() && !options_.end_record.empty()) s = WriteJournalEnd(options_.end_record, next_seq_, fs_);
  if (!s.ok()) {
    file.reset();
    (void)fs_.Remove(path);
    (void)fs_.SyncDirectory(dir_);
    return s;
  }
  file_ = std::move(file);
  durable_size_ = file_->size();
  return Status::Ok();
}

static_assert(Journal::kFrameRoom == kFrameHeaderSize);

// Only the appending thread (or a Rotate() while writers are excluded) changes file_,
// so the appender reads it without mu_; mu_ guards what the sync side reads.
Status Journal::BeforeAppend(size_t payload_size) {
  if (failed_.load(std::memory_order_acquire)) {
    std::lock_guard l(mu_);
    return failure_;
  }
  if (payload_size > kMaxPayload) return Status::InvalidArgument("a change set larger than 1 GiB");
  if (!options_.rotate_in_append) return Status::Ok();
  MaybeRequestPrepared();
  if (file_->size() >= options_.segment_bytes) {
    std::unique_lock l(mu_);
    return RotateLocked(l);
  }
  return Status::Ok();
}

Result<uint64_t> Journal::WriteFrame(std::string_view frame) {
  const uint64_t seq = next_seq_;
  const uint64_t before = file_->size();
  Status s = file_->Append(frame);
  if (!s.ok()) {
    // A failed append may have left part of a frame: it is cut off before anything follows.
    std::lock_guard l(mu_);
    return CutBackAfter(s, before);
  }
  appended_.store(seq, std::memory_order_release);
  ++next_seq_;
  return seq;
}

Result<uint64_t> Journal::Append(std::string_view payload) {
  KIN_RETURN_IF_ERROR(BeforeAppend(payload.size()));
  frame_.clear();
  AppendFrame(next_seq_, payload, &frame_);
  return WriteFrame(frame_);
}

Result<uint64_t> Journal::AppendFramed(std::string* frame) {
  assert(frame->size() >= kFrameRoom);
  const size_t payload_size = frame->size() - kFrameRoom;
  KIN_RETURN_IF_ERROR(BeforeAppend(payload_size));
  SealFrame(next_seq_, frame->data(), payload_size);
  return WriteFrame(*frame);
}

Status Journal::Fail(Status s) {
  failure_ = std::move(s);
  failed_.store(true, std::memory_order_release);
  return failure_;
}

Status Journal::CutBackAfter(const Status& cause, uint64_t size) {
  if (file_->size() <= size) return cause;  // nothing reached the file
  Status cut = file_->CutBack(size);
  if (cut.ok()) return cause;
  cut_pending_ = size;
  return Fail(Status::DatabaseError(cause.message() + "; the journal could not be cut back to its last durable record (" +
                                    cut.message() + "), so the database takes no more writes until it is reopened"));
}

Status Journal::failure() const {
  if (!failed_.load(std::memory_order_acquire)) return Status::Ok();
  std::lock_guard l(mu_);
  return failure_;
}

Status Journal::RotateLocked(std::unique_lock<std::mutex>& l) {
  // The old segment is made durable first, with no sync running on it, and once
  // its own start is settled (journal-end never goes back).
  for (;;) {
    synced_.wait(l, [this] { return !syncing_ && !settle_wanted_ && !settling_; });
    if (unsettled_from_ == UINT64_MAX) break;
    if (!settle_failure_.ok()) {
      if (RetrySettle()) continue;
      break;
    }
    AskToSettle();  // a segment cut back after a failed settling
  }
  if (!failure_.ok()) return failure_;
  if (!settle_failure_.ok()) {
    // Under kAlways none of its records was acknowledged: the next sync cuts them
    // back and asks again. Otherwise records were, and their segment may be lost.
    if (options_.sync == SyncPolicy::kAlways) return settle_failure_;
    return Fail(settle_failure_);
  }
  // A segment with no records already starts at next_seq_: nothing to rotate.
  if (file_->size() <= kSegmentHeaderSize) return Status::Ok();
  const uint64_t appended = appended_.load(std::memory_order_relaxed);  // the appender's own
  if (durable_ < appended) {
    Status s = file_->Sync();
    ++syncs_;
    // Records of the old segment that cannot be made durable were acknowledged
    // (only sync=interval and none rotate with records not yet durable).
    if (!s.ok()) return Fail(s);
    durable_ = appended;
  }
  prepare_requested_ = false;
  if (StartPreparedSegment()) return Status::Ok();
  // A new segment that cannot be started is no failure of the journal: the
  // current one goes on, and the next rotation tries again.
  return StartSegment();
}

void Journal::MaybeRequestPrepared() {
  if (!options_.prepare_segments || prepare_requested_ || file_->size() < options_.segment_bytes / 2) return;
  prepare_requested_ = true;
  PrepareNextSegment();
}

void Journal::PrepareNextSegment() {
  if (!options_.prepare_segments) return;
  {
    std::lock_guard l(mu_);
    prepare_wanted_ = true;
  }
  synced_.notify_all();
}

bool Journal::StartPreparedSegment() {
  if (!prepared_) return false;
  std::unique_ptr<WritableFile> file = std::move(prepared_);
  const std::string prepared_path = dir_ + "/" + kPreparedSegmentName;
  // Its header is durable already, naming no sequence number: the name gives it.
  Status s = fs_.Rename(prepared_path, dir_ + "/" + SegmentFileName(next_seq_));
  if (!s.ok()) {
    file.reset();
    (void)fs_.Remove(prepared_path);
    return false;
  }
  // Closing the old segment cuts its reserved space off, which waits for the file
  // system: the preparing thread does it.
  retired_ = std::move(file_);
  file_ = std::move(file);
  durable_size_ = file_->size();  // the header: what a failed sync of the new records cuts back to
  unsettled_from_ = next_seq_;
  ++prepared_segments_;
  AskToSettle();
  return true;
}

void Journal::AskToSettle() {
  settle_wanted_ = true;
  synced_.notify_all();
}

bool Journal::RetrySettle() {
  if (options_.sync == SyncPolicy::kAlways || settle_retried_ || settler_gone_) return false;
  settle_retried_ = true;
  settle_failure_ = Status::Ok();
  AskToSettle();
  return true;
}

Result<std::unique_ptr<WritableFile>> Journal::PrepareFile() {
  const std::string path = dir_ + "/" + kPreparedSegmentName;
  KIN_ASSIGN_OR_RETURN(auto file, fs_.OpenAppendable(path, true));
  // The header is written and synced now, with first_seq 0: whatever order the
  // pages of the segment reach the disk in later, its header is there.
  Status s = file->Append(SegmentHeader(0));
  if (s.ok()) s = file->ReserveAhead();
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = fs_.SyncDirectory(dir_);
  if (!s.ok()) {
    file.reset();
    (void)fs_.Remove(path);
    return s;
  }
  return file;
}

Journal::BackgroundPause::BackgroundPause(Journal& journal) : journal_(journal) {
  std::unique_lock l(journal_.mu_);
  ++journal_.paused_;
  journal_.synced_.wait(l, [this] { return journal_.background_busy_ == 0; });
}

Journal::BackgroundPause::~BackgroundPause() {
  {
    std::lock_guard l(journal_.mu_);
    --journal_.paused_;
  }
  journal_.synced_.notify_all();
}

void Journal::PrepareLoop() {
  std::unique_lock l(mu_);
  --background_busy_;  // started (see Open)
  synced_.notify_all();
  // Counts the thread busy while it works outside mu_ (see BackgroundPause).
  struct Busy {
    Journal& j;
    explicit Busy(Journal& journal) : j(journal) { ++j.background_busy_; }
    ~Busy() {  // mu_ is held again
      --j.background_busy_;
      j.synced_.notify_all();
    }
  };
  for (;;) {
    synced_.wait(l, [this] {
      return stopping_ || (paused_ == 0 && (settle_wanted_ || retired_ || (prepare_wanted_ && !prepared_)));
    });
    if (stopping_ && !settle_wanted_ && !retired_) return;
    Busy busy(*this);
    if (settle_wanted_) {
      // Settled before stopping: the records of the segment wait for it.
      settle_wanted_ = false;
      settling_ = true;
      const uint64_t first = unsettled_from_;
      l.unlock();
      Status s = fs_.SyncDirectory(dir_);
      if (s.ok() && !options_.end_record.empty()) s = WriteJournalEnd(options_.end_record, first, fs_);
      l.lock();
      settling_ = false;
      if (s.ok()) {
        unsettled_from_ = UINT64_MAX;
        settle_retried_ = false;
      } else {
        settle_failure_ = s;
      }
      synced_.notify_all();
      continue;
    }
    // After settling, which the first records of the new segment wait for.
    if (retired_) {
      std::unique_ptr<WritableFile> retired = std::move(retired_);
      l.unlock();
      retired.reset();
      l.lock();
      continue;
    }
    if (stopping_) return;
    prepare_wanted_ = false;
    l.unlock();
    Result<std::unique_ptr<WritableFile>> file = PrepareFile();
    l.lock();
    // A file that cannot be prepared is no failure: the rotation starts its segment itself.
    if (file.ok()) prepared_ = std::move(*file);
  }
}

Status Journal::Rotate() {
  std::unique_lock l(mu_);
  return RotateLocked(l);
}

Status Journal::RotateIfFull() {
  MaybeRequestPrepared();
  if (file_->size() < options_.segment_bytes) return Status::Ok();
  return Rotate();
}

Status Journal::SyncUpTo(uint64_t target) {
  std::unique_lock l(mu_);
  while (durable_ < target) {
    if (!failure_.ok()) return failure_;
    if (!sync_failure_.ok()) return sync_failure_;  // no sync after a failed one until the cut
    if (target >= unsettled_from_) {
      // Records of a segment count as durable once its name and journal-end are.
      if (!settle_failure_.ok()) {
        if (RetrySettle()) continue;  // interval, none: once more before it counts
        return settle_failure_;
      }
      if (settler_gone_) return Status::DatabaseError("the journal's new segment could not be made durable");
      // Asked again once a failed settling was cut back: when the records need it.
      if (!settle_wanted_ && !settling_) AskToSettle();
      synced_.wait(l);
      continue;
    }
    if (syncing_) {
      synced_.wait(l);
      continue;
    }
    syncing_ = true;
    uint64_t covering = appended_.load(std::memory_order_acquire);
    WritableFile* file = file_.get();
    // Every byte below this size was appended before the sync starts (an appender
    // stores the size after its bytes), so the sync covers it.
    const uint64_t covering_size = file->size();
    l.unlock();
    Status s = file->Sync();
    l.lock();
    syncing_ = false;
    ++syncs_;
    if (!s.ok()) {
      // Never retried: the page cache may have dropped the data.
      sync_failure_ = s;
      synced_.notify_all();
      return s;
    }
    durable_ = std::max(durable_, covering);
    durable_size_ = std::max(durable_size_, covering_size);
    synced_.notify_all();
  }
  return failure_;
}

Status Journal::SyncOrCutBack() {
  const uint64_t target = appended_.load(std::memory_order_relaxed);
  Status s = SyncUpTo(target);
  if (s.ok() || failed_.load(std::memory_order_acquire)) return s;
  // The records after the last durable one may or may not be on disk: they are cut
  // off, so that none of them comes back on reopen, and their seqs are given again.
  std::lock_guard l(mu_);
  Status cut = CutBackAfter(s, durable_size_);
  if (!failure_.ok()) return cut;
  sync_failure_ = Status::Ok();
  // The segment holds no record now; settling it is tried again when the next sync needs it.
  settle_failure_ = Status::Ok();
  next_seq_ = durable_ + 1;
  appended_.store(durable_, std::memory_order_release);
  return s;
}

Status Journal::WaitDurable(uint64_t seq) {
  if (options_.sync != SyncPolicy::kAlways) return failure();
  return PoisonOnFailure(SyncUpTo(seq));
}

Status Journal::Sync() {
  return PoisonOnFailure(SyncUpTo(appended_.load(std::memory_order_acquire)));
}

// A failed sync that is not the appender's own cannot cut back (appends may be
// running): records the OS may have lost stay in the segment, so nothing may follow them.
Status Journal::PoisonOnFailure(Status s) {
  if (s.ok() || failed_.load(std::memory_order_acquire)) return s;
  std::lock_guard l(mu_);
  if (!failure_.ok()) return failure_;
  return Fail(Status::DatabaseError(s.message() + "; records the disk may have lost are still in the journal, so the "
                                    "database takes no more writes until it is reopened"));
}

void Journal::IntervalLoop() {
  std::unique_lock l(mu_);
  --background_busy_;  // started (see Open)
  synced_.notify_all();
  while (!stopping_) {
    synced_.wait_for(l, std::chrono::milliseconds(options_.interval_ms), [this] { return stopping_; });
    if (stopping_) break;
    uint64_t target = appended_.load(std::memory_order_acquire);
    if (durable_ >= target || !failure_.ok() || paused_ > 0) continue;  // a paused sync waits for the next tick
    ++background_busy_;
    l.unlock();
    (void)PoisonOnFailure(SyncUpTo(target));
    l.lock();
    --background_busy_;
    synced_.notify_all();
  }
}

JournalStats Journal::stats() const {
  JournalStats stats;
  stats.records = appended_.load(std::memory_order_acquire) - opened_after_;
  std::lock_guard l(mu_);
  stats.syncs = syncs_;
  stats.prepared_segments = prepared_segments_;
  stats.prepared_ready = prepared_ != nullptr;
  return stats;
}

Status Journal::RemoveSegmentsBefore(uint64_t seq) { return persistence::RemoveSegmentsBefore(dir_, seq, fs_); }

Status RemoveSegmentsBefore(const std::string& journal_dir, uint64_t seq, FileSystem& fs) {
  // A segment is wholly before `seq` when the next segment starts at or before it.
  KIN_ASSIGN_OR_RETURN(auto segments, ListSegments(journal_dir, fs));
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i + 1].first_seq > seq) break;
    KIN_RETURN_IF_ERROR(fs.Remove(segments[i].path));
  }
  return fs.SyncDirectory(journal_dir);
}

}  // namespace kin::persistence
