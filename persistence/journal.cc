#include "persistence/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "persistence/file_util.h"
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

Journal::Journal(std::string dir, JournalOptions options, uint64_t next_seq)
    : dir_(std::move(dir)), options_(options), next_seq_(next_seq), appended_(next_seq - 1), durable_(next_seq - 1) {}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& dir, const JournalOptions& options,
                                               uint64_t next_seq, const std::string& tail_segment) {
  KIN_RETURN_IF_ERROR(EnsureDirectory(dir));
  std::unique_ptr<Journal> j(new Journal(dir, options, next_seq));
  if (tail_segment.empty()) {
    KIN_RETURN_IF_ERROR(j->StartSegment());
  } else {
    j->fd_ = ::open(tail_segment.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (j->fd_ < 0) return Status::DatabaseError("cannot open " + tail_segment + ": " + std::strerror(errno));
    struct stat st;
    if (::fstat(j->fd_, &st) != 0) return Status::DatabaseError("cannot stat " + tail_segment);
    j->segment_size_ = static_cast<uint64_t>(st.st_size);
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
  if (fd_ >= 0) {
    (void)Sync();
    ::close(fd_);
  }
}

Status Journal::StartSegment() {
  std::string path = dir_ + "/" + SegmentFileName(next_seq_);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::DatabaseError("cannot create " + path + ": " + std::strerror(errno));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_size_ = 0;
  KIN_RETURN_IF_ERROR(WriteAll(SegmentHeader(next_seq_)));
  if (::fdatasync(fd_) != 0) return Status::DatabaseError("cannot sync " + path + ": " + std::strerror(errno));
  return SyncDirectory(dir_);
}

Status Journal::WriteAll(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::DatabaseError(std::string("cannot write the journal: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  segment_size_ += bytes.size();
  return Status::Ok();
}

Result<uint64_t> Journal::Append(const std::string& payload) {
  {
    std::unique_lock l(mu_);
    if (!failure_.ok()) return failure_;
    if (payload.size() > kMaxPayload) return Status::InvalidArgument("a change set larger than 1 GiB");
    if (segment_size_ >= options_.segment_bytes) KIN_RETURN_IF_ERROR(RotateLocked(l));
  }
  uint64_t seq = next_seq_;
  Status s = WriteAll(EncodeFrame(seq, payload));
  std::lock_guard l(mu_);
  if (!s.ok()) return failure_ = s;
  appended_ = seq;
  ++stats_.records;
  ++next_seq_;
  return seq;
}

Status Journal::RotateLocked(std::unique_lock<std::mutex>& l) {
  // The old segment is made durable first, with no sync running on it.
  synced_.wait(l, [this] { return !syncing_; });
  if (!failure_.ok()) return failure_;
  if (::fdatasync(fd_) != 0) {
    failure_ = Status::DatabaseError(std::string("cannot sync the journal: ") + std::strerror(errno));
    return failure_;
  }
  durable_ = appended_;
  Status s = StartSegment();
  if (!s.ok()) failure_ = s;
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
    uint64_t covering = appended_;
    int fd = fd_;
    l.unlock();
    int rc = ::fdatasync(fd);
    int err = errno;
    l.lock();
    syncing_ = false;
    ++stats_.syncs;
    if (rc != 0) failure_ = Status::DatabaseError(std::string("cannot sync the journal: ") + std::strerror(err));
    else durable_ = std::max(durable_, covering);
    synced_.notify_all();
  }
  return failure_;
}

Status Journal::WaitDurable(uint64_t seq) {
  if (options_.sync != SyncPolicy::kAlways) {
    std::lock_guard l(mu_);
    return failure_;
  }
  return SyncUpTo(seq);
}

Status Journal::Sync() {
  uint64_t target;
  {
    std::lock_guard l(mu_);
    target = appended_;
  }
  return SyncUpTo(target);
}

void Journal::IntervalLoop() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    synced_.wait_for(l, std::chrono::milliseconds(options_.interval_ms), [this] { return stopping_; });
    if (stopping_) break;
    uint64_t target = appended_;
    if (durable_ >= target) continue;
    l.unlock();
    (void)SyncUpTo(target);
    l.lock();
  }
}

JournalStats Journal::stats() const {
  std::lock_guard l(mu_);
  return stats_;
}

Status Journal::RemoveSegmentsBefore(uint64_t seq) {
  // A segment is wholly before `seq` when the next segment starts at or before it.
  std::vector<std::pair<uint64_t, std::string>> segments;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
    uint64_t first;
    if (ParseSegmentFileName(e.path().filename().string(), &first)) segments.emplace_back(first, e.path().string());
  }
  std::sort(segments.begin(), segments.end());
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i + 1].first > seq) break;
    if (::unlink(segments[i].second.c_str()) != 0)
      return Status::DatabaseError("cannot remove " + segments[i].second + ": " + std::strerror(errno));
  }
  return SyncDirectory(dir_);
}

}  // namespace kin::persistence
