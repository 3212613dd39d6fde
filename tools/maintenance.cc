// `kin compact`, `kin stats` and `kin restore`.
//
//   $ kin compact --db shop
//   journal:   2 segments, 48211 bytes -> 1 segment, 24 bytes
//   snapshots: 0 files, 0 bytes -> 1 file, 9310 bytes
//   total:     48211 bytes (47.1 KiB) -> 9334 bytes (9.1 KiB)
//
//   $ kin stats --db shop
//   Store      live 2  soft-deleted 0
//   Product    live 3  soft-deleted 1
//   Store.products   4 links
//   memory estimate: 3012 bytes (values 411, link pointers 96, records and indexes 2505)
//   journal: 1 segment, 4533 bytes, last record 12
//   snapshots: 0 files, 0 bytes
//
//   $ kin restore shop/snapshots/snapshot-00000000000000000007.snap --db shop-at-9 --to 9
//   restored shop-at-9 at record 9 (snapshot at 7, 2 journal records replayed)
//
// The memory estimate counts, per record: the Record itself, 56 bytes of container
// node (the cached hash of the primary key, the hashed and ordered index links, a
// bucket), its value slots (sizeof(Value) each) plus the heap bytes of text,
// decimal and json values longer than Value::kInlineText and of array values (the
// list and its strings), its link
// lists (a vector per relation and a pointer per link); per live record and
// secondary index, the key bytes plus 64 bytes of hash entry. Allocator overhead is
// not counted.

#include <cstdio>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/export.h"
#include "core/commit_time.h"
#include "persistence/journal.h"
#include "persistence/snapshot.h"
#include "tools/commands.h"
#include "tools/progress.h"

namespace kin::tools {

namespace {

using OJson = nlohmann::ordered_json;

struct FileUsage {
  uint64_t files = 0, bytes = 0;
  uint64_t newest_seq = 0;  // snapshots: the newest one's position
};

uint64_t FileSize(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

FileUsage JournalUsage(const std::string& db) {
  FileUsage u;
  if (auto segments = persistence::ListSegments(db + "/journal"); segments.ok())
    for (const auto& s : *segments) ++u.files, u.bytes += FileSize(s.path);
  return u;
}

FileUsage SnapshotUsage(const std::string& db) {
  FileUsage u;
  if (auto snapshots = persistence::ListSnapshots(db + "/snapshots"); snapshots.ok()) {
    for (const auto& s : *snapshots) ++u.files, u.bytes += FileSize(s.path);
    if (!snapshots->empty()) u.newest_seq = snapshots->front().seq;
  }
  return u;
}

// ---- memory estimate (see the file comment) ------------------------------------------

constexpr uint64_t kNodeBytes = 56;
constexpr uint64_t kIndexEntryBytes = 64;

uint64_t HeapBytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }
uint64_t HeapBytes(std::string_view text) { return text.size() > Value::kInlineText ? text.size() : 0; }

uint64_t ValueHeapBytes(const Value& v) {
  switch (v.type()) {
    case ValueType::kText: return HeapBytes(v.as_text());
    case ValueType::kDecimal: return HeapBytes(v.as_decimal());
    case ValueType::kJson: return HeapBytes(v.as_json());
    case ValueType::kStringList: {
      uint64_t n = sizeof(StringList) + v.as_list().capacity() * sizeof(std::string);
      for (const auto& s : v.as_list()) n += HeapBytes(s);
      return n;
    }
    default: return 0;
  }
}

struct Memory {
  uint64_t values = 0, links = 0, overhead = 0;
  uint64_t total() const { return values + links + overhead; }
};

void AddRecord(const ModelDef& m, const Record& r, bool live, Memory* mem) {
  // The container node and its RecordPtr; the record's block: its header, values and link lists.
  mem->overhead += sizeof(RecordPtr) + kNodeBytes + sizeof(Record) + r.link_count() * sizeof(LinkList);
  mem->values += r.values().size() * sizeof(Value);
  for (const Value& v : r.values()) mem->values += ValueHeapBytes(v);
  for (size_t i = 0; i < r.link_count(); ++i) mem->links += r.links(i).heap_bytes();
  if (!live) return;
  std::string key;
  for (const auto& index : m.indexes)
    if (Store::IndexKey(index, r, &key)) mem->overhead += key.size() + kIndexEntryBytes;
}

}  // namespace

int RunCompact(const CompactOptions& options) {
  if (!api::HoldsDatabase(options.db)) return Fail("compact", "no database at " + options.db);
  FileUsage journal_before = JournalUsage(options.db), snapshots_before = SnapshotUsage(options.db);
  {
    Options keep_one;  // compacting keeps only the snapshot it writes
    keep_one.keep_snapshots = 1;
    auto db = Database::Open(options.db, keep_one);
    if (!db.ok()) return Fail("compact", db.status());
    if (!(*db)->open_notice().empty()) std::fprintf(stderr, "kin compact: %s", (*db)->open_notice().c_str());
    Status s = (*db)->Snapshot();
    if (!s.ok()) return Fail("compact", s);
  }
  // The segment that dates the snapshot goes too: compacting keeps no history.
  Status removed = persistence::RemoveSegmentsBefore(options.db + "/journal", SnapshotUsage(options.db).newest_seq + 1);
  if (!removed.ok()) return Fail("compact", removed);
  FileUsage journal_after = JournalUsage(options.db), snapshots_after = SnapshotUsage(options.db);
  auto line = [](const char* what, const FileUsage& a, const FileUsage& b, const char* unit) {
    std::printf("%-10s %s, %llu bytes -> %s, %llu bytes\n", what, Plural(a.files, unit).c_str(),
                static_cast<unsigned long long>(a.bytes), Plural(b.files, unit).c_str(),
                static_cast<unsigned long long>(b.bytes));
  };
  line("journal:", journal_before, journal_after, "segment");
  line("snapshots:", snapshots_before, snapshots_after, "file");
  uint64_t before = journal_before.bytes + snapshots_before.bytes, after = journal_after.bytes + snapshots_after.bytes;
  std::printf("%-10s %llu bytes (%s) -> %llu bytes (%s)\n", "total:", static_cast<unsigned long long>(before),
              FormatBytes(before).c_str(), static_cast<unsigned long long>(after), FormatBytes(after).c_str());
  return kExitOk;
}

int RunStats(const StatsOptions& options) {
  Progress progress("stats");
  api::OfflineOptions load;
  load.progress = progress.Fn();
  auto state = api::LoadOffline(options.db, load);
  progress.Erase();
  if (!state.ok()) return Fail("stats", state.status());
  const Store& store = *state->store;
  const Schema& schema = store.schema();
  OJson models = OJson::object(), relations = OJson::object();
  std::vector<uint64_t> links(schema.relations().size());
  Memory mem;
  for (const auto& m : schema.models()) {
    uint64_t live = 0, deleted = 0;
    store.ScanUnordered(m.id, [&](const Record& r) {  // counts and sums only
      bool is_live = store.IsLive(m, r);
      ++(is_live ? live : deleted);
      for (RelationId rid : m.relations) links[rid.value] += r.links(schema.relation(rid).local).size();
      AddRecord(m, r, is_live, &mem);
      return true;
    });
    models[m.name] = {{"live", live}, {"deleted", deleted}};
  }
  for (const auto& rel : schema.relations())
    if (!rel.hidden) relations[schema.model(rel.model).name + "." + rel.name] = links[rel.id.value];
  FileUsage journal = JournalUsage(options.db), snapshots = SnapshotUsage(options.db);
  if (options.json) {
    OJson out = {{"models", models},
                 {"relations", relations},
                 {"memory", {{"values", mem.values}, {"links", mem.links}, {"overhead", mem.overhead},
                             {"total", mem.total()}}},
                 {"journal", {{"segments", journal.files}, {"bytes", journal.bytes}, {"last_seq", state->last_seq}}},
                 {"snapshots", {{"files", snapshots.files}, {"bytes", snapshots.bytes}, {"seq", snapshots.newest_seq}}}};
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  size_t width = 0;
  for (const auto& [name, v] : models.items()) width = std::max(width, name.size());
  for (const auto& [name, v] : relations.items()) width = std::max(width, name.size());
  for (const auto& [name, v] : models.items())
    std::printf("%-*s  live %llu  soft-deleted %llu\n", static_cast<int>(width), name.c_str(),
                v["live"].get<unsigned long long>(), v["deleted"].get<unsigned long long>());
  for (const auto& [name, v] : relations.items())
    std::printf("%-*s  %s\n", static_cast<int>(width), name.c_str(), Plural(v.get<uint64_t>(), "link").c_str());
  std::printf("memory estimate: %llu bytes, %s (values %llu, link pointers %llu, records and indexes %llu)\n",
              static_cast<unsigned long long>(mem.total()), FormatBytes(mem.total()).c_str(),
              static_cast<unsigned long long>(mem.values), static_cast<unsigned long long>(mem.links),
              static_cast<unsigned long long>(mem.overhead));
  std::printf("journal: %s, %llu bytes, last record %llu\n", Plural(journal.files, "segment").c_str(),
              static_cast<unsigned long long>(journal.bytes), static_cast<unsigned long long>(state->last_seq));
  std::printf("snapshots: %s, %llu bytes", Plural(snapshots.files, "file").c_str(),
              static_cast<unsigned long long>(snapshots.bytes));
  if (snapshots.files) std::printf(", newest at record %llu", static_cast<unsigned long long>(snapshots.newest_seq));
  std::printf("\n");
  return kExitOk;
}

int RunRestore(const RestoreOptions& options) {
  if (api::HoldsDatabase(options.db))
    return Fail("restore", options.db + " already holds a database; restore creates a new one");
  std::error_code ec;
  if (options.snapshot.empty() && options.from_db.empty())
    return Fail("restore", "give a snapshot file, or --from-db and a point (--to or --to-time)", kExitUsage);
  if (!options.snapshot.empty() && !std::filesystem::is_regular_file(options.snapshot, ec))
    return Fail("restore", "no snapshot file " + options.snapshot, kExitUsage);
  std::optional<int64_t> to_time;
  if (!options.to_time.empty()) {
    to_time = ParseCommitTime(options.to_time);
    if (!to_time)
      return Fail("restore", "--to-time " + options.to_time + " is not a time like 2026-12-06T18:40:01.123456Z",
                  kExitUsage);
  }
  std::string source = options.from_db;
  if (source.empty()) {
    // DIR/snapshots/snapshot-N.snap: the database is the snapshot's parent's parent.
    source = std::filesystem::absolute(options.snapshot, ec).parent_path().parent_path().string();
  }
  Progress progress("restore");
  api::OfflineOptions load;
  load.snapshot = options.snapshot;
  load.to_seq = options.to;
  if (to_time) load.to_time_us = *to_time;
  load.progress = progress.Fn();
  auto state = api::LoadOffline(source, load);
  progress.Erase();
  if (!state.ok()) return Fail("restore", state.status());
  Status s = api::WriteNewDatabase(options.db, *state->store, state->last_seq);
  if (!s.ok()) return Fail("restore", s);
  const std::string committed =
      state->last_time_us != 0 ? ", committed " + FormatCommitTime(state->last_time_us) : std::string();
  std::printf("restored %s at record %llu%s (snapshot at %llu, %s replayed from %s)\n", options.db.c_str(),
              static_cast<unsigned long long>(state->last_seq), committed.c_str(),
              static_cast<unsigned long long>(state->snapshot_seq), Plural(state->replayed, "journal record").c_str(),
              source.c_str());
  return kExitOk;
}

int RunBackup(const BackupOptions& options) {
  if (!api::HoldsDatabase(options.db)) return Fail("backup", "no database at " + options.db);
  Progress progress("backup");
  api::OfflineOptions load;
  load.progress = progress.Fn();
  auto state = api::LoadOffline(options.db, load);  // up to the last whole record, while others write
  progress.Erase();
  if (!state.ok()) return Fail("backup", state.status());
  Status s = api::WriteNewDatabase(options.out, *state->store, state->last_seq);
  if (!s.ok()) return Fail("backup", s);
  std::printf("backed up %s to %s at record %llu\n", options.db.c_str(), options.out.c_str(),
              static_cast<unsigned long long>(state->last_seq));
  return kExitOk;
}

}  // namespace kin::tools
