// Reading an export document (api/export.h): StoreFromExport and ImportJson. The
// document is parsed whole with nlohmann's parser; each record's values go through
// ValueFromJson, the same checks as the service calls, and load in bulk.

#include <string>
#include <vector>

#include "api/export.h"
#include "api/schema_json.h"
#include "api/value_json.h"
#include "core/schema_diff.h"
#include "core/store_migration.h"
#include "core/store_migration_data.h"

namespace kin::api {

using OJson = nlohmann::ordered_json;

namespace {

Status Bad(const std::string& message) { return Status::InvalidArgument("not a kin export: " + message); }

// The values of one exported record of `m`, in slot order.
Result<std::vector<Value>> RecordValues(const ModelDef& m, const OJson& row, size_t index) {
  // Named only in an error: a record that loads builds no string for it.
  auto where = [&] { return m.name + " record #" + std::to_string(index + 1); };
  if (!row.is_object()) return Bad(where() + " is not an object");
  std::vector<Value> values;
  values.reserve(m.properties.size());
  for (const auto& p : m.properties) {
    auto it = row.find(p.name);
    if (it == row.end()) return Bad(where() + " has no \"" + p.name + "\"");
    auto v = ValueFromJson(m, p, Json(*it));
    if (!v.ok()) return Bad(where() + ": " + v.status().message());
    if (p.primary_key && v->is_null()) return Bad(where() + " has a null primary key");
    values.push_back(std::move(v).value());
  }
  if (row.size() != m.properties.size()) {
    for (const auto& [key, value] : row.items())
      if (!m.FindProperty(key)) return Bad(where() + " has an unknown property \"" + key + "\"");
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
        if (!store.IsLive(m, r) || !Store::IndexKey(m.indexes[i], r, &key)) return true;
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
    if (!doc.is_object() || doc.value("format", "") != kExportFormat) return Bad("no \"format\": \"kin-export\"");
    if (!doc.contains("version") || doc["version"] != kExportVersion)
      return Bad("unsupported version " + (doc.contains("version") ? doc["version"].dump() : std::string("(none)")));
    if (!doc.contains("schema")) return Bad("no \"schema\"");
    if (doc.contains("schema_version") && !doc["schema_version"].is_number_unsigned())
      return Bad("\"schema_version\" is not a record number");
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
                  const ProgressFn& progress, const std::string* schema_json, const MigrateOptions& migrate) {
  if (HoldsDatabase(dir)) return Status::InvalidArgument(dir + " already holds a database; give a new directory");
  KIN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, StoreFromExport(json, progress));
  if (schema_json) {
    // Into another schema: the plan a schema change would make, against the export's records.
    KIN_ASSIGN_OR_RETURN(std::shared_ptr<const Schema> target, SchemaFromText(*schema_json));
    if (CanonicalSchemaText(*target) != CanonicalSchemaText(store->schema())) {
      KIN_ASSIGN_OR_RETURN(MigrationPlan plan, PlanMigration(store->schema(), *target, StoreMigrationData(*store)));
      KIN_RETURN_IF_ERROR(PlanRefusal(plan, migrate.allow_destructive));
      KIN_ASSIGN_OR_RETURN(store, MigrateStore(*store, target));
    }
  }
  return WriteNewDatabase(dir, *store, 0, options);
}

}  // namespace kin::api
