// Segments prepared ahead (persistence/journal.h), and the journal cursor that reads
// them while they are written (persistence/journal_cursor.h): once a segment is half full the
// journal's own thread prepares the next file; a rotation then renames it, and the
// new segment's records count as durable only once its name and journal-end are.

#include <catch2/catch.hpp>
#include <cerrno>
#include <thread>

#include "persistence/journal_cursor.h"
#include "persistence/journal_end.h"
#include "tests/persistence/fault_file_system.h"
#include "tests/persistence/journal_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;
using persistence::JournalEndPath;
using persistence::ListSegments;
using persistence::SegmentFileName;
using persistence::kPreparedSegmentName;
using persistence::ReadJournalEnd;

std::string Numbered(int i) { return "record-" + std::to_string(i) + std::string(50, '.'); }

// Waits, without a fixed delay, until the journal's thread has a file ready.
void WaitPrepared(Journal& journal) {
  while (!journal.stats().prepared_ready) std::this_thread::yield();
}

bool PreparedFileExists(const std::string& journal_dir) {
  return stdfs::exists(journal_dir + "/" + kPreparedSegmentName);
}

struct Setup {
  TempDir dir;
  std::string journal_dir = dir.path() + "/journal";
  std::string end_record = JournalEndPath(journal_dir);
  // The journal of this directory, appending from `next_seq` (to `tail` when given).
  std::unique_ptr<Journal> Open(SyncPolicy sync, uint64_t next_seq = 1, const std::string& tail = "",
                                persistence::FileSystem& fs = persistence::FileSystem::Posix()) const {
    auto journal = Journal::Open(journal_dir, Options(sync), next_seq, tail, fs);
    INFO(journal.status().ToString());
    REQUIRE(journal.ok());
    return std::move(journal).value();
  }
  JournalOptions Options(SyncPolicy sync) const {
    JournalOptions options;
    options.sync = sync;
    options.segment_bytes = 2000;
    options.rotate_in_append = false;  // rotated by RotateIfFull, as the database does
    options.end_record = end_record;
    return options;
  }
};

}  // namespace

TEST_CASE("a half-full segment gets the next one prepared, and the rotation starts it from that file",
          "[persistence][prepared]") {
  Setup setup;
  auto journal = setup.Open(SyncPolicy::kAlways);
  Journal& j = *journal;
  int appended = 0;
  while (j.stats().prepared_segments < 3) {
    auto seq = j.Append(Numbered(++appended));
    REQUIRE(seq.ok());
    REQUIRE(j.WaitDurable(*seq).ok());
    REQUIRE(j.RotateIfFull().ok());
    // Half full: the file is prepared before the rotation is due (it never waits to create one).
    if (j.segment_size() >= 1000) WaitPrepared(j);
  }
  auto segments = ListSegments(setup.journal_dir);
  REQUIRE(segments.ok());
  CHECK(segments->size() == 4);
  // A prepared segment's header was written and synced before its sequence number
  // was known: it names none (0), and the file name gives it.
  for (size_t i = 1; i < segments->size(); ++i) {
    const std::string bytes = FileBytes((*segments)[i].path).substr(0, 24);
    CHECK(bytes.substr(0, 8) == std::string("KINJRNL\0", 8));
    CHECK(bytes.substr(16) == std::string(8, '\0'));
  }
  // journal-end names the newest segment once a record in it is durable.
  auto last = j.Append(Numbered(++appended));
  REQUIRE(last.ok());
  REQUIRE(j.WaitDurable(*last).ok());
  auto recorded = ReadJournalEnd(setup.end_record);
  REQUIRE(recorded.ok());
  CHECK(*recorded == segments->back().first_seq);
  journal.reset();
  CHECK_FALSE(PreparedFileExists(setup.journal_dir));  // closing removes an unused one

  auto got = Replay(setup.journal_dir, 0);
  REQUIRE(got.ok());
  REQUIRE(got->size() == static_cast<size_t>(appended));
  for (int i = 1; i <= appended; ++i) CHECK(got.value()[i - 1].second == Numbered(i));
}

TEST_CASE("a prepared file left by a writer that died is removed on open and never read as a segment",
          "[persistence][prepared]") {
  Setup setup;
  WriteJournal(setup.journal_dir, 5, 1 << 20).reset();
  WriteBytes(setup.journal_dir + "/" + kPreparedSegmentName, std::string(4096, '\0'));
  auto got = Replay(setup.journal_dir, 0);
  REQUIRE(got.ok());
  CHECK(got->size() == 5);
  auto segments = ListSegments(setup.journal_dir);
  REQUIRE(segments.ok());
  auto journal = setup.Open(SyncPolicy::kAlways, 6, segments->back().path);
  CHECK_FALSE(PreparedFileExists(setup.journal_dir));
}

TEST_CASE("under sync=always a record of a new segment whose name cannot be made durable fails and leaves no trace",
          "[persistence][prepared][fault]") {
  Setup setup;
  FaultFileSystem fs;
  std::vector<std::string> kept;  // the records acknowledged
  {
    auto journal = setup.Open(SyncPolicy::kAlways, 1, "", fs);
    Journal& j = *journal;
    int i = 0;
    while (!j.stats().prepared_ready) {
      auto seq = j.Append(Numbered(++i));
      REQUIRE(seq.ok());
      REQUIRE(j.SyncOrCutBack().ok());
      kept.push_back(Numbered(i));
      REQUIRE(j.RotateIfFull().ok());
      if (j.segment_size() >= 1000) WaitPrepared(j);
    }
    fs.FailDirectorySyncs(EIO);  // the new segment's name cannot be made durable
    while (j.stats().prepared_segments == 0) {
      auto seq = j.Append(Numbered(++i));
      REQUIRE(seq.ok());
      REQUIRE(j.SyncOrCutBack().ok());
      kept.push_back(Numbered(i));
      REQUIRE(j.RotateIfFull().ok());
    }
    const uint64_t first_new = j.next_seq();
    auto seq = j.Append("lost");
    REQUIRE(seq.ok());
    CHECK(*seq == first_new);
    Status synced = j.SyncOrCutBack();
    CHECK(synced.type() == ErrorType::kDatabaseError);
    CHECK(synced.message().find("cannot sync the directory") != std::string::npos);
    CHECK(j.next_seq() == first_new);  // its sequence number is given again
    CHECK(j.failure().ok());           // no poison: nothing acknowledged is at risk

    fs.Heal();
    seq = j.Append(Numbered(++i));
    REQUIRE(seq.ok());
    CHECK(*seq == first_new);
    REQUIRE(j.SyncOrCutBack().ok());
    kept.push_back(Numbered(i));
    auto recorded = ReadJournalEnd(setup.end_record);
    REQUIRE(recorded.ok());
    CHECK(*recorded == first_new);
  }
  fs.DropUnsyncedData();
  auto got = Replay(setup.journal_dir, 0);
  REQUIRE(got.ok());
  REQUIRE(got->size() == kept.size());
  for (size_t k = 0; k < kept.size(); ++k) CHECK(got.value()[k].second == kept[k]);
}

TEST_CASE("a file that cannot be prepared is no failure: the rotation starts its segment itself",
          "[persistence][prepared][fault]") {
  Setup setup;
  FaultFileSystem fs;
  auto journal = setup.Open(SyncPolicy::kNone, 1, "", fs);
  Journal& j = *journal;
  fs.FailDirectorySyncs(EIO);  // preparing syncs the directory: no file gets ready
  int appended = 0;
  while (appended < 60) {  // three segments' worth
    REQUIRE(j.Append(Numbered(++appended)).ok());
    (void)j.RotateIfFull();  // starting a segment syncs the directory too: it goes on in the current one
  }
  CHECK(ListSegments(setup.journal_dir).value().size() == 1);
  CHECK(j.failure().ok());
  CHECK(j.stats().prepared_segments == 0);
  fs.Heal();
  while (j.stats().prepared_segments == 0) {
    REQUIRE(j.Append(Numbered(++appended)).ok());
    REQUIRE(j.RotateIfFull().ok());
    if (j.segment_size() >= 1000) WaitPrepared(j);
  }
  journal.reset();
  CHECK_FALSE(PreparedFileExists(setup.journal_dir));
  auto got = Replay(setup.journal_dir, 0);
  REQUIRE(got.ok());
  REQUIRE(got->size() == static_cast<size_t>(appended));
  for (int i = 1; i <= appended; ++i) CHECK(got.value()[i - 1].second == Numbered(i));
}

TEST_CASE("a last segment of reserved zeros without a header is read as a torn tail, and appending goes on",
          "[persistence][prepared]") {
  Setup setup;
  WriteJournal(setup.journal_dir, 5, 1 << 20).reset();
  // A crash while a segment was being started, its space reserved and nothing written.
  const std::string renamed = setup.journal_dir + "/" + SegmentFileName(6);
  WriteBytes(renamed, Zeros(8 << 20));
  ReplayOptions options;
  options.truncate_tail = true;
  uint64_t last = 0;
  auto report = persistence::ReplayJournal(
      setup.journal_dir, 0, options, [&](uint64_t seq, std::string_view) { return last = seq, Status::Ok(); });
  REQUIRE(report.ok());
  CHECK(last == 5);
  CHECK(report->last_seq == 5);
  CHECK(report->tail_segment.empty());  // nothing to continue: a new segment starts at 6
  auto journal = setup.Open(SyncPolicy::kAlways, 6, "");
  auto seq = journal->Append(Numbered(6));
  REQUIRE(seq.ok());
  CHECK(*seq == 6);
  journal.reset();
  auto got = Replay(setup.journal_dir, 0);
  REQUIRE(got.ok());
  CHECK(got->size() == 6);
}

// ---- JournalCursor -----------------------------------------------------------------

namespace {

// A journal record (journal_format.h) without time or label around Numbered(i).
std::string Rec(int i) { return std::string(9, '\0') + Numbered(i); }

std::vector<uint64_t> CursorRead(persistence::JournalCursor& cursor, std::vector<std::string>* payloads = nullptr) {
  std::vector<uint64_t> seqs;
  auto n = cursor.Next(SIZE_MAX, UINT64_MAX, [&](const persistence::JournalRecord& r) {
    seqs.push_back(r.seq);
    if (payloads) payloads->emplace_back(r.change_set);
    return Status::Ok();
  });
  INFO(n.status().ToString());
  REQUIRE(n.ok());
  REQUIRE(*n == seqs.size());
  return seqs;
}

}  // namespace

TEST_CASE("a journal cursor reads what is appended after it reached the end, across rotations, each record once",
          "[persistence][feed]") {
  Setup setup;
  auto journal = setup.Open(SyncPolicy::kNone);
  Journal& j = *journal;
  auto cursor = persistence::JournalCursor::Open(setup.journal_dir, 0);
  REQUIRE(cursor.ok());
  CHECK(CursorRead(**cursor).empty());
  uint64_t appended = 0, read = 0;
  for (int round = 0; round < 12; ++round) {
    for (int i = 0; i < 7; ++i) REQUIRE(j.Append(Rec(static_cast<int>(++appended))).ok());
    REQUIRE(j.RotateIfFull().ok());  // several rounds end with a rotation the cursor has not seen
    for (uint64_t seq : CursorRead(**cursor)) CHECK(seq == ++read);
  }
  CHECK(read == appended);
  CHECK(ListSegments(setup.journal_dir).value().size() > 3);
}

TEST_CASE("a journal cursor reads a record larger than its reads", "[persistence][feed]") {
  Setup setup;
  const std::string big(3 << 20, 'x');
  {
    auto journal = setup.Open(SyncPolicy::kNone);
    REQUIRE(journal->Append(Rec(1)).ok());
    std::string payload(9, '\0');  // a record head: time 0, empty label
    payload += big;
    REQUIRE(journal->Append(payload).ok());
    REQUIRE(journal->Append(Rec(3)).ok());
  }
  auto cursor = persistence::JournalCursor::Open(setup.journal_dir, 0);
  REQUIRE(cursor.ok());
  std::vector<std::string> payloads;
  CHECK(CursorRead(**cursor, &payloads) == std::vector<uint64_t>{1, 2, 3});
  REQUIRE(payloads.size() == 3);
  CHECK(payloads[1] == big);
}

TEST_CASE("a journal cursor whose records were cut back under it says so instead of reading on from the wrong place",
          "[persistence][feed]") {
  Setup setup;
  FaultFileSystem fs;
  auto journal = setup.Open(SyncPolicy::kAlways, 1, "", fs);
  Journal& j = *journal;
  REQUIRE(j.Append(Rec(1)).ok());
  REQUIRE(j.SyncOrCutBack().ok());
  REQUIRE(j.Append(Rec(2)).ok());  // its flush will fail
  // A reader of the files sees record 2 before its flush...
  auto cursor = persistence::JournalCursor::Open(setup.journal_dir, 0);
  REQUIRE(cursor.ok());
  CHECK(CursorRead(**cursor) == std::vector<uint64_t>{1, 2});
  // ...which fails: the record is cut back, and its sequence number goes to another.
  fs.FailSyncs(EIO);
  CHECK_FALSE(j.SyncOrCutBack().ok());
  fs.Heal();
  REQUIRE(j.Append(Rec(22)).ok());
  REQUIRE(j.SyncOrCutBack().ok());
  auto next = (*cursor)->Next(10, UINT64_MAX, [](const persistence::JournalRecord&) { return Status::Ok(); });
  REQUIRE_FALSE(next.ok());
  CHECK(next.status().type() == ErrorType::kDatabaseError);
  CHECK_THAT(next.status().message(), Catch::Contains("was cut back after record 2"));
}
