// ReferenceModel's deletes, soft deletes, restores and retrieves (SPEC.md sections
// 2 and 6), and the normalized state it is compared by.

#include <algorithm>
#include <set>

#include "tests/api/reference_model.h"
#include "tests/api/reference_model_rules.h"

namespace kin::testing::mbt {

using namespace rules;

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
    if (keep.is_array() && !keep.empty() && std::find(keep.begin(), keep.end(), Json(key)) == keep.end()) continue;
    std::sort(ids.begin(), ids.end());
    out[key] = ids;
  }
  return out;
}

// Sets or clears deleted_at and follows cascades.delete. A restored record must not
// clash on unique keys. softDelete stops at a record that is already soft-deleted
// (SPEC.md does not say; kin's choice, so it skips the live children of an already
// soft-deleted child). restore reports every record it reaches with its cascaded
// children, live ones too, as Medusa does.
void ReferenceModel::Visit(const ModelSpec& m, const std::string& id, bool restore,
                           std::vector<std::pair<std::string, std::vector<std::string>>>& touched) {
  ModelRecord& r = table(m.name).at(id);
  if (!restore && r.deleted) return;
  const std::string key = m.snake + "_id";
  auto it = std::find_if(touched.begin(), touched.end(), [&](const auto& t) { return t.first == key; });
  if (it == touched.end()) it = touched.insert(touched.end(), {key, {}});
  if (std::find(it->second.begin(), it->second.end(), id) != it->second.end()) return;
  if (restore && r.deleted) CheckUnique(m, r.fields, id);
  r.deleted = !restore;
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
            // A listing shows each linked record once, with the pivot record of
            // smallest id (the table is in id order).
            std::set<std::string> listed;
            for (const auto& [pid, pr] : table(mm.pivot))
              if (pr.fields[near] == id && (form != Form::kListing || listed.insert(pr.fields[far].get<std::string>()).second))
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
