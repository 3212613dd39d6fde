#pragma once
// JournalCursor: reads a journal forward from a position, a record at a time, while
// a writer (in this process or another) may be appending to it and rotating its
// segments. It remembers the segment and offset it reached, so each call reads only
// what is new. A record is delivered once its frame is whole and its checksum
// matches; a frame being written (or the writer's reserved zeros) is where the
// journal ends for now, and the next call looks again.
//
// When the records after the position are gone (a snapshot removed the segments
// holding them), Open and Next return a `gap` error naming the first record the
// journal still holds. A reader of the files of a database another process writes
// may see records that the writer then takes back (a failed flush under `always`
// cuts them off): Next reports that as database_error rather than read on from the
// wrong place. One thread at a time; not thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kin/status.h"
#include "persistence/file_system.h"
#include "persistence/journal_reader.h"

namespace kin::persistence {

class JournalCursor {
 public:
  // A cursor after record `after_seq` (0: before the first) of `journal_dir`.
  static Result<std::unique_ptr<JournalCursor>> Open(const std::string& journal_dir, uint64_t after_seq,
                                                     FileSystem& fs = FileSystem::Posix());
  ~JournalCursor();

  // Delivers the records after the position, in order, at most `max` of them and
  // none after `up_to`, to `fn` (the record's views are valid during the call);
  // returns how many. The position moves past each record `fn` accepts; an error
  // from `fn` stops there and is returned.
  Result<size_t> Next(size_t max, uint64_t up_to, const std::function<Status(const JournalRecord&)>& fn);

  // The last record delivered (or the position opened at).
  uint64_t position() const { return position_; }

 private:
  JournalCursor(std::string dir, uint64_t after_seq, FileSystem& fs);
  // Makes the segment holding position_ + 1 current (or the one it would be in).
  Status Seek();
  // The segment after the current one: switched to when it starts right after
  // position_, kLater when it starts after that, kNone when there is none yet.
  struct Following {
    enum Kind { kNone, kSwitched, kLater } kind;
    uint64_t first_seq;
  };
  Result<Following> FindNext();
  // database_error when the last record delivered is no longer where it was: the
  // journal was cut back under the cursor (a writer whose flush failed takes back
  // records a reader of its files may have seen).
  Status CheckLastFrame();
  Status Gap(uint64_t first_available) const;

  const std::string dir_;
  FileSystem& fs_;
  uint64_t position_;
  std::string segment_;       // the current segment's path (empty: none yet)
  uint64_t segment_first_ = 0;
  uint32_t version_ = 0;      // its format version
  uint64_t offset_ = 0;       // where its next frame starts
  uint64_t last_frame_offset_ = UINT64_MAX;  // the last record delivered from it (UINT64_MAX: none)
  uint32_t last_frame_crc_ = 0;              // its checksum
  std::string buffer_;  // what the last read of a segment read (kept for the next)
};

}  // namespace kin::persistence
