// Model-based random testing (issue #5): random sequences of service calls run
// against kin and against ReferenceModel (tests/api/reference_model.h), a plain
// std::map model of SPEC.md's rules. After every step both must agree on whether
// the call succeeded, its error type, its result, and on every record and every
// relation (timestamps compared for presence only, deleted_at for null-ness).
// The database lives on disk (sync none); each run takes snapshots and reopens the
// database (snapshot + journal replay) at fixed and random steps and at the end.
//
// Schema: tests/data/schemas/model_based.json, and at some reopens a variant of it
// (WidenedSchema, EvolvedSchema): the database changes its schema round a cycle
// mid-run. Calls: create (single, batch, with and without ids), update (by id,
// batch, {selector, data}), delete, softDelete, restore, retrieve, manyToMany
// replace/$add/$remove, pivot records, transactions (some failing midway), and
// invalid calls of every error type.
//
// Replaying a failure: the failure message names the seed, the step, the call and
// the steps before it, and prints the command that replays it:
//   KIN_MBT_SEED=<seed> KIN_MBT_STEPS=<step> build-asan/tests/kin_tests "[model]"
// KIN_MBT_SEED runs only that seed; KIN_MBT_STEPS sets the number of steps of every
// seed (a shorter run is the same run cut short: nothing depends on the total).
// KIN_MBT_VERBOSE=1 prints, per seed, how many calls of each kind passed or failed.

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/database_access.h"
#include "tests/api/model_based_generator.h"
#include "tests/api/reference_model.h"
#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;
using namespace kin::testing::mbt;

constexpr uint64_t kDefaultSeeds[] = {1, 2, 3, 4};
constexpr int kDefaultSteps = 1000;

PlainJson FromValue(const kin::Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return nullptr;
    case ValueType::kBool: return v.as_bool();
    case ValueType::kInt: return v.as_int();
    case ValueType::kText: return v.as_text();
    case ValueType::kJson: return PlainJson::parse(v.as_json());
    default: return "(a value of type " + std::to_string(static_cast<int>(v.type())) + ")";
  }
}

// kin's whole state as its adjacency holds it (ReferenceModel::Form::kLinks),
// read through a ReadView.
// ---- schema changes mid-run -------------------------------------------------------

// What the evolved variant adds, which the reference model does not know and the
// comparisons leave out.
bool Evolved(const std::string& name) { return name.rfind("evolved_", 0) == 0; }

// The model-based schema with a nullable indexed property on every model (always
// null), declared last: a change the database takes in place, whose records keep
// their layout until their next write.
std::string WidenedSchema(const std::string& base) {
  Json widened = Json::parse(base);
  for (auto& [name, model] : widened["models"].items())
    model["properties"]["evolved_note"] = {{"type", "text"}, {"nullable", true}, {"index", true}};
  return widened.dump();
}

// The model-based schema, changed in every safe way that leaves what the reference
// model sees as it is: a model the calls never touch, a nullable indexed property on
// every model (always null), and the models declared in reverse order (other model
// ids, relation ids and record layouts: every record is carried over). Going back to
// the base drops the property and the model: destructive steps, allowed, that lose
// nothing but nulls.
std::string EvolvedSchema(const std::string& base) {
  const Json schema = Json::parse(base);
  Json evolved = {{"models", Json::object()}};
  evolved["models"]["EvolvedNote"] = {
      {"properties", {{"id", {{"type", "id"}, {"primaryKey", true}}}, {"evolved_text", {{"type", "text"}}}}}};
  std::vector<std::string> names;
  for (const auto& [name, model] : schema["models"].items()) names.push_back(name);
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    Json model = schema["models"][*it];
    model["properties"]["evolved_note"] = {{"type", "text"}, {"nullable", true}, {"index", true}};
    evolved["models"][*it] = model;
  }
  return evolved.dump();
}

PlainJson KinLinks(Database& db, const Spec& spec) {
  PlainJson out = PlainJson::object();
  const ReadView view = db.Read();
  const Store& store = api::ViewAccess::StoreOf(view);
  for (const auto& ms : spec.models) {
    const ModelDef& m = view.schema().model(view.schema().FindModel(ms.name));
    PlainJson& rows = out[ms.name] = PlainJson::object();
    store.Scan(m.id, [&](const kin::Record& stored) {
      const RecordRef r = api::ViewAccess::Ref(store.schema(), m, &stored);
      PlainJson row = PlainJson::object();
      for (const auto& p : m.properties)
        if (!p.primary_key && !p.implicit && !Evolved(p.name)) row[p.name] = FromValue(r.Get(p.slot));
      row["deleted"] = r.deleted();
      row["timestamps"] = !r.Get(m.created_at).is_null() && !r.Get(m.updated_at).is_null();
      for (RelationId rid : m.relations) {
        const RelationDef& rel = view.schema().relation(rid);
        if (rel.hidden) continue;
        std::vector<std::string> ids;
        r.ForEachRelated(rid, [&](const RecordRef& other) { ids.emplace_back(other.id()); }, true);
        std::sort(ids.begin(), ids.end());
        const bool one = rel.kind == RelationKind::kBelongsTo && ids.size() <= 1;
        row[rel.name] = !one ? PlainJson(ids) : ids.empty() ? PlainJson() : PlainJson(ids[0]);
      }
      rows[std::string(r.id())] = row;
      return true;
    });
  }
  return out;
}

// kin's whole state as list*({withDeleted, relations: all}) shows it
// (ReferenceModel::Form::kListing).
PlainJson KinListing(Database& db, const Spec& spec) {
  PlainJson out = PlainJson::object();
  for (const auto& m : spec.models) {
    const std::vector<std::string> names = spec.RelationNames(m.name);
    auto text = db.CallText("list" + m.plural, Json::array({nullptr, {{"withDeleted", true}, {"relations", names}}}));
    INFO(text.status().ToString());
    REQUIRE(text.ok());
    PlainJson& rows = out[m.name] = PlainJson::object();
    for (const auto& row : PlainJson::parse(text.value())) {
      PlainJson r = PlainJson::object();
      for (const auto& [key, v] : row.items()) {
        if (key == "id" || key == "created_at" || key == "updated_at" || Evolved(key)) continue;
        if (key == "deleted_at") {
          r["deleted"] = !v.is_null();
        } else if (std::find(names.begin(), names.end(), key) == names.end()) {
          r[key] = v;
        } else if (v.is_object()) {
          r[key] = v.at("id");
        } else if (v.is_array()) {
          std::vector<std::string> ids;
          for (const auto& e : v)
            ids.push_back(e.at("id").get<std::string>() +
                          (e.contains("$pivot") ? "@" + e["$pivot"].at("id").get<std::string>() : ""));
          std::sort(ids.begin(), ids.end());
          r[key] = ids;
        } else {
          r[key] = v;
        }
      }
      r["timestamps"] = row["created_at"].is_string() && row["updated_at"].is_string();
      rows[row.at("id").get<std::string>()] = r;
    }
  }
  return out;
}

// The model names records created without an id "~n"; learn kin's ids for them
// by matching the records' own fields.
void LearnGeneratedIds(ReferenceModel& model, const PlainJson& kin) {
  for (const auto& m : model.spec().models) {
    std::vector<std::pair<std::string, ModelRecord>> placeholders;
    for (const auto& [id, r] : model.state().tables.at(m.name))
      if (ReferenceModel::IsPlaceholder(id)) placeholders.emplace_back(id, r);
    if (placeholders.empty()) continue;
    std::vector<std::string> unknown;
    for (const auto& [id, row] : kin.at(m.name).items())
      if (!model.state().tables.at(m.name).count(id)) unknown.push_back(id);
    for (const auto& [placeholder, r] : placeholders) {
      for (auto it = unknown.begin(); it != unknown.end(); ++it) {
        const PlainJson& row = kin.at(m.name).at(*it);
        bool same = row.value("deleted", false) == r.deleted;
        for (const auto& [key, v] : r.fields.items()) same = same && (key == "id" || (row.contains(key) && row[key] == v));
        if (!same) continue;
        CHECK(it->size() == 26);  // a bare ULID: the schema declares no prefixes
        model.Rename(m.name, placeholder, *it);
        unknown.erase(it);
        break;
      }
    }
  }
}

// The records on which kin and the model differ (the first few), or "".
std::string Diff(const PlainJson& kin, const PlainJson& expected) {
  if (kin == expected) return "";
  std::string out;
  int shown = 0;
  for (const auto& [model, rows] : expected.items()) {
    std::set<std::string> ids;
    for (const auto& [id, r] : rows.items()) ids.insert(id);
    for (const auto& [id, r] : kin.at(model).items()) ids.insert(id);
    for (const auto& id : ids) {
      const PlainJson x = kin[model].contains(id) ? kin[model][id] : PlainJson("(absent)");
      const PlainJson y = rows.contains(id) ? rows[id] : PlainJson("(absent)");
      if (x == y || ++shown > 6) continue;
      out += model + " " + id + "\n  kin:   " + x.dump() + "\n  model: " + y.dump() + "\n";
    }
  }
  return out;
}

// Expected results match actual ones; a placeholder id matches any id, and an
// array holding one only needs the same size and the known ids.
bool ResultMatches(const Json& expected, const Json& actual) {
  if (expected.is_string() && ReferenceModel::IsPlaceholder(expected.get<std::string>())) return actual.is_string();
  if (expected.is_array() && actual.is_array()) {
    if (expected.size() != actual.size()) return false;
    const bool loose = std::any_of(expected.begin(), expected.end(), [](const Json& e) {
      return e.is_string() && ReferenceModel::IsPlaceholder(e.get<std::string>());
    });
    for (size_t i = 0; i < expected.size(); ++i) {
      if (loose ? expected[i].is_string() && !ReferenceModel::IsPlaceholder(expected[i].get<std::string>()) &&
                      std::find(actual.begin(), actual.end(), expected[i]) == actual.end()
                : !ResultMatches(expected[i], actual[i]))
        return false;
    }
    return true;
  }
  if (expected.is_object() && actual.is_object()) {
    if (expected.size() != actual.size()) return false;
    for (const auto& [key, v] : expected.items())
      if (!actual.contains(key) || !ResultMatches(v, actual[key])) return false;
    return true;
  }
  return ToPlain(expected) == ToPlain(actual);
}

std::unique_ptr<Database> OpenAt(const std::string& dir, const std::string& schema, const Options& options) {
  auto db = Database::Open(dir, schema, options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  CHECK(db.value()->open_notice().empty());
  return std::move(db.value());
}

// Runs `steps` random steps of `seed`; REQUIREs agreement after each.
void RunSeed(uint64_t seed, int steps) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string base_schema = SchemaText("model_based"), widened_schema = WidenedSchema(base_schema),
                    evolved_schema = EvolvedSchema(base_schema);
  std::string schema = base_schema;
  Options options;
  options.sync = SyncPolicy::kNone;
  options.snapshot_in_child = seed % 2 == 0;
  auto db = OpenAt(path, schema, options);
  ReferenceModel model(ModelBasedSpec());
  Generator gen(seed, model);
  std::mt19937_64 chance(seed ^ 0x9e3779b97f4a7c15ull);  // snapshots and reopens, apart from the calls
  std::deque<std::string> recent;                         // the steps before a divergence
  std::map<std::string, int> outcomes;                    // "create:ok" -> count (KIN_MBT_VERBOSE)

  // Compares the adjacency after every step and the listed output now and then.
  auto agree = [&](const char* when, bool listing) {
    const PlainJson links = KinLinks(*db, model.spec());
    LearnGeneratedIds(model, links);
    std::string diff = Diff(links, model.Expected(ReferenceModel::Form::kLinks));
    INFO("records or links differ " << when << ":\n" << diff);
    REQUIRE(diff.empty());
    if (!listing) return;
    diff = Diff(KinListing(*db, model.spec()), model.Expected(ReferenceModel::Form::kListing));
    INFO("listed records differ " << when << ":\n" << diff);
    REQUIRE(diff.empty());
  };

  for (int i = 1; i <= steps; ++i) {
    const Step step = gen.Next();
    const std::string described = step.Describe();
    std::string history;
    for (const auto& h : recent) history += "  " + h + "\n";
    INFO("seed " << seed << ", step " << i << " of " << steps << " (replay: KIN_MBT_SEED=" << seed
                 << " KIN_MBT_STEPS=" << i << ")\nrecent steps:\n" << history << "the step: " << described);

    const Outcome expected = step.transaction ? model.Transaction(step.calls)
                                              : model.Call(step.calls[0].method, step.calls[0].arguments());
    const Result<Json> actual = step.transaction ? db->Transaction(step.calls)
                                                 : db->Call(step.calls[0].method, step.calls[0].arguments());
    INFO("kin: " << (actual.ok() ? actual.value().dump() : actual.status().ToString()));
    INFO("model: " << (expected.error ? std::string(ErrorTypeName(*expected.error)) + " (" + expected.why + ")"
                                      : expected.result.dump()));
    REQUIRE(actual.ok() == !expected.error.has_value());
    if (expected.error) {
      REQUIRE(actual.status().type() == *expected.error);
    } else {
      Json normalized = Json::array();
      for (size_t c = 0; c < step.calls.size(); ++c) {
        const Json& one = step.transaction ? actual.value()[c] : actual.value();
        normalized.push_back(NormalizeResult(model.Resolve(step.calls[c].method)->first, one));
      }
      REQUIRE(ResultMatches(step.transaction ? expected.result : Json::array({expected.result}), normalized));
    }
    agree("after the step", i % 20 == 0);

    const std::string kind = step.transaction ? "transaction" : step.calls[0].method.substr(0, 6);
    ++outcomes[kind + ":" + (expected.error ? ErrorTypeName(*expected.error) : "ok")];
    recent.push_back(std::to_string(i) + ": " + described + " -> " +
                     (expected.error ? ErrorTypeName(*expected.error) : "ok"));
    if (recent.size() > 6) recent.pop_front();
    // Fixed points too, but none that depends on `steps`: a shorter replay is the same run.
    const bool snapshot = std::uniform_int_distribution<int>(0, 99)(chance) == 0 || i % 333 == 0;
    const bool reopen = std::uniform_int_distribution<int>(0, 149)(chance) == 0 || i % 500 == 0;
    if (snapshot) {
      Status s = db->Snapshot();
      INFO(s.ToString());
      REQUIRE(s.ok());
    }
    if (reopen) {
      db.reset();
      // Every other reopen or so changes the schema, round the cycle base ->
      // widened (in place) -> evolved (carried) -> base (destructive, carried).
      if (std::uniform_int_distribution<int>(0, 1)(chance) == 0) {
        schema = schema == base_schema ? widened_schema : schema == widened_schema ? evolved_schema : base_schema;
        MigrateOptions back;
        back.allow_destructive = schema == base_schema;
        auto migrated = Database::Migrate(path, schema, back, options);
        INFO("schema change to the "
             << (schema == base_schema ? "base" : schema == widened_schema ? "widened" : "evolved")
             << " schema: " << migrated.status().ToString());
        REQUIRE(migrated.ok());
        REQUIRE(migrated->applied);
        ++outcomes["schema-change"];
      }
      db = OpenAt(path, schema, options);
      agree("after reopening", true);
    }
  }
  if (std::getenv("KIN_MBT_VERBOSE")) {
    std::string sizes;
    for (const auto& [name, table] : model.state().tables) sizes += " " + name + "=" + std::to_string(table.size());
    std::string counts;
    for (const auto& [what, n] : outcomes) counts += " " + what + "=" + std::to_string(n);
    WARN("seed " << seed << ":" << counts << "\nrecords at the end:" << sizes);
  }
  db.reset();
  db = OpenAt(path, schema, options);
  INFO("seed " << seed << ", after all " << steps << " steps");
  agree("after the final reopening", true);
}

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

}  // namespace

TEST_CASE("the reference model's tables describe the model-based schema", "[model]") {
  auto db = OpenJson(SchemaText("model_based"));
  const Spec spec = ModelBasedSpec();
  REQUIRE(db->schema().models().size() == spec.models.size());
  for (const auto& m : db->schema().models()) {
    INFO(m.name);
    const ModelSpec& s = spec.model(m.name);
    CHECK(m.plural == s.plural);
    CHECK(m.snake == s.snake);
    std::vector<std::string> relations, expected = spec.RelationNames(m.name);
    for (RelationId rid : m.relations)
      if (!db->schema().relation(rid).hidden) relations.push_back(db->schema().relation(rid).name);
    std::sort(relations.begin(), relations.end());
    std::sort(expected.begin(), expected.end());
    CHECK(relations == expected);
    std::vector<std::string> properties;
    for (const auto& p : m.properties)
      if (!p.implicit && !p.primary_key) properties.push_back(p.name);
    std::vector<std::string> described;
    for (const auto& sc : s.scalars) described.push_back(sc.name);
    for (const auto& p : s.parents) described.push_back(p.column);
    std::sort(properties.begin(), properties.end());
    std::sort(described.begin(), described.end());
    CHECK(properties == described);
  }
}

TEST_CASE("random service calls agree with a reference model, through snapshots and restarts", "[model]") {
  const int steps = static_cast<int>(EnvNumber("KIN_MBT_STEPS", kDefaultSteps));
  std::vector<uint64_t> seeds(std::begin(kDefaultSeeds), std::end(kDefaultSeeds));
  if (std::getenv("KIN_MBT_SEED")) seeds = {EnvNumber("KIN_MBT_SEED", 0)};
  for (uint64_t seed : seeds) RunSeed(seed, steps);
}
