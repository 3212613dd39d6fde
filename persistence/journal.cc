#include "persistence/journal.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "persistence/journal_format.h"

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
  std::unique_ptr<Journal> j(new Journal(dir, options, next_seq, fs));
  if (tail_segment.empty()) {
    KIN_RETURN_IF_ERROR(j->StartSegment());
  } else {
    KIN_ASSIGN_OR_RETURN(j->file_, fs.OpenAppendable(tail_segment, false));
  }
  if (options.sync == SyncPolicy::kInterval) j->interval_thread_ = std::thread([p = j.get()] { p->IntervalLoop(); });
  return j;
}

Journal::~Journal() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  synced_.notify_all();
  if (interval_thread_.joinable()) interval_thread_.join();
  if (file_) (void)Sync();
}

Status Journal::StartSegment() {
  std::string path = dir_ + "/" + SegmentFileName(next_seq_);
  KIN_ASSIGN_OR_RETURN(auto file, fs_.OpenAppendable(path, true));
  KIN_RETURN_IF_ERROR(file->Append(SegmentHeader(next_seq_)));
  KIN_RETURN_IF_ERROR(file->Sync());
  KIN_RETURN_IF_ERROR(fs_.SyncDirectory(dir_));
  file_ = std::move(file);
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
  if (file_->size() >= options_.segment_bytes) {
    std::unique_lock l(mu_);
    return RotateLocked(l);
  }
  return Status::Ok();
}

Result<uint64_t> Journal::WriteFrame(std::string_view frame) {
  const uint64_t seq = next_seq_;
  Status s = file_->Append(frame);
  if (!s.ok()) {
    // A failed append may have left part of a frame: nothing may follow it.
    std::lock_guard l(mu_);
    return Fail(s);
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

Status Journal::RotateLocked(std::unique_lock<std::mutex>& l) {
  // The old segment is made durable first, with no sync running on it.
  synced_.wait(l, [this] { return !syncing_; });
  if (!failure_.ok()) return failure_;
  // A segment with no records already starts at next_seq_: nothing to rotate.
  if (file_->size() <= kSegmentHeaderSize) return Status::Ok();
  Status s = file_->Sync();
  if (s.ok()) {
    durable_ = appended_.load(std::memory_order_relaxed);  // the appender's own, or writers are excluded
    s = StartSegment();
  }
  if (!s.ok()) (void)Fail(s);
  return s;
}

Status Journal::Rotate() {
  std::unique_lock l(mu_);
  return RotateLocked(l);
}

Status Journal::SyncUpTo(uint64_t target) {
  std::unique_lock l(mu_);
  while (durable_ < target) {
    if (!failure_.ok()) return failure_;
    if (syncing_) {
      synced_.wait(l);
      continue;
    }
    syncing_ = true;
    uint64_t covering = appended_.load(std::memory_order_acquire);
    WritableFile* file = file_.get();
    l.unlock();
    Status s = file->Sync();
    l.lock();
    syncing_ = false;
    ++syncs_;
    if (!s.ok()) (void)Fail(s);  // never retried: the page cache may have dropped the data
    else durable_ = std::max(durable_, covering);
    synced_.notify_all();
  }
  return failure_;
}

Status Journal::WaitDurable(uint64_t seq) {
  if (options_.sync != SyncPolicy::kAlways) {
    if (!failed_.load(std::memory_order_acquire)) return Status::Ok();
    std::lock_guard l(mu_);
    return failure_;
  }
  return SyncUpTo(seq);
}

Status Journal::Sync() {
  return SyncUpTo(appended_.load(std::memory_order_acquire));
}

void Journal::IntervalLoop() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    synced_.wait_for(l, std::chrono::milliseconds(options_.interval_ms), [this] { return stopping_; });
    if (stopping_) break;
    uint64_t target = appended_.load(std::memory_order_acquire);
    if (durable_ >= target || !failure_.ok()) continue;
    l.unlock();
    (void)SyncUpTo(target);
    l.lock();
  }
}

JournalStats Journal::stats() const {
  JournalStats stats;
  stats.records = appended_.load(std::memory_order_acquire) - opened_after_;
  std::lock_guard l(mu_);
  stats.syncs = syncs_;
  return stats;
}

Status Journal::RemoveSegmentsBefore(uint64_t seq) {
  // A segment is wholly before `seq` when the next segment starts at or before it.
  KIN_ASSIGN_OR_RETURN(auto names, fs_.ListDirectory(dir_));
  std::vector<std::pair<uint64_t, std::string>> segments;
  for (const auto& name : names) {
    uint64_t first;
    if (ParseSegmentFileName(name, &first)) segments.emplace_back(first, dir_ + "/" + name);
  }
  std::sort(segments.begin(), segments.end());
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i + 1].first > seq) break;
    KIN_RETURN_IF_ERROR(fs_.Remove(segments[i].second));
  }
  return fs_.SyncDirectory(dir_);
}

}  // namespace kin::persistence
