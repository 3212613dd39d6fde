#include "api/schema_json.h"

#include "api/value_json.h"

namespace kin::api {

using OJson = nlohmann::ordered_json;

namespace {

Status Bad(const std::string& m) { return Status::InvalidArgument(m); }

Status ReadStrings(const OJson& j, const std::string& what, std::vector<std::string>* out) {
  if (!j.is_array()) return Bad(what + " must be an array of strings");
  for (const auto& e : j) {
    if (!e.is_string()) return Bad(what + " must be an array of strings");
    out->push_back(e.get<std::string>());
  }
  return Status::Ok();
}

Status ReadProperty(const std::string& model, const std::string& name, const OJson& j, PropertyDraft* p) {
  const std::string where = "property \"" + name + "\" on model " + model;
  if (!j.is_object()) return Bad("The " + where + " must be an object");
  p->name = name;
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return Bad("The " + where + " needs a \"type\"");
  p->type = type->get<std::string>();
  for (const auto& item : j.items()) {
    // Named variables, not a structured binding: clang 14 (the fuzz build) cannot
    // capture structured bindings in the lambdas below.
    const std::string& key = item.key();
    const auto& v = item.value();
    auto flag = [&](bool* out) -> Status {
      if (!v.is_boolean()) return Bad("Option \"" + key + "\" of " + where + " must be true or false");
      *out = v.get<bool>();
      return Status::Ok();
    };
    auto text = [&](std::string* out) -> Status {
      if (!v.is_string()) return Bad("Option \"" + key + "\" of " + where + " must be a string");
      *out = v.get<std::string>();
      return Status::Ok();
    };
    if (key == "type") continue;
    else if (key == "primaryKey") KIN_RETURN_IF_ERROR(flag(&p->primary_key));
    else if (key == "nullable") KIN_RETURN_IF_ERROR(flag(&p->nullable));
    else if (key == "unique") KIN_RETURN_IF_ERROR(flag(&p->unique));
    else if (key == "index") KIN_RETURN_IF_ERROR(flag(&p->index));
    else if (key == "searchable") KIN_RETURN_IF_ERROR(flag(&p->searchable));
    else if (key == "prefix") KIN_RETURN_IF_ERROR(text(&p->prefix));
    else if (key == "model") KIN_RETURN_IF_ERROR(text(&p->model));
    else if (key == "mappedBy") KIN_RETURN_IF_ERROR(text(&p->mapped_by));
    else if (key == "pivotEntity") KIN_RETURN_IF_ERROR(text(&p->pivot_entity));
    else if (key == "values") KIN_RETURN_IF_ERROR(ReadStrings(v, "Option \"values\" of " + where, &p->enum_values));
    else if (key == "default") continue;  // converted below, once the type is known
    else return Bad("Unknown option \"" + key + "\" for " + where);
  }
  auto def = j.find("default");
  if (def != j.end()) {
    auto scalar = ParseScalarType(p->type);
    if (!scalar) return Bad("Option \"default\" of " + where + " needs a property type");
    ModelDef m;
    m.name = model;
    PropertyDef pd;
    pd.name = name;
    pd.type = *scalar;
    pd.enum_values = p->enum_values;
    auto v = ValueFromJson(m, pd, Json(*def));
    if (!v.ok()) return Bad("Invalid default for " + model + "." + name + ": " + v.status().message());
    p->default_value = std::move(v).value();
  }
  return Status::Ok();
}

Status ReadModel(const std::string& name, const OJson& j, ModelDraft* m) {
  if (!j.is_object()) return Bad("The model " + name + " must be an object");
  m->name = name;
  for (const auto& [key, v] : j.items()) {
    if (key == "properties") {
      if (!v.is_object()) return Bad("The properties of model " + name + " must be an object");
      for (const auto& [pname, pj] : v.items()) {
        PropertyDraft p;
        KIN_RETURN_IF_ERROR(ReadProperty(name, pname, pj, &p));
        m->properties.push_back(std::move(p));
      }
    } else if (key == "cascades") {
      if (!v.is_object()) return Bad("The cascades of model " + name + " must be an object");
      for (const auto& [ckey, cv] : v.items()) {
        if (ckey != "delete") return Bad("Unknown cascade \"" + ckey + "\" on model " + name);
        KIN_RETURN_IF_ERROR(ReadStrings(cv, "cascades.delete of model " + name, &m->cascade_delete));
      }
    } else if (key == "indexes") {
      if (!v.is_array()) return Bad("The indexes of model " + name + " must be an array");
      for (const auto& ij : v) {
        if (!ij.is_object() || !ij.contains("on")) return Bad("An index of model " + name + " needs \"on\"");
        IndexDraft idx;
        for (const auto& [ikey, iv] : ij.items()) {
          if (ikey == "on") KIN_RETURN_IF_ERROR(ReadStrings(iv, "An index's \"on\" of model " + name, &idx.on));
          else if (ikey == "unique" && iv.is_boolean()) idx.unique = iv.get<bool>();
          else return Bad("Unknown index option \"" + ikey + "\" on model " + name);
        }
        m->indexes.push_back(std::move(idx));
      }
    } else if (key == "singular" || key == "plural") {
      if (!v.is_string() || v.get<std::string>().empty()) return Bad("\"" + key + "\" of model " + name + " must be a name");
      (key == "singular" ? m->singular : m->plural) = v.get<std::string>();
    } else {
      return Bad("Unknown option \"" + key + "\" on model " + name);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<SchemaDraft> SchemaDraftFromJson(const OJson& j) {
  if (!j.is_object() || !j.contains("models") || !j["models"].is_object())
    return Bad("A schema is an object with \"models\"");
  for (const auto& [key, v] : j.items())
    if (key != "models") return Bad("Unknown schema option \"" + key + "\"");
  SchemaDraft draft;
  for (const auto& [name, mj] : j["models"].items()) {
    ModelDraft m;
    KIN_RETURN_IF_ERROR(ReadModel(name, mj, &m));
    draft.models.push_back(std::move(m));
  }
  return draft;
}

Result<SchemaDraft> SchemaDraftFromText(const std::string& text) {
  OJson j = OJson::parse(text, nullptr, false);
  if (j.is_discarded()) return Bad("The schema is not valid JSON");
  return SchemaDraftFromJson(j);
}

OJson SchemaDraftToJson(const SchemaDraft& draft) {
  OJson models = OJson::object();
  for (const auto& m : draft.models) {
    OJson mj = OJson::object();
    OJson props = OJson::object();
    for (const auto& p : m.properties) {
      OJson pj = OJson::object();
      pj["type"] = p.type;
      if (p.primary_key) pj["primaryKey"] = true;
      if (p.nullable) pj["nullable"] = true;
      if (p.unique) pj["unique"] = true;
      if (p.index) pj["index"] = true;
      if (p.searchable) pj["searchable"] = true;
      if (!p.prefix.empty()) pj["prefix"] = p.prefix;
      if (!p.enum_values.empty()) pj["values"] = p.enum_values;
      if (p.default_value) pj["default"] = OJson::parse(ValueToJson(*p.default_value).dump());
      if (!p.model.empty()) pj["model"] = p.model;
      if (!p.mapped_by.empty()) pj["mappedBy"] = p.mapped_by;
      if (!p.pivot_entity.empty()) pj["pivotEntity"] = p.pivot_entity;
      props[p.name] = std::move(pj);
    }
    mj["properties"] = std::move(props);
    if (!m.cascade_delete.empty()) mj["cascades"] = {{"delete", m.cascade_delete}};
    if (!m.indexes.empty()) {
      OJson idx = OJson::array();
      for (const auto& i : m.indexes) idx.push_back({{"on", i.on}, {"unique", i.unique}});
      mj["indexes"] = std::move(idx);
    }
    if (!m.singular.empty()) mj["singular"] = m.singular;
    if (!m.plural.empty()) mj["plural"] = m.plural;
    models[m.name] = std::move(mj);
  }
  return OJson{{"models", std::move(models)}};
}

Result<std::shared_ptr<const Schema>> SchemaFromText(const std::string& text) {
  KIN_ASSIGN_OR_RETURN(SchemaDraft draft, SchemaDraftFromText(text));
  return Schema::Build(draft);
}

}  // namespace kin::api
