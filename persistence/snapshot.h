#pragma once
// Snapshots: a complete, checksummed image of the database (schema, records, links,
// autoincrement counters) at one journal position, as a Boost.Serialization binary
// archive inside a framed file (grammar in FORMAT.md). Files are written to a
// temporary name, fsynced, renamed and the directory fsynced. Stateless functions;
// EncodeSnapshot needs the caller to hold the database's read lock.

#include <string>
#include <vector>

#include "core/store.h"
#include "persistence/file_system.h"

namespace kin::persistence {

struct SnapshotFile {
  uint64_t seq = 0;  // the image holds every journal record up to and including seq
  std::string path;
};

// "snapshot-00000000000000000042.snap"
std::string SnapshotFileName(uint64_t seq);

// The image of `store` after journal record `seq`.
std::string EncodeSnapshot(const Store& store, uint64_t seq, const std::string& schema_json);

// Writes an encoded image durably into `dir` (older snapshot files stay: see PruneSnapshots).
Result<SnapshotFile> WriteSnapshotFile(const std::string& dir, uint64_t seq, const std::string& bytes,
                                       FileSystem& fs = FileSystem::Posix());

// Removes all but the newest `keep` (at least 1) snapshot files of `dir`; returns
// the position of the oldest one kept (0 when there is none).
Result<uint64_t> PruneSnapshots(const std::string& dir, uint32_t keep, FileSystem& fs = FileSystem::Posix());

// Snapshot files of `dir`, newest first.
Result<std::vector<SnapshotFile>> ListSnapshots(const std::string& dir, FileSystem& fs = FileSystem::Posix());

struct LoadedSnapshot {
  uint64_t seq = 0;
  std::string schema_json;
};

// Checks a snapshot file (header, version, checksum) and returns its position and
// schema without loading records.
Result<LoadedSnapshot> ReadSnapshotHeader(const std::string& path, FileSystem& fs = FileSystem::Posix());

// From the first model of at least this many records on, a snapshot is read on a
// second thread while the caller inserts the records.
constexpr uint64_t kParallelLoadRecords = 65536;

// Loads a snapshot into an empty store built from the same schema. On failure the
// store may hold part of the image: discard it.
Result<LoadedSnapshot> LoadSnapshot(const std::string& path, Store& store, FileSystem& fs = FileSystem::Posix(),
                                    uint64_t parallel_from = kParallelLoadRecords);

}  // namespace kin::persistence
