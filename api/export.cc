#include "api/export.h"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include "api/database_access.h"
#include "api/record_writer.h"
#include "api/schema_json.h"
#include "api/database_access.h"
#include "persistence/schema_history.h"
#include "api/value_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/file_util.h"
#include "persistence/recovery.h"
#include "persistence/snapshot.h"

namespace kin::api {

using OJson = nlohmann::ordered_json;

namespace {

// "Product.orders"
std::string RelationName(const Schema& schema, const RelationDef& rel) {
  return schema.model(rel.model).name + "." + rel.name;
}

}  // namespace

std::string CanonicalSchemaText(const Schema& schema) { return SchemaDraftToJson(schema.draft()).dump(2) + "\n"; }

Result<std::shared_ptr<const Schema>> LoadStoredSchema(const std::string& dir, std::string* text) {
  const std::string path = dir + "/schema.json";
  KIN_ASSIGN_OR_RETURN(auto stored, persistence::ReadWholeFile(path));
  if (!stored) return Status::InvalidArgument("No database at " + dir + " (no schema.json)");
  auto schema = SchemaFromText(*stored);
  if (!schema.ok()) return Status::DatabaseError("The stored schema " + path + " is invalid: " + schema.status().message());
  if (text) *text = *stored;
  return schema;
}

Result<OfflineState> LoadOffline(const std::string& dir, const OfflineOptions& options) {
  OfflineState st;
  if (options.snapshot.empty()) KIN_RETURN_IF_ERROR(LoadStoredSchema(dir).status());  // a database at all
  persistence::RecoveryOptions recovery;
  recovery.snapshot = options.snapshot;
  recovery.to_seq = options.to_seq;
  recovery.to_time_us = options.to_time_us;
  if (options.progress) recovery.progress = [&](uint64_t replayed) { options.progress(replayed, 0); };
  recovery.parse_schema = SchemaFromText;
  KIN_ASSIGN_OR_RETURN(persistence::RecoveredState read, persistence::ReadDatabase(dir, recovery));
  st.store = std::move(read.store);
  st.schema_text = std::move(read.schema_json);
  if (options.snapshot.empty()) {
    KIN_ASSIGN_OR_RETURN(st.schema_version, persistence::SchemaVersionAt(dir, read.report.last_seq));
  }
  st.snapshot_path = read.report.snapshot_path;
  st.snapshot_seq = read.report.snapshot_seq;
  st.last_seq = read.report.last_seq;
  st.replayed = read.report.replayed;
  st.last_time_us = read.report.last_time_us;
  st.notice = read.report.notice;
  return st;
}

bool HoldsDatabase(const std::string& dir) {
  std::error_code ec;
  for (const char* part : {"/schema.json", "/journal", "/snapshots"})
    if (std::filesystem::exists(dir + part, ec)) return true;
  return false;
}

namespace {

// A new, empty directory next to `dir` (same file system, so it can be renamed to
// `dir`): "<parent>/.<name>.partial-XXXXXX".
Result<std::string> MakePartialDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target = fs::absolute(dir, ec).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  const fs::path parent = target.parent_path();
  fs::create_directories(parent, ec);
  if (ec) return Status::DatabaseError("cannot create directory " + parent.string() + ": " + ec.message());
  std::string pattern = (parent / ("." + target.filename().string() + ".partial-XXXXXX")).string();
  if (!::mkdtemp(pattern.data()))
    return Status::DatabaseError("cannot create a directory next to " + dir + ": " + std::strerror(errno));
  return pattern;
}

}  // namespace

Status BuildNewDatabase(const std::string& dir, const std::string& schema_text,
                        const std::function<Status(const std::string& snapshots_dir)>& write_snapshot,
                        const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (HoldsDatabase(dir))
    return Status::InvalidArgument(dir + " already holds a database; give a new directory");
  if (fs::exists(dir, ec) && (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)))
    return Status::InvalidArgument(dir + " is not an empty directory; give a new or empty one");
  // Built aside and renamed into place at the end: a run that stops half way leaves
  // `dir` as it was (and a .partial directory next to it, which nothing reads).
  KIN_ASSIGN_OR_RETURN(const std::string partial, MakePartialDirectory(dir));
  Status built = [&]() -> Status {
    KIN_RETURN_IF_ERROR(write_snapshot(partial + "/snapshots"));
    KIN_RETURN_IF_ERROR(persistence::EnsureDirectory(partial + "/journal"));
    KIN_RETURN_IF_ERROR(persistence::WriteFileAtomically(partial + "/schema.json", schema_text));
    KIN_RETURN_IF_ERROR(persistence::SyncDirectory(partial));
    {
      KIN_ASSIGN_OR_RETURN(auto db, Database::Open(partial, options));  // reads back what was written
    }
    KIN_RETURN_IF_ERROR(persistence::FileSystem::Posix().Rename(partial, dir));
    return persistence::SyncDirectory(fs::absolute(dir, ec).lexically_normal().parent_path().string());
  }();
  if (!built.ok()) fs::remove_all(partial, ec);
  return built;
}

Status WriteNewDatabase(const std::string& dir, const Store& store, uint64_t seq, const Options& options) {
  const std::string schema_text = CanonicalSchemaText(store.schema());
  return BuildNewDatabase(
      dir, schema_text,
      [&](const std::string& snapshots_dir) {
        return persistence::WriteSnapshotFile(snapshots_dir, seq, persistence::EncodeSnapshot(store, seq, schema_text))
            .status();
      },
      options);
}

// ---- export -------------------------------------------------------------------------

namespace {

Status CannotWrite(const std::string& why) { return Status::DatabaseError("cannot write the export: " + why); }

// Writes the export document into a string: the layout by hand, each record and
// link through RapidJSON's Writer, each value as the text nlohmann's dump() gives
// ValueToJson(v) (a bigNumber: its exact decimal text as a string). Integers,
// nulls, booleans and printable ASCII strings are the same text from both writers;
// floats, keys and other strings are written as dump() writes them; a json value is
// its stored text, which every write path stores as dump() made it. Owns its
// scratch space; one per export; not thread-safe.
class ExportWriter {
 public:
  explicit ExportWriter(std::string& out) : stream_(out), writer_(stream_) {}

  void Raw(std::string_view text) {
    stream_.Reserve(text.size());
    stream_.PutUnchecked(text.data(), text.size());
  }
  // Opens the next line of an array of lines.
  void NextLine(bool first) { Raw(first ? "[\n" : ",\n"); }
  // Closes an array of lines.
  void EndLines(bool empty) { Raw(empty ? "[]" : "\n]"); }

  // `keys` are the properties' names as JSON strings, by slot. False (see error())
  // at text that is not UTF-8.
  bool WriteRecord(const ModelDef& m, const Record& r, const std::vector<std::string>& keys) {
    writer_.Reset(stream_);
    writer_.StartObject();
    for (SlotId slot : m.declared) {
      const PropertyDef& p = m.properties[slot.value];
      const std::string& key = keys[p.slot.value];
      writer_.RawValue(key.data(), key.size(), rapidjson::kStringType);
      if (!WriteValue(r.value(p.slot.value))) return false;
    }
    writer_.EndObject();
    return true;
  }

  // `relation` is the relation's name as a JSON string.
  bool WriteLink(const std::string& relation, std::string_view from, std::string_view to) {
    writer_.Reset(stream_);
    writer_.StartObject();
    writer_.Key("relation");
    writer_.RawValue(relation.data(), relation.size(), rapidjson::kStringType);
    writer_.Key("from");
    if (!WriteText(from)) return false;
    writer_.Key("to");
    if (!WriteText(to)) return false;
    writer_.EndObject();
    return true;
  }

  const Status& error() const { return error_; }

 private:
  bool WriteValue(const Value& v) {
    switch (v.type()) {
      case ValueType::kNull: writer_.Null(); return true;
      case ValueType::kBool: writer_.Bool(v.as_bool()); return true;
      case ValueType::kInt: writer_.Int64(v.as_int()); return true;
      case ValueType::kFloat: {
        char text[kJsonFloatBufferSize];
        writer_.RawValue(text, FormatJsonFloat(v.as_float(), text), rapidjson::kNumberType);
        return true;
      }
      case ValueType::kText: return WriteText(v.as_text());
      case ValueType::kDateTime: {
        char text[kTimestampBufferSize];
        return WriteText({text, FormatTimestamp(v.as_time(), text)});
      }
      case ValueType::kDecimal: return WriteText(v.as_decimal());  // its exact text, as a string
      case ValueType::kJson: {
        std::string_view text = v.as_json();
        writer_.RawValue(text.data(), text.size(), rapidjson::kObjectType);
        return true;
      }
      case ValueType::kStringList:
        writer_.StartArray();
        for (const auto& s : v.as_list())
          if (!WriteText(s)) return false;
        writer_.EndArray();
        return true;
    }
    return true;
  }

  bool WriteText(std::string_view s) {
    // Printable ASCII: RapidJSON escapes '"' and '\\' as dump() does, and nothing else.
    if (std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; })) {
      writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      return true;
    }
    scratch_.clear();
    if (!AppendJsonString(s, &scratch_)) {
      error_ = Utf8Error(s);
      return false;
    }
    writer_.RawValue(scratch_.data(), scratch_.size(), rapidjson::kStringType);
    return true;
  }

  // dump()'s error for text that is not UTF-8.
  static Status Utf8Error(std::string_view s) {
    try {
      (void)Json(std::string(s)).dump();
    } catch (const nlohmann::json::exception& e) {
      return CannotWrite(e.what());
    }
    return CannotWrite("text that is not UTF-8");  // not reached: dump() refuses what AppendJsonString does
  }

  StringOutput stream_;  // destroyed after writer_, before the string is read
  JsonTextWriter writer_;
  std::string scratch_;  // an escaped string
  Status error_;
};

}  // namespace

Result<std::string> ExportStoreJson(const Store& store, const ProgressFn& progress, uint64_t schema_version) {
  const Schema& schema = store.schema();
  uint64_t total = 0, done = 0;
  for (const auto& m : schema.models()) total += store.Count(m.id);
  std::string out;
  try {
    ExportWriter w(out);
    w.Raw("{\"format\":\"" + std::string(kExportFormat) + "\",\"version\":" + std::to_string(kExportVersion) + ",\n");
    w.Raw("\"schema\":" + SchemaDraftToJson(schema.draft()).dump() + ",\n\"schema_version\":" +
          std::to_string(schema_version) + ",\n\"models\":[\n");
    std::vector<std::string> keys;
    for (const auto& m : schema.models()) {
      OJson counters = OJson::object();
      keys.assign(m.properties.size(), {});
      for (SlotId slot : m.declared) {
        const PropertyDef& p = m.properties[slot.value];
        if (p.type == PropertyType::kAutoincrement) counters[p.name] = store.LastAutoincrement(m.id, p.slot);
        keys[p.slot.value] = OJson(p.name).dump();
      }
      w.Raw("{\"name\":" + OJson(m.name).dump() + ",\"autoincrement\":" + counters.dump() + ",\"records\":");
      bool ok = true, first = true;
      store.Scan(m.id, [&](const Record& r) {
        w.NextLine(first);
        first = false;
        ok = w.WriteRecord(m, r, keys);
        if (ok && progress) progress(++done, total);
        return ok;
      });
      if (!ok) return w.error();
      w.EndLines(first);
      w.Raw(m.id.value + 1 < schema.models().size() ? "},\n" : "}\n");
    }
    w.Raw("],\n\"links\":");
    bool ok = true, first = true;
    for (const auto& rel : schema.relations()) {
      if (!rel.owns_links) continue;
      const std::string name = OJson(RelationName(schema, rel)).dump();
      store.Scan(rel.model, [&](const Record& r) {
        for (const Record* other : r.links(rel.local)) {
          w.NextLine(first);
          first = false;
          if (!(ok = w.WriteLink(name, r.id(), other->id()))) return false;
        }
        return true;
      });
      if (!ok) return w.error();
    }
    w.EndLines(first);
    w.Raw("}\n");
  } catch (const nlohmann::json::exception& e) {
    return CannotWrite(e.what());
  }
  return out;
}

Result<std::string> ExportJson(const Database& db, const ProgressFn& progress) {
  ReadView view = db.Read();
  return ExportStoreJson(ViewAccess::StoreOf(view), progress, DatabaseAccess::SchemaVersion(db));
}

}  // namespace kin::api
