#pragma once
// Schema history: which schema was in force at each point of a database's history,
// so that snapshots and journal records are read with the schema they were written
// under (FORMAT.md "Schema history").
//
//   schema.json                       the schema in force now
//   schemas/<seq:20 digits>.json      the schema in force after record <seq>
//                                     (00000000000000000000.json: at creation)
//
// A database whose schema never changed has no `schemas/` folder: its schema.json
// is the schema at every point. The first schema change writes the creation schema
// as version 0 before its journal record; the record's own version is written once
// the record is durable (and by recovery, when a crash came between). Versions are
// never removed: each is one small file. Stateless functions; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "kin/status.h"
#include "persistence/file_system.h"

namespace kin::persistence {

struct SchemaVersion {
  uint64_t seq = 0;  // in force after this record
  std::string path;
};

// "00000000000000000042.json"
std::string SchemaVersionFileName(uint64_t seq);
// The versions kept in `<dir>/schemas`, oldest first (none without the folder).
Result<std::vector<SchemaVersion>> ListSchemaVersions(const std::string& dir, FileSystem& fs = FileSystem::Posix());
// The schema text in force after record `seq`: the newest version at or before it,
// or schema.json when the database keeps no versions. database_error when the
// files are missing.
Result<std::string> SchemaTextAt(const std::string& dir, uint64_t seq, FileSystem& fs = FileSystem::Posix());
// The sequence number of the version in force after record `seq` (0 without versions).
Result<uint64_t> SchemaVersionAt(const std::string& dir, uint64_t seq, FileSystem& fs = FileSystem::Posix());
// Writes version `seq` durably (temporary file, rename, directory sync).
Status WriteSchemaVersion(const std::string& dir, uint64_t seq, const std::string& text,
                          FileSystem& fs = FileSystem::Posix());

}  // namespace kin::persistence
