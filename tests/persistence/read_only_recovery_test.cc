// Read-only recovery (persistence/recovery.h) of a database another process may be
// writing: damage that a second read no longer finds was a write in flight and is
// read past; damage that stays is reported with its file and offset.

#include <algorithm>

#include "api/schema_json.h"
#include "persistence/recovery.h"
#include "tests/persistence/persistence_test_util.h"

using namespace kin;
using namespace kin::testing;
using Catch::Matchers::Contains;

namespace {

// The real file system, except that reads of one file see `hole` zeroed, the way a
// reader sees a file while a writer fills its pages out of order: on the first
// `racing_reads` reads only (a write in flight), or on every read (damage).
class RacingReads final : public persistence::FileSystem {
 public:
  RacingReads(std::string path, uint64_t begin, uint64_t end, int racing_reads)
      : path_(std::move(path)), begin_(begin), end_(end), racing_(racing_reads) {}
  int reads() const { return reads_; }

  Result<std::optional<std::string>> ReadFile(const std::string& path) override {
    KIN_ASSIGN_OR_RETURN(auto bytes, base().ReadFile(path));
    if (path == path_ && bytes && reads_++ < racing_) std::fill(bytes->begin() + begin_, bytes->begin() + end_, '\0');
    return bytes;
  }
  Result<std::unique_ptr<persistence::WritableFile>> OpenAppendable(const std::string& p, bool t) override {
    return base().OpenAppendable(p, t);
  }
  Status WriteFileAtomically(const std::string& p, const std::string& b) override { return base().WriteFileAtomically(p, b); }
  Status SyncDirectory(const std::string& d) override { return base().SyncDirectory(d); }
  Status Truncate(const std::string& p, uint64_t s) override { return base().Truncate(p, s); }
  Status Remove(const std::string& p) override { return base().Remove(p); }
  Status Rename(const std::string& f, const std::string& t) override { return base().Rename(f, t); }
  Status CreateDirectories(const std::string& d) override { return base().CreateDirectories(d); }
  Result<std::vector<std::string>> ListDirectory(const std::string& d) override { return base().ListDirectory(d); }

 private:
  static persistence::FileSystem& base() { return persistence::FileSystem::Posix(); }
  std::string path_;
  uint64_t begin_, end_;
  int racing_;
  int reads_ = 0;
};

}  // namespace

TEST_CASE("a read-only recovery reads again past a write in flight, and reports damage that stays", "[persistence]") {
  TempDir dir;
  const std::vector<std::string> dumps = BuildSeedDatabase(dir.Sub("orig"));
  const std::string db = dir.Sub("orig");
  const std::string segment = Segments(db).back().path;
  const std::vector<FrameSpan> spans = FrameSpans(segment);
  REQUIRE(spans.size() >= 3);
  const FrameSpan hole = spans[spans.size() - 3];  // good frames follow it: corruption, if it stays
  {
    // The hole is seen once, as a reader racing the writer sees it: the next read has the frame.
    RacingReads fs(segment, hole.begin, hole.end, 1);
    persistence::RecoveryOptions options = ParsingRecovery();
    options.file_system = &fs;
    auto read = persistence::ReadDatabase(db, options);
    REQUIRE(read.ok());
    CHECK(fs.reads() >= 2);
    CHECK(read->report.last_seq == dumps.size() - 1);
  }
  {
    // The hole stays: it is damage, reported with its file and offset.
    RacingReads fs(segment, hole.begin, hole.end, 1000);
    persistence::RecoveryOptions options = ParsingRecovery();
    options.file_system = &fs;
    auto read = persistence::ReadDatabase(db, options);
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(read.status().message(), Contains(segment + " at offset " + std::to_string(hole.begin)));
    CHECK(fs.reads() == 2);  // two reads agreed
    // With keep_partial, the state before the damage, and why it stops there.
    options.keep_partial = true;
    auto partial = persistence::ReadDatabase(db, options);
    REQUIRE(partial.ok());
    CHECK(partial->report.last_seq == hole.seq - 1);
    CHECK_FALSE(partial->report.problem.ok());
  }
}
