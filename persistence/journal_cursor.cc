#include "persistence/journal_cursor.h"

#include <algorithm>
#include <cstring>

#include "persistence/checksum.h"
#include "persistence/journal_format.h"

namespace kin::persistence {

JournalCursor::JournalCursor(std::string dir, uint64_t after_seq, FileSystem& fs)
    : dir_(std::move(dir)), fs_(fs), position_(after_seq) {}

JournalCursor::~JournalCursor() = default;

Result<std::unique_ptr<JournalCursor>> JournalCursor::Open(const std::string& journal_dir, uint64_t after_seq,
                                                           FileSystem& fs) {
  std::unique_ptr<JournalCursor> cursor(new JournalCursor(journal_dir, after_seq, fs));
  KIN_RETURN_IF_ERROR(cursor->Seek());
  return cursor;
}

Status JournalCursor::Gap(uint64_t first_available) const {
  return Status::Gap("the journal no longer holds the records after " + std::to_string(position_) +
                     ": a snapshot dropped them; the first record it holds is " + std::to_string(first_available) +
                     " (start again from a snapshot or an export)");
}

Status JournalCursor::Seek() {
  KIN_ASSIGN_OR_RETURN(std::vector<SegmentFile> segments, ListSegments(dir_, fs_));
  segment_.clear();
  if (segments.empty()) return Status::Ok();  // nothing written yet: looked for again on Next
  // The last segment starting at or before the next record holds it, if any does.
  const SegmentFile* holding = nullptr;
  for (const auto& s : segments)
    if (s.first_seq <= position_ + 1) holding = &s;
  if (!holding) return Gap(segments.front().first_seq);
  segment_ = holding->path;
  segment_first_ = holding->first_seq;
  version_ = 0;
  offset_ = kSegmentHeaderSize;
  last_frame_offset_ = UINT64_MAX;
  return Status::Ok();
}

Result<JournalCursor::Following> JournalCursor::FindNext() {
  KIN_ASSIGN_OR_RETURN(std::vector<SegmentFile> segments, ListSegments(dir_, fs_));
  for (const auto& s : segments) {
    if (s.first_seq <= segment_first_) continue;
    if (s.first_seq > position_ + 1) return Following{Following::kLater, s.first_seq};
    segment_ = s.path;
    segment_first_ = s.first_seq;
    version_ = 0;
    offset_ = kSegmentHeaderSize;
    last_frame_offset_ = UINT64_MAX;
    return Following{Following::kSwitched, s.first_seq};
  }
  return Following{Following::kNone, 0};
}

Status JournalCursor::CheckLastFrame() {
  if (last_frame_offset_ == UINT64_MAX) return Status::Ok();
  KIN_ASSIGN_OR_RETURN(std::optional<std::string> head, fs_.ReadFileRange(segment_, last_frame_offset_, kFrameHeaderSize));
  if (!head) return Status::Ok();  // the segment went: Seek finds where the records are now
  if (head->size() == kFrameHeaderSize && DecodeFixed32(head->data() + 4) == last_frame_crc_ &&
      DecodeFixed64(head->data() + 8) == position_)
    return Status::Ok();
  return Status::DatabaseError("the journal " + segment_ + " was cut back after record " + std::to_string(position_) +
                               " was read (a flush failed): the records from " + std::to_string(position_) +
                               " on that were read were never committed");
}

// A read starts at kFirstRead bytes and doubles while records fill it, up to
// kMaxRead (more for a larger frame): a cursor at the end of the journal, where the
// writer's reserved zeros follow, reads little each time it looks.
constexpr size_t kFirstRead = size_t{16} << 10;
constexpr size_t kMaxRead = size_t{1} << 20;

Result<size_t> JournalCursor::Next(size_t max, uint64_t up_to,
                                   const std::function<Status(const JournalRecord&)>& fn) {
  size_t delivered = 0;
  if (segment_.empty()) {
    KIN_RETURN_IF_ERROR(Seek());
    if (segment_.empty()) return delivered;
  }
  bool rechecked = false;  // the current segment was read again after a later one appeared
  int reseeks = 0;
  while (delivered < max && position_ < up_to) {
    bool missing = false, progressed = false;
    if (version_ == 0) {
      KIN_ASSIGN_OR_RETURN(std::optional<std::string> header, fs_.ReadFileRange(segment_, 0, kSegmentHeaderSize));
      if (!header) {
        missing = true;
      } else {
        if (header->size() < kSegmentHeaderSize || std::memcmp(header->data(), kSegmentMagic, sizeof kSegmentMagic) != 0)
          return delivered;  // a segment being started: its header is not there yet
        version_ = DecodeFixed32(header->data() + 8);
        if (version_ < kOldestSegmentVersion || version_ > kSegmentVersion)
          return Status::DatabaseError(segment_ + ": unsupported journal format version " + std::to_string(version_));
      }
    }
    size_t want = kFirstRead;
    while (!missing && want != 0 && delivered < max && position_ < up_to) {
      KIN_ASSIGN_OR_RETURN(std::optional<size_t> read, fs_.ReadFileRangeInto(segment_, offset_, want, buffer_));
      if (!read) {
        missing = true;
        break;
      }
      const std::string_view bytes(buffer_.data(), *read);
      size_t at = 0;
      while (delivered < max && position_ < up_to) {
        uint64_t seq;
        std::string_view payload;
        const size_t n = ReadFrameAt(bytes, at, &seq, &payload);
        if (n == 0) {
          // Past a full read, the frame is read again from its start (whole, when it
          // is larger than a read); otherwise this is the end for now (a frame being
          // written, or reserved zeros).
          const bool full = bytes.size() == want;
          if (full && at > 0) {
            want = std::min(want * 2, kMaxRead);
          } else if (const uint64_t length = bytes.size() >= 4 ? DecodeFixed32(bytes.data()) : 0;
                     full && length <= kMaxPayload && kFrameHeaderSize + length > bytes.size()) {
            want = kFrameHeaderSize + length;
          } else {
            want = 0;
          }
          break;
        }
        if (seq > position_) {
          if (seq != position_ + 1)
            return Status::DatabaseError(segment_ + " at offset " + std::to_string(offset_ + at) + ": record " +
                                         std::to_string(seq) + " where " + std::to_string(position_ + 1) +
                                         " was expected");
          RecordHead head;
          if (!SplitRecord(version_, payload, &head))
            return Status::DatabaseError("record " + std::to_string(seq) + " is too short for its time and label");
          KIN_RETURN_IF_ERROR(fn(JournalRecord{seq, head.time_us, head.label, head.change_set}));
          position_ = seq;
          last_frame_offset_ = offset_ + at;
          last_frame_crc_ = DecodeFixed32(bytes.data() + at + 4);
          ++delivered;
        }
        at += n;
        progressed = true;
      }
      offset_ += at;
    }
    // A read as large as one frame of many megabytes is not kept for the next ones.
    if (buffer_.size() > kMaxRead) std::string().swap(buffer_);
    if (missing) {
      // Removed under the cursor (a snapshot dropped it, or a segment that could not
      // be started whole was taken back): read on where the records are now.
      if (++reseeks > 2) return delivered;
      KIN_RETURN_IF_ERROR(Seek());
      if (segment_.empty()) return delivered;
      continue;
    }
    if (delivered >= max || position_ >= up_to) return delivered;
    if (progressed) {
      rechecked = false;
      continue;  // the segment may have grown meanwhile
    }
    KIN_RETURN_IF_ERROR(CheckLastFrame());
    // Nothing more here: the records go on in the next segment once one is started.
    KIN_ASSIGN_OR_RETURN(Following next, FindNext());
    if (next.kind == Following::kNone) return delivered;
    if (next.kind == Following::kSwitched) continue;
    // A later segment that does not start right after the position: records were
    // appended here before the rotation, or this segment ends early (damage).
    if (!rechecked) {
      rechecked = true;
      continue;
    }
    return Status::DatabaseError("corrupt journal " + segment_ + ": it ends at record " + std::to_string(position_) +
                                 " while the next segment starts at " + std::to_string(next.first_seq));
  }
  return delivered;
}

}  // namespace kin::persistence
