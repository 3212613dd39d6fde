#include "api/query.h"

#include <algorithm>
#include <cctype>

#include "api/limits.h"

namespace kin::api {

ReadPlan* ReadPlan::ChildFor(RelationId relation) {
  for (auto& c : relations)
    if (c.relation == relation) return c.plan.get();
  relations.push_back(Child{relation, std::make_unique<ReadPlan>()});
  return relations.back().plan.get();
}

ReadPlan* ReadPlan::FindChild(RelationId relation) const {
  for (const auto& c : relations)
    if (c.relation == relation) return c.plan.get();
  return nullptr;
}

std::string JsDisplay(const Json& j) {
  if (j.is_object()) return "[object Object]";
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    std::string s;
    for (size_t i = 0; i < j.size(); ++i) {
      if (i) s += ',';
      if (!j[i].is_null()) s += JsDisplay(j[i]);
    }
    return s;
  }
  return j.dump();
}

namespace {

Status NoRelation(const ModelDef& m, const std::string& name) {
  return Status::InvalidData("Relation \"" + name + "\" does not exist on model " + m.name);
}

// invalid_argument when `path` names more than kMaxRelationDepth relations (checked
// before the path is split, so a path of a million dots costs one scan).
Status CheckRelationDepth(std::string_view path, size_t relations) {
  if (relations <= kMaxRelationDepth) return Status::Ok();
  std::string shown = path.size() > 60 ? std::string(path.substr(0, 57)) + "..." : std::string(path);
  return Status::InvalidArgument("The relation path \"" + shown + "\" is deeper than " +
                                 std::to_string(kMaxRelationDepth) + " relations");
}

// Adds the relation path "a.b.c" to `plan`, returning the innermost plan.
Result<ReadPlan*> AddPath(const Schema& schema, const ModelDef& model, ReadPlan* plan, const std::string& path,
                          const ModelDef** leaf_model) {
  KIN_RETURN_IF_ERROR(CheckRelationDepth(path, std::count(path.begin(), path.end(), '.') + 1));
  const ModelDef* m = &model;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    RelationId rid = m->FindRelation(part);
    if (!rid.valid()) return NoRelation(*m, part);
    plan = plan->ChildFor(rid);
    m = &schema.model(schema.relation(rid).target);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *leaf_model = m;
  return plan;
}

// Keeps, on every selective level of `plan` (records of `model`), the foreign keys
// that join it to the levels it loads: on a record that belongs to the other, and on
// the children of a hasMany (not of a hasOne, as in Medusa).
void KeepJoiningKeys(const Schema& schema, ReadPlan* plan) {
  for (auto& child : plan->relations) {
    const RelationDef& rel = schema.relation(child.relation);
    if (rel.kind == RelationKind::kBelongsTo && !plan->fields.empty()) plan->fields[rel.foreign_key.value] = true;
    if (rel.kind == RelationKind::kHasMany && rel.inverse.valid() && !child.plan->fields.empty())
      child.plan->fields[schema.relation(rel.inverse).foreign_key.value] = true;
    KeepJoiningKeys(schema, child.plan.get());
  }
}

// `path` is a field, `*`, a relation, or one of those after a dotted relation path.
// Selecting inside a relation loads it and makes every level on the way selective:
// the primary key and what is selected there (KeepJoiningKeys adds the joining keys).
Status AddSelect(const Schema& schema, const ModelDef& model, ReadPlan* plan, const std::string& path) {
  KIN_RETURN_IF_ERROR(CheckRelationDepth(path, std::count(path.begin(), path.end(), '.')));
  const ModelDef* m = &model;
  size_t start = 0;
  for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
    std::string part = path.substr(start, dot - start);
    RelationId rid = m->FindRelation(part);
    if (!rid.valid()) return NoRelation(*m, part);
    const RelationDef& rel = schema.relation(rid);
    const ModelDef& target = schema.model(rel.target);
    plan->Restrict(m->properties.size());
    ReadPlan* child = plan->ChildFor(rid);
    child->Restrict(target.properties.size());
    plan = child;
    m = &target;
    start = dot + 1;
  }
  const std::string field = path.substr(start);
  if (field == "*") {
    plan->fields.clear();
    return Status::Ok();
  }
  if (const PropertyDef* p = m->FindProperty(field)) {
    plan->Restrict(m->properties.size());
    plan->fields[p->slot.value] = true;
    return Status::Ok();
  }
  if (field.rfind("raw_", 0) == 0) {
    const PropertyDef* p = m->FindProperty(std::string_view(field).substr(4));
    if (p && p->type == PropertyType::kBigNumber) {
      plan->Restrict(m->properties.size());
      plan->fields[p->slot.value] = true;  // a bigNumber and its raw_ are selected together
      return Status::Ok();
    }
  }
  if (RelationId rid = m->FindRelation(field); rid.valid()) {
    KIN_RETURN_IF_ERROR(CheckRelationDepth(path, std::count(path.begin(), path.end(), '.') + 1));
    const ModelDef* leaf;
    return AddPath(schema, *m, plan, field, &leaf).status();
  }
  return Status::InvalidData("Cannot select \"" + path + "\": " + m->name + " has no property \"" + field + "\"");
}

Result<size_t> ReadCount(const Json& j, const char* name) {
  if (j.is_number_integer() && j.get<int64_t>() >= 0) return static_cast<size_t>(j.get<int64_t>());
  return Status::InvalidArgument(std::string("\"") + name + "\" must be a non-negative integer, got " + j.dump());
}

// The keys of an `order` object over `model`'s records: a property and its direction,
// or a relation and an order object of its own, whose keys order these records by
// the related records' values (`through` grows; see OrderKey). Where `level` loads
// the relation, they also order the loaded records under each parent.
Status ParseOrder(const Schema& schema, const ModelDef& model, const Json& order, std::vector<RelationId> through,
                  std::vector<OrderKey>* into, ReadPlan* level, size_t depth) {
  KIN_RETURN_IF_ERROR(CheckRelationDepth("order", depth));
  for (const auto& [field, dir] : order.get_ref<const Json::object_t&>()) {
    if (const PropertyDef* p = model.FindProperty(field)) {
      // "ASC" or "DESC" in any case (read in place: no copy per call).
      auto is = [](std::string_view text, std::string_view upper) {
        return text.size() == upper.size() &&
               std::equal(text.begin(), text.end(), upper.begin(),
                          [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; });
      };
      const std::string_view d = dir.is_string() ? std::string_view(dir.get_ref<const std::string&>()) : "";
      const bool descending = is(d, "DESC");
      if (!descending && !is(d, "ASC"))
        return Status::InvalidArgument("The order of \"" + field + "\" must be \"ASC\" or \"DESC\"");
      into->push_back(OrderKey{through, p->slot, descending});
      continue;
    }
    RelationId rid = model.FindRelation(field);
    if (!rid.valid())
      return Status::InvalidData("Cannot order by \"" + field + "\": " + model.name + " has no such property");
    if (!dir.is_object())
      return Status::InvalidArgument("The order of the relation \"" + field + "\" must be an object of field: \"ASC\"|\"DESC\"");
    const ModelDef& target = schema.model(schema.relation(rid).target);
    std::vector<RelationId> next = through;
    next.push_back(rid);
    KIN_RETURN_IF_ERROR(ParseOrder(schema, target, dir, std::move(next), into, nullptr, depth + 1));
    // Where the relation is loaded, the keys also order its records (and their own
    // loaded relations'), relative to each parent.
    if (ReadPlan* child = level ? level->FindChild(rid) : nullptr) {
      std::vector<OrderKey> unused;
      const bool many = schema.relation(rid).is_many();
      KIN_RETURN_IF_ERROR(ParseOrder(schema, target, dir, {}, many ? &child->order : &unused, child, depth + 1));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ReadConfig> ParseReadConfig(const Schema& schema, const ModelDef& model, const Json& config) {
  ReadConfig out;
  if (config.is_null()) return out;
  const Json* order = nullptr;
  if (!config.is_object()) return Status::InvalidArgument("The config must be an object, got " + config.dump());
  // Keys compared as views: a length check first, no strlen per comparison.
  for (const auto& [key_text, v] : config.get_ref<const Json::object_t&>()) {
    const std::string_view key = key_text;
    if (key == "relations") {
      if (!v.is_array()) return Status::InvalidArgument("\"relations\" must be an array of relation paths");
      for (const auto& path : v) {
        if (!path.is_string()) return Status::InvalidArgument("\"relations\" must be an array of relation paths");
        const ModelDef* leaf;
        KIN_RETURN_IF_ERROR(AddPath(schema, model, &out.plan, path.get<std::string>(), &leaf).status());
      }
    } else if (key == "select") {
      if (!v.is_array()) return Status::InvalidArgument("\"select\" must be an array of field names");
      for (const auto& path : v) {
        if (!path.is_string()) return Status::InvalidArgument("\"select\" must be an array of field names");
        KIN_RETURN_IF_ERROR(AddSelect(schema, model, &out.plan, path.get<std::string>()));
      }
    } else if (key == "skip") {
      if (!v.is_null()) { KIN_ASSIGN_OR_RETURN(out.skip, ReadCount(v, "skip")); }
    } else if (key == "take") {
      if (!v.is_null()) { KIN_ASSIGN_OR_RETURN(out.take, ReadCount(v, "take")); }
    } else if (key == "withDeleted") {
      if (!v.is_boolean()) return Status::InvalidArgument("\"withDeleted\" must be true or false");
      out.with_deleted = v.get<bool>();
    } else if (key == "order") {
      if (!v.is_object()) return Status::InvalidArgument("\"order\" must be an object of field: \"ASC\"|\"DESC\"");
      order = &v;  // parsed last: it may name relations that `relations` or `select` load
    } else {
      return Status::InvalidArgument("Unknown config option \"" + key_text + "\"");
    }
  }
  if (order) KIN_RETURN_IF_ERROR(ParseOrder(schema, model, *order, {}, &out.order, &out.plan, 1));
  KeepJoiningKeys(schema, &out.plan);
  return out;
}

}  // namespace kin::api
