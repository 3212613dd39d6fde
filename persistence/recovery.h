#pragma once
// Recovery: the one place a database's state is rebuilt from its files — the
// newest snapshot (or a given one), then the journal records after it, each decoded
// and applied through Store::Apply, the same path as a live write. Each part is
// read with the schema in force when it was written: the snapshot's (or the
// creation schema), then at each schema change record the store takes the new
// schema in place (Store::AdoptSchema) or is carried over into it
// (core/store_migration.h), as when the change was applied. Used by
// Database::Open, which may cut a torn tail or repair (RecoverForOpen), and by the
// read-only tools (verify, export, restore, stats), which change nothing on disk
// (ReadDatabase).
//
// Read-only recovery works on a database another process is writing: it reads up
// to the last whole record, and it never reports damage that is only a write in
// flight. A write in flight looks like damage in two ways: bytes of a frame not yet
// in the file while later bytes already are (a reader copies pages as the writer
// fills them), and files that a snapshot removed between listing and reading. Both
// are gone when the files are read again, because a later frame proves the earlier
// one's write had ended, and a removal is final. So a failed read is repeated, and a
// problem is reported only when two reads in a row find the same one with the same
// files listed. Real damage is stable and is always reported.
// Stateless functions; thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kin/status.h"
#include "core/store.h"
#include "persistence/file_system.h"

namespace kin::persistence {

struct RecoveryOptions {
  // Start from this snapshot file (whose embedded schema must be the store's);
  // empty: the newest snapshot of `<dir>/snapshots`, or none.
  std::string snapshot;
  // Apply journal records up to and including this one; a journal that ends
  // before it is invalid_argument, unless it is the default (everything). Without
  // `snapshot`, the newest snapshot at or before it is the start (none when the
  // journal still begins at record 1).
  uint64_t to_seq = UINT64_MAX;
  // Read-only: apply the records committed at or before this time (microseconds
  // since the epoch) and no later one: to_seq becomes the last such record. Records
  // of journal format 1 carry no time and count as committed before any time.
  // invalid_argument when the kept journal cannot tell (see SeqAtTime).
  int64_t to_time_us = INT64_MAX;
  bool repair = false;  // open only: cut a corrupt journal at its first bad record
  // Read-only: when the snapshot loaded but a journal record did not, return the
  // state before that record with the reason in RecoveryReport::problem (verify
  // checks what it can), instead of the error.
  bool keep_partial = false;
  // Called after each journal record applied, with the number applied so far.
  std::function<void(uint64_t replayed)> progress;
  FileSystem* file_system = nullptr;  // null: the real one
  // Turns a stored schema text into a schema (persistence reads no JSON; the api
  // layer gives its parser). Required.
  std::function<Result<std::shared_ptr<const Schema>>(const std::string& text)> parse_schema;
};

struct RecoveryReport {
  std::string snapshot_path;  // the snapshot loaded; empty when none
  uint64_t snapshot_seq = 0;
  uint64_t last_seq = 0;  // the last record applied (snapshot_seq when none)
  uint64_t replayed = 0;  // journal records applied
  int64_t last_time_us = 0;  // the commit time of record last_seq, when it was replayed and has one
  std::string tail_segment;  // the segment to append to (open only); empty when none
  uint32_t tail_version = 0;  // its format version
  std::string notice;        // what was cut or repaired (read-only: what opening would cut)
  Status problem;            // keep_partial: why the journal was not read to its end
};

// The recovered state: a store of the schema in force at its last record, and
// that schema's text.
struct RecoveredState {
  std::unique_ptr<Store> store;
  std::string schema_json;
  RecoveryReport report;
};

// Open: recovers the state, cutting a torn tail (and, with repair, corruption) on
// disk, and writing a schema version a crash left unwritten (schema_history.h).
Result<RecoveredState> RecoverForOpen(const std::string& dir, const RecoveryOptions& options);

// Read-only: the state, nothing on disk changed (see the file comment for a
// database that is being written). options.repair is ignored.
Result<RecoveredState> ReadDatabase(const std::string& dir, const RecoveryOptions& options);

// The last journal record of `dir` committed at or before `time_us` (0: before the
// first record, when the journal still starts at record 1). invalid_argument when
// the kept journal begins after that time, so the state then is no longer known.
Result<uint64_t> SeqAtTime(const std::string& dir, int64_t time_us, FileSystem& fs = FileSystem::Posix());

// The snapshot files and journal segments of `dir`, by name: what a read saw.
// Two reads that list the same files and find the same problem agree.
Result<std::string> ListDatabaseFiles(const std::string& dir, FileSystem& fs = FileSystem::Posix());

}  // namespace kin::persistence
