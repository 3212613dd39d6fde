// Query plans (SPEC.md section 5.1): every plan returns exactly what a scan of the
// model would, and what a plan reads does not grow with the model.
//
// The random tests run random filters and configs through list and listAndCount,
// and random selector writes (update {selector, data}, delete, softDelete, restore
// by filter) through two databases built alike, once through the planner and once
// inside ScopedForceScan, over a schema with every relationship and index kind, and
// require the same results, errors and states. A failure names its seed; replay it:
//   KIN_QUERY_SEED=<seed> build/tests/kin_tests "[plan]"
// KIN_QUERY_SEED runs that seed alone (and, with KIN_QUERY_ROUNDS=n, the n seeds
// from it); KIN_QUERY_ROUNDS alone sets the number of default seeds.
//
// The deterministic tests build one data set with 100 and with 1,000 unrelated
// records per model and check, through RunQuery, that each plan shape is taken and
// reads as many records at both sizes.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/query.h"
#include "core/query.h"
#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using kin::testing::operator""_j;
using kin::testing::Ok;
using kin::testing::OpenJson;

// Every relationship kind (belongsTo/hasMany, belongsTo/hasOne, both self-referencing;
// a one-directional belongsTo; an automatic manyToMany; one through the pivotEntity
// OrderLine; a self-referencing manyToMany, symmetric and as a pair) and every index kind (unique, index, composite
// of two and three properties, unique composite), over properties of every type.
constexpr const char* kShopSchema = R"({"models": {
  "Store": {
    "cascades": {"delete": ["products"]},
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "unique": true, "searchable": true},
      "region": {"type": "enum", "values": ["north", "south", "east", "west"], "index": true},
      "rank": {"type": "number", "nullable": true},
      "opened_at": {"type": "dateTime", "nullable": true},
      "parent": {"type": "belongsTo", "model": "Store", "mappedBy": "branches", "nullable": true},
      "branches": {"type": "hasMany", "model": "Store", "mappedBy": "parent"},
      "products": {"type": "hasMany", "model": "Product", "mappedBy": "store"},
      "manager": {"type": "hasOne", "model": "Manager", "mappedBy": "store", "nullable": true}}},
  "Manager": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "searchable": true},
      "level": {"type": "number", "index": true},
      "store": {"type": "belongsTo", "model": "Store", "mappedBy": "manager"}}},
  "Product": {
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "title": {"type": "text", "searchable": true},
      "sku": {"type": "text", "unique": true, "nullable": true},
      "code": {"type": "text", "nullable": true},
      "price": {"type": "float", "nullable": true, "index": true},
      "score": {"type": "float", "nullable": true},
      "stock": {"type": "number", "default": 0, "index": true},
      "rating": {"type": "number", "nullable": true},
      "weight": {"type": "bigNumber", "nullable": true, "index": true},
      "active": {"type": "boolean", "default": true, "index": true},
      "released_at": {"type": "dateTime", "nullable": true, "index": true},
      "status": {"type": "enum", "values": ["draft", "live", "retired"], "default": "draft"},
      "attrs": {"type": "json", "nullable": true},
      "tags": {"type": "array", "nullable": true},
      "note": {"type": "text", "nullable": true, "searchable": true},
      "store": {"type": "belongsTo", "model": "Store", "mappedBy": "products", "nullable": true},
      "categories": {"type": "manyToMany", "model": "Category", "mappedBy": "products"},
      "orders": {"type": "manyToMany", "model": "Order", "mappedBy": "products", "pivotEntity": "OrderLine"}},
    "indexes": [{"on": ["status", "stock"]}, {"on": ["store_id", "price", "title"]},
                {"on": ["code", "store_id"], "unique": true}]},
  "Category": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "index": true},
      "depth": {"type": "number", "nullable": true},
      "parent": {"type": "belongsTo", "model": "Category", "mappedBy": "children", "nullable": true},
      "children": {"type": "hasMany", "model": "Category", "mappedBy": "parent"},
      "products": {"type": "manyToMany", "model": "Product", "mappedBy": "categories"}}},
  "Order": {
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "reference": {"type": "text", "unique": true, "nullable": true},
      "total": {"type": "float", "default": 0},
      "placed_at": {"type": "dateTime", "nullable": true},
      "priority": {"type": "number", "nullable": true},
      "products": {"type": "manyToMany", "model": "Product", "mappedBy": "orders", "pivotEntity": "OrderLine"}},
    "indexes": [{"on": ["priority", "placed_at", "total"]}]},
  "OrderLine": {
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "quantity": {"type": "number", "default": 1, "index": true},
      "discount": {"type": "float", "nullable": true},
      "gift": {"type": "boolean", "nullable": true},
      "order": {"type": "belongsTo", "model": "Order", "mappedBy": "products"},
      "product": {"type": "belongsTo", "model": "Product", "mappedBy": "orders"}},
    "indexes": [{"on": ["order_id", "quantity"]}]},
  "Person": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "index": true},
      "age": {"type": "number", "nullable": true},
      "mentor": {"type": "belongsTo", "model": "Person", "nullable": true},
      "friends": {"type": "manyToMany", "model": "Person", "mappedBy": "friends"},
      "follows": {"type": "manyToMany", "model": "Person", "mappedBy": "followers"},
      "followers": {"type": "manyToMany", "model": "Person", "mappedBy": "follows"}}}
}})";

// ---- calls and their outcomes -------------------------------------------------------

bool IsTimestamp(const std::string& key) { return key == "created_at" || key == "updated_at" || key == "deleted_at"; }

// `j` with every timestamp reduced to whether it is set: two databases given the same
// calls differ only in their clocks.
Json WithoutClock(const Json& j) {
  if (j.is_array()) {
    Json out = Json::array();
    for (const auto& e : j) out.push_back(WithoutClock(e));
    return out;
  }
  if (!j.is_object()) return j;
  Json out = Json::object();
  for (const auto& [k, v] : j.items()) out[k] = IsTimestamp(k) ? Json(!v.is_null()) : WithoutClock(v);
  return out;
}

// A call's result, or its error (type and message).
Json Outcome(Database& db, const std::string& method, const Json& args) {
  auto r = db.Call(method, args);
  if (!r.ok()) return {{"error", r.status().ToString()}};
  return {{"ok", r.value()}};
}

Json ScanOutcome(Database& db, const std::string& method, const Json& args) {
  ScopedForceScan scan;
  return Outcome(db, method, args);
}

// Every record of every model, soft-deleted included, with the ids it links to through
// automatic manyToMany relations (every other link is a foreign key or a pivot record).
Json State(Database& db) {
  Json all = Json::object();
  for (const auto& m : db.schema().models()) {
    Json select = {"*"};
    for (RelationId rid : m.relations) {
      const RelationDef& rel = db.schema().relation(rid);
      if (rel.kind == RelationKind::kManyToMany && !rel.through_pivot()) select.push_back(rel.name + ".id");
    }
    all[m.name] = Ok(db, "list" + m.plural, Json::array({nullptr, {{"withDeleted", true}, {"select", select}}}));
  }
  return all;
}

// ---- random values ------------------------------------------------------------------

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(gen_) < p; }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<size_t>(Int(0, static_cast<int>(v.size()) - 1))]; }
  Json PickJson(const Json& options) {
    return options[static_cast<size_t>(Int(0, static_cast<int>(options.size()) - 1))];
  }

 private:
  std::mt19937_64 gen_;
};

// The small domain a property's values come from, so that equalities and ranges hit.
Json DomainValue(Rng& rng, const PropertyDef& p) {
  switch (p.type) {
    case PropertyType::kText: {
      if (p.name == "title")
        return rng.PickJson(R"(["Red shirt", "Blue shirt", "red hat", "Green hat", "Shoe", "50% off_sale"])"_j);
      Json word = rng.PickJson(R"(["alpha", "beta", "gamma", "Alpha", "al_pha", "be%ta", "delta"])"_j);
      return p.unique ? Json(word.get<std::string>() + "-" + std::to_string(rng.Int(0, 9))) : word;
    }
    case PropertyType::kNumber: return rng.Int(-1, 5);
    case PropertyType::kFloat: return rng.PickJson(R"([-1.5, -0.0, 0.0, 0.5, 1, 2.25, 3.0])"_j);
    case PropertyType::kBigNumber: return rng.PickJson(R"(["0", "1", "1.50", "2.5", "10", "-3", 1, 2.5])"_j);
    case PropertyType::kBoolean: return rng.Chance(0.5);
    case PropertyType::kDateTime:
      return rng.PickJson(R"(["2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z",
                               "2026-02-01T12:30:00.000Z"])"_j);
    case PropertyType::kJson: return rng.PickJson(R"([{"k": 1}, {"k": 2}, {"k": 1, "j": "x"}, [1, 2], {}])"_j);
    case PropertyType::kEnum: return rng.Pick(p.enum_values);
    case PropertyType::kArray: return rng.PickJson(R"([[], ["x"], ["x", "y"], ["y"], ["z", "x"]])"_j);
    default: return nullptr;
  }
}

// What the database holds, for filters to name: ids and values of every property.
struct Sample {
  std::map<std::string, std::vector<std::string>> ids;                       // by model
  std::map<std::string, std::map<std::string, std::vector<Json>>> values;    // by model, property

  static Sample Of(const Json& state) {
    Sample s;
    for (const auto& [model, rows] : state.items()) {
      auto& ids = s.ids[model];
      auto& values = s.values[model];
      for (const auto& row : rows) {
        ids.push_back(row.at("id").get<std::string>());
        for (const auto& [k, v] : row.items())
          if (!v.is_object() || k == "attrs") values[k].push_back(v);
      }
    }
    return s;
  }
};

// ---- filling a shop -----------------------------------------------------------------

// Records per model, in the order they are created (parents first).
struct Fill {
  const char* model;
  const char* prefix;
  int count;
};

std::vector<Fill> ShopFill(int scale) {
  return {{"Store", "st", 5 * scale},     {"Manager", "mg", 3 * scale}, {"Category", "ca", 5 * scale},
          {"Product", "pr", 25 * scale},  {"Order", "or", 8 * scale},   {"OrderLine", "ol", 25 * scale},
          {"Person", "pe", 8 * scale}};
}

// Creates random records one call at a time (calls that fail, e.g. on a unique
// clash, are left out) and soft-deletes some of every model, then creates some
// more, which may reuse the unique values of soft-deleted ones. Nothing depends on
// the clock: two databases filled with one seed hold the same records.
void FillShop(Database& db, uint64_t seed, int scale) {
  Rng rng(seed);
  const Schema& schema = db.schema();
  std::map<std::string, std::vector<std::string>> made;  // ids created, by model
  auto create = [&](const ModelDef& m, const std::string& id) {
    Json rec = {{"id", id}};
    for (const PropertyDef& p : m.properties) {
      if (p.primary_key || p.implicit || p.type == PropertyType::kForeignKey) continue;
      if ((p.nullable || p.default_value) && rng.Chance(0.15)) continue;  // null or the default
      rec[p.name] = p.nullable && rng.Chance(0.15) ? Json(nullptr) : DomainValue(rng, p);
    }
    for (RelationId rid : m.relations) {
      const RelationDef& rel = schema.relation(rid);
      const auto& targets = made[schema.model(rel.target).name];
      if (rel.hidden || targets.empty()) continue;
      if (rel.kind == RelationKind::kBelongsTo) {
        const std::string& fk = m.properties[rel.foreign_key.value].name;
        rec[fk] = rel.nullable && rng.Chance(0.2) ? Json(nullptr) : Json(rng.Pick(targets));
      } else if (rel.kind == RelationKind::kManyToMany && !rel.through_pivot() && rng.Chance(0.6)) {
        Json ids = Json::array();
        for (int n = rng.Int(0, 3); n > 0; --n) ids.push_back(rng.Pick(targets));
        rec[rel.name] = ids;
      }
    }
    if (db.Call("create" + m.plural, Json::array({rec})).ok()) made[m.name].push_back(id);
  };
  for (int phase = 0; phase < 2; ++phase) {
    for (const Fill& fill : ShopFill(scale)) {
      const ModelDef& m = schema.model(schema.FindModel(fill.model));
      const int first = phase == 0 ? 0 : fill.count;
      const int end = first + (phase == 0 ? fill.count : fill.count / 3);
      for (int i = first; i < end; ++i) create(m, fill.prefix + std::to_string(i));
    }
    for (const auto& m : schema.models()) {
      Json ids = Json::array();
      for (const auto& id : made[m.name])
        if (rng.Chance(0.08)) ids.push_back(id);
      if (!ids.empty()) Ok(db, "softDelete" + m.plural, Json::array({ids}));
    }
  }
}

// The size of the shop a seed fills (1 to 3 times ShopFill's counts).
int Scale(uint64_t seed) { return 1 + static_cast<int>(seed / 2 % 3); }

// A shop on disk filled by `seed`, then opened again from a snapshot: its adjacency
// lists and indexes are the ones loading builds, not the ones writes keep.
std::unique_ptr<Database> FilledFromSnapshot(const std::string& dir, uint64_t seed) {
  const std::string schema = kShopSchema;
  Options options;
  options.sync = SyncPolicy::kNone;
  options.snapshot_in_child = false;
  {
    auto db = Database::Open(dir, &schema, options);
    REQUIRE(db.ok());
    FillShop(*db.value(), seed, Scale(seed));
    REQUIRE(db.value()->Snapshot().ok());
  }
  auto db = Database::Open(dir, &schema, options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

// ---- random filters, configs and writes ---------------------------------------------

class QueryGen {
 public:
  QueryGen(Rng& rng, const Schema& schema, const Sample& sample) : rng_(rng), schema_(schema), sample_(sample) {}

  Json Filter(const ModelDef& m, int depth = 0) {
    Json f = Json::object();
    for (int keys = rng_.Chance(0.75) ? 1 : rng_.Int(2, 3); keys > 0; --keys) {
      const int k = rng_.Int(0, 99);
      const bool deeper = depth < kMaxDepth;
      if (deeper && k < 9) f["$or"] = Filters(m, depth + 1);
      else if (deeper && k < 14) f["$and"] = Filters(m, depth + 1);
      else if (deeper && k < 18) f["$not"] = Filter(m, depth + 1);
      else if (k < 20) f["q"] = rng_.PickJson(R"(["shirt", "HAT", "al", "%", "_", "", "zzz"])"_j);
      else if (deeper && k < 42 && !Relations(m).empty()) AddRelationCondition(m, depth, &f);
      else AddPropertyCondition(m, &f);
    }
    return f;
  }

  Json Config(const ModelDef& m) {
    Json c = Json::object();
    if (rng_.Chance(0.3)) c["withDeleted"] = true;
    if (rng_.Chance(0.6)) {
      Json order = Json::object();
      for (int n = rng_.Chance(0.7) ? 1 : rng_.Int(2, 3); n > 0; --n)
        order[PickProperty(m, true).name] = rng_.PickJson(R"(["ASC", "DESC", "asc", "desc"])"_j);
      c["order"] = order;
    }
    if (rng_.Chance(0.25)) c["skip"] = rng_.Int(0, 6);
    if (rng_.Chance(0.6)) c["take"] = rng_.PickJson(R"([0, 1, 1, 2, 3, 5, 1000])"_j);
    return c;
  }

  // The data of a selector update: scalars, foreign keys, automatic manyToMany sets.
  Json UpdateData(const ModelDef& m) {
    Json d = Json::object();
    for (int n = rng_.Int(1, 3); n > 0; --n) {
      if (rng_.Chance(0.7)) {
        const PropertyDef& p = PickProperty(m);
        if (p.primary_key || p.implicit) continue;
        if (p.type == PropertyType::kForeignKey) d[p.name] = ForeignKeyValue(p);
        else d[p.name] = p.nullable && rng_.Chance(0.2) ? Json(nullptr) : DomainValue(rng_, p);
        continue;
      }
      for (RelationId rid : m.relations) {
        const RelationDef& rel = schema_.relation(rid);
        if (rel.kind != RelationKind::kManyToMany || rel.through_pivot() || !rng_.Chance(0.5)) continue;
        Json ids = Json::array();
        for (int k = rng_.Int(0, 2); k > 0; --k) ids.push_back(Id(schema_.model(rel.target)));
        d[rel.name] = rng_.Chance(0.7) ? ids : Json{{rng_.Chance(0.5) ? "$add" : "$remove", ids}};
      }
    }
    return d;
  }

  // A selector of a delete, softDelete or restore: mostly a filter, else ids too.
  Json Selector(const ModelDef& m) {
    if (rng_.Chance(0.85)) return Filter(m);
    return Json::array({Filter(m), Id(m)});
  }

 private:
  static constexpr int kMaxDepth = 3;

  Json Filters(const ModelDef& m, int depth) {
    Json a = Json::array();
    for (int n = rng_.Chance(0.05) ? 0 : rng_.Int(1, 3); n > 0; --n) a.push_back(Filter(m, depth));
    return a;
  }

  std::vector<const RelationDef*> Relations(const ModelDef& m) const {
    std::vector<const RelationDef*> out;
    for (RelationId rid : m.relations)
      if (!schema_.relation(rid).hidden) out.push_back(&schema_.relation(rid));
    return out;
  }

  // Mostly the plannable ones: the primary key, foreign keys and indexed properties.
  // Not created_at and updated_at, whose values depend on the clock (so a seed would
  // not replay the same run), nor deleted_at for an order.
  const PropertyDef& PickProperty(const ModelDef& m, bool for_order = false) {
    std::vector<const PropertyDef*> all, planned;
    for (const PropertyDef& p : m.properties) {
      if (p.implicit && (for_order || p.slot != m.deleted_at)) continue;
      all.push_back(&p);
      const bool indexed =
          std::any_of(m.indexes.begin(), m.indexes.end(), [&](const IndexDef& i) { return i.on[0] == p.slot; });
      if (p.primary_key || p.type == PropertyType::kForeignKey || indexed) planned.push_back(&p);
    }
    return *(rng_.Chance(0.6) ? rng_.Pick(planned) : rng_.Pick(all));
  }

  // An id of `m`: mostly one that exists (soft-deleted ones too), else unknown.
  Json Id(const ModelDef& m) {
    const auto& ids = sample_.ids.at(m.name);
    if (ids.empty() || rng_.Chance(0.1)) return m.name + "-nope";
    return rng_.Pick(ids);
  }

  Json ForeignKeyValue(const PropertyDef& p) {
    const RelationDef& rel = schema_.relation(p.relation);
    return rel.nullable && rng_.Chance(0.2) ? Json(nullptr) : Id(schema_.model(rel.target));
  }

  // A value of `p` as a filter names it: mostly one the database holds.
  Json Held(const ModelDef& m, const PropertyDef& p) {
    if (p.primary_key) return Id(m);
    if (p.type == PropertyType::kForeignKey) return ForeignKeyValue(p);
    const auto& held = sample_.values.at(m.name);
    auto it = held.find(p.name);
    if (it != held.end() && !it->second.empty() && rng_.Chance(0.6)) return rng_.Pick(it->second);
    if (p.type == PropertyType::kEnum && rng_.Chance(0.1)) return "nope";
    return DomainValue(rng_, p);
  }

  Json Values(const ModelDef& m, const PropertyDef& p, bool with_null) {
    Json a = Json::array();
    for (int n = rng_.Int(0, 3); n > 0; --n) a.push_back(Held(m, p));
    if (with_null && rng_.Chance(0.3)) a.push_back(nullptr);
    return a;
  }

  // A $like pattern built from a text the property holds.
  Json Pattern(const ModelDef& m, const PropertyDef& p) {
    Json v = Held(m, p);
    std::string s = v.is_string() ? v.get<std::string>() : "a";
    const size_t cut = s.empty() ? 0 : static_cast<size_t>(rng_.Int(0, static_cast<int>(s.size())));
    switch (rng_.Int(0, 4)) {
      case 0: return s.substr(0, cut) + "%";
      case 1: return "%" + s.substr(cut);
      case 2: return "%" + s.substr(cut / 2, cut - cut / 2) + "%";
      case 3: if (!s.empty()) s[cut == s.size() ? 0 : cut] = '_'; return s;
      default: return s;
    }
  }

  Json Condition(const ModelDef& m, const PropertyDef& p, int depth = 0) {
    const ValueType type = m.value_types[p.slot.value];
    // Now and then a malformed condition: both ways must fail alike.
    if (rng_.Chance(0.01))
      return rng_.PickJson(R"([{"$in": 5}, {"$gt": [1]}, {"$like": 5}, {"$nope": 1}, {"$exists": 1}])"_j);
    if (p.implicit) return rng_.PickJson(R"([null, {"$ne": null}, {"$exists": true}, {"$exists": false}])"_j);
    if (type == ValueType::kJson || type == ValueType::kStringList) {
      switch (rng_.Int(0, 4)) {
        case 0: return nullptr;
        case 1: return {{"$ne", nullptr}};
        case 2: return {{"$exists", rng_.Chance(0.5)}};
        default:
          if (type == ValueType::kJson) return {{"$eq", Held(m, p)}};
          return rng_.PickJson(R"(["x", "y", "z", "q"])"_j);
      }
    }
    auto bound = [&] { return rng_.PickJson(R"(["$gt", "$gte", "$lt", "$lte"])"_j).get<std::string>(); };
    switch (rng_.Int(0, 17)) {
      case 0: case 1: case 2: return Held(m, p);
      case 3: return nullptr;
      case 4: return Values(m, p, false);
      case 5: return {{"$eq", Held(m, p)}};
      case 6: return {{"$ne", rng_.Chance(0.2) ? Json(nullptr) : Held(m, p)}};
      case 7: case 8: return {{"$in", Values(m, p, true)}};
      case 9: return {{"$nin", Values(m, p, rng_.Chance(0.2))}};
      case 10: case 11: return {{bound(), Held(m, p)}};
      case 12: {
        Json c = {{bound(), Held(m, p)}};
        c[bound()] = Held(m, p);
        if (rng_.Chance(0.3)) c["$ne"] = Held(m, p);
        return c;
      }
      case 13: return {{"$like", Pattern(m, p)}};
      case 14: return {{"$ilike", Pattern(m, p)}};
      case 15: return {{"$exists", rng_.Chance(0.5)}};
      case 16: if (depth < 2) return {{"$not", Condition(m, p, depth + 1)}}; return Held(m, p);
      default: return {{"$eq", nullptr}};
    }
  }

  void AddPropertyCondition(const ModelDef& m, Json* f) {
    const PropertyDef& p = PickProperty(m);
    (*f)[p.name] = Condition(m, p);
  }

  // `{store: {...}}` in either direction of any relation, `{categories: "c1"}`,
  // `{store: "s1"}` (a belongsTo's foreign key), arrays and $in of ids.
  void AddRelationCondition(const ModelDef& m, int depth, Json* f) {
    const RelationDef& rel = *rng_.Pick(Relations(m));
    const ModelDef& target = schema_.model(rel.target);
    Json c;
    switch (rng_.Int(0, 9)) {
      case 0: case 1: c = Id(target); break;
      case 2: c = Json::array({Id(target), Id(target)}); break;
      case 3: c = {{"$in", Json::array({Id(target), Id(target)})}}; break;
      case 4: c = rel.kind == RelationKind::kBelongsTo && rel.nullable ? Json(nullptr) : Id(target); break;
      default: {
        c = Filter(target, depth + 1);
        // An object of operators only names the target's primary key: keep it a filter.
        const bool operators =
            std::all_of(c.items().begin(), c.items().end(), [](const auto& kv) { return kv.key()[0] == '$'; });
        if (operators) AddPropertyCondition(target, &c);
      }
    }
    (*f)[rel.name] = c;
  }

  Rng& rng_;
  const Schema& schema_;
  const Sample& sample_;
};

// ---- seeds and plans ----------------------------------------------------------------

constexpr int kQueriesPerSeed = 1500;  // each through list and listAndCount
constexpr int kWritesPerSeed = 60;

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// The seeds to run: KIN_QUERY_SEED alone, or `rounds` default ones (see the top).
std::vector<uint64_t> Seeds(uint64_t first_default, uint64_t rounds) {
  const bool pinned = std::getenv("KIN_QUERY_SEED") != nullptr;
  const uint64_t first = EnvNumber("KIN_QUERY_SEED", first_default);
  const uint64_t n = EnvNumber("KIN_QUERY_ROUNDS", pinned ? 1 : rounds);
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < n; ++i) out.push_back(first + i);
  return out;
}

const ModelDef& ModelNamed(const Schema& schema, const std::string& name) {
  return schema.model(schema.FindModel(name));
}

// How RunQuery answered a list, what it read and the ids it found.
struct Planned {
  std::string plan;
  size_t examined = 0;
  std::vector<std::string> ids;
};

// Runs list<model>(filter, config) through RunQuery, as the service does.
Planned RunPlanned(Database& db, const std::string& model, const Json& filter, const Json& config = nullptr) {
  ReadView view = db.Read();
  const ModelDef& m = ModelNamed(view.schema(), model);
  auto f = api::ParseFilter(view.schema(), m, filter);
  auto c = api::ParseReadConfig(view.schema(), m, config);
  INFO(filter.dump() << " " << config.dump());
  REQUIRE(f.ok());
  REQUIRE(c.ok());
  QueryRequest q;
  q.filter = &f.value();
  q.with_deleted = c.value().with_deleted;
  q.order = c.value().order;
  q.skip = c.value().skip;
  q.take = c.value().take;
  q.explain = true;
  QueryResult r = RunQuery(view.store(), m, q);
  Planned out{r.plan, r.examined, {}};
  for (const Record* rec : r.rows) out.ids.emplace_back(rec->id());
  return out;
}

// The marks of each kind of plan node in a description (QueryPlan::Describe), e.g.
// "related Product.store <- index Store(name) (1 keys)"; the last is RunQuery's walk
// of an index in the order asked for.
const std::vector<std::string>& PlanKinds() {
  static const std::vector<std::string> kinds = {"scan ",     "ids ",     "id range ", "index range ",    " keys)",
                                                 "children ", "related ", "union(",    "empty", "(read in order)"};
  return kinds;
}

// The plan RunQuery makes for a list, or why there is none.
std::string PlanOf(Database& db, const ModelDef& m, const Json& filter, const Json& config) {
  if (!api::ParseFilter(db.schema(), m, filter).ok() || !api::ParseReadConfig(db.schema(), m, config).ok())
    return "(the filter or config does not parse)";
  return RunPlanned(db, m.name, filter, config).plan;
}

}  // namespace

// ---- randomized differential tests --------------------------------------------------

TEST_CASE("every list and count through a plan equals a forced scan", "[plan][random]") {
  const bool verbose = std::getenv("KIN_QUERY_VERBOSE") != nullptr;
  std::map<std::string, size_t> kinds;  // plans that had each kind of node
  size_t queries = 0, failed_calls = 0;
  for (uint64_t seed : Seeds(1, 4)) {
    CAPTURE(seed);
    INFO("replay: KIN_QUERY_SEED=" << seed << " build/tests/kin_tests \"[plan]\"");
    testing::TempDir dir;
    auto db = seed % 2 ? FilledFromSnapshot(dir.Sub("db"), seed) : OpenJson(kShopSchema);
    if (seed % 2 == 0) FillShop(*db, seed, Scale(seed));
    const Sample sample = Sample::Of(State(*db));
    Rng rng(seed * 7919);
    QueryGen gen(rng, db->schema(), sample);
    for (int i = 0; i < kQueriesPerSeed; ++i) {
      const ModelDef& m = rng.Pick(db->schema().models());
      const Json args = Json::array({gen.Filter(m), gen.Config(m)});
      for (const std::string method : {"list", "listAndCount"}) {
        const Json planned = Outcome(*db, method + m.plural, args);
        const Json scanned = ScanOutcome(*db, method + m.plural, args);
        if (planned != scanned) {
          INFO(method << m.plural << " " << args.dump() << "\nplan: " << PlanOf(*db, m, args[0], args[1])
                      << "\nplanned: " << planned.dump() << "\nscanned: " << scanned.dump());
          REQUIRE(planned == scanned);
        }
        failed_calls += planned.contains("error");
      }
      ++queries;
      const std::string plan = PlanOf(*db, m, args[0], args[1]);
      for (const auto& k : PlanKinds())
        if (plan.find(k) != std::string::npos) ++kinds[k];
    }
    if (verbose) {
      std::cerr << "seed " << seed << ":";
      for (const auto& [model, ids] : sample.ids) std::cerr << " " << ids.size() << " " << model;
      std::cerr << "\n";
    }
  }
  if (verbose) {
    std::cerr << queries << " queries, " << failed_calls << " calls failed; plans with:\n";
    for (const auto& [k, n] : kinds) std::cerr << "  " << n << " \"" << k << "\"\n";
  }
  // The run is only worth its time if the planner took every kind of plan.
  if (std::getenv("KIN_QUERY_SEED") == nullptr && std::getenv("KIN_QUERY_ROUNDS") == nullptr) {
    for (const auto& k : PlanKinds()) {
      INFO("no plan of " << queries << " random queries had a \"" << k << "\"");
      CHECK(kinds[k] > 0);
    }
  }
}

TEST_CASE("selector writes through a plan equal the same writes through a forced scan", "[plan][random]") {
  const bool verbose = std::getenv("KIN_QUERY_VERBOSE") != nullptr;
  for (uint64_t seed : Seeds(101, 3)) {
    CAPTURE(seed);
    INFO("replay: KIN_QUERY_SEED=" << seed << " build/tests/kin_tests \"[plan]\"");
    auto planned_db = OpenJson(kShopSchema);
    auto scanned_db = OpenJson(kShopSchema);
    FillShop(*planned_db, seed, Scale(seed));
    FillShop(*scanned_db, seed, Scale(seed));
    Json state = WithoutClock(State(*planned_db));
    REQUIRE(state == WithoutClock(State(*scanned_db)));
    Rng rng(seed * 7919);
    std::string steps;  // the calls so far, for a failure's message
    for (int step = 0; step < kWritesPerSeed; ++step) {
      const Sample sample = Sample::Of(state);
      QueryGen gen(rng, planned_db->schema(), sample);
      const ModelDef& m = rng.Pick(planned_db->schema().models());
      std::string method;
      Json args;
      switch (rng.Int(0, 9)) {
        case 0: case 1: case 2: case 3:
          method = "update" + m.plural;
          args = Json::array({{{"selector", gen.Filter(m)}, {"data", gen.UpdateData(m)}}});
          break;
        case 4: case 5: method = "softDelete" + m.plural; args = Json::array({gen.Selector(m)}); break;
        case 6: case 7: method = "restore" + m.plural; args = Json::array({gen.Selector(m)}); break;
        default: method = "delete" + m.plural; args = Json::array({gen.Selector(m)});
      }
      steps += "\n  " + method + " " + args.dump();
      const Json planned = WithoutClock(Outcome(*planned_db, method, args));
      const Json scanned = WithoutClock(ScanOutcome(*scanned_db, method, args));
      if (verbose) std::cerr << method << " -> " << planned.dump().substr(0, 100) << "\n";
      if (planned != scanned) {
        INFO("step " << step << ":" << steps << "\nplanned: " << planned.dump() << "\nscanned: " << scanned.dump());
        REQUIRE(planned == scanned);
      }
      state = WithoutClock(State(*planned_db));
      const Json scanned_state = WithoutClock(State(*scanned_db));
      if (state != scanned_state) {
        INFO("states differ after step " << step << ":" << steps);
        REQUIRE(state.dump(1) == scanned_state.dump(1));
      }
    }
  }
}

// ---- plan shapes --------------------------------------------------------------------

namespace {

std::string Num(int i) { return (i < 10 ? "0" : "") + std::to_string(i); }

// Stores s1 (S1, north, manager m1 of level 7) s2 (S2, south, m2 of level 3) s3 (S3,
// east); products p01..p60: title "Product NN", sku KNN, code CNN, price 1 + NN % 5,
// stock NN % 7, live up to p10 (draft after), p01-p05 in s1, p06-p10 in s2, the rest
// in s3; categories c1 (Tech: p01 p02 p03) c2 (Home: p03); orders o1 (R1: p01 p02)
// o2 (R2: p03). Then `extra` records of every model that no shape names: stores in
// the west with their own managers, retired products without a price, store or
// links, categories named Misc, orders with their own lines of extra products.
std::unique_ptr<Database> ShapeDb(int extra) {
  auto db = OpenJson(kShopSchema);
  Ok(*db, "createStores", R"([[{"id": "s1", "name": "S1", "region": "north"},
                               {"id": "s2", "name": "S2", "region": "south"},
                               {"id": "s3", "name": "S3", "region": "east"}]])"_j);
  Ok(*db, "createManagers", R"([[{"id": "m1", "name": "Ann", "level": 7, "store_id": "s1"},
                                 {"id": "m2", "name": "Bob", "level": 3, "store_id": "s2"}]])"_j);
  Ok(*db, "createCategories", R"([[{"id": "c1", "name": "Tech"}, {"id": "c2", "name": "Home"}]])"_j);
  Json products = Json::array();
  for (int i = 1; i <= 60; ++i) {
    products.push_back({{"id", "p" + Num(i)}, {"title", "Product " + Num(i)}, {"sku", "K" + Num(i)},
                        {"code", "C" + Num(i)}, {"price", 1 + i % 5}, {"stock", i % 7},
                        {"status", i <= 10 ? "live" : "draft"}, {"store_id", i <= 5 ? "s1" : i <= 10 ? "s2" : "s3"}});
  }
  products[0]["categories"] = Json::array({"c1"});
  products[1]["categories"] = Json::array({"c1"});
  products[2]["categories"] = Json::array({"c1", "c2"});
  Ok(*db, "createProducts", Json::array({products}));
  Ok(*db, "createOrders", R"([[{"id": "o1", "reference": "R1", "priority": 1},
                               {"id": "o2", "reference": "R2", "priority": 2}]])"_j);
  Ok(*db, "createOrderLines", R"([[{"id": "l1", "order_id": "o1", "product_id": "p01", "quantity": 2},
                                   {"id": "l2", "order_id": "o1", "product_id": "p02"},
                                   {"id": "l3", "order_id": "o2", "product_id": "p03"}]])"_j);
  Json stores = Json::array(), managers = Json::array(), categories = Json::array(), orders = Json::array();
  products = Json::array();
  Json lines = Json::array();
  for (int i = 0; i < extra; ++i) {
    const std::string n = std::to_string(i);
    stores.push_back({{"id", "xs" + n}, {"name", "XS" + n}, {"region", "west"}});
    managers.push_back({{"id", "xm" + n}, {"name", "Extra"}, {"level", 100}, {"store_id", "xs" + n}});
    categories.push_back({{"id", "xc" + n}, {"name", "Misc"}});
    products.push_back({{"id", "xp" + n}, {"title", "Extra"}, {"stock", 1000}, {"status", "retired"}});
    orders.push_back({{"id", "xo" + n}, {"reference", "XR" + n}, {"priority", 9}});
    lines.push_back({{"id", "xl" + n}, {"order_id", "xo" + n}, {"product_id", "xp" + n}, {"quantity", 50}});
  }
  Ok(*db, "createStores", Json::array({stores}));
  Ok(*db, "createManagers", Json::array({managers}));
  Ok(*db, "createCategories", Json::array({categories}));
  Ok(*db, "createProducts", Json::array({products}));
  Ok(*db, "createOrders", Json::array({orders}));
  Ok(*db, "createOrderLines", Json::array({lines}));
  return db;
}

// The shape data with 100 and with 1,000 extra records per model; read only.
struct ShapeDbs {
  std::unique_ptr<Database> small = ShapeDb(100), large = ShapeDb(1000);
};

const ShapeDbs& Shapes() {
  static const ShapeDbs dbs;
  return dbs;
}

// Lists `model` by `filter` and `config` at both sizes: the plan must be `plan` at
// both, read as many records at both, and find what a forced scan finds. Returns the
// ids found.
std::vector<std::string> RequirePlan(const std::string& model, const Json& filter, const std::string& plan,
                                     const Json& config = nullptr) {
  INFO(model << " " << filter.dump() << " " << config.dump());
  const Planned small = RunPlanned(*Shapes().small, model, filter, config);
  const Planned large = RunPlanned(*Shapes().large, model, filter, config);
  CHECK(small.plan == plan);
  CHECK(large.plan == plan);
  CHECK(small.examined == large.examined);
  CHECK(small.ids == large.ids);
  ScopedForceScan scan;
  CHECK(RunPlanned(*Shapes().large, model, filter, config).ids == large.ids);
  return large.ids;
}

// Lists `model` by `filter`, which no plan serves: one pass over the model, with the
// rows a forced scan finds. Returns the ids found (at the larger size).
std::vector<std::string> RequireScan(const std::string& model, const Json& filter) {
  INFO(model << " " << filter.dump());
  Database& db = *Shapes().large;
  const Planned planned = RunPlanned(db, model, filter);
  CHECK(planned.plan == "scan " + model);
  CHECK(planned.examined == db.Read().store().Count(db.schema().FindModel(model)));
  ScopedForceScan scan;
  CHECK(RunPlanned(db, model, filter).ids == planned.ids);
  return planned.ids;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("an id and an $in of ids are looked up", "[plan]") {
  CHECK(RequirePlan("Product", R"({"id": "p03"})"_j, "ids Product (1)") == Ids{"p03"});
  CHECK(RequirePlan("Product", R"({"id": ["p03", "p01", "nope"]})"_j, "ids Product (3)") == Ids{"p01", "p03"});
  CHECK(RequirePlan("Product", R"({"id": {"$in": ["p07", "p02"]}})"_j, "ids Product (2)") == Ids{"p02", "p07"});
}

TEST_CASE("equality on a unique or plain index probes the index", "[plan]") {
  CHECK(RequirePlan("Product", R"({"sku": "K03"})"_j, "index Product(sku) (1 keys)") == Ids{"p03"});
  CHECK(RequirePlan("Store", R"({"region": "north"})"_j, "index Store(region) (1 keys)") == Ids{"s1"});
  CHECK(RequirePlan("Manager", R"({"level": {"$in": [3, 7]}})"_j, "index Manager(level) (2 keys)") == Ids{"m1", "m2"});
}

TEST_CASE("a composite index answers its leading property and its leading two", "[plan]") {
  CHECK(RequirePlan("Product", R"({"status": "live"})"_j, "index range Product(status,stock)").size() == 10);
  CHECK(RequirePlan("Product", R"({"status": "live", "stock": 3})"_j, "index range Product(status,stock)") ==
        Ids{"p03", "p10"});
  CHECK(RequirePlan("Product", R"({"code": "C02", "store_id": "s1"})"_j, "index range Product(code,store_id)") ==
        Ids{"p02"});
  CHECK(RequirePlan("Order", R"({"priority": 1})"_j, "index range Order(priority,placed_at,total)") == Ids{"o1"});
}

TEST_CASE("a range on an index with take and order on it reads the index in order", "[plan]") {
  // 36 of the 60 products cost 3 or more: at both sizes, a walk of the index to the
  // first of them is estimated cheaper than reading the range and sorting it.
  const Json config = R"({"order": {"price": "ASC"}, "take": 1})"_j;
  CHECK(RequirePlan("Product", R"({"price": {"$gte": 3}})"_j, "index range Product(price) (read in order)", config) ==
        Ids{"p02"});
  CHECK(RequirePlan("Product", R"({"price": {"$gt": 1, "$lte": 3}})"_j, "index range Product(price)") ==
        RequirePlan("Product", R"({"price": [2, 3]})"_j, "index Product(price) (2 keys)"));
}

TEST_CASE("ids or keys with take and an order on their property are read as candidates, not walked", "[plan]") {
  // A walk of the whole index to find two keys would read the model.
  CHECK(RequirePlan("Product", R"({"id": ["p07", "p02"]})"_j, "ids Product (2)", R"({"take": 10})"_j) ==
        Ids{"p02", "p07"});
  CHECK(RequirePlan("Product", R"({"sku": {"$in": ["K07", "K02"]}})"_j, "index Product(sku) (2 keys)",
                    R"({"order": {"sku": "DESC"}, "take": 10})"_j) == Ids{"p07", "p02"});
}

TEST_CASE("a walk in order reads the composite range the plan found, not the whole leading key", "[plan]") {
  // status = "live" holds 10 products at both sizes; the walk reads only those with
  // stock >= 3, in (status, stock) order, not every live product.
  const Json config = R"({"order": {"status": "ASC"}, "take": 2})"_j;
  const Json filter = R"({"status": "live", "stock": {"$gte": 3}})"_j;
  const Planned small = RunPlanned(*Shapes().small, "Product", filter, config);
  const Planned large = RunPlanned(*Shapes().large, "Product", filter, config);
  const size_t in_range = RunPlanned(*Shapes().large, "Product", filter).ids.size();
  CHECK(in_range < 10);
  CHECK(small.examined == large.examined);
  CHECK(large.examined == in_range);  // the group of equal status is read whole
  ScopedForceScan scan;
  CHECK(RunPlanned(*Shapes().large, "Product", filter, config).ids == large.ids);
}

TEST_CASE("an ascending walk of a one-property index stops at the page inside a run of ties", "[plan]") {
  // Stock 0 is shared by several products: the first of them is the page.
  const Json config = R"({"order": {"stock": "ASC"}, "take": 1})"_j;
  CHECK(RequirePlan("Product", nullptr, "scan Product (read in order)", config).size() == 1);
  CHECK(RunPlanned(*Shapes().large, "Product", nullptr, config).examined == 1);
}

TEST_CASE("a take too large to multiply changes no plan", "[plan]") {
  // 2^59 products times the model's size wraps a 64-bit cost to 0.
  const Json huge = Json::parse(R"({"take": 576460752303423488})");
  CHECK(RequirePlan("Product", R"({"sku": "K03"})"_j, "index Product(sku) (1 keys)", huge) == Ids{"p03"});
}

TEST_CASE("order on an indexed property with take reads the first rows of the index", "[plan]") {
  // The extra products have no price: they sort after every price.
  const Json config = R"({"order": {"price": "ASC", "id": "DESC"}, "take": 3})"_j;
  CHECK(RequirePlan("Product", nullptr, "scan Product (read in order)", config) == Ids{"p60", "p55", "p50"});
}

TEST_CASE("a foreign key walks the parent's children", "[plan]") {
  const Ids s1 = {"p01", "p02", "p03", "p04", "p05"};
  CHECK(RequirePlan("Product", R"({"store_id": "s1"})"_j, "children Product.store of 1 Store") == s1);
  CHECK(RequirePlan("Product", R"({"store": "s1"})"_j, "children Product.store of 1 Store") == s1);
  CHECK(RequirePlan("Product", R"({"store_id": {"$in": ["s2", "s1"]}})"_j, "children Product.store of 2 Store")
            .size() == 10);
  CHECK(RequirePlan("Manager", R"({"store_id": "s2"})"_j, "children Manager.store of 1 Store") == Ids{"m2"});
}

TEST_CASE("a relation filter walks back from the matching related records", "[plan]") {
  SECTION("belongsTo") {
    CHECK(RequirePlan("Product", R"({"store": {"name": "S1"}})"_j,
                      "related Product.store <- index Store(name) (1 keys)") == Ids{"p01", "p02", "p03", "p04", "p05"});
  }
  SECTION("hasMany") {
    CHECK(RequirePlan("Store", R"({"products": {"sku": "K07"}})"_j,
                      "related Store.products <- index Product(sku) (1 keys)") == Ids{"s2"});
  }
  SECTION("hasOne") {
    CHECK(RequirePlan("Store", R"({"manager": {"level": 7}})"_j,
                      "related Store.manager <- index Manager(level) (1 keys)") == Ids{"s1"});
  }
  SECTION("automatic manyToMany, both sides") {
    CHECK(RequirePlan("Product", R"({"categories": {"name": "Tech"}})"_j,
                      "related Product.categories <- index Category(name) (1 keys)") == Ids{"p01", "p02", "p03"});
    CHECK(RequirePlan("Product", R"({"categories": "c2"})"_j, "related Product.categories <- ids Category (1)") ==
          Ids{"p03"});
    CHECK(RequirePlan("Category", R"({"products": {"sku": "K03"}})"_j,
                      "related Category.products <- index Product(sku) (1 keys)") == Ids{"c1", "c2"});
  }
  SECTION("manyToMany through a pivotEntity, both sides") {
    CHECK(RequirePlan("Product", R"({"orders": {"reference": "R1"}})"_j,
                      "related Product.orders <- index Order(reference) (1 keys)") == Ids{"p01", "p02"});
    CHECK(RequirePlan("Order", R"({"products": {"sku": "K03"}})"_j,
                      "related Order.products <- index Product(sku) (1 keys)") == Ids{"o2"});
  }
  SECTION("two levels") {
    CHECK(RequirePlan("Store", R"({"products": {"orders": {"reference": "R2"}}})"_j,
                      "related Store.products <- related Product.orders <- index Order(reference) (1 keys)") ==
          Ids{"s1"});
  }
}

TEST_CASE("$and is answered by its most selective input", "[plan]") {
  CHECK(RequirePlan("Product", R"({"status": "live", "sku": "K03"})"_j, "index Product(sku) (1 keys)") == Ids{"p03"});
  CHECK(RequirePlan("Product", R"({"$and": [{"store_id": "s3"}, {"sku": "K20"}]})"_j, "index Product(sku) (1 keys)") ==
        Ids{"p20"});
  CHECK(RequirePlan("Product", R"({"store_id": "s1", "orders": {"reference": "R2"}})"_j,
                    "related Product.orders <- index Order(reference) (1 keys)") == Ids{"p03"});
}

TEST_CASE("$or is the union of its planned branches", "[plan]") {
  CHECK(RequirePlan("Product", R"({"$or": [{"sku": "K03"}, {"store_id": "s1"}]})"_j,
                    "union(index Product(sku) (1 keys), children Product.store of 1 Store)") ==
        Ids{"p01", "p02", "p03", "p04", "p05"});
  CHECK(RequirePlan("Product", R"({"$or": [{"id": "p09"}, {"categories": "c2"}]})"_j,
                    "union(ids Product (1), related Product.categories <- ids Category (1))") == Ids{"p03", "p09"});
}

TEST_CASE("a filter no plan serves is one pass over the model, with the same rows", "[plan]") {
  CHECK(RequireScan("Product", R"({"title": {"$ne": "Product 01"}})"_j).size() == 60 + 1000 - 1);
  CHECK(RequireScan("Product", R"({"title": {"$like": "Product 1%"}})"_j).size() == 10);
  CHECK(RequireScan("Product", R"({"$not": {"sku": {"$ne": "K01"}}})"_j).size() == 1000 + 1);
  CHECK(RequireScan("Product", R"({"q": "product 05"})"_j) == Ids{"p05"});
}

TEST_CASE("$or with one branch no plan serves scans", "[plan]") {
  CHECK(RequireScan("Product", R"({"$or": [{"sku": "K03"}, {"title": {"$like": "%05"}}]})"_j) == Ids{"p03", "p05"});
}
