#include "persistence/recovery.h"

#include <algorithm>
#include <utility>

#include "core/commit_time.h"
#include "core/store_migration.h"
#include "persistence/change_set_codec.h"
#include "persistence/journal_end.h"
#include "persistence/journal_reader.h"
#include "persistence/schema_history.h"
#include "persistence/snapshot.h"

namespace kin::persistence {

namespace {

// The most reads a read-only recovery makes while the files keep changing under it.
constexpr int kMaxReads = 20;

FileSystem& FsOf(const RecoveryOptions& options) {
  return options.file_system ? *options.file_system : FileSystem::Posix();
}

// The schema `text` (of `where`, for an error).
Result<std::shared_ptr<const Schema>> SchemaOf(const std::string& text, const RecoveryOptions& options,
                                               const std::string& where) {
  if (!options.parse_schema) return Status::DatabaseError("recovery needs a schema parser");
  auto schema = options.parse_schema(text);
  if (!schema.ok()) return Status::DatabaseError("The schema of " + where + " is invalid: " + schema.status().message());
  return schema;
}

// A new, empty store of the schema `text`.
Result<std::unique_ptr<Store>> StoreOf(const std::string& text, const RecoveryOptions& options,
                                       const std::string& where) {
  KIN_ASSIGN_OR_RETURN(std::shared_ptr<const Schema> schema, SchemaOf(text, options, where));
  return std::make_unique<Store>(std::move(schema));
}

// A schema change record: the store carried over into the new schema, or taking it
// in place when it keeps the store's layout. When the
// recovery may write (`truncate`), the record's schema version is written if a
// crash came before it was.
Status ReplaySchemaChange(const std::string& dir, const JournalRecord& record, const SchemaChange& change,
                          const RecoveryOptions& options, bool truncate, RecoveredState& state) {
  KIN_ASSIGN_OR_RETURN(std::shared_ptr<const Schema> schema,
                       SchemaOf(change.schema_json, options, "record " + std::to_string(record.seq)));
  if (auto kept = schema->KeepingLayoutOf(state.store->schema())) {
    KIN_RETURN_IF_ERROR(state.store->AdoptSchema(std::move(kept)));  // in place, as when it was applied
  } else {
    KIN_ASSIGN_OR_RETURN(state.store, MigrateStore(*state.store, std::move(schema)));
  }
  state.schema_json = change.schema_json;
  if (!truncate) return Status::Ok();
  FileSystem& fs = FsOf(options);
  KIN_ASSIGN_OR_RETURN(auto versions, ListSchemaVersions(dir, fs));
  for (const auto& v : versions)
    if (v.seq == record.seq) return Status::Ok();
  return WriteSchemaVersion(dir, record.seq, change.schema_json, fs);
}

// One pass: snapshot, then journal, into a new store of the schema in force where
// it starts. `truncate`: cut a torn tail on disk (open).
Result<RecoveredState> RecoverOnce(const std::string& dir, const RecoveryOptions& options, bool truncate) {
  FileSystem& fs = FsOf(options);
  RecoveredState state;
  RecoveryReport& out = state.report;
  if (!truncate) {
    // A journal that lost its newest segments, or its directory, is only shorter:
    // the record of where it ends tells. (Open checks it itself, as repair may go on.)
    const std::string journal_dir = dir + "/journal";
    KIN_ASSIGN_OR_RETURN(auto segments, ListSegments(journal_dir, fs));
    Status whole = CheckJournalEnd(JournalEndPath(journal_dir), journal_dir, segments, fs);
    if (!whole.ok() && !options.keep_partial) return whole;
    out.problem = whole;
  }
  uint64_t to_seq = options.to_seq;
  if (options.to_time_us != INT64_MAX) {
    KIN_ASSIGN_OR_RETURN(uint64_t at_time, SeqAtTime(dir, options.to_time_us, fs));
    to_seq = std::min(to_seq, at_time);
  }
  std::string snapshot = options.snapshot;
  uint64_t listed_seq = 0;  // the position of a snapshot of the folder, by its name
  if (snapshot.empty()) {
    KIN_ASSIGN_OR_RETURN(auto snapshots, ListSnapshots(dir + "/snapshots", fs));
    // Newest first; a bad newest snapshot is not skipped silently.
    for (const auto& s : snapshots) {
      if (s.seq <= to_seq) {
        snapshot = s.path;
        listed_seq = s.seq;
        break;
      }
    }
    if (snapshot.empty() && !snapshots.empty()) {
      KIN_ASSIGN_OR_RETURN(auto segments, ListSegments(dir + "/journal", fs));
      if (segments.empty() || segments.front().first_seq > 1)
        return Status::InvalidArgument("No snapshot of " + dir + " is at or before record " + std::to_string(to_seq) +
                                       " (the oldest kept is at " + std::to_string(snapshots.back().seq) +
                                       ") and the journal before it was dropped");
    }
  }
  if (!snapshot.empty()) {
    // A snapshot of the database's own folder is of the schema in force at its
    // position; one given by path says which in its header.
    std::string text;
    if (options.snapshot.empty()) {
      KIN_ASSIGN_OR_RETURN(text, SchemaTextAt(dir, listed_seq, fs));
    } else {
      KIN_ASSIGN_OR_RETURN(LoadedSnapshot header, ReadSnapshotHeader(snapshot, fs));
      text = std::move(header.schema_json);
    }
    KIN_ASSIGN_OR_RETURN(state.store, StoreOf(text, options, snapshot));
    KIN_ASSIGN_OR_RETURN(LoadedSnapshot loaded, LoadSnapshot(snapshot, *state.store, fs));
    if (loaded.schema_json != text)
      return Status::DatabaseError("The snapshot " + snapshot + " holds another schema than the one in force at record " +
                                   std::to_string(loaded.seq));
    state.schema_json = std::move(text);
    out.snapshot_path = snapshot;
    out.snapshot_seq = loaded.seq;
  } else {
    KIN_ASSIGN_OR_RETURN(state.schema_json, SchemaTextAt(dir, 0, fs));
    KIN_ASSIGN_OR_RETURN(state.store, StoreOf(state.schema_json, options, dir + " at its creation"));
  }
  if (to_seq < out.snapshot_seq)
    return Status::InvalidArgument("The snapshot " + snapshot + " already holds every record up to " +
                                   std::to_string(out.snapshot_seq) + ", past " + std::to_string(to_seq));
  out.last_seq = out.snapshot_seq;
  bool stopped = false;  // the replay was stopped at options.to_seq on purpose
  ReplayOptions replay;
  replay.repair = truncate && options.repair;
  replay.truncate_tail = truncate;
  auto report = ReplayRecords(
      dir + "/journal", out.snapshot_seq, replay,
      [&](const JournalRecord& record) -> Status {
        if (record.seq > to_seq) {
          stopped = true;
          return Status::DatabaseError("stopped");
        }
        KIN_ASSIGN_OR_RETURN(std::optional<SchemaChange> change, DecodeSchemaChange(record.change_set));
        if (change) {
          KIN_RETURN_IF_ERROR(ReplaySchemaChange(dir, record, *change, options, truncate, state));
        } else {
          KIN_ASSIGN_OR_RETURN(ChangeSet cs, DecodeChangeSet(record.change_set, state.store->schema()));
          KIN_RETURN_IF_ERROR(state.store->Apply(cs));
        }
        out.last_seq = record.seq;
        out.last_time_us = record.time_us;
        ++out.replayed;
        if (options.progress) options.progress(out.replayed);
        return Status::Ok();
      },
      fs);
  if (!report.ok() && !stopped) {
    if (truncate || !options.keep_partial) return report.status();
    if (out.problem.ok()) out.problem = report.status();
  }
  if (report.ok()) {
    out.notice = report->notice;
    out.tail_segment = report->tail_segment;
    out.tail_version = report->tail_version;
  }
  if (to_seq != UINT64_MAX && out.last_seq < to_seq)
    return Status::InvalidArgument("The journal of " + dir + " ends at record " + std::to_string(out.last_seq) +
                                   ": there is no record " + std::to_string(to_seq));
  return state;
}

}  // namespace

Result<uint64_t> SeqAtTime(const std::string& dir, int64_t time_us, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(auto segments, ListSegments(dir + "/journal", fs));
  const uint64_t after = segments.empty() ? 0 : segments.front().first_seq - 1;
  uint64_t first = 0, target = 0;
  int64_t first_time = 0;
  bool past = false;  // a record after time_us was reached (the replay stops there)
  ReplayOptions read_only;
  read_only.truncate_tail = false;
  auto report = ReplayRecords(
      dir + "/journal", after, read_only,
      [&](const JournalRecord& record) -> Status {
        if (first == 0) first = record.seq, first_time = record.time_us;
        // Commit times never go back, so the first record after time_us ends the search.
        if (record.time_us > time_us) {
          past = true;
          return Status::DatabaseError("stopped");
        }
        target = record.seq;
        return Status::Ok();
      },
      fs);
  if (!report.ok() && !past) return report.status();
  if (target != 0) return target;
  if (first == 0 && after == 0) {
    KIN_ASSIGN_OR_RETURN(auto snapshots, ListSnapshots(dir + "/snapshots", fs));
    if (snapshots.empty() || snapshots.front().seq == 0) return uint64_t{0};  // nothing was ever committed
  }
  if (first == 1) return uint64_t{0};  // before the first call: the empty database
  if (first == 0)
    return Status::InvalidArgument("The journal of " + dir +
                                   " holds no record, so no commit time is known: restore to a record number instead");
  return Status::InvalidArgument("That time is before record " + std::to_string(first) + ", the oldest kept (committed " +
                                 FormatCommitTime(first_time) + "); the journal before it was dropped");
}

Result<std::string> ListDatabaseFiles(const std::string& dir, FileSystem& fs) {
  std::string out;
  KIN_ASSIGN_OR_RETURN(auto snapshots, ListSnapshots(dir + "/snapshots", fs));
  for (const auto& s : snapshots) out += s.path + "\n";
  KIN_ASSIGN_OR_RETURN(auto segments, ListSegments(dir + "/journal", fs));
  for (const auto& s : segments) out += s.path + "\n";
  return out;
}

Result<RecoveredState> RecoverForOpen(const std::string& dir, const RecoveryOptions& options) {
  return RecoverOnce(dir, options, /*truncate=*/true);
}

Result<RecoveredState> ReadDatabase(const std::string& dir, const RecoveryOptions& options) {
  FileSystem& fs = FsOf(options);
  std::string last_problem, last_files;
  for (int read = 1;; ++read) {
    KIN_ASSIGN_OR_RETURN(std::string files, ListDatabaseFiles(dir, fs));
    Result<RecoveredState> pass = RecoverOnce(dir, options, /*truncate=*/false);
    if (pass.ok() && pass->report.problem.ok()) return pass;
    const Status problem = pass.ok() ? pass->report.problem : pass.status();
    // invalid_argument is about the request (a record past the journal's end), not
    // damage; damage is believed when two reads of the same files agree on it.
    const bool stable = problem.type() != ErrorType::kDatabaseError || read >= kMaxReads ||
                        (read > 1 && problem.message() == last_problem && files == last_files);
    if (stable) return pass;  // the error, or the partial state with its problem
    last_problem = problem.message();
    last_files = std::move(files);
  }
}

}  // namespace kin::persistence
