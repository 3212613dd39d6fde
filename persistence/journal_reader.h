#pragma once
// Reading the journal back: every segment in order, every framed record checked
// (length, CRC-32C, sequence number). Zero bytes from a frame boundary to the end of
// a segment are space its writer reserved and never used (a crash left them): not
// damage, cut silently. A bad record with no good record after it in the last
// segment is a torn tail (the write a crash interrupted) and is cut off; anything
// else bad — a bad record followed by good data, a gap in sequence numbers, a
// missing segment — is corruption, reported with file and offset.
// Stateless functions; thread-safe.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kin/status.h"
#include "persistence/file_system.h"

namespace kin::persistence {

struct SegmentFile {
  uint64_t first_seq = 0;
  std::string path;
};

// Segment files of a journal directory, by first sequence number.
Result<std::vector<SegmentFile>> ListSegments(const std::string& journal_dir, FileSystem& fs = FileSystem::Posix());

struct JournalFrame {
  uint64_t seq = 0;
  uint64_t offset = 0;  // of the frame in its file
  std::string_view payload;
};

// The frames of one segment's bytes, in order. `valid_end` is the offset after the
// last good frame; with no bad frame, anything after it is reserved zero bytes.
// `bad_offset` is where a bad frame starts (npos when none), and `good_after_bad`
// whether a well-formed frame follows it (corruption, not a tear).
struct SegmentScan {
  std::vector<JournalFrame> frames;
  uint64_t valid_end = 0;
  uint64_t bad_offset = UINT64_MAX;
  std::string bad_reason;
  bool good_after_bad = false;
  uint64_t header_first_seq = 0;
  uint32_t version = 0;  // of the segment format (journal_format.h), when the header is good
};
Result<SegmentScan> ScanSegment(std::string_view bytes, const std::string& path);

// The well-formed frame (it fits, its checksum matches) at `offset` of a segment's
// bytes: its size, with *seq and *payload set; 0 when there is none.
size_t ReadFrameAt(std::string_view bytes, size_t offset, uint64_t* seq, std::string_view* payload);

struct ReplayReport {
  uint64_t records = 0;    // frames delivered to the callback
  uint64_t last_seq = 0;   // highest sequence number seen (or the start - 1)
  std::string tail_segment;  // path of the last segment, to append to
  uint32_t tail_version = 0;  // its format version (a writer starts a new segment when it is older)
  std::string notice;        // what was cut or repaired, for the user; empty when clean
};

struct ReplayOptions {
  bool repair = false;     // cut at the first bad record instead of refusing
  bool truncate_tail = true;  // cut a torn tail and reserved zeros on disk (false: read-only inspection)
};

// Delivers every record with seq > after_seq, in order, to `apply`. Records at or
// below after_seq (covered by a snapshot) are skipped.
Result<ReplayReport> ReplayJournal(const std::string& journal_dir, uint64_t after_seq, const ReplayOptions& options,
                                   const std::function<Status(uint64_t seq, std::string_view payload)>& apply,
                                   FileSystem& fs = FileSystem::Posix());

// A journal record with its head read (journal_format.h): version-1 records have
// time 0 and no label.
struct JournalRecord {
  uint64_t seq = 0;
  int64_t time_us = 0;
  std::string_view label;
  std::string_view change_set;
};
// ReplayJournal delivering records; a payload too short for its record head is
// corruption (its frame's checksum passed, so a writer wrote it so).
Result<ReplayReport> ReplayRecords(const std::string& journal_dir, uint64_t after_seq, const ReplayOptions& options,
                                   const std::function<Status(const JournalRecord&)>& apply,
                                   FileSystem& fs = FileSystem::Posix());

}  // namespace kin::persistence
