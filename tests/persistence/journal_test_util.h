#pragma once
// Helpers of the journal tests: segments built frame by frame, a journal written
// with numbered records, and replays that collect what they deliver.

#include <string>
#include <vector>

#include "persistence/journal.h"
#include "persistence/journal_format.h"
#include "persistence/journal_reader.h"
#include "tests/persistence/persistence_test_util.h"

namespace kin::testing {

using persistence::EncodeFrame;
using persistence::Journal;
using persistence::JournalOptions;
using persistence::ReplayJournal;
using persistence::ReplayOptions;
using persistence::ReplayReport;
using persistence::SegmentHeader;

// A segment starting at `first` holding `payloads` as frames first, first + 1, ...
inline std::string SegmentFrom(uint64_t first, const std::vector<std::string>& payloads,
                        std::vector<uint64_t>* offsets = nullptr) {
  std::string bytes = SegmentHeader(first);
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (offsets) offsets->push_back(bytes.size());
    bytes += EncodeFrame(first + i, payloads[i]);
  }
  return bytes;
}
inline std::string SegmentOf(const std::vector<std::string>& payloads, std::vector<uint64_t>* offsets = nullptr) {
  return SegmentFrom(1, payloads, offsets);
}

// What a writer that died leaves after its last frame: reserved space, never written.
inline std::string Zeros(size_t n) { return std::string(n, '\0'); }

inline uint64_t SizeOnDisk(const std::string& path) { return stdfs::file_size(path); }

inline const std::vector<std::string> kPayloads = {"alpha", "", std::string(1000, 'b') + "ravo", std::string("\0\x01\xff", 3)};

// Appends `count` records "record-<i>" (padded to ~60 bytes) to a fresh journal.
inline std::unique_ptr<Journal> WriteJournal(const std::string& dir, int count, uint64_t segment_bytes) {
  JournalOptions options;
  options.segment_bytes = segment_bytes;
  auto journal = Journal::Open(dir, options, 1, "");
  REQUIRE(journal.ok());
  for (int i = 1; i <= count; ++i) {
    auto seq = journal.value()->Append("record-" + std::to_string(i) + std::string(50, '.'));
    REQUIRE(seq.ok());
    REQUIRE(*seq == static_cast<uint64_t>(i));
  }
  return std::move(journal).value();
}

// Replays a journal directory after `after`; returns the delivered (seq, payload) pairs.
inline Result<std::vector<std::pair<uint64_t, std::string>>> Replay(const std::string& dir, uint64_t after) {
  std::vector<std::pair<uint64_t, std::string>> got;
  ReplayOptions options;
  options.truncate_tail = false;
  auto report = ReplayJournal(dir, after, options, [&](uint64_t seq, std::string_view payload) {
    got.emplace_back(seq, std::string(payload));
    return Status::Ok();
  });
  if (!report.ok()) return report.status();
  return got;
}

// Replays a journal directory from the start the way opening a database does (cutting
// what it may); returns the report, and the records through `count`.
inline Result<ReplayReport> ReplayCutting(const std::string& dir, uint64_t* count) {
  *count = 0;
  return ReplayJournal(dir, 0, ReplayOptions{}, [&](uint64_t, std::string_view) {
    ++*count;
    return Status::Ok();
  });
}

}  // namespace kin::testing
