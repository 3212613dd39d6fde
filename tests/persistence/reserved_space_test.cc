// Reserved space at the end of journal segments (FORMAT.md, "Journal segment"):
// appends go through a mapping of space reserved ahead, a clean close cuts what was
// not used, and readers take the zeros a crash leaves as unused space, never as a
// torn tail or corruption.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "persistence/appendable_file.h"
#include "tests/persistence/fault_file_system.h"
#include "tests/persistence/journal_test_util.h"

namespace {

using namespace kin;
using namespace kin::persistence;
using namespace kin::testing;
using Catch::Matchers::Contains;

}  // namespace

TEST_CASE("a segment ending in reserved zero bytes opens cleanly and appending continues after its last record",
          "[persistence]") {
  TempDir dir;
  const std::string path = dir.Sub(SegmentFileName(1));
  const std::string frames = SegmentOf(kPayloads);
  WriteBytes(path, frames + Zeros(8192));
  // Read-only inspection sees every record, no damage, and leaves the file alone.
  auto scan = ScanSegment(FileBytes(path), path);
  REQUIRE(scan.ok());
  CHECK(scan->frames.size() == kPayloads.size());
  CHECK(scan->bad_offset == UINT64_MAX);
  CHECK(scan->valid_end == frames.size());
  auto got = Replay(dir.path(), 0);
  REQUIRE(got.ok());
  CHECK(got->size() == kPayloads.size());
  CHECK(SizeOnDisk(path) == frames.size() + 8192);
  // Opening cuts the zeros silently; the journal then appends right after the last record.
  uint64_t count;
  auto report = ReplayCutting(dir.path(), &count);
  REQUIRE(report.ok());
  CHECK(count == kPayloads.size());
  CHECK(report->notice.empty());
  CHECK(report->tail_segment == path);
  CHECK(SizeOnDisk(path) == frames.size());
  {
    auto journal = Journal::Open(dir.path(), JournalOptions{}, report->last_seq + 1, report->tail_segment);
    REQUIRE(journal.ok());
    CHECK(journal.value()->Append("next").value() == kPayloads.size() + 1);
  }
  CHECK(FileBytes(path) == frames + EncodeFrame(kPayloads.size() + 1, "next"));
}

TEST_CASE("records appended through the mapping survive the process being killed", "[persistence]") {
  TempDir dir;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // the writer: 100 records under sync=none, then SIGKILL (no close, no sync)
    JournalOptions options;
    options.sync = SyncPolicy::kNone;
    auto journal = Journal::Open(dir.path(), options, 1, "");
    for (int i = 1; journal.ok() && i <= 100; ++i) (void)journal.value()->Append("record-" + std::to_string(i));
    ::kill(::getpid(), SIGKILL);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  const std::string path = dir.Sub(SegmentFileName(1));
  CHECK(SizeOnDisk(path) == AppendableFileOptions{}.reserve_bytes);  // the reservation was never cut
  uint64_t count;
  auto report = ReplayCutting(dir.path(), &count);
  REQUIRE(report.ok());
  CHECK(count == 100);
  CHECK(report->last_seq == 100);
  CHECK(report->notice.empty());
  const auto spans = FrameSpans(path);
  REQUIRE(spans.size() == 100);
  CHECK(SizeOnDisk(path) == spans.back().end);
  {
    auto journal = Journal::Open(dir.path(), JournalOptions{}, 101, report->tail_segment);
    REQUIRE(journal.ok());
    REQUIRE(journal.value()->Append("after the kill").ok());
  }
  auto got = Replay(dir.path(), 0);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 101);
  CHECK(got->at(99).second == "record-100");
  CHECK(got->back() == std::make_pair(uint64_t{101}, std::string("after the kill")));
}

TEST_CASE("appends crossing many reservation chunks, one larger than a chunk, all read back after reopening",
          "[persistence]") {
  TempDir dir;
  const std::string path = dir.Sub(SegmentFileName(1));
  AppendableFileOptions one_page;
  one_page.reserve_bytes = 4096;
  std::string expected = SegmentHeader(1);
  {
    auto file = OpenPosixAppendable(path, true, one_page);
    REQUIRE(file.ok());
    REQUIRE(file.value()->Append(expected).ok());
    for (uint64_t seq = 1; seq <= 300; ++seq) {
      const std::string payload = seq == 150 ? std::string(3 * 4096 + 7, 'L') : "r" + std::string(seq % 97, '.');
      const std::string frame = EncodeFrame(seq, payload);
      REQUIRE(file.value()->Append(frame).ok());
      expected += frame;
      CHECK(file.value()->size() == expected.size());
    }
    // While open: whole chunks reserved past the logical end, the bytes already readable.
    CHECK(SizeOnDisk(path) % 4096 == 0);
    CHECK(SizeOnDisk(path) >= expected.size());
    CHECK(SizeOnDisk(path) < expected.size() + 4096);
    CHECK(FileBytes(path).substr(0, expected.size()) == expected);
  }
  CHECK(FileBytes(path) == expected);
  {
    auto file = OpenPosixAppendable(path, false, one_page);  // a reopened tail: size from the file
    REQUIRE(file.ok());
    CHECK(file.value()->size() == expected.size());
    const std::string frame = EncodeFrame(301, "after reopening");
    REQUIRE(file.value()->Append(frame).ok());
    expected += frame;
  }
  CHECK(FileBytes(path) == expected);
  auto scan = ScanSegment(expected, path);
  REQUIRE(scan.ok());
  CHECK(scan->frames.size() == 301);
  CHECK(scan->bad_offset == UINT64_MAX);
}

TEST_CASE("a record larger than the reservation chunk is appended whole", "[persistence]") {
  TempDir dir;
  const std::string big(AppendableFileOptions{}.reserve_bytes + 12345, 'B');
  {
    auto journal = Journal::Open(dir.path(), JournalOptions{}, 1, "");
    REQUIRE(journal.ok());
    REQUIRE(journal.value()->Append("small").ok());
    REQUIRE(journal.value()->Append(big).ok());
    REQUIRE(journal.value()->Append("small again").ok());
  }
  auto got = Replay(dir.path(), 0);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 3);
  CHECK(got->at(1).second == big);
  CHECK(got->at(2).second == "small again");
}

TEST_CASE("after a clean close a segment's size is exactly the bytes appended", "[persistence]") {
  TempDir dir;
  auto journal = WriteJournal(dir.path(), 50, 64ull << 20);
  const std::string path = dir.Sub(SegmentFileName(1));
  CHECK(SizeOnDisk(path) == AppendableFileOptions{}.reserve_bytes);  // open: reserved ahead
  journal.reset();
  const auto spans = FrameSpans(path);
  REQUIRE(spans.size() == 50);
  CHECK(SizeOnDisk(path) == spans.back().end);
}

TEST_CASE("the write() fallback appends the same bytes as the mapping", "[persistence]") {
  TempDir dir;
  AppendableFileOptions mapped, written;
  mapped.reserve_bytes = 4096;
  written.mapped = false;
  std::string expected = SegmentHeader(1);
  for (uint64_t seq = 1; seq <= 200; ++seq) expected += EncodeFrame(seq, std::string(seq * 7 % 300, 'x'));
  {
    auto a = OpenPosixAppendable(dir.Sub("mapped.log"), true, mapped);
    auto b = OpenPosixAppendable(dir.Sub("written.log"), true, written);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    for (size_t at = 0; at < expected.size(); at += 777) {
      const std::string_view piece = std::string_view(expected).substr(at, 777);
      REQUIRE(a.value()->Append(piece).ok());
      REQUIRE(b.value()->Append(piece).ok());
    }
    CHECK(a.value()->size() == expected.size());
    CHECK(b.value()->size() == expected.size());
    CHECK(SizeOnDisk(dir.Sub("mapped.log")) == (expected.size() + 4095) / 4096 * 4096);  // reserved zeros
    CHECK(SizeOnDisk(dir.Sub("written.log")) == expected.size());  // no reservation
    REQUIRE(a.value()->Sync().ok());
    REQUIRE(b.value()->Sync().ok());
  }
  CHECK(FileBytes(dir.Sub("mapped.log")) == expected);
  CHECK(FileBytes(dir.Sub("written.log")) == expected);
}

TEST_CASE("closing an appendable file never extends a file cut below its logical size", "[persistence]") {
  TempDir dir;
  const std::string path = dir.Sub("cut.log");
  {
    auto file = OpenPosixAppendable(path, true);
    REQUIRE(file.ok());
    REQUIRE(file.value()->Append(std::string(5000, 'a')).ok());
    CutFile(path, 100);  // what a simulated power loss does (FaultFileSystem::DropUnsyncedData)
  }
  CHECK(SizeOnDisk(path) == 100);
}

TEST_CASE("a segment reopened with truncate while its old writer is open keeps what the new writer appends",
          "[persistence]") {
  // What rotating from a segment that holds no record does: the same name is opened
  // again, then the old file is closed. Closing the old one must not cut the new
  // one's reservation (its mapping would lose pages under it).
  TempDir dir;
  const std::string path = dir.Sub(SegmentFileName(1));
  std::string expected = SegmentHeader(1);
  auto old_file = OpenPosixAppendable(path, true);
  REQUIRE(old_file.ok());
  REQUIRE(old_file.value()->Append(expected).ok());
  auto new_file = OpenPosixAppendable(path, true);
  REQUIRE(new_file.ok());
  CHECK(new_file.value()->size() == 0);
  REQUIRE(new_file.value()->Append(expected).ok());
  old_file.value().reset();
  CHECK(SizeOnDisk(path) == AppendableFileOptions{}.reserve_bytes);
  for (uint64_t seq = 1; seq <= 100; ++seq) {
    const std::string frame = EncodeFrame(seq, std::string(100, 'n'));  // past the first page
    REQUIRE(new_file.value()->Append(frame).ok());
    expected += frame;
  }
  new_file.value().reset();
  CHECK(FileBytes(path) == expected);
}

TEST_CASE("a file that cannot reserve space fails the append with its path and the reason", "[persistence]") {
  TempDir dir;
  const std::string path = dir.Sub("limited.log");
  auto file = OpenPosixAppendable(path, true);
  REQUIRE(file.ok());
  // A file size limit below the reservation makes fallocate fail, as a full disk would.
  struct rlimit old_limit;
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 1 << 20;
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  const Status s = file.value()->Append("a record");
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  REQUIRE_FALSE(s.ok());
  CHECK(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Catch::Matchers::Contains("cannot reserve space in " + path) &&
                              Catch::Matchers::Contains("File too large"));
  CHECK(file.value()->size() == 0);
  CHECK(SizeOnDisk(path) == 0);
}

TEST_CASE("a torn frame followed by reserved zeros is a torn tail, reported and cut", "[persistence]") {
  TempDir dir;
  const std::string path = dir.Sub(SegmentFileName(1));
  std::vector<uint64_t> offsets;
  const std::string frames = SegmentOf(kPayloads, &offsets);
  const std::string torn = EncodeFrame(kPayloads.size() + 1, std::string(200, 't')).substr(0, 90);
  WriteBytes(path, frames + torn + Zeros(4096));
  auto scan = ScanSegment(FileBytes(path), path);
  REQUIRE(scan.ok());
  CHECK(scan->frames.size() == kPayloads.size());
  CHECK(scan->bad_offset == frames.size());
  CHECK(scan->valid_end == frames.size());
  CHECK_FALSE(scan->good_after_bad);
  uint64_t count;
  auto report = ReplayCutting(dir.path(), &count);
  REQUIRE(report.ok());
  CHECK(count == kPayloads.size());
  CHECK_THAT(report->notice, Catch::Matchers::Contains("cut a torn tail of 90 bytes") &&
                                 Catch::Matchers::Contains("offset " + std::to_string(frames.size())));
  CHECK(FileBytes(path) == frames);
}

TEST_CASE("zero bytes followed by a good frame are corruption, not reserved space", "[persistence]") {
  TempDir dir;
  const std::string path = dir.Sub(SegmentFileName(1));
  const std::string frames = SegmentOf({"first", "second"});
  const std::string bytes = frames + Zeros(64) + EncodeFrame(3, "third") + Zeros(4096);
  WriteBytes(path, bytes);
  auto scan = ScanSegment(bytes, path);
  REQUIRE(scan.ok());
  CHECK(scan->frames.size() == 2);
  CHECK(scan->bad_offset == frames.size());
  CHECK(scan->good_after_bad);
  uint64_t count;
  auto report = ReplayCutting(dir.path(), &count);
  REQUIRE_FALSE(report.ok());
  CHECK(report.status().type() == ErrorType::kDatabaseError);
  CHECK_THAT(report.status().message(), Catch::Matchers::Contains("corrupt journal " + path) &&
                                            Catch::Matchers::Contains("offset " + std::to_string(frames.size())));
  CHECK(FileBytes(path) == bytes);  // nothing cut
}

TEST_CASE("a segment before the last ending in reserved zeros replays cleanly, and a record missing there is a gap",
          "[persistence]") {
  // The process died just after rotating: the old segment was synced, its reservation not yet cut.
  TempDir dir;
  const std::string first = dir.Sub(SegmentFileName(1)), second = dir.Sub(SegmentFileName(4));
  const std::string first_frames = SegmentFrom(1, {"one", "two", "three"});
  WriteBytes(first, first_frames + Zeros(4096));
  WriteBytes(second, SegmentFrom(4, {"four"}) + Zeros(4096));
  uint64_t count;
  auto report = ReplayCutting(dir.path(), &count);
  REQUIRE(report.ok());
  CHECK(count == 4);
  CHECK(report->notice.empty());
  CHECK(report->tail_segment == second);
  CHECK(FileBytes(first) == first_frames);
  CHECK(FileBytes(second) == SegmentFrom(4, {"four"}));

  // Zeros where record 3 should be: the next segment's first sequence number shows the loss.
  std::vector<uint64_t> offsets;
  WriteBytes(first, SegmentFrom(1, {"one", "two", "three"}, &offsets).substr(0, offsets[2]) + Zeros(4096));
  report = ReplayCutting(dir.path(), &count);
  REQUIRE_FALSE(report.ok());
  CHECK_THAT(report.status().message(), Catch::Matchers::Contains("missing records 3 to 3"));
}

TEST_CASE("pages faulted in ahead of the end change no byte: with or without prefaulting the file is the same",
          "[persistence]") {
  TempDir dir;
  AppendableFileOptions ahead, none;
  ahead.reserve_bytes = none.reserve_bytes = 16 * 4096;  // many reservations, each moving the mapping
  ahead.prefault_bytes = 5 * 4096;
  none.prefault_bytes = 0;
  std::string expected = SegmentHeader(1);
  for (uint64_t seq = 1; seq <= 3000; ++seq) expected += EncodeFrame(seq, "p" + std::string(seq % 331, 'x'));
  for (const auto* options : {&ahead, &none}) {
    const std::string path = dir.Sub(options == &ahead ? "ahead.log" : "none.log");
    {
      auto file = OpenPosixAppendable(path, true, *options);
      REQUIRE(file.ok());
      for (size_t at = 0; at < expected.size();) {
        const size_t n = std::min<size_t>(expected.size() - at, 1 + at % 500);
        REQUIRE(file.value()->Append(std::string_view(expected).substr(at, n)).ok());
        at += n;
      }
      // While open: the appended bytes, then nothing but the reserved zeros.
      const std::string open_bytes = FileBytes(path);
      REQUIRE(open_bytes.size() >= expected.size());
      CHECK(open_bytes.substr(0, expected.size()) == expected);
      CHECK(open_bytes.find_first_not_of('\0', expected.size()) == std::string::npos);
    }
    CHECK(FileBytes(path) == expected);
  }
}

TEST_CASE("a range read into a kept buffer reads what ReadFileRange reads and never shrinks the buffer",
          "[persistence]") {
  TempDir dir;
  const std::string path = dir.Sub("file");
  WriteBytes(path, "0123456789");
  // The Posix one and the default (FaultFileSystem keeps it: through ReadFileRange) answer alike.
  FaultFileSystem through_range;
  for (FileSystem* fs : {&FileSystem::Posix(), static_cast<FileSystem*>(&through_range)}) {
    std::string buffer;
    auto read = fs->ReadFileRangeInto(path, 2, 4, buffer);
    REQUIRE(read.ok());
    REQUIRE(read->has_value());
    CHECK(**read == 4);
    CHECK(buffer.substr(0, 4) == "2345");
    read = fs->ReadFileRangeInto(path, 8, 100, buffer);  // past the end: what there is
    REQUIRE(read.ok());
    CHECK(**read == 2);
    CHECK(buffer.substr(0, 2) == "89");
    CHECK(buffer.size() == 4);  // kept, not shrunk
    read = fs->ReadFileRangeInto(path, 20, 4, buffer);
    REQUIRE(read.ok());
    CHECK(**read == 0);
    read = fs->ReadFileRangeInto(dir.Sub("missing"), 0, 4, buffer);
    REQUIRE(read.ok());
    CHECK_FALSE(read->has_value());
  }
}
