#include "persistence/schema_history.h"

#include <algorithm>
#include <optional>

#include "persistence/numbered_name.h"

namespace kin::persistence {

namespace {

Result<std::string> ReadText(const std::string& path, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(std::optional<std::string> text, fs.ReadFile(path));
  if (!text) return Status::DatabaseError("The schema file " + path + " is missing");
  return std::move(*text);
}

// The newest version at or before `seq`, or nullptr.
const SchemaVersion* VersionAt(const std::vector<SchemaVersion>& versions, uint64_t seq) {
  const SchemaVersion* found = nullptr;
  for (const auto& v : versions)
    if (v.seq <= seq) found = &v;
  return found;
}

}  // namespace

std::string SchemaVersionFileName(uint64_t seq) { return NumberedName("", seq, ".json"); }

Result<std::vector<SchemaVersion>> ListSchemaVersions(const std::string& dir, FileSystem& fs) {
  std::vector<SchemaVersion> out;
  KIN_ASSIGN_OR_RETURN(auto names, fs.ListDirectory(dir + "/schemas"));
  for (const auto& name : names) {
    uint64_t seq;
    if (ParseNumberedName(name, "", ".json", &seq)) out.push_back({seq, dir + "/schemas/" + name});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  return out;
}

Result<std::string> SchemaTextAt(const std::string& dir, uint64_t seq, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(auto versions, ListSchemaVersions(dir, fs));
  if (versions.empty()) return ReadText(dir + "/schema.json", fs);
  const SchemaVersion* v = VersionAt(versions, seq);
  if (!v) return Status::DatabaseError("No schema version of " + dir + " is at or before record " + std::to_string(seq));
  return ReadText(v->path, fs);
}

Result<uint64_t> SchemaVersionAt(const std::string& dir, uint64_t seq, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(auto versions, ListSchemaVersions(dir, fs));
  const SchemaVersion* v = VersionAt(versions, seq);
  return v ? v->seq : uint64_t{0};
}

Status WriteSchemaVersion(const std::string& dir, uint64_t seq, const std::string& text, FileSystem& fs) {
  KIN_RETURN_IF_ERROR(fs.CreateDirectories(dir + "/schemas"));
  KIN_RETURN_IF_ERROR(fs.SyncDirectory(dir));  // the folder itself, when it is new
  return fs.WriteFileAtomically(dir + "/schemas/" + SchemaVersionFileName(seq), text);
}

}  // namespace kin::persistence
