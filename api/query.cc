#include "api/query.h"

#include <algorithm>

#include "api/limits.h"

namespace kin::api {

ReadPlan* ReadPlan::ChildFor(RelationId relation) {
  for (auto& c : relations)
    if (c.relation == relation) return c.plan.get();
  relations.push_back(Child{relation, std::make_unique<ReadPlan>()});
  return relations.back().plan.get();
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
Status CheckRelationDepth(const std::string& path, size_t relations) {
  if (relations <= kMaxRelationDepth) return Status::Ok();
  std::string shown = path.size() > 60 ? path.substr(0, 57) + "..." : path;
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

Status AddSelect(const Schema& schema, const ModelDef& model, ReadPlan* plan, const std::string& path) {
  size_t dot = path.rfind('.');
  const ModelDef* m = &model;
  std::string field = path;
  if (dot != std::string::npos) {
    KIN_ASSIGN_OR_RETURN(plan, AddPath(schema, model, plan, path.substr(0, dot), &m));
    field = path.substr(dot + 1);
  }
  if (field == "*") {
    plan->fields.clear();
    return Status::Ok();
  }
  if (const PropertyDef* p = m->FindProperty(field)) {
    if (plan->fields.empty()) plan->fields.assign(m->properties.size(), false);
    plan->fields[p->slot.value] = true;
    plan->fields[0] = true;  // the primary key is always output
    return Status::Ok();
  }
  if (m->FindRelation(field).valid()) {
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

}  // namespace

Result<ReadConfig> ParseReadConfig(const Schema& schema, const ModelDef& model, const Json& config) {
  ReadConfig out;
  if (config.is_null()) return out;
  if (!config.is_object()) return Status::InvalidArgument("The config must be an object, got " + config.dump());
  for (const auto& [key, v] : config.items()) {
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
      for (const auto& [field, dir] : v.items()) {
        const PropertyDef* p = model.FindProperty(field);
        if (!p) return Status::InvalidData("Cannot order by \"" + field + "\": " + model.name + " has no such property");
        std::string d = dir.is_string() ? dir.get<std::string>() : "";
        std::transform(d.begin(), d.end(), d.begin(), ::toupper);
        if (d != "ASC" && d != "DESC")
          return Status::InvalidArgument("The order of \"" + field + "\" must be \"ASC\" or \"DESC\"");
        out.order.push_back(OrderKey{{}, p->slot, d == "DESC"});
      }
    } else {
      return Status::InvalidArgument("Unknown config option \"" + key + "\"");
    }
  }
  return out;
}

}  // namespace kin::api
