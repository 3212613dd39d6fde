#pragma once
// The model-based test's call generator (tests/api/model_based_test.cc): random
// steps (single calls and transactions) over the current state of a ReferenceModel.

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/api/reference_model.h"
#include "tests/persistence/persistence_test_util.h"

namespace kin::testing::mbt {

inline constexpr int kPoolSize = 6;  // ids per model: "author1".."author6"

struct Step {
  std::vector<CallRequest> calls;
  bool transaction = false;

  std::string Describe() const {
    std::string out = transaction ? "transaction:" : "";
    for (const auto& c : calls) out += (transaction ? "\n    " : "") + c.method + " " + c.arguments().dump();
    return out;
  }
};

// Random steps over the current state of the model: ids are mostly those of
// existing records (live ones more often), sometimes free or unknown ones, so
// that clashes, restrictions and not_found happen often.
class Generator {
 public:
  Generator(uint64_t seed, const ReferenceModel& model) : rng_(seed), model_(model), spec_(model.spec()) {}

  Step Next() {
    Step step;
    if (Chance(0.08)) {
      step.transaction = true;
      for (int n = Int(1, 4); n > 0; --n) step.calls.push_back(OneCall(true));
      if (Chance(0.25)) step.calls.push_back({"retrieve" + AnyModel().name, Json::array({"nope"})});
      if (Chance(0.03)) step.calls.insert(step.calls.begin(), CallRequest{"createWidgets", R"([{}])"_j});
      return step;
    }
    step.calls.push_back(Chance(0.005) ? CallRequest{"deleteWidgets", R"(["w1"])"_j} : OneCall(false));
    return step;
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<size_t>(Int(0, static_cast<int>(v.size()) - 1))]; }
  const ModelSpec& AnyModel() { return Pick(spec_.models); }

  static std::string Lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  std::string PoolId(const std::string& model) { return Lower(model) + std::to_string(Int(1, kPoolSize)); }

  // An id of `model`: mostly a live record, else a soft-deleted one, a pool id or
  // one that never exists.
  std::string Ref(const std::string& model) {
    std::vector<std::string> live, deleted;
    for (const auto& [id, r] : model_.state().tables.at(model)) (r.deleted ? deleted : live).push_back(id);
    if (!Chance(0.2 * noise_)) {
      if (!live.empty() && (deleted.empty() || !Chance(0.2 * noise_))) return Pick(live);
      if (!deleted.empty()) return Pick(deleted);
    }
    return Chance(0.85) ? PoolId(model) : "nope";
  }

  std::vector<std::string> FreeIds(const ModelSpec& m) {
    const auto& table = model_.state().tables.at(m.name);
    std::vector<std::string> free;
    for (int i = 1; i <= kPoolSize; ++i)
      if (!table.count(Lower(m.name) + std::to_string(i))) free.push_back(Lower(m.name) + std::to_string(i));
    return free;
  }

  // A pool id for a new record, usually a free one.
  std::string NewId(const ModelSpec& m) {
    const std::vector<std::string> free = FreeIds(m);
    return !free.empty() && !Chance(0.15 * noise_) ? Pick(free) : PoolId(m.name);
  }

  // A value of a scalar; with `bad`, now and then one of the wrong type.
  Json Value(const Scalar& s, bool bad = true) {
    if (bad && Chance(0.03 * noise_)) return s.kind == Kind::kText ? Json(7) : Json(s.kind == Kind::kInt ? "seven" : "x");
    if (s.nullable && Chance(0.15)) return nullptr;
    switch (s.kind) {
      case Kind::kText: return s.name + "-" + std::to_string(Int(1, s.unique ? 4 : 3));
      case Kind::kInt: return Int(0, 4);
      case Kind::kEnum: return bad && Chance(0.04 * noise_) ? "archived" : Pick(s.values);
      case Kind::kJson: {
        if (Chance(0.1)) return Json::array({Int(0, 3)});
        Json j = Json::object();
        for (int n = Int(1, 2); n > 0; --n) j["k" + std::to_string(Int(1, 3))] = Chance(0.25) ? Json("") : Json(Int(0, 3));
        return j;
      }
    }
    return nullptr;
  }

  // A belongsTo given by its column or its name, as an id, {"id": ...} or null.
  std::pair<std::string, Json> ParentValue(const Parent& p) {
    const bool by_name = Chance(0.5);
    const std::string key = by_name ? p.name : p.column;
    if (Chance(p.nullable ? 0.15 : 0.02 * noise_)) return {key, nullptr};
    if (Chance(0.01 * noise_)) return {key, 5};
    const std::string id = Ref(p.parent);
    return {key, by_name && Chance(0.3) ? Json({{"id", id}}) : Json(id)};
  }

  // An id, now and then as {"id": ...}.
  Json IdValue(const std::string& model) {
    const std::string id = Ref(model);
    return Chance(0.1) ? Json({{"id", id}}) : Json(id);
  }

  Json Ids(const std::string& model) {
    Json ids = Json::array();
    for (int n = Int(0, 3); n > 0; --n) ids.push_back(IdValue(model));
    return ids;
  }

  Json ManyToManyValue(const std::string& target) {
    const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (r < 0.5) return Ids(target);
    if (r < 0.7) return {{"$add", Ids(target)}};
    if (r < 0.85) return {{"$remove", Ids(target)}};
    if (r < 0.93) {
      Json both = Json::object();
      for (const char* op : Chance(0.5) ? std::vector<const char*>{"$add", "$remove"} : std::vector<const char*>{"$remove", "$add"})
        both[op] = Ids(target);
      return both;
    }
    if (r < 0.97 || !Chance(noise_)) return nullptr;
    return Chance(0.5) ? Json(Ref(target)) : Json({{"$set", Ids(target)}});
  }

  // The fields of a create (`creating`) or an update: scalars, belongsTo, the
  // hasOne/hasMany/manyToMany sides, and rare invalid keys, in random order.
  Json Fields(const ModelSpec& m, bool creating, const std::string& id) {
    const double scale = creating ? 1.0 : 0.4;
    std::vector<std::pair<std::string, Json>> kv;
    if (!id.empty()) kv.emplace_back("id", id);
    for (const auto& s : m.scalars) {
      const bool required = !s.nullable && s.default_value.is_null();
      if (Chance(required && creating ? 1 - 0.03 * noise_ : 0.6 * scale)) kv.emplace_back(s.name, Value(s));
    }
    for (const auto& p : m.parents)
      if (Chance(!p.nullable && creating ? 1 - 0.03 * noise_ : 0.6 * scale)) kv.push_back(ParentValue(p));
    for (const auto& child : spec_.models)
      for (const auto& p : child.parents) {
        if (p.parent != m.name || p.pivot) continue;
        if (p.one_to_one && Chance(0.2 * scale)) kv.emplace_back(p.inverse, Chance(0.15) ? Json() : IdValue(child.name));
        if (!p.one_to_one && Chance(0.02 * noise_)) kv.emplace_back(p.inverse, Chance(0.5) ? Json::array() : Ids(child.name));
      }
    for (const auto& mm : spec_.m2m) {
      if (mm.a == m.name && Chance(0.35)) kv.emplace_back(mm.a_rel, ManyToManyValue(mm.b));
      if (mm.b == m.name && Chance(0.35)) kv.emplace_back(mm.b_rel, ManyToManyValue(mm.a));
    }
    if (Chance(0.02 * noise_)) kv.emplace_back("bogus", 1);
    if (Chance(0.01 * noise_)) kv.emplace_back("created_at", "2026-01-01T00:00:00.000Z");
    std::shuffle(kv.begin(), kv.end(), rng_);
    Json data = Json::object();
    for (auto& [k, v] : kv) data[k] = std::move(v);
    return data;
  }

  // An equality filter on one property (rarely: none, or an unknown one).
  Json Filter(const ModelSpec& m) {
    if (Chance(0.03 * noise_)) return Chance(0.5) ? Json::object() : Json({{"bogus", 1}});
    std::vector<Json> options;
    options.push_back({{"id", Ref(m.name)}});
    for (const auto& s : m.scalars)
      if (s.kind != Kind::kJson) options.push_back({{s.name, Value(s, false)}});
    for (const auto& p : m.parents) options.push_back({{p.column, Chance(0.2) ? Json() : Json(Ref(p.parent))}});
    return Pick(options);
  }

  Json Selector(const ModelSpec& m) {
    const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (r < 0.5) return Ref(m.name);
    if (r < 0.75) return Ids(m.name);
    if (r < 0.9) return Filter(m);
    if (r < 0.99 || !Chance(noise_)) return Json::array({Ref(m.name), Filter(m)});
    return Chance(0.5) ? Json(5) : Json(true);
  }

  Json LinkableConfig() {
    Json keys = Json::array();
    for (const auto& m : spec_.models)
      if (Chance(0.3)) keys.push_back(m.snake + "_id");
    return {{"returnLinkableKeys", keys}};
  }

  // One call; a quarter of them are noisy (many more invalid values and ids).
  CallRequest OneCall(bool in_transaction) {
    noise_ = Chance(0.25) ? 1.0 : 0.2;
    const ModelSpec& m = AnyModel();
    const double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (r < 0.34 && FreeIds(m).empty() && Chance(0.7))  // a full pool: make room instead
      return {(Chance(0.5) ? "delete" : "softDelete") + m.plural, Json::array({Ref(m.name)})};
    if (r < 0.34) {
      if (Chance(0.7)) return {"create" + m.plural, Json::array({Fields(m, true, in_transaction || Chance(0.9) ? NewId(m) : "")})};
      Json batch = Json::array();
      for (int n = Int(1, 3); n > 0; --n) batch.push_back(Fields(m, true, NewId(m)));
      if (Chance(0.03 * noise_)) batch.push_back(5);
      return {"create" + m.plural, Json::array({batch})};
    }
    if (r < 0.58) {
      if (Chance(0.65)) return {"update" + m.plural, Json::array({Fields(m, false, Ref(m.name))})};
      Json batch = Json::array();
      for (int n = Int(1, 3); n > 0; --n) batch.push_back(Fields(m, false, Ref(m.name)));
      return {"update" + m.plural, Json::array({batch})};
    }
    if (r < 0.61) {
      Json data = Chance(0.1) ? Json({{"id", Ref(m.name)}}) : Fields(m, false, "");
      return {"update" + m.plural, Json::array({{{"selector", Selector(m)}, {"data", data}}})};
    }
    if (r < 0.68) return {"delete" + m.plural, Json::array({Selector(m)})};
    if (r < 0.79) {
      Json args = Json::array({Selector(m)});
      if (Chance(0.2)) args.push_back(LinkableConfig());
      return {"softDelete" + m.plural, args};
    }
    if (r < 0.88) {
      Json args = Json::array({Selector(m)});
      if (Chance(0.2)) args.push_back(LinkableConfig());
      return {"restore" + m.plural, args};
    }
    if (r < 0.97) {
      Json args = Json::array({Ref(m.name)});
      if (Chance(0.3)) args.push_back({{"withDeleted", true}});
      return {"retrieve" + m.name, args};
    }
    // Malformed requests: invalid_argument.
    switch (Int(0, 5)) {
      case 0: return {"create" + m.plural, R"([5])"_j};
      case 1: return {"update" + m.plural, R"(["x"])"_j};
      case 2: return {"update" + m.plural, R"([[{"title": "no id"}]])"_j};
      case 3: return {"delete" + m.plural, R"([])"_j};
      case 4: return {"create" + m.plural, R"([{}, {}])"_j};
      default: return {"softDelete" + m.plural, R"({"not": "an array"})"_j};
    }
  }

  std::mt19937_64 rng_;
  const ReferenceModel& model_;
  const Spec& spec_;
  double noise_ = 1.0;  // scales the chance of every invalid choice
};

}  // namespace kin::testing::mbt
