#include "api/export.h"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <vector>

#include "api/database_access.h"
#include "api/record_writer.h"
#include "api/schema_json.h"
#include "api/value_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/file_util.h"
#include "persistence/journal_reader.h"
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
  std::shared_ptr<const Schema> schema;
  std::string snapshot = options.snapshot;
  if (!snapshot.empty()) {
    KIN_ASSIGN_OR_RETURN(auto header, persistence::ReadSnapshotHeader(snapshot));
    auto from_snapshot = SchemaFromText(header.schema_json);
    if (!from_snapshot.ok())
      return Status::DatabaseError("The schema inside " + snapshot + " is invalid: " + from_snapshot.status().message());
    schema = std::move(from_snapshot).value();
    st.schema_text = CanonicalSchemaText(*schema);
  } else {
    KIN_ASSIGN_OR_RETURN(schema, LoadStoredSchema(dir, &st.schema_text));
    KIN_ASSIGN_OR_RETURN(auto snapshots, persistence::ListSnapshots(dir + "/snapshots"));
    if (!snapshots.empty()) snapshot = snapshots.front().path;
  }
  st.store = std::make_unique<Store>(schema);
  if (!snapshot.empty()) {
    KIN_ASSIGN_OR_RETURN(auto loaded, persistence::LoadSnapshot(snapshot, *st.store));
    st.snapshot_path = snapshot;
    st.snapshot_seq = loaded.seq;
  }
  if (options.to_seq < st.snapshot_seq)
    return Status::InvalidArgument("The snapshot " + snapshot + " already holds every record up to " +
                                   std::to_string(st.snapshot_seq) + ", past " + std::to_string(options.to_seq));
  st.last_seq = st.snapshot_seq;
  bool reached = false;  // the replay was stopped at options.to_seq on purpose
  persistence::ReplayOptions replay;
  replay.repair = false;
  replay.truncate_tail = false;
  auto report = persistence::ReplayJournal(
      dir + "/journal", st.snapshot_seq, replay, [&](uint64_t seq, std::string_view payload) -> Status {
        if (seq > options.to_seq) {
          reached = true;
          return Status::DatabaseError("stop");
        }
        KIN_ASSIGN_OR_RETURN(ChangeSet cs, persistence::DecodeChangeSet(payload, *schema));
        KIN_RETURN_IF_ERROR(st.store->Apply(cs));
        st.last_seq = seq;
        ++st.replayed;
        if (options.progress) options.progress(st.replayed, 0);
        return Status::Ok();
      });
  if (!report.ok() && !reached) return report.status();
  if (report.ok()) st.notice = report->notice;
  if (options.to_seq != UINT64_MAX && st.last_seq < options.to_seq)
    return Status::InvalidArgument("The journal of " + dir + " ends at record " + std::to_string(st.last_seq) +
                                   ": there is no record " + std::to_string(options.to_seq));
  return st;
}

bool HoldsDatabase(const std::string& dir) {
  std::error_code ec;
  for (const char* part : {"/schema.json", "/journal", "/snapshots"})
    if (std::filesystem::exists(dir + part, ec)) return true;
  return false;
}

Status WriteNewDatabase(const std::string& dir, const Store& store, uint64_t seq) {
  if (HoldsDatabase(dir))
    return Status::InvalidArgument(dir + " already holds a database; give a new directory");
  KIN_RETURN_IF_ERROR(persistence::EnsureDirectory(dir));
  const std::string schema_text = CanonicalSchemaText(store.schema());
  KIN_ASSIGN_OR_RETURN(auto file, persistence::WriteSnapshotFile(dir + "/snapshots", seq,
                                                                 persistence::EncodeSnapshot(store, seq, schema_text)));
  (void)file;
  KIN_RETURN_IF_ERROR(persistence::EnsureDirectory(dir + "/journal"));
  KIN_RETURN_IF_ERROR(persistence::SyncDirectory(dir));
  // schema.json last: until it exists, the directory is not a database.
  return persistence::WriteFileAtomically(dir + "/schema.json", schema_text);
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
    for (const auto& p : m.properties) {
      const std::string& key = keys[p.slot.value];
      writer_.RawValue(key.data(), key.size(), rapidjson::kStringType);
      if (!WriteValue(r.values()[p.slot.value])) return false;
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

Result<std::string> ExportStoreJson(const Store& store, const ProgressFn& progress) {
  const Schema& schema = store.schema();
  uint64_t total = 0, done = 0;
  for (const auto& m : schema.models()) total += store.Count(m.id);
  std::string out;
  try {
    ExportWriter w(out);
    w.Raw("{\"format\":\"" + std::string(kExportFormat) + "\",\"version\":" + std::to_string(kExportVersion) + ",\n");
    w.Raw("\"schema\":" + SchemaDraftToJson(schema.draft()).dump() + ",\n\"models\":[\n");
    std::vector<std::string> keys;
    for (const auto& m : schema.models()) {
      OJson counters = OJson::object();
      keys.assign(m.properties.size(), {});
      for (const auto& p : m.properties) {
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
  return ExportStoreJson(ViewAccess::StoreOf(view), progress);
}

}  // namespace kin::api
