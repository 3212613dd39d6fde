// The history a database keeps (FORMAT.md "Journal segment", version 2, and
// "Snapshot"): every journal record carries its commit time and the method or
// transaction that made it; snapshots keep the newest Options::keep_snapshots and the
// journal since the oldest; SeqAtTime finds a point in time; Database::Backup copies
// a database in use; the golden databases of every format version still open.

#include <algorithm>
#include <atomic>
#include <thread>

#include "api/schema_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/journal_format.h"
#include "persistence/journal_reader.h"
#include "persistence/recovery.h"
#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;

struct Stamp {
  uint64_t seq;
  int64_t time_us;
  std::string label;
};

std::vector<Stamp> Stamps(const std::string& db_dir) {
  std::vector<Stamp> out;
  persistence::ReplayOptions read_only;
  read_only.truncate_tail = false;
  auto report = persistence::ReplayRecords(db_dir + "/journal", 0, read_only, [&](const persistence::JournalRecord& r) {
    out.push_back({r.seq, r.time_us, std::string(r.label)});
    return Status::Ok();
  });
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return out;
}

// A journal directory of `dir` holding one segment from `first` with records
// committed at `times`.
void WriteTimedJournal(const std::string& dir, uint64_t first, const std::vector<int64_t>& times) {
  stdfs::create_directories(dir + "/journal");
  std::string bytes = persistence::SegmentHeader(first);
  for (size_t i = 0; i < times.size(); ++i)
    bytes += persistence::EncodeFrame(first + i, persistence::EncodeRecord(times[i], "createStores", ""));
  WriteBytes(dir + "/journal/" + persistence::SegmentFileName(first), bytes);
}

std::shared_ptr<const Schema> SeedSchema() {
  auto schema = api::SchemaFromText(SchemaText("seed"));
  REQUIRE(schema.ok());
  return schema.value();
}

}  // namespace

TEST_CASE("every journal record names the method or transaction that made it, and commit times never go back",
          "[persistence][history]") {
  TempDir dir;
  const auto before = std::chrono::system_clock::now();
  {
    auto db = OpenDir(dir.path());
    Ok(*db, "createStores", Json::array({{{"id", "s1"}}}));
    Ok(*db, "listStores", Json::array());  // a read writes no record
    REQUIRE(db->Transaction({CallRequest("createStores", Json::array({{{"id", "s2"}}})),
                             CallRequest("updateStores", Json::array({{{"id", "s1"}, {"name", "Main"}}}))})
                .ok());
    auto stores = db->Model("Store");
    REQUIRE(stores.ok());
    REQUIRE(stores->Create({{"id", "s3"}}).ok());
    REQUIRE(stores->Insert({{"id", Value::Text("s4")}}).ok());
    REQUIRE(db->Call("deleteStores", Json::array({"s4"})).ok());
    CHECK_FALSE(db->Call("deleteStores", Json::array({Json::object({{"nope", 1}})})).ok());  // a failed call: no record
  }
  const auto after = std::chrono::system_clock::now();
  const auto stamps = Stamps(dir.path());
  std::vector<std::string> labels;
  for (const auto& s : stamps) labels.push_back(s.label);
  CHECK(labels == std::vector<std::string>{"createStores", "transaction createStores,updateStores", "createStores",
                                           "createStores", "deleteStores"});
  auto micros = [](auto t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  };
  for (size_t i = 0; i < stamps.size(); ++i) {
    INFO("record " << stamps[i].seq);
    CHECK(stamps[i].time_us >= micros(before));
    CHECK(stamps[i].time_us <= micros(after));
    if (i > 0) CHECK(stamps[i].time_us >= stamps[i - 1].time_us);
  }
}

TEST_CASE("a transaction's label names its calls and is cut at 255 bytes", "[persistence][history]") {
  TempDir dir;
  {
    auto db = OpenDir(dir.path());
    std::vector<CallRequest> calls;
    for (int i = 0; i < 40; ++i)
      calls.emplace_back("createStores", Json::array({{{"id", "s" + std::to_string(i)}}}));
    REQUIRE(db->Transaction(calls).ok());
  }
  const auto stamps = Stamps(dir.path());
  REQUIRE(stamps.size() == 1);
  CHECK(stamps[0].label.size() == persistence::kMaxLabel);
  CHECK(stamps[0].label.rfind("transaction createStores,createStores,", 0) == 0);
}

TEST_CASE("commit times stay in order across a reopen even when the clock is behind the journal",
          "[persistence][history]") {
  TempDir dir;
  // A journal whose last record is dated far in the future (a clock that was ahead).
  const int64_t future = int64_t{4102444800} * 1000000;  // 2100-01-01
  {
    auto db = OpenDir(dir.path());
    Ok(*db, "createStores", Json::array({{{"id", "s1"}}}));
  }
  // Move record 1 to the future, then write another record with the real clock.
  const std::string segment = Segments(dir.path()).front().path;
  std::string bytes = FileBytes(segment);
  const auto spans = FrameSpans(segment);
  REQUIRE(spans.size() == 1);
  const uint64_t payload_at = spans[0].begin + persistence::kFrameHeaderSize;
  persistence::StoreRecordTime(bytes.data() + payload_at, future);
  persistence::SealFrame(1, bytes.data() + spans[0].begin, spans[0].end - payload_at);
  WriteBytes(segment, bytes);
  {
    auto db = OpenDir(dir.path());
    Ok(*db, "createStores", Json::array({{{"id", "s2"}}}));
  }
  const auto stamps = Stamps(dir.path());
  REQUIRE(stamps.size() == 2);
  CHECK(stamps[0].time_us == future);
  CHECK(stamps[1].time_us == future);
}

TEST_CASE("snapshots keep the newest keep_snapshots and the journal from the oldest of them",
          "[persistence][history]") {
  TempDir dir;
  Options options;
  options.segment_bytes = 600;
  const uint32_t keep = GENERATE(1u, 2u, 3u);
  INFO("keep " << keep);
  options.keep_snapshots = keep;
  auto db = OpenDir(dir.path(), options);
  const auto steps = SeedSteps();
  std::vector<uint64_t> taken;
  size_t next = 0;
  for (size_t round = 0; round < 4; ++round) {
    for (size_t i = 0; i < 5 && next < steps.size(); ++i) RunStep(*db, steps[next++]);
    REQUIRE(db->Snapshot().ok());
    taken.push_back(next);  // each step is one record
  }
  std::vector<uint64_t> kept;
  for (const auto& s : Snapshots(dir.path())) kept.push_back(s.seq);
  std::sort(kept.begin(), kept.end());
  CHECK(kept == std::vector<uint64_t>(taken.end() - keep, taken.end()));
  // The journal starts with the segment that holds the oldest kept snapshot's last
  // record (its commit time dates the snapshot); none wholly before it is left.
  const auto segments = Segments(dir.path());
  CHECK(segments.front().first_seq <= kept.front());
  if (segments.size() > 1) CHECK(segments[1].first_seq > kept.front());
  // Each kept snapshot is a point a restore can start from.
  for (uint64_t seq : kept) {
    persistence::RecoveryOptions to = ParsingRecovery();
    to.to_seq = seq;
    auto state = persistence::ReadDatabase(dir.path(), to);
    INFO(state.status().ToString());
    REQUIRE(state.ok());
    CHECK(state->report.snapshot_seq == seq);
  }
  const std::string live = Dump(*db);
  db.reset();
  CHECK(Dump(*OpenDir(dir.path(), options)) == live);
}

TEST_CASE("keep_snapshots of 0 is refused and creates nothing", "[persistence][history]") {
  TempDir dir;
  Options none;
  none.keep_snapshots = 0;
  auto db = TryOpen(dir.Sub("db"), none);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().type() == ErrorType::kInvalidArgument);
  CHECK_THAT(db.status().message(), Catch::Matchers::Contains("keep_snapshots must be at least 1"));
  CHECK_FALSE(stdfs::exists(dir.Sub("db")));
}

TEST_CASE("SeqAtTime finds the last record committed at or before a time", "[persistence][history]") {
  TempDir dir;
  WriteTimedJournal(dir.path(), 1, {100, 200, 200, 300});
  auto at = [&](int64_t t) { return persistence::SeqAtTime(dir.path(), t); };
  CHECK(*at(99) == 0);  // before the first call: the empty database
  CHECK(*at(100) == 1);
  CHECK(*at(199) == 1);
  CHECK(*at(200) == 3);
  CHECK(*at(300) == 4);
  CHECK(*at(INT64_MAX - 1) == 4);

  // A journal that was dropped before record 5 cannot tell what was before it.
  TempDir later;
  WriteTimedJournal(later.path(), 5, {500, 600});
  auto before = persistence::SeqAtTime(later.path(), 499);
  REQUIRE_FALSE(before.ok());
  CHECK(before.status().type() == ErrorType::kInvalidArgument);
  CHECK_THAT(before.status().message(), Catch::Matchers::Contains("before record 5, the oldest kept"));
  CHECK(*persistence::SeqAtTime(later.path(), 550) == 5);
}

TEST_CASE("a record of journal format 2 too short for its time and label is corruption", "[persistence][history]") {
  TempDir dir;
  stdfs::create_directories(dir.Sub("journal"));
  std::string bytes = persistence::SegmentHeader(1);
  bytes += persistence::EncodeFrame(1, persistence::EncodeRecord(1, "createStores", ""));
  bytes += persistence::EncodeFrame(2, std::string("short", 5));
  bytes += persistence::EncodeFrame(3, persistence::EncodeRecord(3, "createStores", ""));
  WriteBytes(dir.Sub("journal/") + persistence::SegmentFileName(1), bytes);
  auto report = persistence::ReplayRecords(dir.Sub("journal"), 0, persistence::ReplayOptions{},
                                           [](const persistence::JournalRecord&) { return Status::Ok(); });
  REQUIRE_FALSE(report.ok());
  CHECK(report.status().type() == ErrorType::kDatabaseError);
  CHECK_THAT(report.status().message(), Catch::Matchers::Contains("record 2 is too short for its time and label"));
}

TEST_CASE("a record's head splits into time, label and change set; format 1 has only the change set",
          "[persistence][history]") {
  const std::string record = persistence::EncodeRecord(1733500000123456, "createStores", "CHANGES");
  persistence::RecordHead head;
  REQUIRE(persistence::SplitRecord(2, record, &head));
  CHECK(head.time_us == 1733500000123456);
  CHECK(head.label == "createStores");
  CHECK(head.change_set == "CHANGES");
  REQUIRE(persistence::SplitRecord(1, record, &head));
  CHECK(head.time_us == 0);
  CHECK(head.label.empty());
  CHECK(head.change_set == record);
  const std::string long_label = persistence::EncodeRecord(-5, std::string(300, 'x'), "");
  REQUIRE(persistence::SplitRecord(2, long_label, &head));
  CHECK(head.time_us == -5);
  CHECK(head.label == std::string(persistence::kMaxLabel, 'x'));
  for (size_t n = 0; n < 9 + std::string("createStores").size(); ++n) {
    INFO("cut at " << n);
    CHECK_FALSE(persistence::SplitRecord(2, record.substr(0, n), &head));
  }
}

TEST_CASE("Backup copies a consistent state while writers go on, and refuses a directory in use",
          "[persistence][history]") {
  TempDir dir;
  Options options;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A child forked while the writer thread allocates can hang in the sanitizer's
  // allocator: the image is encoded in this process instead.
  options.snapshot_in_child = false;
#endif
  auto db = OpenDir(dir.Sub("db"), options);
  Ok(*db, "createStores", Json::array({{{"id", "s0"}}}));
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<bool> failed{false};  // (Catch2 assertions are for the test's thread)
  std::thread writer([&] {
    for (int i = 0; !stop && !failed; ++i) {
      if (!db->Call("createStores", Json::array({{{"id", "w" + std::to_string(100000 + i)}}})).ok()) failed = true;
      written = i + 1;
    }
  });
  // Copies taken while the writer runs each hold a prefix of its calls.
  for (int round = 0; round < 3; ++round) {
    while (written < 50 * (round + 1) && !failed) std::this_thread::yield();
    const std::string out = dir.Sub("backup" + std::to_string(round));
    Status s = db->Backup(out);
    INFO(s.ToString());
    REQUIRE(s.ok());
    auto copy = OpenDir(out);
    auto ids = copy->Call("listStores", Json::array({nullptr, {{"select", {"id"}}, {"order", {{"id", "ASC"}}}}}));
    REQUIRE(ids.ok());
    REQUIRE(ids->size() >= 1);
    CHECK((*ids)[0]["id"] == "s0");
    for (size_t i = 1; i < ids->size(); ++i) CHECK((*ids)[i]["id"] == "w" + std::to_string(100000 + i - 1));
  }
  stop = true;
  writer.join();
  REQUIRE_FALSE(failed);
  // After the writes, a backup equals the database.
  REQUIRE(db->Backup(dir.Sub("final")).ok());
  CHECK(Dump(*OpenDir(dir.Sub("final"))) == Dump(*db));
  // A directory that holds anything is refused, and left as it was.
  Status again = db->Backup(dir.Sub("final"));
  CHECK(again.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(again.message(), Catch::Matchers::Contains("already holds a database"));
  stdfs::create_directories(dir.Sub("other"));
  WriteBytes(dir.Sub("other/notes.txt"), "mine");
  CHECK(db->Backup(dir.Sub("other")).type() == ErrorType::kInvalidArgument);
  CHECK(FileBytes(dir.Sub("other/notes.txt")) == "mine");
  // A database in memory has nothing to back up.
  auto memory = Database::OpenInMemory(SeedSchema());
  REQUIRE(memory.ok());
  CHECK((*memory)->Backup(dir.Sub("mem")).type() == ErrorType::kInvalidArgument);
  CHECK_FALSE(stdfs::exists(dir.Sub("mem")));
}

TEST_CASE("the golden databases of every format version open with their exact content", "[persistence]") {
  // v1: snapshot format 1; v2: snapshot format 2; v3: journal format 2; v4: journal format 3
  // (the same requests).
  const std::string version = GENERATE(as<std::string>(), "v1", "v2", "v3", "v4");
  INFO("golden " << version);
  std::string golden = KIN_SOURCE_DIR;
  golden += "/tests/data/golden/" + version;
  TempDir dir;
  CopyDir(golden + "/db", dir.Sub("db"));
  // The files themselves: one snapshot at record 6, one segment holding records 7 to 14.
  auto header = persistence::ReadSnapshotHeader(dir.Sub("db") + "/snapshots/" + persistence::SnapshotFileName(6));
  INFO(header.status().ToString());
  REQUIRE(header.ok());
  CHECK(header->schema_json == FileBytes(golden + "/db/schema.json"));
  const auto spans = FrameSpans(dir.Sub("db") + "/journal/" + persistence::SegmentFileName(7));
  REQUIRE(spans.size() == 8);
  CHECK(spans.back().seq == 14);

  auto db = Database::Open(dir.Sub("db"));
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  CHECK(db.value()->open_notice().empty());
  // Key order is not part of the format: compare as unordered JSON objects.
  const nlohmann::json expected = nlohmann::json::parse(FileBytes(golden + "/expected.json"));
  CHECK(nlohmann::json::parse(Dump(**db)) == expected);
  // From v3 on records carry their methods and commit times; older ones have neither.
  std::vector<std::string> labels;
  std::vector<int64_t> times;
  std::vector<std::vector<persistence::PutOrigin>> origins;  // each record's puts
  persistence::ReplayOptions read_only;  // the database is open: nothing may be cut under it
  read_only.truncate_tail = false;
  REQUIRE(persistence::ReplayRecords(dir.Sub("db") + "/journal", 6, read_only,
                                     [&](const persistence::JournalRecord& r) {
                                       labels.emplace_back(r.label);
                                       times.push_back(r.time_us);
                                       origins.emplace_back();
                                       return persistence::DecodeChangeSet(r.change_set, db.value()->schema(),
                                                                           &origins.back())
                                           .status();
                                     })
              .ok());
  // v4's puts say whether they created or updated, and what an update changed.
  REQUIRE(origins.size() == 8);
  REQUIRE(origins.front().size() == 1);
  REQUIRE(origins.back().size() == 1);
  if (version == "v4") {
    CHECK(origins.front()[0].kind == persistence::PutKind::kUpdate);
    const ModelDef& thing = db.value()->schema().model(db.value()->schema().FindModel("Thing"));
    std::vector<std::string> changed;
    for (uint32_t slot : origins.front()[0].changed) changed.push_back(thing.properties[slot].name);
    CHECK(changed == std::vector<std::string>{"metadata", "tags", "updated_at"});
    CHECK(origins.back()[0].kind == persistence::PutKind::kCreate);
  } else {
    CHECK(origins.front()[0].kind == persistence::PutKind::kUnknown);
  }
  if (version != "v1" && version != "v2") {
    CHECK(labels == std::vector<std::string>{"updateThings", "updatePeers", "createPeers", "updateParts",
                                             "softDeleteThings", "deleteThings", "transaction createUsers,updateUsers",
                                             "createThings"});
    CHECK(std::is_sorted(times.begin(), times.end()));
    CHECK(times.front() > 0);
  } else {
    CHECK(labels == std::vector<std::string>(8));
    CHECK(times == std::vector<int64_t>(8));
  }
  // It goes on taking records, and recovers them with the old ones.
  Ok(**db, "createThings", Json::array({{{"id", "t5"}, {"label", "fifth"}}}));
  CHECK(Ok(**db, "retrieveThing", Json::array({"t5"}))["serial"] == 5);
  // An older segment is left as it is: the new record starts a segment of the current format.
  const std::string newest = Segments(dir.Sub("db")).back().path;
  CHECK(FileBytes(newest)[8] == static_cast<char>(persistence::kSegmentVersion));
  CHECK(FrameSpans(dir.Sub("db") + "/journal/" + persistence::SegmentFileName(7)).size() == 8);
  const std::string live = Dump(**db);
  db.value().reset();
  auto again = Database::Open(dir.Sub("db"));
  REQUIRE(again.ok());
  CHECK(Dump(**again) == live);
}

