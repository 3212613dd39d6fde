// Recovery (SPEC.md section 10, FORMAT.md "Reading rules"): whatever is done to the
// bytes of a database directory, opening yields exactly the state of some prefix of
// the committed calls, or fails with a database_error naming file and offset.

#include <algorithm>
#include <chrono>
#include <thread>

#include "api/schema_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/journal_format.h"
#include "persistence/journal_reader.h"
#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;
using Catch::Matchers::Contains;

// The twenty seed steps in `dir`/orig, closed; returns the dump before and after each step.
std::vector<std::string> SeedDatabase(const TempDir& dir, const Options& options = {}) {
  return BuildSeedDatabase(dir.Sub("orig"), options);
}

// Opens a copy of `orig` after `damage` was done to the copy.
template <typename Damage>
Result<std::unique_ptr<Database>> OpenDamagedCopy(const TempDir& dir, Damage&& damage, const Options& options = {}) {
  CopyDir(dir.Sub("orig"), dir.Sub("work"));
  damage(dir.Sub("work"));
  return TryOpen(dir.Sub("work"), options);
}

// How many records survive when a segment (starting at `first_seq`) is cut at `cut`:
// the last whole frame's seq, which is also the index of the matching dump.
size_t RecordsBefore(const std::vector<FrameSpan>& spans, uint64_t first_seq, uint64_t cut) {
  size_t kept = first_seq - 1;
  for (const auto& f : spans)
    if (f.end <= cut) kept = f.seq;
  return kept;
}

}  // namespace

TEST_CASE("a journal cut at any offset of its last records recovers a prefix and reports the cut", "[persistence]") {
  TempDir dir;
  const auto dumps = SeedDatabase(dir);
  const auto segment = Segments(dir.Sub("orig")).back();
  const auto spans = FrameSpans(segment.path);
  REQUIRE(spans.size() == 20);
  const std::string name = FileName(segment.path);
  for (uint64_t cut = spans[spans.size() - 3].begin; cut <= spans.back().end; ++cut) {
    INFO("cut at " << cut);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) { CutFile(work + "/journal/" + name, cut); });
    INFO(db.status().ToString());
    REQUIRE(db.ok());
    const size_t kept = RecordsBefore(spans, segment.first_seq, cut);
    const bool boundary = cut == spans[kept - 1].end;
    CHECK(Dump(**db) == dumps[kept]);
    if (boundary) {
      CHECK(db.value()->open_notice().empty());
    } else {
      CHECK_THAT(db.value()->open_notice(), Contains(name) && Contains("offset " + std::to_string(spans[kept - 1].end)));
    }
    CHECK(FileBytes(dir.Sub("work") + "/journal/" + name).size() == spans[kept - 1].end);
    if (cut % 7 == 0) {
      // The cut journal takes new records and recovers them cleanly.
      Ok(**db, "createStores", Json::array({{{"id", "after-cut"}}}));
      const std::string live = Dump(**db);
      db.value().reset();
      auto again = OpenDir(dir.Sub("work"));
      CHECK(again->open_notice().empty());
      CHECK(Dump(*again) == live);
    }
  }
}

TEST_CASE("a last segment cut inside its header or first record recovers the segments before it", "[persistence]") {
  TempDir dir;
  Options small;
  small.segment_bytes = 600;
  const auto dumps = SeedDatabase(dir, small);
  const auto segments = Segments(dir.Sub("orig"));
  REQUIRE(segments.size() >= 4);
  const auto last = segments.back();
  const std::string name = FileName(last.path);
  const auto spans = FrameSpans(last.path);
  for (uint64_t cut = 0; cut <= spans.front().end; ++cut) {
    INFO("cut at " << cut);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) { CutFile(work + "/journal/" + name, cut); }, small);
    INFO(db.status().ToString());
    REQUIRE(db.ok());
    const size_t kept = RecordsBefore(spans, last.first_seq, cut);
    CHECK(Dump(**db) == dumps[kept]);
    CHECK(db.value()->open_notice().empty() == (cut == persistence::kSegmentHeaderSize || cut == spans.front().end));
    if (cut % 5 == 0 || cut == spans.front().end) {
      Ok(**db, "createStores", Json::array({{{"id", "after-cut"}}}));
      const std::string live = Dump(**db);
      db.value().reset();
      CHECK(Dump(*OpenDir(dir.Sub("work"), small)) == live);
    }
  }
}

TEST_CASE("a flipped byte in a record followed by good ones fails the open naming file and offset", "[persistence]") {
  TempDir dir;
  SeedDatabase(dir);
  const auto segment = Segments(dir.Sub("orig")).back();
  const std::string name = FileName(segment.path);
  const FrameSpan bad = FrameSpans(segment.path)[10];
  for (uint64_t at = bad.begin; at < bad.end; ++at) {
    INFO("flip at " << at);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) {
      FlipByte(work + "/journal/" + name, at, static_cast<uint8_t>(1u << (at % 8)));
    });
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(db.status().message(), Contains(name) && Contains("offset " + std::to_string(bad.begin)));
  }
}

TEST_CASE("repair cuts a corrupt record and keeps the cut bytes in a side file", "[persistence]") {
  TempDir dir;
  const auto dumps = SeedDatabase(dir);
  const auto segment = Segments(dir.Sub("orig")).back();
  const std::string name = FileName(segment.path);
  const FrameSpan bad = FrameSpans(segment.path)[10];
  Options repair;
  repair.repair = true;
  for (uint64_t at = bad.begin; at < bad.end; at += 3) {
    INFO("flip at " << at);
    const std::string work_segment = dir.Sub("work") + "/journal/" + name;
    std::string damaged;
    auto db = OpenDamagedCopy(
        dir,
        [&](const std::string&) {
          FlipByte(work_segment, at, 0x10);
          damaged = FileBytes(work_segment);
        },
        repair);
    INFO(db.status().ToString());
    REQUIRE(db.ok());
    CHECK(Dump(**db) == dumps[10]);
    CHECK_THAT(db.value()->open_notice(), Contains("repaired") && Contains(name));
    const std::string side = work_segment + ".cut-" + std::to_string(bad.begin);
    REQUIRE(stdfs::exists(side));
    CHECK(FileBytes(side) == damaged.substr(bad.begin));
    CHECK(FileBytes(work_segment) == damaged.substr(0, bad.begin));
    if (at % 9 == 0) {
      // The repaired journal opens cleanly without repair, new records included.
      Ok(**db, "createStores", Json::array({{{"id", "after-repair"}}}));
      const std::string live = Dump(**db);
      db.value().reset();
      auto again = OpenDir(dir.Sub("work"));
      CHECK(again->open_notice().empty());
      CHECK(Dump(*again) == live);
    }
  }
}

TEST_CASE("a missing segment fails the open naming the segment after the gap", "[persistence]") {
  TempDir dir;
  Options small;
  small.segment_bytes = 600;
  SeedDatabase(dir, small);
  const auto segments = Segments(dir.Sub("orig"));
  REQUIRE(segments.size() >= 4);
  for (size_t missing = 0; missing + 1 < segments.size(); ++missing) {
    INFO("without segment " << missing);
    const std::string gone = FileName(segments[missing].path), next = FileName(segments[missing + 1].path);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) { REQUIRE(stdfs::remove(work + "/journal/" + gone)); }, small);
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(db.status().message(), Contains(next) && Contains("offset") && Contains("missing"));
  }
}

TEST_CASE("a deleted newest segment fails the open naming it, instead of a shorter history", "[persistence]") {
  TempDir dir;
  Options small;
  small.segment_bytes = 600;
  SeedDatabase(dir, small);
  const auto segments = Segments(dir.Sub("orig"));
  REQUIRE(segments.size() >= 2);
  // The newest two, one after the other: each time the journal ends early.
  for (size_t gone_from : {segments.size() - 1, segments.size() - 2}) {
    INFO("without segments from " << gone_from);
    const std::string newest = FileName(segments.back().path);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) {
      for (size_t i = gone_from; i < segments.size(); ++i)
        REQUIRE(stdfs::remove(work + "/journal/" + FileName(segments[i].path)));
    }, small);
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(db.status().message(), Contains(newest) && Contains("missing") && Contains("journal-end"));
  }
}

TEST_CASE("a deleted journal directory fails the open naming it", "[persistence]") {
  TempDir dir;
  SeedDatabase(dir);
  for (bool with_snapshot : {false, true}) {
    INFO("with a snapshot: " << with_snapshot);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) {
      if (with_snapshot) REQUIRE(OpenDir(work)->Snapshot().ok());
      REQUIRE(stdfs::remove_all(work + "/journal") > 0);
    });
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(db.status().message(), Contains("/journal") && Contains("missing"));
  }
}

TEST_CASE("a segment lost while newer than the newest snapshot fails the open", "[persistence]") {
  TempDir dir;
  Options small;
  small.segment_bytes = 600;
  SeedDatabase(dir, small);
  auto db = OpenDamagedCopy(dir, [&](const std::string& work) {
    {
      auto open = OpenDir(work, small);
      REQUIRE(open->Snapshot().ok());
      for (int i = 0; i < 20; ++i) Ok(*open, "createStores", Json::array({{{"id", "late" + std::to_string(i)}}}));
    }
    const auto after = Segments(work);
    REQUIRE(after.size() >= 3);
    REQUIRE(stdfs::remove(after[after.size() - 2].path));  // newer than the snapshot, not the newest
  }, small);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().type() == ErrorType::kDatabaseError);
  CHECK_THAT(db.status().message(), Contains("missing"));
}

TEST_CASE("repair of a missing segment keeps the records before the gap", "[persistence]") {
  TempDir dir;
  Options repair;
  repair.segment_bytes = 600;
  const auto dumps = SeedDatabase(dir, repair);
  repair.repair = true;
  const auto segments = Segments(dir.Sub("orig"));
  REQUIRE(segments.size() >= 4);
  for (size_t missing = 0; missing + 1 < segments.size(); ++missing) {
    INFO("without segment " << missing);
    const std::string gone = FileName(segments[missing].path), next = FileName(segments[missing + 1].path);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) { REQUIRE(stdfs::remove(work + "/journal/" + gone)); }, repair);
    INFO(db.status().ToString());
    REQUIRE(db.ok());
    CHECK(Dump(**db) == dumps[segments[missing].first_seq - 1]);
    CHECK_THAT(db.value()->open_notice(), Contains("repaired") && Contains(next));
    CHECK(stdfs::exists(dir.Sub("work") + "/journal/" + next + ".cut"));
    // New records go on from the gap and recover without repair.
    Ok(**db, "createStores", Json::array({{{"id", "after-repair"}}}));
    const std::string live = Dump(**db);
    db.value().reset();
    CHECK(Dump(*OpenDir(dir.Sub("work"))) == live);
  }
}

TEST_CASE("a damaged last record of a segment that is not the last fails the open", "[persistence]") {
  TempDir dir;
  Options small;
  small.segment_bytes = 600;
  SeedDatabase(dir, small);
  const auto segments = Segments(dir.Sub("orig"));
  REQUIRE(segments.size() >= 2);
  const std::string name = FileName(segments[0].path);
  const FrameSpan bad = FrameSpans(segments[0].path).back();
  for (uint64_t at = bad.begin; at < bad.end; at += 7) {
    INFO("flip at " << at);
    auto flip = [&](const std::string& work) { FlipByte(work + "/journal/" + name, at, 0x40); };
    auto db = OpenDamagedCopy(dir, flip, small);
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(db.status().message(), Contains(name) && Contains("offset " + std::to_string(bad.begin)));
    // Cut short instead of flipped: the same (cut at the frame's start, the gap is
    // found at the next segment).
    auto cut = OpenDamagedCopy(dir, [&](const std::string& work) { CutFile(work + "/journal/" + name, at); }, small);
    REQUIRE_FALSE(cut.ok());
    if (at == bad.begin) CHECK_THAT(cut.status().message(), Contains(FileName(segments[1].path)) && Contains("missing"));
    else CHECK_THAT(cut.status().message(), Contains(name) && Contains("offset " + std::to_string(bad.begin)));
  }
}

TEST_CASE("a damaged header of the last segment fails the open instead of dropping its records", "[persistence]") {
  TempDir dir;
  Options small;
  small.segment_bytes = 600;
  SeedDatabase(dir, small);
  const auto segments = Segments(dir.Sub("orig"));
  REQUIRE(segments.size() >= 2);
  for (size_t which : {size_t{0}, segments.size() - 1}) {
    const std::string name = FileName(segments[which].path);
    for (uint64_t at : {0, 5, 16, 23}) {  // magic and first_seq
      INFO(name << " flip at " << at);
      auto db = OpenDamagedCopy(dir, [&](const std::string& work) { FlipByte(work + "/journal/" + name, at, 0x04); }, small);
      REQUIRE_FALSE(db.ok());
      CHECK(db.status().type() == ErrorType::kDatabaseError);
      CHECK_THAT(db.status().message(), Contains(name) && Contains("offset"));
    }
  }
}

TEST_CASE("a snapshot plus the journal after it recovers the live state", "[persistence]") {
  TempDir dir;
  auto db = OpenDir(dir.path());
  const auto steps = SeedSteps();
  for (size_t i = 0; i < 10; ++i) RunStep(*db, steps[i]);
  REQUIRE(db->Snapshot().ok());
  for (size_t i = 10; i < steps.size(); ++i) RunStep(*db, steps[i]);
  const std::string live = Dump(*db);
  db.reset();
  auto snapshots = Snapshots(dir.path());
  REQUIRE(snapshots.size() == 1);
  CHECK(snapshots[0].seq == 10);
  auto reopened = OpenDir(dir.path());
  CHECK(reopened->open_notice().empty());
  CHECK(Dump(*reopened) == live);
}

TEST_CASE("reopening right after a snapshot recovers the same state", "[persistence]") {
  TempDir dir;
  auto dumps = BuildSeedDatabase(dir.path());
  {
    auto db = OpenDir(dir.path());
    REQUIRE(db->Snapshot().ok());
  }
  auto db = OpenDir(dir.path());
  CHECK(Dump(*db) == dumps.back());
  // Again with nothing new in the journal, then a second snapshot at the same position.
  REQUIRE(db->Snapshot().ok());
  db.reset();
  CHECK(Dump(*OpenDir(dir.path())) == dumps.back());
  REQUIRE(Snapshots(dir.path()).size() == 1);
  CHECK(Snapshots(dir.path())[0].seq == 20);
}

TEST_CASE("values of every property type survive the journal and a snapshot", "[persistence]") {
  TempDir dir;
  const std::string schema = AllTypesSchemaText();
  auto open = [&] {
    auto db = Database::Open(dir.path(), schema);
    REQUIRE(db.ok());
    return std::move(db).value();
  };
  auto db = open();
  Ok(*db, "createThings", Json::array({{{"id", "t1"}, {"label", "full"}, {"count", -42}, {"ratio", 0.1},
                                        {"price", "-12345678901234567890.125"}, {"active", false},
                                        {"seen_at", "2026-11-24T10:00:00.000Z"}, {"metadata", {{"a", {1, nullptr}}}},
                                        {"status", "old"}, {"tags", {"x", "", "z"}}}}));
  Ok(*db, "createThings", Json::array({{{"id", "t2"}, {"label", "defaults"}}}));
  Ok(*db, "createParts", Json::array({{{"id", "pa1"}, {"thing_id", "t1"}}}));
  Ok(*db, "createPeers", Json::array({{{"id", "pe1"}, {"things", {"t1", "t2"}}}}));
  Ok(*db, "deleteThings", Json::array({"t2"}));  // its serial (2) is never reused
  const std::string journal_only = Dump(*db);
  db.reset();
  db = open();
  CHECK(Dump(*db) == journal_only);
  REQUIRE(db->Snapshot().ok());
  db.reset();
  db = open();
  CHECK(Dump(*db) == journal_only);
  auto t3 = Ok(*db, "createThings", Json::array({{{"id", "t3"}, {"label", "after"}}}));
  CHECK(t3["serial"] == 3);
}

TEST_CASE("autoincrement values are never reused after recovery from the journal alone", "[persistence]") {
  TempDir dir;
  const std::string schema = AllTypesSchemaText();
  {
    auto db = Database::Open(dir.path(), schema).value();
    Ok(*db, "createThings", Json::array({Json::array({{{"id", "t1"}, {"label", "a"}}, {{"id", "t2"}, {"label", "b"}}})}));
    Ok(*db, "deleteThings", Json::array({"t2"}));
  }
  auto db = Database::Open(dir.path(), schema).value();
  CHECK(Ok(*db, "createThings", Json::array({{{"id", "t3"}, {"label", "c"}}}))["serial"] == 3);
}

TEST_CASE("a corrupt snapshot fails the open naming the snapshot", "[persistence]") {
  TempDir dir;
  BuildSeedDatabase(dir.Sub("orig"), {}, 12);
  REQUIRE(OpenDir(dir.Sub("orig"))->Snapshot().ok());
  const auto snapshot = Snapshots(dir.Sub("orig")).at(0);
  const std::string name = FileName(snapshot.path);
  const uint64_t size = FileBytes(snapshot.path).size();
  std::vector<uint64_t> positions;
  for (uint64_t at = 0; at < 40; ++at)
    if (!(at >= 12 && at < 16) && !(at >= 36))  // reserved and pad are not read
      positions.push_back(at);
  for (uint64_t at = 40; at < size; at += 5 + at % 31) positions.push_back(at);
  positions.push_back(size - 1);
  for (uint64_t at : positions) {
    INFO("flip at " << at);
    auto db = OpenDamagedCopy(dir, [&](const std::string& work) {
      FlipByte(work + "/snapshots/" + name, at, static_cast<uint8_t>(1u << (at % 8)));
    });
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(db.status().message(), Contains(name));
  }
  // Cut short, the snapshot fails the same way.
  auto db = OpenDamagedCopy(dir, [&](const std::string& work) { CutFile(work + "/snapshots/" + name, size - 1); });
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.status().message(), Contains(name));
}

TEST_CASE("a leftover snapshot temporary file is ignored", "[persistence]") {
  TempDir dir;
  const auto dumps = BuildSeedDatabase(dir.path());
  stdfs::create_directories(dir.path() + "/snapshots");
  WriteBytes(dir.path() + "/snapshots/" + persistence::SnapshotFileName(20) + ".tmp", "half a snapshot");
  CHECK(Dump(*OpenDir(dir.path())) == dumps.back());
}

TEST_CASE("sync policies none and interval recover everything after a clean close", "[persistence]") {
  for (SyncPolicy policy : {SyncPolicy::kNone, SyncPolicy::kInterval}) {
    INFO(persistence::SyncPolicyName(policy));
    TempDir dir;
    Options options;
    options.sync = policy;
    options.sync_interval_ms = 5;
    options.segment_bytes = 1000;
    const auto dumps = BuildSeedDatabase(dir.path(), options);
    auto db = OpenDir(dir.path(), options);
    CHECK(db->open_notice().empty());
    CHECK(Dump(*db) == dumps.back());
  }
}

TEST_CASE("snapshot_every has snapshots taken on a thread of their own as records are committed", "[persistence]") {
  TempDir dir;
  Options options;
  options.snapshot_every = 6;
  options.snapshot_in_child = false;  // a child forked while the writer thread allocates can hang under a sanitizer
  std::string state;
  {
    auto db = OpenDir(dir.path(), options);
    for (const auto& step : SeedSteps()) RunStep(*db, step);  // asks for snapshots after records 6, 12 and 18
    state = Dump(*db);
    // The one asked for after record 18 covers at least that far; it comes without any write waiting for it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      auto snapshots = Snapshots(dir.path());
      if (!snapshots.empty() && snapshots[0].seq >= 18) break;
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::yield();
    }
  }
  CHECK(Snapshots(dir.path()).size() <= options.keep_snapshots);
  // The segments before the oldest kept snapshot are gone.
  CHECK(Segments(dir.path()).front().first_seq <= Snapshots(dir.path()).back().seq + 1);
  CHECK(Dump(*OpenDir(dir.path(), options)) == state);
}

TEST_CASE("a database directory is open once at a time, whatever is deleted in it: a second open is refused until the first closes",
          "[persistence]") {
  TempDir dir;
  auto first = OpenDir(dir.path());
  std::error_code ignored;
  stdfs::remove(dir.Sub("LOCK"), ignored);  // no file in the directory holds the lock
  auto second = TryOpen(dir.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().type() == ErrorType::kDatabaseError);
  CHECK_THAT(second.status().message(), Contains("is already open"));
  Ok(*first, "createStores", Json::array({{{"id", "s1"}}}));  // the first goes on writing
  first.reset();
  auto reopened = TryOpen(dir.path());
  REQUIRE(reopened.ok());
  CHECK(Ok(*reopened.value(), "retrieveStore", Json::array({"s1"}))["id"] == "s1");
}

TEST_CASE("a write's steps reach the journal as applied: a record created, deleted and created again, and "
          "nothing of a failed write",
          "[persistence]") {
  TempDir dir;
  auto db = OpenDir(dir.path());
  const auto steps = SeedSteps();
  for (size_t i = 0; i < 4; ++i) RunStep(*db, steps[i]);
  const std::string seeded = Dump(*db);
  const uint64_t records = api::DatabaseAccess::JournalStats(*db).records;
  auto create = [](const char* id, const char* title, const char* store) {
    return CallRequest{"createProducts", Json::array({{{"id", id}, {"title", title}, {"store_id", store}}})};
  };
  const CallRequest remove{"deleteProducts", Json::array({"p9"})};

  // Fails at its last call: undone, and nothing journaled.
  auto failed = db->Transaction({create("p9", "Nail", "s1"), remove, create("p9", "Nut", "s2"), remove,
                                 create("p9", "Bolt", "s1"), create("p8", "Screw", "s404")});
  REQUIRE_FALSE(failed.ok());
  CHECK(Dump(*db) == seeded);
  CHECK(Fails(*db, "createProducts", Json::array({Json::array({{{"id", "p7"}, {"title", "Pin"}, {"store_id", "s1"}},
                                                               {{"id", "p6"}, {"title", "Pen"}, {"store_id", "s404"}}})}))
            .type() == ErrorType::kNotFound);
  CHECK(Dump(*db) == seeded);
  CHECK(api::DatabaseAccess::JournalStats(*db).records == records);

  auto done = db->Transaction({create("p9", "Nail", "s1"), remove, create("p9", "Nut", "s2"),
                               CallRequest{"updateProducts", Json::array({{{"id", "p9"}, {"title", "Nuts"}}})}});
  INFO(done.status().ToString());
  REQUIRE(done.ok());
  CHECK(api::DatabaseAccess::JournalStats(*db).records == records + 1);
  const std::string live = Dump(*db);
  db.reset();

  // The last frame holds the transaction's steps in EncodeChangeSet's bytes.
  const auto segments = Segments(dir.path());
  REQUIRE_FALSE(segments.empty());
  const std::string bytes = FileBytes(segments.back().path);
  auto scan = persistence::ScanSegment(bytes, segments.back().path);
  REQUIRE(scan.ok());
  REQUIRE_FALSE(scan->frames.empty());
  persistence::RecordHead head;
  REQUIRE(persistence::SplitRecord(scan->version, scan->frames.back().payload, &head));
  CHECK(head.label.rfind("transaction ", 0) == 0);
  const std::string_view payload = head.change_set;
  const std::string schema_text = SchemaText("seed");
  auto schema = api::SchemaFromText(schema_text);
  REQUIRE(schema.ok());
  std::vector<persistence::PutOrigin> origins;
  auto change_set = persistence::DecodeChangeSet(payload, *schema.value(), &origins);
  REQUIRE(change_set.ok());
  CHECK(change_set->steps.size() >= 4);
  // Each put says how it came about: the two creates, then the update with what it changed.
  REQUIRE(origins.size() == 3);
  CHECK(origins[0].kind == persistence::PutKind::kCreate);
  CHECK(origins[1].kind == persistence::PutKind::kCreate);
  CHECK(origins[2].kind == persistence::PutKind::kUpdate);
  const ModelDef& product = schema.value()->model(schema.value()->FindModel("Product"));
  std::vector<std::string> changed;
  for (uint32_t slot : origins[2].changed) changed.push_back(product.properties[slot].name);
  CHECK(std::find(changed.begin(), changed.end(), "title") != changed.end());
  CHECK(std::find(changed.begin(), changed.end(), "id") == changed.end());

  auto reopened = OpenDir(dir.path());
  CHECK(reopened->open_notice().empty());
  CHECK(Dump(*reopened) == live);
}

TEST_CASE("a failed open leaves no directory behind, and a database that was there untouched", "[persistence]") {
  TempDir dir;
  // No schema to create a database with: the directories it would have made are gone.
  auto none = Database::Open(dir.Sub("a/b/c"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().type() == ErrorType::kInvalidArgument);
  CHECK_FALSE(stdfs::exists(dir.Sub("a")));
  // A schema that does not load.
  const std::string bad = R"({"models": {"User": {"properties": {"id": {"type": "nope"}}}}})";
  CHECK_FALSE(Database::Open(dir.Sub("new"), bad).ok());
  CHECK_FALSE(stdfs::exists(dir.Sub("new")));
  // An empty directory that was there stays, empty.
  stdfs::create_directories(dir.Sub("empty"));
  CHECK_FALSE(Database::Open(dir.Sub("empty"), bad).ok());
  CHECK_FALSE(Database::Open(dir.Sub("empty")).ok());
  REQUIRE(stdfs::is_directory(dir.Sub("empty")));
  CHECK(stdfs::is_empty(dir.Sub("empty")));
  // A database that fails to open (a corrupt journal) keeps every file as it was.
  SeedDatabase(dir);
  const std::string segment = Segments(dir.Sub("orig")).front().path;
  std::string bytes = FileBytes(segment);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
  WriteBytes(segment, bytes);
  auto damaged = TryOpen(dir.Sub("orig"));
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.status().type() == ErrorType::kDatabaseError);
  CHECK(FileBytes(segment) == bytes);
  CHECK(stdfs::exists(dir.Sub("orig/schema.json")));
}
