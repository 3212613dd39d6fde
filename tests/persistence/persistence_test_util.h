#pragma once
// Helpers for the persistence tests: temporary database directories, byte-level
// attacks on files (flip, cut), a deterministic workload on the seed schema whose
// every step writes exactly one journal record, and one-line opens.

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "api/database_access.h"
#include "api/schema_json.h"
#include "kin/kin.h"
#include "kin/json.h"
#include "persistence/journal_format.h"
#include "persistence/journal_reader.h"
#include "persistence/recovery.h"
#include "persistence/snapshot.h"
#include "tests/api/test_util.h"

namespace kin::testing {

namespace stdfs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (stdfs::temp_directory_path() / "kin-persist-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ---- bytes of files --------------------------------------------------------------

inline std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// XORs the byte at `offset` with `mask` (nonzero, so the byte changes).
inline void FlipByte(const std::string& path, uint64_t offset, uint8_t mask = 0x01) {
  std::string bytes = FileBytes(path);
  REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(static_cast<uint8_t>(bytes[offset]) ^ mask);
  WriteBytes(path, bytes);
}

inline void CutFile(const std::string& path, uint64_t size) { REQUIRE(::truncate(path.c_str(), static_cast<off_t>(size)) == 0); }

// Replaces `to` with a copy of directory `from`.
inline void CopyDir(const std::string& from, const std::string& to) {
  stdfs::remove_all(to);
  stdfs::copy(from, to, stdfs::copy_options::recursive);
}

// ---- journal and snapshot files of a database directory ----------------------------

inline std::vector<persistence::SegmentFile> Segments(const std::string& db_dir) {
  auto segments = persistence::ListSegments(db_dir + "/journal");
  REQUIRE(segments.ok());
  return segments.value();
}

inline std::vector<persistence::SnapshotFile> Snapshots(const std::string& db_dir) {
  auto snapshots = persistence::ListSnapshots(db_dir + "/snapshots");
  REQUIRE(snapshots.ok());
  return snapshots.value();
}

// Where each good frame of a segment file starts and ends.
struct FrameSpan {
  uint64_t seq, begin, end;
};
inline std::vector<FrameSpan> FrameSpans(const std::string& segment_path) {
  const std::string bytes = FileBytes(segment_path);
  auto scan = persistence::ScanSegment(bytes, segment_path);
  REQUIRE(scan.ok());
  std::vector<FrameSpan> out;
  for (const auto& f : scan->frames)
    out.push_back({f.seq, f.offset, f.offset + persistence::kFrameHeaderSize + f.payload.size()});
  return out;
}

// Recovery options that parse stored schemas as a database does.
inline persistence::RecoveryOptions ParsingRecovery() {
  persistence::RecoveryOptions options;
  options.parse_schema = api::SchemaFromText;
  return options;
}

inline std::string FileName(const std::string& path) { return stdfs::path(path).filename().string(); }

// ---- opening ----------------------------------------------------------------------

// `fs`: the file system the database uses (null: the real one).
inline Result<std::unique_ptr<Database>> TryOpen(const std::string& dir, const Options& options = {},
                                                 const std::string& schema = "seed",
                                                 persistence::FileSystem* fs = nullptr) {
  const std::string text = SchemaText(schema);
  return api::DatabaseAccess::Open(dir, &text, options, fs ? *fs : persistence::FileSystem::Posix());
}

// Opens (or creates) a database directory with a fixture schema; the open must succeed.
inline std::unique_ptr<Database> OpenDir(const std::string& dir, const Options& options = {},
                                         const std::string& schema = "seed", persistence::FileSystem* fs = nullptr) {
  auto db = TryOpen(dir, options, schema, fs);
  INFO("open " << dir << " -> " << db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

// ---- the workload -----------------------------------------------------------------

// One step of the seed workload: a call, or a transaction when `transaction` is set.
struct SeedStep {
  std::string method;
  Json args;
  std::vector<CallRequest> transaction;
};

// Twenty steps on the seed schema that touch every relation kind and every write
// method; each succeeds and writes exactly one journal record.
inline std::vector<SeedStep> SeedSteps() {
  auto call = [](std::string m, Json args) { return SeedStep{std::move(m), std::move(args), {}}; };
  return {
      call("createStores", Json::array({{{"id", "s1"}, {"name", "Main"}}})),
      call("createStores", Json::array({Json::array({{{"id", "s2"}, {"name", "Second"}}, {{"id", "s3"}, {"name", "Third"}}})})),
      call("createProducts", Json::array({{{"id", "p1"}, {"title", "Shirt"}, {"store_id", "s1"}}})),
      call("createProducts", Json::array({Json::array({{{"id", "p2"}, {"title", "Mug"}, {"store_id", "s1"}},
                                                       {{"id", "p3"}, {"title", "Cap"}, {"store_id", "s2"}}})})),
      call("createUsers", Json::array({{{"id", "u1"}, {"name", "Ada"}}})),
      call("createEmails", Json::array({{{"id", "e1"}, {"address", "ada@example.com"}, {"user_id", "u1"}}})),
      call("createOrders", Json::array({{{"id", "o1"}, {"reference", "#1"}, {"products", {"p1", "p2"}}}})),
      call("createOrders", Json::array({{{"id", "o2"}, {"reference", "#2"}, {"products", {"p2", "p3"}}}})),
      call("updateProducts", Json::array({{{"id", "p3"}, {"store_id", "s1"}}})),
      call("updateOrders", Json::array({{{"id", "o1"}, {"products", {"p3"}}}})),
      SeedStep{"", nullptr,
               {{"createStores", Json::array({{{"id", "s4"}, {"name", "Fourth"}}})},
                {"createProducts", Json::array({{{"id", "p4"}, {"title", "Poster"}, {"store_id", "s4"}}})}}},
      call("createUsers", Json::array({{{"id", "u2"}, {"name", "Alan"}, {"email", "e1"}}})),
      call("softDeleteStores", Json::array({"s2"})),
      call("restoreStores", Json::array({"s2"})),
      call("updateUsers", Json::array({{{"id", "u1"}, {"name", "Ada L."}}})),
      call("updateOrders", Json::array({{{"id", "o2"}, {"products", {{"$add", {"p4"}}}}}})),
      call("deleteOrders", Json::array({"o1"})),
      call("createEmails", Json::array({{{"id", "e2"}, {"address", std::string(300, 'x') + "@example.com"}}})),
      call("updateProducts", Json::array({{{"selector", {{"store_id", "s1"}}}, {"data", {{"title", "Sale"}}}}})),
      call("deleteProducts", Json::array({"p2"})),
  };
}

inline void RunStep(Database& db, const SeedStep& step) {
  if (step.transaction.empty()) {
    Ok(db, step.method, step.args);
    return;
  }
  auto r = db.Transaction(step.transaction);
  INFO("transaction -> " << r.status().ToString());
  REQUIRE(r.ok());
}

// Creates a database in `dir` and runs the first `n` seed steps (all by default),
// returning the dump before any step and after each: dumps[k] is the state after k
// steps, which is also the state after k journal records.
inline std::vector<std::string> BuildSeedDatabase(const std::string& dir, const Options& options = {}, size_t n = 20) {
  auto db = OpenDir(dir, options);
  std::vector<std::string> dumps{Dump(*db)};
  const auto steps = SeedSteps();
  REQUIRE(n <= steps.size());
  for (size_t i = 0; i < n; ++i) {
    RunStep(*db, steps[i]);
    REQUIRE(api::DatabaseAccess::JournalStats(*db).records == i + 1);  // one record per step
    dumps.push_back(Dump(*db));
  }
  return dumps;
}

// A schema with every property type and every relation kind (values of each type go
// through the journal and the snapshot).
inline std::string AllTypesSchemaText() {
  return R"({
  "models": {
    "Thing": { "properties": {
      "id": { "type": "id", "prefix": "thg", "primaryKey": true },
      "label": { "type": "text", "searchable": true },
      "count": { "type": "number", "nullable": true },
      "ratio": { "type": "float", "nullable": true },
      "price": { "type": "bigNumber", "nullable": true },
      "active": { "type": "boolean", "default": true },
      "seen_at": { "type": "dateTime", "nullable": true },
      "metadata": { "type": "json", "nullable": true },
      "status": { "type": "enum", "values": ["new", "old"], "default": "new" },
      "tags": { "type": "array", "nullable": true },
      "serial": { "type": "autoincrement" },
      "parts": { "type": "hasMany", "model": "Part", "mappedBy": "thing" },
      "peers": { "type": "manyToMany", "model": "Peer", "mappedBy": "things" } } },
    "Part": { "properties": {
      "id": { "type": "id", "primaryKey": true },
      "thing": { "type": "belongsTo", "model": "Thing", "mappedBy": "parts", "nullable": true } } },
    "Peer": { "properties": {
      "id": { "type": "id", "primaryKey": true },
      "things": { "type": "manyToMany", "model": "Thing", "mappedBy": "peers" } } }
  }
})";
}

}  // namespace kin::testing
