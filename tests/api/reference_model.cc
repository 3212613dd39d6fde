// ReferenceModel's calls, creates and updates: the rules of SPEC.md sections 2, 3
// and 7, one by one (deletes and retrieves are in reference_model_delete.cc).

#include "tests/api/reference_model.h"
#include "tests/api/reference_model_rules.h"

#include <algorithm>

namespace kin::testing::mbt {

using namespace rules;

namespace {

// The id a relation value names: a non-empty string or {"id": "..."}.
std::optional<std::string> RelatedId(const Json& j) {
  if (j.is_string() && !j.get_ref<const std::string&>().empty()) return j.get<std::string>();
  if (j.is_object() && j.contains("id") && j["id"].is_string()) return j["id"].get<std::string>();
  return std::nullopt;
}

bool TypeOk(const Scalar& s, const Json& v) {
  switch (s.kind) {
    case Kind::kText: return v.is_string();
    case Kind::kInt: return v.is_number_integer();
    case Kind::kEnum: return v.is_string() && std::count(s.values.begin(), s.values.end(), v.get<std::string>()) > 0;
    case Kind::kJson: return v.is_object() || v.is_array();
  }
  return false;
}

// SPEC.md section 2: `metadata` merges one level deep; a key set to "" is removed.
// Merging into an array is not specified: kin replaces it with the patch as given.
PlainJson MergeMetadata(const PlainJson& current, const Json& patch) {
  if (current.is_array()) return ToPlain(patch);
  PlainJson base = current.is_object() ? current : PlainJson::object();
  for (const auto& [key, value] : patch.items()) {
    if (value == "") base.erase(key);
    else base[key] = ToPlain(value);
  }
  return base;
}



template <typename T>
bool Contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

// ---- calls ---------------------------------------------------------------------------

ReferenceModel::ReferenceModel(Spec spec) : spec_(std::move(spec)) {
  for (const auto& m : spec_.models) state_.tables[m.name];
  state_.links.resize(spec_.m2m.size());
}

std::optional<std::pair<Op, const ModelSpec*>> ReferenceModel::Resolve(const std::string& method) const {
  static const std::pair<const char*, Op> kPrefixes[] = {
      {"retrieve", Op::kRetrieve}, {"listAndCount", Op::kListAndCount}, {"list", Op::kList},
      {"create", Op::kCreate},     {"update", Op::kUpdate},             {"delete", Op::kDelete},
      {"softDelete", Op::kSoftDelete}, {"restore", Op::kRestore}};
  for (const auto& m : spec_.models)
    for (const auto& [prefix, op] : kPrefixes)
      if (method == prefix + (op == Op::kRetrieve ? m.name : m.plural)) return std::make_pair(op, &m);
  return std::nullopt;
}

Outcome ReferenceModel::Call(const std::string& method, const Json& args) {
  Outcome out = Transaction({CallRequest{method, args}});
  if (!out.error) out.result = Json(out.result[0]);
  return out;
}

Outcome ReferenceModel::Transaction(const std::vector<CallRequest>& calls) {
  Outcome out;
  for (const auto& c : calls)
    if (!Resolve(c.method)) {
      out.error = ErrorType::kInvalidArgument;
      out.why = "unknown method " + c.method;
      return out;
    }
  State before = state_;
  out.result = Json::array();
  try {
    for (const auto& c : calls) {
      auto [op, model] = *Resolve(c.method);
      out.result.push_back(Dispatch(op, *model, c.arguments()));
    }
  } catch (const Fail& f) {
    state_ = std::move(before);
    out.error = f.type;
    out.why = f.why;
  }
  return out;
}

Json ReferenceModel::Dispatch(Op op, const ModelSpec& m, const Json& args) {
  if (!args.is_array()) Throw(ErrorType::kInvalidArgument, "args must be an array");
  static constexpr size_t kMaxArgs[] = {2, 2, 2, 1, 1, 1, 2, 2};
  if (args.size() > kMaxArgs[static_cast<int>(op)]) Throw(ErrorType::kInvalidArgument, "too many arguments");
  switch (op) {
    case Op::kCreate: return Create(m, args);
    case Op::kUpdate: return Update(m, args);
    case Op::kDelete: return Delete(m, args);
    case Op::kSoftDelete: return SoftDeleteOrRestore(m, args, false);
    case Op::kRestore: return SoftDeleteOrRestore(m, args, true);
    case Op::kRetrieve: return Retrieve(m, args);
    case Op::kList:
    case Op::kListAndCount: break;
  }
  Throw(ErrorType::kDatabaseError, "list is not modelled");
}

// ---- create and update ---------------------------------------------------------------

Json ReferenceModel::Create(const ModelSpec& m, const Json& args) {
  const Json& data = Arg(args, 0);
  if (!data.is_object() && !data.is_array()) Throw(ErrorType::kInvalidArgument, "create expects objects");
  Json ids = Json::array();
  if (data.is_object()) ids.push_back(CreateOne(m, data));
  else
    for (const auto& one : data) ids.push_back(CreateOne(m, one));
  return ids;
}

std::string ReferenceModel::CreateOne(const ModelSpec& m, const Json& data) {
  PlainJson fields = PlainJson::object();
  std::set<std::string> given;
  Deferred deferred;
  ReadFields(m, data, true, fields, given, deferred);
  FillMissing(m, fields, given);
  const std::string id = fields["id"].get<std::string>();
  if (table(m.name).count(id)) Throw(ErrorType::kInvalidData, m.name + " " + id + " already exists");
  CheckParents(m, fields, nullptr);
  CheckUnique(m, fields, id);
  table(m.name)[id] = ModelRecord{fields, false};
  ApplyDeferred(id, deferred, true);
  return id;
}

Json ReferenceModel::Update(const ModelSpec& m, const Json& args) {
  const Json& data = Arg(args, 0);
  if (data.is_object() && data.contains("selector") && data.contains("data")) {
    if (!data["data"].is_object()) Throw(ErrorType::kInvalidArgument, "update data must be an object");
    std::vector<std::string> ids = Match(m, data["selector"], false);
    for (const auto& id : ids) UpdateOne(m, id, data["data"]);
    return ids;
  }
  if (!data.is_object() && !data.is_array()) Throw(ErrorType::kInvalidArgument, "update expects objects");
  std::vector<const Json*> items;
  if (data.is_object()) items.push_back(&data);
  else
    for (const auto& e : data) items.push_back(&e);
  std::vector<std::string> ids;
  bool missing = false;
  for (const Json* item : items) {
    if (!item->is_object() || !item->contains("id") || !(*item)["id"].is_string())
      Throw(ErrorType::kInvalidArgument, "update items need a string id");
    ids.push_back((*item)["id"].get<std::string>());
    missing = missing || !Live(m.name, ids.back());
  }
  if (missing) Throw(ErrorType::kNotFound, "update of a missing or soft-deleted record");
  for (size_t i = 0; i < items.size(); ++i) UpdateOne(m, ids[i], *items[i]);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

void ReferenceModel::UpdateOne(const ModelSpec& m, const std::string& id, const Json& data) {
  const PlainJson before = table(m.name).at(id).fields;
  PlainJson fields = before;
  std::set<std::string> given;
  Deferred deferred;
  ReadFields(m, data, false, fields, given, deferred);
  CheckParents(m, fields, &before);
  CheckUnique(m, fields, id);
  table(m.name)[id].fields = fields;
  ApplyDeferred(id, deferred, false);
}

// Keys are read in the order given; errors of this phase are all invalid_data.
void ReferenceModel::ReadFields(const ModelSpec& m, const Json& data, bool creating, PlainJson& fields,
                                std::set<std::string>& given, Deferred& deferred) {
  if (!data.is_object()) Throw(ErrorType::kInvalidArgument, "a record must be an object");
  for (const auto& [key, v] : data.items()) {
    if (key == "id") {
      if (!v.is_string() || v == "") Throw(ErrorType::kInvalidData, "id must be a non-empty string");
      if (!creating && v.get<std::string>() != fields["id"]) Throw(ErrorType::kInvalidData, "the primary key cannot change");
      fields["id"] = v.get<std::string>();
      given.insert(key);
    } else if (key == "created_at" || key == "updated_at" || key == "deleted_at") {
      Throw(ErrorType::kInvalidData, key + " is set by the database");
    } else if (const Scalar* s = FindScalar(m, key)) {
      if (!v.is_null() && !TypeOk(*s, v)) Throw(ErrorType::kInvalidData, "wrong value for " + key);
      if (v.is_null() && !s->nullable) Throw(ErrorType::kInvalidData, key + " is required");
      fields[key] = !creating && key == "metadata" && v.is_object() ? MergeMetadata(fields[key], v) : ToPlain(v);
      given.insert(key);
    } else if (const Parent* p = FindColumn(m, key)) {
      if (!v.is_null() && !v.is_string()) Throw(ErrorType::kInvalidData, key + " must be an id");
      if (v.is_null() && !p->nullable) Throw(ErrorType::kInvalidData, key + " is required");
      fields[key] = ToPlain(v);
      given.insert(key);
    } else {
      RelationRef rel = FindRelation(m, key);
      switch (rel.kind) {
        case RelationRef::kBelongsTo: {
          auto id = RelatedId(v);
          if (!v.is_null() && !id) Throw(ErrorType::kInvalidData, key + " must be an id or null");
          if (!id && !rel.parent->nullable) Throw(ErrorType::kInvalidData, key + " is required");
          fields[rel.parent->column] = id ? PlainJson(*id) : PlainJson();
          given.insert(rel.parent->column);
          break;
        }
        case RelationRef::kHasMany:
          if (!v.is_array() || !v.empty()) Throw(ErrorType::kInvalidData, "a hasMany is set from the belongsTo side");
          break;
        case RelationRef::kHasOne:
        case RelationRef::kManyToMany: deferred.emplace_back(rel, v); break;
        case RelationRef::kNone: Throw(ErrorType::kInvalidData, "unknown property " + key);
      }
    }
  }
}

void ReferenceModel::FillMissing(const ModelSpec& m, PlainJson& fields, const std::set<std::string>& given) {
  if (!given.count("id")) fields["id"] = "~" + std::to_string(++placeholders_);
  for (const auto& s : m.scalars) {
    if (given.count(s.name)) continue;
    if (s.default_value.is_null() && !s.nullable) Throw(ErrorType::kInvalidData, s.name + " is required");
    fields[s.name] = s.default_value;
  }
  for (const auto& p : m.parents) {
    if (given.count(p.column)) continue;
    if (!p.nullable) Throw(ErrorType::kInvalidData, p.column + " is required");
    fields[p.column] = nullptr;
  }
}

// A changed foreign key must name a live parent.
void ReferenceModel::CheckParents(const ModelSpec& m, const PlainJson& fields, const PlainJson* before) const {
  for (const auto& p : m.parents) {
    const PlainJson& fk = fields[p.column];
    if (fk.is_null() || (before && (*before)[p.column] == fk)) continue;
    if (!Live(p.parent, fk)) Throw(ErrorType::kNotFound, "no live " + p.parent + " " + fk.get<std::string>());
  }
}

// Unique properties and one-to-one foreign keys, among live records.
void ReferenceModel::CheckUnique(const ModelSpec& m, const PlainJson& fields, const std::string& id) const {
  std::vector<std::string> keys;
  for (const auto& s : m.scalars)
    if (s.unique) keys.push_back(s.name);
  for (const auto& p : m.parents)
    if (p.one_to_one) keys.push_back(p.column);
  for (const auto& key : keys) {
    if (fields[key].is_null()) continue;
    for (const auto& [other, r] : table(m.name))
      if (other != id && !r.deleted && r.fields[key] == fields[key])
        Throw(ErrorType::kInvalidData, m.name + " " + other + " already has " + key + " " + fields[key].dump());
  }
}

void ReferenceModel::ApplyDeferred(const std::string& id, const Deferred& deferred, bool creating) {
  for (const auto& [rel, value] : deferred) {
    if (rel.kind == RelationRef::kHasOne) SetHasOne(*rel.child, *rel.parent, id, value);
    else SetManyToMany(rel.m2m, rel.self_is_a, id, value, creating);
  }
}

// SPEC.md section 3, hasOne side: the child moves here; a previous live child is
// let go (null) when its foreign key is nullable, otherwise the call fails.
void ReferenceModel::SetHasOne(const ModelSpec& child, const Parent& p, const std::string& id, const Json& value) {
  auto child_id = RelatedId(value);
  if (!value.is_null() && !child_id) Throw(ErrorType::kInvalidData, "a hasOne takes an id or null");
  if (child_id && !Live(child.name, *child_id)) Throw(ErrorType::kNotFound, "no live " + child.name + " " + *child_id);
  for (auto& [other, r] : table(child.name)) {
    if (r.fields[p.column] != id || (child_id && other == *child_id) || r.deleted) continue;
    if (!p.nullable) Throw(ErrorType::kInvalidData, "the previous " + child.name + " " + other + " needs its parent");
    r.fields[p.column] = nullptr;
  }
  if (child_id) table(child.name)[*child_id].fields[p.column] = id;
}

// SPEC.md section 3, manyToMany: an array (or null) replaces the live links,
// {"$add", "$remove"} edit them; every id named must be a live record. Both lists
// are applied against the links before the call (kin's choice: an id in both is
// unlinked if it was linked and linked if it was not).
void ReferenceModel::SetManyToMany(size_t k, bool self_is_a, const std::string& id, const Json& value, bool creating) {
  const ManyToMany& mm = spec_.m2m[k];
  const std::string& target = self_is_a ? mm.b : mm.a;
  auto read = [&](const Json& list, std::vector<std::string>& out) {
    if (!list.is_array()) Throw(ErrorType::kInvalidData, "a manyToMany takes an array of ids");
    for (const auto& e : list) {
      auto other = RelatedId(e);
      if (!other) Throw(ErrorType::kInvalidData, "a manyToMany takes an array of ids");
      if (!Live(target, *other)) Throw(ErrorType::kNotFound, "no live " + target + " " + *other);
      if (!Contains(out, *other)) out.push_back(*other);
    }
  };
  std::vector<std::string> add, remove;
  if (value.is_object()) {
    for (const auto& [op, list] : value.items()) {
      if (op == "$add") read(list, add);
      else if (op == "$remove") read(list, remove);
      else Throw(ErrorType::kInvalidData, "unknown manyToMany operator " + op);
    }
  } else if (!value.is_null()) {
    read(value, add);
  }
  const std::vector<std::string> current = creating ? std::vector<std::string>() : LinkedIds(k, self_is_a, id);
  if (value.is_array() || value.is_null())
    for (const auto& c : current)
      if (!Contains(add, c)) remove.push_back(c);
  for (const auto& r : remove)
    if (Contains(current, r)) RemoveLink(k, self_is_a, id, r);
  for (const auto& a : add)
    if (!Contains(current, a)) AddLink(k, self_is_a, id, a);
}

// The live targets linked to `id` (through live pivot records); soft-deleted ones
// are not touched by a replace.
std::vector<std::string> ReferenceModel::LinkedIds(size_t k, bool self_is_a, const std::string& id) const {
  const ManyToMany& mm = spec_.m2m[k];
  const std::string& target = self_is_a ? mm.b : mm.a;
  std::vector<std::string> out;
  if (mm.pivot.empty()) {
    for (const auto& [a, b] : state_.links[k]) {
      const std::string& other = self_is_a ? b : a;
      if ((self_is_a ? a : b) == id && Live(target, other)) out.push_back(other);
    }
    return out;
  }
  const std::string& near = self_is_a ? mm.a_column : mm.b_column;
  const std::string& far = self_is_a ? mm.b_column : mm.a_column;
  for (const auto& [pid, r] : table(mm.pivot))
    if (!r.deleted && r.fields[near] == id && Live(target, r.fields[far])) out.push_back(r.fields[far].get<std::string>());
  return out;
}

// A link through a pivot is a new pivot record with default columns.
void ReferenceModel::AddLink(size_t k, bool self_is_a, const std::string& id, const std::string& other) {
  const ManyToMany& mm = spec_.m2m[k];
  if (mm.pivot.empty()) {
    state_.links[k].insert(self_is_a ? std::make_pair(id, other) : std::make_pair(other, id));
    return;
  }
  const ModelSpec& pivot = spec_.model(mm.pivot);
  PlainJson fields = PlainJson::object();
  fields[self_is_a ? mm.a_column : mm.b_column] = id;
  fields[self_is_a ? mm.b_column : mm.a_column] = other;
  FillMissing(pivot, fields, {mm.a_column, mm.b_column});
  const std::string pivot_id = fields["id"].get<std::string>();
  CheckUnique(pivot, fields, pivot_id);
  table(mm.pivot)[pivot_id] = ModelRecord{fields, false};
}

// Unlinking through a pivot deletes every pivot record of the pair, soft-deleted included.
void ReferenceModel::RemoveLink(size_t k, bool self_is_a, const std::string& id, const std::string& other) {
  const ManyToMany& mm = spec_.m2m[k];
  if (mm.pivot.empty()) {
    state_.links[k].erase(self_is_a ? std::make_pair(id, other) : std::make_pair(other, id));
    return;
  }
  const std::string& near = self_is_a ? mm.a_column : mm.b_column;
  const std::string& far = self_is_a ? mm.b_column : mm.a_column;
  std::erase_if(table(mm.pivot), [&](const auto& e) { return e.second.fields[near] == id && e.second.fields[far] == other; });
}

}  // namespace kin::testing::mbt
