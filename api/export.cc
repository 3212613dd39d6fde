#include "api/export.h"

#include <filesystem>

#include "api/schema_json.h"
#include "api/value_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/file_util.h"
#include "persistence/journal_reader.h"
#include "persistence/snapshot.h"

namespace kin::api {

using OJson = nlohmann::ordered_json;

namespace {

constexpr const char* kFormat = "kin-export";
constexpr int kVersion = 1;

// "Product.orders"
std::string RelationName(const Schema& schema, const RelationDef& rel) {
  return schema.model(rel.model).name + "." + rel.name;
}

// The export form of a value: ValueToJson's, but a bigNumber as its exact text.
Json ExportValue(const Value& v) {
  if (v.type() == ValueType::kDecimal) return v.as_decimal();
  return ValueToJson(v);
}

// Appends `items` as the lines of a JSON array (one item a line).
void AppendLines(std::string* out, const std::vector<std::string>& items) {
  if (items.empty()) {
    *out += "[]";
    return;
  }
  *out += "[\n";
  for (size_t i = 0; i < items.size(); ++i) *out += items[i] + (i + 1 < items.size() ? ",\n" : "\n");
  *out += "]";
}

Status Bad(const std::string& message) { return Status::InvalidArgument("not a kin export: " + message); }

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

Result<std::string> ExportStoreJson(const Store& store, const ProgressFn& progress) {
  const Schema& schema = store.schema();
  uint64_t total = 0, done = 0;
  for (const auto& m : schema.models()) total += store.Count(m.id);
  try {
    std::string out = std::string("{\"format\":\"") + kFormat + "\",\"version\":" + std::to_string(kVersion) + ",\n";
    out += "\"schema\":" + SchemaDraftToJson(schema.draft()).dump() + ",\n\"models\":[\n";
    for (const auto& m : schema.models()) {
      OJson counters = OJson::object();
      for (const auto& p : m.properties)
        if (p.type == PropertyType::kAutoincrement) counters[p.name] = store.LastAutoincrement(m.id, p.slot);
      std::vector<std::string> records;
      records.reserve(store.Count(m.id));
      store.Scan(m.id, [&](const Record& r) {
        OJson row = OJson::object();
        for (const auto& p : m.properties) row[p.name] = ExportValue(r.values()[p.slot.value]);
        records.push_back(row.dump());
        if (progress) progress(++done, total);
        return true;
      });
      out += "{\"name\":" + OJson(m.name).dump() + ",\"autoincrement\":" + counters.dump() + ",\"records\":";
      AppendLines(&out, records);
      out += m.id.value + 1 < schema.models().size() ? "},\n" : "}\n";
    }
    out += "],\n\"links\":";
    std::vector<std::string> links;
    for (const auto& rel : schema.relations()) {
      if (!rel.owns_links) continue;
      const std::string name = RelationName(schema, rel);
      store.Scan(rel.model, [&](const Record& r) {
        for (const Record* other : r.links(rel.local))
          links.push_back(OJson{{"relation", name}, {"from", std::string(r.id())}, {"to", std::string(other->id())}}.dump());
        return true;
      });
    }
    AppendLines(&out, links);
    return out + "}\n";
  } catch (const nlohmann::json::exception& e) {
    return Status::DatabaseError(std::string("cannot write the export: ") + e.what());
  }
}

Result<std::string> ExportJson(const Database& db, const ProgressFn& progress) {
  ReadView view = db.Read();
  return ExportStoreJson(view.store(), progress);
}

// ---- import -------------------------------------------------------------------------

namespace {

// The values of one exported record of `m`, in slot order.
Result<std::vector<Value>> RecordValues(const ModelDef& m, const OJson& row, size_t index) {
  const std::string where = m.name + " record #" + std::to_string(index + 1);
  if (!row.is_object()) return Bad(where + " is not an object");
  std::vector<Value> values;
  values.reserve(m.properties.size());
  for (const auto& p : m.properties) {
    auto it = row.find(p.name);
    if (it == row.end()) return Bad(where + " has no \"" + p.name + "\"");
    auto v = ValueFromJson(m, p, Json(*it));
    if (!v.ok()) return Bad(where + ": " + v.status().message());
    if (p.primary_key && v->is_null()) return Bad(where + " has a null primary key");
    values.push_back(std::move(v).value());
  }
  if (row.size() != m.properties.size()) {
    for (const auto& [key, value] : row.items())
      if (!m.FindProperty(key)) return Bad(where + " has an unknown property \"" + key + "\"");
  }
  return values;
}

Status LoadModel(Store& store, const ModelDef& m, const OJson& entry, uint64_t* done, uint64_t total,
                 const ProgressFn& progress) {
  auto records = entry.find("records");
  if (records == entry.end() || !records->is_array()) return Bad("model " + m.name + " has no \"records\" array");
  for (size_t i = 0; i < records->size(); ++i) {
    KIN_ASSIGN_OR_RETURN(std::vector<Value> values, RecordValues(m, (*records)[i], i));
    KIN_RETURN_IF_ERROR(store.LoadRecord(m.id, std::span<Value>(values)).status());
    if (progress) progress(++*done, total);
  }
  auto counters = entry.find("autoincrement");
  if (counters == entry.end()) return Status::Ok();
  if (!counters->is_object()) return Bad("\"autoincrement\" of " + m.name + " is not an object");
  for (const auto& [name, last] : counters->items()) {
    const PropertyDef* p = m.FindProperty(name);
    if (!p || p->type != PropertyType::kAutoincrement || !last.is_number_integer())
      return Bad("bad autoincrement counter \"" + name + "\" of " + m.name);
    store.SetLastAutoincrement(m.id, p->slot, last.get<int64_t>());
  }
  return Status::Ok();
}

Status LoadLinks(Store& store, const OJson& links) {
  const Schema& schema = store.schema();
  if (!links.is_array()) return Bad("\"links\" is not an array");
  for (const auto& link : links) {
    if (!link.is_object() || !link.contains("relation") || !link["relation"].is_string() || !link.contains("from") ||
        !link["from"].is_string() || !link.contains("to") || !link["to"].is_string())
      return Bad("a link needs \"relation\", \"from\" and \"to\" strings: " + link.dump());
    const std::string name = link["relation"].get<std::string>();
    size_t dot = name.find('.');
    ModelId model = schema.FindModel(name.substr(0, dot));
    RelationId rel = model.valid() && dot != std::string::npos ? schema.model(model).FindRelation(name.substr(dot + 1))
                                                              : RelationId();
    if (!rel.valid() || schema.relation(rel).kind != RelationKind::kManyToMany || schema.relation(rel).through_pivot())
      return Bad("\"" + name + "\" is not an automatic manyToMany relation");
    KIN_RETURN_IF_ERROR(store.Apply(LinkStep{rel, link["from"].get<std::string>(), link["to"].get<std::string>()}));
  }
  return Status::Ok();
}

// Bulk loading does not enforce unique indexes: no two live records may share a key.
Status CheckUnique(const Store& store) {
  std::string key;
  Status result;
  for (const auto& m : store.schema().models()) {
    for (size_t i = 0; i < m.indexes.size() && result.ok(); ++i) {
      if (!m.indexes[i].unique) continue;
      store.Scan(m.id, [&](const Record& r) {
        if (!store.IsLive(m, r) || !Store::IndexKey(m.indexes[i], r.values(), &key)) return true;
        auto holders = store.IndexLookup(m.id, i, key);
        if (holders.size() < 2) return true;
        result = Status::InvalidArgument("not a consistent database: " + m.name + " " + std::string(holders[0]->id()) +
                                         " and " + std::string(holders[1]->id()) + " share a unique key");
        return false;
      });
    }
  }
  return result;
}

}  // namespace

Result<std::unique_ptr<Store>> StoreFromExport(const std::string& json, const ProgressFn& progress) {
  OJson doc;
  try {
    doc = OJson::parse(json);
  } catch (const nlohmann::json::exception& e) {
    return Bad(std::string("invalid JSON: ") + e.what());
  }
  try {
    if (!doc.is_object() || doc.value("format", "") != kFormat) return Bad("no \"format\": \"kin-export\"");
    if (!doc.contains("version") || doc["version"] != kVersion)
      return Bad("unsupported version " + (doc.contains("version") ? doc["version"].dump() : std::string("(none)")));
    if (!doc.contains("schema")) return Bad("no \"schema\"");
    KIN_ASSIGN_OR_RETURN(SchemaDraft draft, SchemaDraftFromJson(doc["schema"]));
    KIN_ASSIGN_OR_RETURN(std::shared_ptr<const Schema> schema, Schema::Build(draft));
    auto store = std::make_unique<Store>(schema);
    const OJson& models = doc["models"];
    if (!models.is_array()) return Bad("\"models\" is not an array");
    uint64_t total = 0, done = 0;
    for (const auto& entry : models)
      if (entry.is_object() && entry.contains("records") && entry["records"].is_array()) total += entry["records"].size();
    std::vector<bool> seen(schema->models().size());
    for (const auto& entry : models) {
      ModelId id = entry.is_object() && entry.contains("name") && entry["name"].is_string()
                       ? schema->FindModel(entry["name"].get<std::string>())
                       : ModelId();
      if (!id.valid()) return Bad("a model entry names no model of the schema: " + entry.dump().substr(0, 80));
      if (seen[id.value]) return Bad("model " + schema->model(id).name + " appears twice");
      seen[id.value] = true;
      KIN_RETURN_IF_ERROR(LoadModel(*store, schema->model(id), entry, &done, total, progress));
    }
    KIN_RETURN_IF_ERROR(store->FinishLoad());
    if (doc.contains("links")) KIN_RETURN_IF_ERROR(LoadLinks(*store, doc["links"]));
    KIN_RETURN_IF_ERROR(CheckUnique(*store));
    return store;
  } catch (const nlohmann::json::exception& e) {
    return Bad(e.what());
  }
}

Status ImportJson(const std::string& dir, const std::string& json, const Options& options,
                  const ProgressFn& progress) {
  if (HoldsDatabase(dir)) return Status::InvalidArgument(dir + " already holds a database; give a new directory");
  KIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, StoreFromExport(json, progress));
  KIN_RETURN_IF_ERROR(WriteNewDatabase(dir, *store, 0));
  KIN_ASSIGN_OR_RETURN(auto db, Database::Open(dir, nullptr, options));  // reads back what was written
  (void)db;
  return Status::Ok();
}

}  // namespace kin::api
