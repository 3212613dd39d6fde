// Query plans (docs/queries.md), at random: every plan returns exactly what a
// scan of the model would.
//
// The random tests run random filters and configs through list and listAndCount,
// and random selector writes (update {selector, data}, delete, softDelete, restore
// by filter) through two databases built alike, once through the planner and once
// inside ScopedForceScan, over a schema with every relationship and index kind, and
// require the same results, errors and states. A failure names its seed; replay it:
//   KIN_QUERY_SEED=<seed> build/tests/kin_tests "[plan]"
// KIN_QUERY_SEED runs that seed alone (and, with KIN_QUERY_ROUNDS=n, the n seeds
// from it); KIN_QUERY_ROUNDS alone sets the number of default seeds.

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
#include "tests/api/query_plan_util.h"

namespace {

using namespace kin;
using kin::testing::operator""_j;
using kin::testing::Ok;
using kin::testing::OpenJson;
using namespace kin::testing::plan;

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
    auto db = Database::Open(dir, schema, options);
    REQUIRE(db.ok());
    FillShop(*db.value(), seed, Scale(seed));
    REQUIRE(db.value()->Snapshot().ok());
  }
  auto db = Database::Open(dir, schema, options);
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
    switch (rng_.Int(0, 11)) {
      case 0: case 1: c = Id(target); break;
      case 10: case 11: {
        // One condition on a property no index leads with: the related side is
        // scanned (a text equality is compared in place, a list's by membership).
        std::vector<const PropertyDef*> unindexed;
        for (const PropertyDef& p : target.properties) {
          const bool indexed = std::any_of(target.indexes.begin(), target.indexes.end(),
                                           [&](const IndexDef& i) { return i.on[0] == p.slot; });
          if (!indexed && !p.implicit && !p.primary_key && p.type != PropertyType::kForeignKey) unindexed.push_back(&p);
        }
        if (unindexed.empty()) {
          c = Id(target);
          break;
        }
        const PropertyDef& p = *rng_.Pick(unindexed);
        c = Json::object();
        const bool text = target.value_types[p.slot.value] == ValueType::kText;
        c[p.name] = text && rng_.Chance(0.5) ? Held(target, p) : Condition(target, p);
        break;
      }
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

