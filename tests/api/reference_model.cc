// ReferenceModel's calls: the rules of SPEC.md sections 2, 3, 6 and 7, one by one.

#include "tests/api/reference_model.h"

#include <algorithm>

namespace kin::testing::mbt {

namespace {

// A failed rule. The model throws it from wherever the rule is checked and Call
// turns it into an Outcome after putting the state back: test code only, so the
// rules can be written one per line.
struct Fail {
  ErrorType type;
  std::string why;
};

[[noreturn]] void Throw(ErrorType type, std::string why) { throw Fail{type, std::move(why)}; }

const Json& Arg(const Json& args, size_t i) {
  static const Json kNull;
  return i < args.size() ? args[i] : kNull;
}

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

const Scalar* FindScalar(const ModelSpec& m, const std::string& key) {
  for (const auto& s : m.scalars)
    if (s.name == key) return &s;
  return nullptr;
}

const Parent* FindColumn(const ModelSpec& m, const std::string& key) {
  for (const auto& p : m.parents)
    if (p.column == key) return &p;
  return nullptr;
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
      out.result.push_back(Dispatch(op, *model, c.args));
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

// ---- delete, softDelete, restore, retrieve ----------------------------------------------

// Ids, filter objects (equality on properties; null is "is null") or arrays of those.
std::vector<std::string> ReferenceModel::Match(const ModelSpec& m, const Json& selector, bool with_deleted) const {
  std::set<std::string> out;
  auto add = [&](const Json& one) {
    if (one.is_string()) {
      auto it = table(m.name).find(one.get<std::string>());
      if (it != table(m.name).end() && (with_deleted || !it->second.deleted)) out.insert(it->first);
      return;
    }
    if (!one.is_object()) Throw(ErrorType::kInvalidArgument, "a selector is ids and filter objects");
    for (const auto& [key, v] : one.items())
      if (key != "id" && !FindScalar(m, key) && !FindColumn(m, key))
        Throw(ErrorType::kInvalidData, "unknown property " + key + " in a filter");
    for (const auto& [id, r] : table(m.name)) {
      bool match = with_deleted || !r.deleted;
      for (const auto& [key, v] : one.items()) match = match && r.fields[key] == ToPlain(v);
      if (match) out.insert(id);
    }
  };
  if (selector.is_array()) {
    for (const auto& e : selector) add(e);
  } else {
    add(selector);
  }
  return std::vector<std::string>(out.begin(), out.end());
}

// SPEC.md section 6: the matched records and everything their cascades and pivot
// relations reach go; a record left behind that needs one of them is restricted
// (not_allowed), a nullable reference to them becomes null.
Json ReferenceModel::Delete(const ModelSpec& m, const Json& args) {
  const Json& selector = Arg(args, 0);
  if (!selector.is_string() && !selector.is_object() && !selector.is_array())
    Throw(ErrorType::kInvalidArgument, "delete expects ids or filters");
  std::set<std::pair<std::string, std::string>> doomed;
  std::vector<std::pair<std::string, std::string>> todo;
  for (const auto& id : Match(m, selector, true)) todo.emplace_back(m.name, id);
  doomed.insert(todo.begin(), todo.end());
  while (!todo.empty()) {
    auto [model, id] = todo.back();
    todo.pop_back();
    for (const auto& child : spec_.models)
      for (const auto& p : child.parents)
        if (p.parent == model && (p.cascade || p.pivot))
          for (const auto& c : Children(child.name, p.column, id))
            if (doomed.insert({child.name, c}).second) todo.emplace_back(child.name, c);
  }
  for (const auto& child : spec_.models)
    for (auto& [id, r] : table(child.name)) {
      if (doomed.count({child.name, id})) continue;
      for (const auto& p : child.parents) {
        const PlainJson& fk = r.fields[p.column];
        if (fk.is_null() || !doomed.count({p.parent, fk.get<std::string>()})) continue;
        if (!p.nullable) Throw(ErrorType::kNotAllowed, child.name + " " + id + " needs " + p.parent + " " + fk.dump());
        r.fields[p.column] = nullptr;
      }
    }
  for (const auto& [model, id] : doomed) table(model).erase(id);
  for (size_t k = 0; k < spec_.m2m.size(); ++k)
    std::erase_if(state_.links[k], [&](const auto& l) {
      return doomed.count({spec_.m2m[k].a, l.first}) || doomed.count({spec_.m2m[k].b, l.second});
    });
  return nullptr;
}

Json ReferenceModel::SoftDeleteOrRestore(const ModelSpec& m, const Json& args, bool restore) {
  const Json& selector = Arg(args, 0);
  if (!selector.is_string() && !selector.is_object() && !selector.is_array())
    Throw(ErrorType::kInvalidArgument, "softDelete/restore expects ids or filters");
  const Json& config = Arg(args, 1);
  Json keep;
  if (!config.is_null()) {
    if (!config.is_object()) Throw(ErrorType::kInvalidArgument, "the config must be an object");
    for (const auto& [key, v] : config.items()) {
      if (key != "returnLinkableKeys" || !v.is_array()) Throw(ErrorType::kInvalidArgument, "bad config");
      keep = v;
    }
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> touched;
  for (const auto& id : Match(m, selector, restore)) Visit(m, id, restore, touched);
  Json out = Json::object();
  for (auto& [key, ids] : touched) {
    if (keep.is_array() && std::find(keep.begin(), keep.end(), Json(key)) == keep.end()) continue;
    std::sort(ids.begin(), ids.end());
    out[key] = ids;
  }
  return out;
}

// Sets or clears deleted_at and follows cascades.delete. A restored record must not
// clash on unique keys. A record already in the wanted state stops the walk: SPEC.md
// does not say, this is kin's choice (so softDelete skips the live children of an
// already soft-deleted child, and restore of a live record restores nothing below it).
void ReferenceModel::Visit(const ModelSpec& m, const std::string& id, bool restore,
                           std::vector<std::pair<std::string, std::vector<std::string>>>& touched) {
  ModelRecord& r = table(m.name).at(id);
  if (r.deleted != restore) return;
  if (restore) CheckUnique(m, r.fields, id);
  r.deleted = !restore;
  const std::string key = m.snake + "_id";
  auto it = std::find_if(touched.begin(), touched.end(), [&](const auto& t) { return t.first == key; });
  if (it == touched.end()) it = touched.insert(touched.end(), {key, {}});
  it->second.push_back(id);
  for (const auto& child : spec_.models)
    for (const auto& p : child.parents)
      if (p.parent == m.name && p.cascade)
        for (const auto& c : Children(child.name, p.column, id)) Visit(child, c, restore, touched);
}

Json ReferenceModel::Retrieve(const ModelSpec& m, const Json& args) {
  const Json& id = Arg(args, 0);
  if (!id.is_string()) Throw(ErrorType::kNotFound, "retrieve needs an id");
  const Json& config = Arg(args, 1);
  const bool with_deleted = config.is_object() && config.value("withDeleted", false);
  auto it = table(m.name).find(id.get<std::string>());
  if (it == table(m.name).end() || (it->second.deleted && !with_deleted)) Throw(ErrorType::kNotFound, "no such record");
  return id;
}

// ---- helpers and the normalized state --------------------------------------------------

ReferenceModel::RelationRef ReferenceModel::FindRelation(const ModelSpec& m, const std::string& key) const {
  RelationRef ref;
  for (const auto& p : m.parents)
    if (p.name == key) {
      ref.kind = RelationRef::kBelongsTo;
      ref.parent = &p;
      return ref;
    }
  for (const auto& child : spec_.models)
    for (const auto& p : child.parents)
      if (p.parent == m.name && p.inverse == key && !p.pivot) {
        ref.kind = p.one_to_one ? RelationRef::kHasOne : RelationRef::kHasMany;
        ref.child = &child;
        ref.parent = &p;
        return ref;
      }
  for (size_t k = 0; k < spec_.m2m.size(); ++k) {
    const ManyToMany& mm = spec_.m2m[k];
    if ((mm.a == m.name && mm.a_rel == key) || (mm.b == m.name && mm.b_rel == key)) {
      ref.kind = RelationRef::kManyToMany;
      ref.m2m = k;
      ref.self_is_a = mm.a == m.name && mm.a_rel == key;
      return ref;
    }
  }
  return ref;
}

bool ReferenceModel::Live(const std::string& model, const PlainJson& id) const {
  if (!id.is_string()) return false;
  auto it = table(model).find(id.get<std::string>());
  return it != table(model).end() && !it->second.deleted;
}

std::vector<std::string> ReferenceModel::Children(const std::string& child, const std::string& column,
                                                  const std::string& id) const {
  std::vector<std::string> out;
  for (const auto& [cid, r] : table(child))
    if (r.fields[column] == id) out.push_back(cid);
  return out;
}

PlainJson ReferenceModel::Expected(Form form) const {
  PlainJson out = PlainJson::object();
  for (const auto& m : spec_.models) {
    PlainJson& rows = out[m.name] = PlainJson::object();
    for (const auto& [id, r] : table(m.name)) {
      PlainJson row = r.fields;
      row.erase("id");
      row["deleted"] = r.deleted;
      row["timestamps"] = true;
      for (const auto& p : m.parents) row[p.name] = r.fields[p.column];
      for (const auto& child : spec_.models)
        for (const auto& p : child.parents) {
          if (p.parent != m.name || p.pivot) continue;
          std::vector<std::string> ids = Children(child.name, p.column, id);
          if (!p.one_to_one || form == Form::kLinks) {
            row[p.inverse] = ids;
            continue;
          }
          PlainJson shown = ids.empty() ? PlainJson() : PlainJson(ids[0]);
          for (const auto& c : ids)
            if (!table(child.name).at(c).deleted) shown = c;
          row[p.inverse] = shown;
        }
      for (size_t k = 0; k < spec_.m2m.size(); ++k) {
        const ManyToMany& mm = spec_.m2m[k];
        for (bool self_is_a : {true, false}) {
          if ((self_is_a ? mm.a : mm.b) != m.name) continue;
          std::vector<std::string> linked;
          if (mm.pivot.empty()) {
            for (const auto& [a, b] : state_.links[k])
              if ((self_is_a ? a : b) == id) linked.push_back(self_is_a ? b : a);
          } else {
            const std::string& near = self_is_a ? mm.a_column : mm.b_column;
            const std::string& far = self_is_a ? mm.b_column : mm.a_column;
            for (const auto& [pid, pr] : table(mm.pivot))
              if (pr.fields[near] == id)
                linked.push_back(pr.fields[far].get<std::string>() + (form == Form::kListing ? "@" + pid : ""));
          }
          std::sort(linked.begin(), linked.end());
          row[self_is_a ? mm.a_rel : mm.b_rel] = linked;
        }
      }
      rows[id] = row;
    }
  }
  return out;
}

void ReferenceModel::Rename(const std::string& model, const std::string& from, const std::string& to) {
  auto node = table(model).extract(from);
  node.key() = to;
  node.mapped().fields["id"] = to;
  table(model).insert(std::move(node));
  for (const auto& child : spec_.models)
    for (const auto& p : child.parents)
      if (p.parent == model)
        for (auto& [id, r] : table(child.name))
          if (r.fields[p.column] == from) r.fields[p.column] = to;
  for (size_t k = 0; k < spec_.m2m.size(); ++k) {
    std::set<std::pair<std::string, std::string>> renamed;
    for (auto [a, b] : state_.links[k]) {
      if (spec_.m2m[k].a == model && a == from) a = to;
      if (spec_.m2m[k].b == model && b == from) b = to;
      renamed.emplace(a, b);
    }
    state_.links[k] = std::move(renamed);
  }
}

}  // namespace kin::testing::mbt
