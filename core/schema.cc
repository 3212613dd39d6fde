#include "kin/schema.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "core/naming.h"
#include "core/record.h"

namespace kin {

ValueType StoredValueType(PropertyType t) {
  switch (t) {
    case PropertyType::kId:
    case PropertyType::kText:
    case PropertyType::kEnum:
    case PropertyType::kForeignKey: return ValueType::kText;
    case PropertyType::kNumber:
    case PropertyType::kAutoincrement: return ValueType::kInt;
    case PropertyType::kFloat: return ValueType::kFloat;
    case PropertyType::kBigNumber: return ValueType::kDecimal;
    case PropertyType::kBoolean: return ValueType::kBool;
    case PropertyType::kDateTime: return ValueType::kDateTime;
    case PropertyType::kJson: return ValueType::kJson;
    case PropertyType::kArray: return ValueType::kStringList;
  }
  return ValueType::kNull;
}

const char* PropertyTypeName(PropertyType t) {
  switch (t) {
    case PropertyType::kId: return "id";
    case PropertyType::kText: return "text";
    case PropertyType::kNumber: return "number";
    case PropertyType::kFloat: return "float";
    case PropertyType::kBigNumber: return "bigNumber";
    case PropertyType::kBoolean: return "boolean";
    case PropertyType::kDateTime: return "dateTime";
    case PropertyType::kJson: return "json";
    case PropertyType::kEnum: return "enum";
    case PropertyType::kArray: return "array";
    case PropertyType::kAutoincrement: return "autoincrement";
    case PropertyType::kForeignKey: return "foreign key";
  }
  return "?";
}

const char* RelationKindName(RelationKind k) {
  switch (k) {
    case RelationKind::kBelongsTo: return "belongsTo";
    case RelationKind::kHasOne: return "hasOne";
    case RelationKind::kHasMany: return "hasMany";
    case RelationKind::kManyToMany: return "manyToMany";
  }
  return "?";
}

const PropertyDef* ModelDef::FindProperty(std::string_view key) const {
  // A model of a usual size: comparing the names (their sizes first) is quicker than
  // hashing the key and dividing for a bucket.
  if (properties.size() <= 16) {
    for (const PropertyDef& p : properties)
      if (p.name.size() == key.size() && std::memcmp(p.name.data(), key.data(), key.size()) == 0) return &p;
    return nullptr;
  }
  auto it = property_by_name_.find(key);
  return it == property_by_name_.end() ? nullptr : &properties[it->second];
}

RelationId ModelDef::FindRelation(std::string_view key) const {
  auto it = relation_by_name_.find(key);
  return it == relation_by_name_.end() ? RelationId() : it->second;
}

ModelId Schema::FindModel(std::string_view name) const {
  auto it = model_by_name_.find(name);
  return it == model_by_name_.end() ? ModelId() : it->second;
}

std::optional<PropertyType> ParseScalarType(std::string_view t) {
  static const std::pair<const char*, PropertyType> kTypes[] = {
      {"id", PropertyType::kId},           {"text", PropertyType::kText},
      {"number", PropertyType::kNumber},   {"float", PropertyType::kFloat},
      {"bigNumber", PropertyType::kBigNumber}, {"boolean", PropertyType::kBoolean},
      {"dateTime", PropertyType::kDateTime}, {"json", PropertyType::kJson},
      {"enum", PropertyType::kEnum},       {"array", PropertyType::kArray},
      {"autoincrement", PropertyType::kAutoincrement}};
  for (const auto& [name, type] : kTypes)
    if (t == name) return type;
  return std::nullopt;
}

namespace {

std::optional<PropertyType> ScalarType(std::string_view t) { return ParseScalarType(t); }

std::optional<RelationKind> RelationType(std::string_view t) {
  if (t == "belongsTo") return RelationKind::kBelongsTo;
  if (t == "hasOne") return RelationKind::kHasOne;
  if (t == "hasMany") return RelationKind::kHasMany;
  if (t == "manyToMany") return RelationKind::kManyToMany;
  return std::nullopt;
}

bool IsImplicitName(std::string_view n) { return n == "created_at" || n == "updated_at" || n == "deleted_at"; }

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

// Builds a Schema in passes: models and scalar slots, relations, inverses, cascades, indexes.
class SchemaResolver {
 public:
  explicit SchemaResolver(const SchemaDraft& draft) : draft_(draft) {}

  Result<std::shared_ptr<const Schema>> Run(Schema* s) {
    s_ = s;
    KIN_RETURN_IF_ERROR(DeclareModels());
    for (size_t m = 0; m < draft_.models.size(); ++m) KIN_RETURN_IF_ERROR(DeclareProperties(m));
    for (auto& r : s_->relations_) KIN_RETURN_IF_ERROR(ResolveTarget(r));
    for (auto& r : s_->relations_) KIN_RETURN_IF_ERROR(ResolveInverse(r));
    AddHiddenInverses();
    for (size_t m = 0; m < draft_.models.size(); ++m) {
      KIN_RETURN_IF_ERROR(CheckRecordLayout(m));
      KIN_RETURN_IF_ERROR(ResolveCascades(m));
      KIN_RETURN_IF_ERROR(ResolveIndexes(m));
    }
    return std::shared_ptr<const Schema>();  // the caller owns *s
  }

 private:
  Status DeclareModels() {
    if (draft_.models.empty()) return Status::InvalidArgument("A schema needs at least one model");
    for (size_t i = 0; i < draft_.models.size(); ++i) {
      const ModelDraft& md = draft_.models[i];
      if (md.name.empty() || !std::isupper(static_cast<unsigned char>(md.name[0])))
        return Status::InvalidArgument("Invalid model name \"" + md.name + "\": a model key is PascalCase");
      if (s_->model_by_name_.count(md.name))
        return Status::InvalidArgument("Model \"" + md.name + "\" is defined twice");
      ModelDef def;
      def.name = md.name;
      def.id = ModelId(static_cast<uint32_t>(i));
      def.singular = md.singular.empty() ? md.name : md.singular;
      def.plural = md.plural.empty() ? naming::Pluralize(md.name) : md.plural;
      def.snake = naming::SnakeCase(md.name);
      def.words = naming::Words(md.name);
      s_->model_by_name_[md.name] = def.id;
      s_->models_.push_back(std::move(def));
    }
    return Status::Ok();
  }

  Status DeclareProperties(size_t mi) {
    const ModelDraft& md = draft_.models[mi];
    ModelDef& m = s_->models_[mi];
    std::vector<std::string> implicit;
    int id_count = 0;
    const PropertyDraft* pk = nullptr;
    std::set<std::string> seen;
    for (const auto& p : md.properties) {
      if (IsImplicitName(p.name)) implicit.push_back(p.name);
      if (!seen.insert(p.name).second)
        return Status::InvalidArgument("Property \"" + p.name + "\" is defined twice on model " + m.name);
      if (p.type == "id") ++id_count;
      if (!ScalarType(p.type) && !RelationType(p.type))
        return Status::InvalidArgument("Unknown type \"" + p.type + "\" for property \"" + p.name + "\" on model " +
                                       m.name);
      if ((p.type == "id" || p.primary_key) && (!pk || (pk->type != "id" && p.type == "id"))) pk = &p;
    }
    if (!implicit.empty())
      return Status::InvalidArgument("Cannot define field(s) \"" + Join(implicit, ",") +
                                     "\" as they are implicitly defined on every model");
    if (id_count > 1)
      return Status::InvalidArgument("The model " + m.name + " can only have one usage of the id() property");
    if (!pk) return Status::InvalidArgument("The model " + m.name + " has no primary key: declare an id property");
    if (pk->type != "id" && pk->type != "text" && pk->type != "number" && pk->type != "autoincrement")
      return Status::InvalidArgument("The primary key " + m.name + "." + pk->name + " must be an id or text property");
    if (pk->type != "id" && pk->type != "text")
      return Status::InvalidArgument("The primary key " + m.name + "." + pk->name + " must be an id or text property");

    AddScalar(m, *pk);
    for (const auto& p : md.properties) {
      if (&p == pk) continue;
      if (auto type = ScalarType(p.type)) {
        KIN_RETURN_IF_ERROR(CheckScalar(m, p, *type));
        AddScalar(m, p);
      } else {
        KIN_RETURN_IF_ERROR(AddRelation(m, p, *RelationType(p.type)));
      }
    }
    for (const char* name : {"created_at", "updated_at", "deleted_at"}) {
      PropertyDef d;
      d.name = name;
      d.type = PropertyType::kDateTime;
      d.implicit = true;
      d.nullable = std::string_view(name) == "deleted_at";
      AddProperty(m, std::move(d));
    }
    m.created_at = m.FindProperty("created_at")->slot;
    m.updated_at = m.FindProperty("updated_at")->slot;
    m.deleted_at = m.FindProperty("deleted_at")->slot;
    return Status::Ok();
  }

  Status CheckScalar(const ModelDef& m, const PropertyDraft& p, PropertyType type) {
    if (type == PropertyType::kEnum && p.enum_values.empty())
      return Status::InvalidArgument("The enum property " + m.name + "." + p.name + " needs \"values\"");
    if (type == PropertyType::kEnum && p.default_value && !p.default_value->is_null()) {
      const auto& v = *p.default_value;
      if (v.type() != ValueType::kText ||
          std::find(p.enum_values.begin(), p.enum_values.end(), v.as_text()) == p.enum_values.end())
        return Status::InvalidArgument("The default of " + m.name + "." + p.name + " is not one of its values");
    }
    if (!p.model.empty() || !p.mapped_by.empty() || !p.pivot_entity.empty())
      return Status::InvalidArgument("The property " + m.name + "." + p.name + " of type " + p.type +
                                     " cannot have relationship options");
    return Status::Ok();
  }

  void AddScalar(ModelDef& m, const PropertyDraft& p) {
    PropertyDef d;
    d.name = p.name;
    d.type = *ScalarType(p.type);
    d.primary_key = m.properties.empty();
    d.nullable = p.nullable && !d.primary_key;
    d.unique = p.unique;
    d.index = p.index;
    d.searchable = p.searchable;
    d.default_value = p.default_value;
    d.prefix = p.prefix;
    d.enum_values = p.enum_values;
    AddProperty(m, std::move(d));
  }

  void AddProperty(ModelDef& m, PropertyDef d) {
    d.slot = SlotId(static_cast<uint32_t>(m.properties.size()));
    m.property_by_name_[d.name] = d.slot.value;
    if (d.searchable) m.searchable.push_back(d.slot);
    if (d.unique || d.index) m.indexes.push_back(IndexDef{{d.slot}, d.unique});
    m.value_types.push_back(StoredValueType(d.type));
    m.declared.push_back(d.slot);
    m.properties.push_back(std::move(d));
  }

  Status AddRelation(ModelDef& m, const PropertyDraft& p, RelationKind kind) {
    RelationDef r;
    r.name = p.name;
    r.kind = kind;
    r.id = RelationId(static_cast<uint32_t>(s_->relations_.size()));
    r.model = m.id;
    r.local = static_cast<uint32_t>(m.relations.size());
    r.nullable = p.nullable;
    if (kind == RelationKind::kBelongsTo) {
      PropertyDef fk;
      fk.name = naming::SnakeCase(p.name) + "_id";
      if (m.FindProperty(fk.name))
        return Status::InvalidArgument("The foreign key " + fk.name + " of " + m.name + "." + p.name +
                                       " clashes with a property of the same name");
      fk.type = PropertyType::kForeignKey;
      fk.nullable = p.nullable;
      fk.relation = r.id;
      AddProperty(m, std::move(fk));
      r.foreign_key = m.properties.back().slot;
    }
    if (p.model.empty())
      return Status::InvalidArgument("The relationship " + m.name + "." + p.name + " needs a \"model\"");
    m.relation_by_name_[p.name] = r.id;
    m.relations.push_back(r.id);
    s_->relations_.push_back(std::move(r));
    drafts_.push_back(&p);
    return Status::Ok();
  }

  const PropertyDraft& DraftOf(const RelationDef& r) { return *drafts_[r.id.value]; }

  Status ResolveTarget(RelationDef& r) {
    const PropertyDraft& p = DraftOf(r);
    r.target = s_->FindModel(p.model);
    if (!r.target.valid())
      return Status::InvalidArgument("Unknown model \"" + p.model + "\" referenced by " +
                                     s_->model(r.model).name + "." + r.name);
    if (!p.pivot_entity.empty()) {
      if (r.kind != RelationKind::kManyToMany)
        return Status::InvalidArgument("Only a manyToMany relationship can have a pivotEntity (" +
                                       s_->model(r.model).name + "." + r.name + ")");
      r.pivot = s_->FindModel(p.pivot_entity);
      if (!r.pivot.valid())
        return Status::InvalidArgument("Unknown pivotEntity \"" + p.pivot_entity + "\" referenced by " +
                                       s_->model(r.model).name + "." + r.name);
    }
    return Status::Ok();
  }

  static Status Missing(const std::string& prop, const std::string& model) {
    return Status::InvalidArgument("Missing property \"" + prop + "\" on \"" + model +
                                   "\" entity. Make sure to define it as a relationship");
  }
  static Status InvalidReference(const std::string& prop, const std::string& model, const char* expected) {
    return Status::InvalidArgument("Invalid relationship reference for \"" + prop + "\" on \"" + model +
                                   "\" entity. Make sure to define a " + expected + " relationship");
  }

  Status ResolveInverse(RelationDef& r) {
    const PropertyDraft& p = DraftOf(r);
    const ModelDef& self = s_->model(r.model);
    const ModelDef& target = s_->model(r.target);
    switch (r.kind) {
      case RelationKind::kBelongsTo: {
        if (p.mapped_by.empty()) return Status::Ok();  // one-directional
        RelationId inv = target.FindRelation(p.mapped_by);
        if (!inv.valid()) return Missing(p.mapped_by, target.name);
        RelationDef& other = s_->relations_[inv.value];
        bool pivot_side = other.kind == RelationKind::kManyToMany && other.pivot == r.model;
        bool parent_side = other.is_parent_side() && other.target == r.model;
        if (!pivot_side && !parent_side)
          return InvalidReference(p.mapped_by, target.name, "hasOne or hasMany");
        r.inverse = inv;
        return Status::Ok();
      }
      case RelationKind::kHasOne:
      case RelationKind::kHasMany: {
        std::string mapped = p.mapped_by.empty() ? naming::SnakeCase(self.name) : p.mapped_by;
        RelationId inv = target.FindRelation(mapped);
        if (!inv.valid()) return Missing(mapped, target.name);
        RelationDef& other = s_->relations_[inv.value];
        if (other.kind != RelationKind::kBelongsTo || other.target != r.model)
          return InvalidReference(mapped, target.name, "belongsTo");
        if (other.inverse.valid() && other.inverse != r.id)
          return InvalidReference(mapped, target.name, "belongsTo");
        r.inverse = inv;
        other.inverse = r.id;
        if (r.kind == RelationKind::kHasOne)
          s_->models_[r.target.value].indexes.push_back(IndexDef{{other.foreign_key}, true});
        return Status::Ok();
      }
      case RelationKind::kManyToMany: return ResolveManyToMany(r, p, self, target);
    }
    return Status::Ok();
  }

  Status ResolveManyToMany(RelationDef& r, const PropertyDraft& p, const ModelDef& self, const ModelDef& target) {
    RelationId inv;
    if (!p.mapped_by.empty()) {
      inv = target.FindRelation(p.mapped_by);
      if (!inv.valid()) return Missing(p.mapped_by, target.name);
      const RelationDef& other = s_->relations_[inv.value];
      if (other.kind != RelationKind::kManyToMany || other.target != r.model)
        return InvalidReference(p.mapped_by, target.name, "manyToMany");
      const std::string& back = DraftOf(other).mapped_by;
      if (!back.empty() && back != r.name) return InvalidReference(p.mapped_by, target.name, "manyToMany");
    } else {
      for (RelationId cand : target.relations) {
        const RelationDef& other = s_->relations_[cand.value];
        if (other.kind == RelationKind::kManyToMany && other.target == r.model && DraftOf(other).mapped_by == r.name)
          inv = cand;
      }
      if (!inv.valid())
        return Status::InvalidArgument("Invalid relationship reference for \"" + self.name + "." + r.name +
                                       "\". \"mappedBy\" should be defined on one side or the other.");
    }
    r.inverse = inv;
    const RelationDef& other = s_->relations_[inv.value];
    if (other.pivot != r.pivot)
      return Status::InvalidArgument("The manyToMany " + self.name + "." + r.name + " and " + target.name + "." +
                                     other.name + " must name the same pivotEntity");
    if (!r.through_pivot()) {
      r.owns_links = r.id < inv || inv == r.id;
      return Status::Ok();
    }
    ModelDef& pivot = s_->models_[r.pivot.value];
    pivot.is_pivot = true;
    for (RelationId cand : pivot.relations) {
      const RelationDef& pr = s_->relations_[cand.value];
      if (pr.kind != RelationKind::kBelongsTo) continue;
      if (pr.target == r.model && DraftOf(pr).mapped_by == r.name) r.pivot_near = cand;
      if (pr.target == r.target && DraftOf(pr).mapped_by == other.name) r.pivot_far = cand;
    }
    if (!r.pivot_near.valid() || !r.pivot_far.valid() || r.pivot_near == r.pivot_far)
      return Status::InvalidArgument("The pivotEntity " + pivot.name + " needs a belongsTo to " + self.name +
                                     " (mappedBy \"" + r.name + "\") and one to " + target.name +
                                     " (mappedBy \"" + other.name + "\")");
    return Status::Ok();
  }

  // Every belongsTo gets a list on the parent side, declared or not, so that the
  // store can find a record's children before it deletes it.
  void AddHiddenInverses() {
    const size_t declared = s_->relations_.size();
    for (size_t i = 0; i < declared; ++i) {
      if (s_->relations_[i].kind != RelationKind::kBelongsTo || s_->relations_[i].inverse.valid()) continue;
      RelationDef back;
      const RelationDef& child = s_->relations_[i];
      back.name = "<" + s_->model(child.model).name + "." + child.name + ">";
      back.kind = RelationKind::kHasMany;
      back.id = RelationId(static_cast<uint32_t>(s_->relations_.size()));
      back.model = child.target;
      back.target = child.model;
      back.inverse = child.id;
      back.hidden = true;
      ModelDef& parent = s_->models_[child.target.value];
      back.local = static_cast<uint32_t>(parent.relations.size());
      parent.relations.push_back(back.id);
      s_->relations_[i].inverse = back.id;
      s_->relations_.push_back(std::move(back));
    }
  }

  // A record of the model must fit Record's layout (core/record.h). Checked after
  // AddHiddenInverses, whose lists live on the parent model's records.
  Status CheckRecordLayout(size_t mi) {
    const ModelDef& m = s_->models_[mi];
    if (m.properties.size() > Record::kMaxValues)
      return Status::InvalidArgument("The model " + m.name + " has " + std::to_string(m.properties.size()) +
                                     " values (properties, foreign keys and timestamps); a model holds at most " +
                                     std::to_string(Record::kMaxValues));
    if (m.relations.size() > Record::kMaxLinkLists)
      return Status::InvalidArgument("The model " + m.name + " has " + std::to_string(m.relations.size()) +
                                     " relations (with one for each belongsTo pointing at it); a model holds at most " +
                                     std::to_string(Record::kMaxLinkLists));
    return Status::Ok();
  }

  Status ResolveCascades(size_t mi) {
    ModelDef& m = s_->models_[mi];
    std::vector<std::string> child_to_parent;
    for (const auto& name : draft_.models[mi].cascade_delete) {
      RelationId id = m.FindRelation(name);
      if (!id.valid())
        return Status::InvalidArgument("Cannot cascade delete \"" + name + "\" relationship(s) from \"" + m.name +
                                       "\" entity. The relationship does not exist");
      RelationDef& r = s_->relations_[id.value];
      if (r.kind == RelationKind::kBelongsTo) child_to_parent.push_back(name);
      r.cascade_delete = true;
    }
    if (!child_to_parent.empty())
      return Status::InvalidArgument("Cannot cascade delete \"" + Join(child_to_parent, ",") +
                                     "\" relationship(s) from \"" + m.name +
                                     "\" entity. Child to parent cascades are not allowed");
    return Status::Ok();
  }

  Status ResolveIndexes(size_t mi) {
    ModelDef& m = s_->models_[mi];
    for (const auto& idx : draft_.models[mi].indexes) {
      IndexDef def;
      def.unique = idx.unique;
      std::vector<std::string> unknown;
      for (const auto& field : idx.on) {
        const PropertyDef* p = m.FindProperty(field);
        if (!p) unknown.push_back(field);
        else def.on.push_back(p->slot);
      }
      if (!unknown.empty() || idx.on.empty())
        return Status::InvalidArgument("Cannot apply indexes on fields (" + Join(unknown, ",") + ") for model " +
                                       m.name);
      m.indexes.push_back(std::move(def));
    }
    return Status::Ok();
  }

  const SchemaDraft& draft_;
  Schema* s_ = nullptr;
  std::vector<const PropertyDraft*> drafts_;  // by RelationId
};

namespace {

bool SameRelation(const RelationDef& a, const RelationDef& b) {
  return a.name == b.name && a.kind == b.kind && a.model == b.model && a.target == b.target && a.local == b.local &&
         a.inverse == b.inverse && a.pivot == b.pivot && a.pivot_near == b.pivot_near && a.pivot_far == b.pivot_far &&
         a.owns_links == b.owns_links && a.hidden == b.hidden;
}

// Per slot of `m` (declared in slot order): the slot it takes with the layout of
// `older` kept; empty when it cannot be kept (see Schema::KeepingLayoutOf).
std::vector<uint32_t> KeptSlots(const ModelDef& m, const ModelDef& older) {
  std::vector<uint32_t> slots(m.properties.size());
  uint32_t next = static_cast<uint32_t>(older.properties.size());
  size_t kept = 0;
  for (const PropertyDef& p : m.properties) {
    if (const PropertyDef* o = older.FindProperty(p.name)) {
      if (o->type != p.type || o->primary_key != p.primary_key || o->implicit != p.implicit) return {};
      slots[p.slot.value] = o->slot.value;
      ++kept;
    } else {
      const bool reads_null = p.nullable && (!p.default_value || p.default_value->is_null());
      if (!reads_null || p.type == PropertyType::kForeignKey || p.type == PropertyType::kAutoincrement) return {};
      slots[p.slot.value] = next++;
    }
  }
  if (kept != older.properties.size()) return {};
  return slots;
}

}  // namespace

std::shared_ptr<const Schema> Schema::KeepingLayoutOf(const Schema& older) const {
  if (models_.size() != older.models_.size() || relations_.size() != older.relations_.size()) return nullptr;
  for (size_t i = 0; i < relations_.size(); ++i)
    if (!SameRelation(relations_[i], older.relations_[i])) return nullptr;
  std::vector<std::vector<uint32_t>> moves(models_.size());
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_[i].name != older.models_[i].name) return nullptr;
    moves[i] = KeptSlots(models_[i], older.models_[i]);
    if (moves[i].empty()) return nullptr;
  }
  auto kept = std::make_shared<Schema>(*this);
  for (size_t i = 0; i < models_.size(); ++i) {
    const std::vector<uint32_t>& to = moves[i];
    const ModelDef& from = models_[i];
    ModelDef& m = kept->models_[i];
    auto move = [&](SlotId s) { return SlotId(to[s.value]); };
    for (const PropertyDef& p : from.properties) {
      PropertyDef& moved = m.properties[to[p.slot.value]];
      moved = p;
      moved.slot = move(p.slot);
      m.value_types[moved.slot.value] = from.value_types[p.slot.value];
      m.property_by_name_[p.name] = moved.slot.value;
    }
    for (size_t k = 0; k < from.declared.size(); ++k) m.declared[k] = move(from.declared[k]);
    m.declared_in_slot_order = true;
    for (size_t k = 0; k < m.declared.size(); ++k) m.declared_in_slot_order &= m.declared[k].value == k;
    for (SlotId& s : m.searchable) s = move(s);
    for (IndexDef& index : m.indexes)
      for (SlotId& s : index.on) s = move(s);
    m.created_at = move(m.created_at);
    m.updated_at = move(m.updated_at);
    m.deleted_at = move(m.deleted_at);
    for (RelationId rid : m.relations) {
      RelationDef& r = kept->relations_[rid.value];
      if (r.kind == RelationKind::kBelongsTo) r.foreign_key = move(r.foreign_key);
    }
  }
  return kept;
}

Result<std::shared_ptr<const Schema>> Schema::Build(const SchemaDraft& draft) {
  auto schema = std::make_shared<Schema>();
  schema->draft_ = draft;
  SchemaResolver resolver(schema->draft_);
  auto r = resolver.Run(schema.get());
  if (!r.ok()) return r.status();
  return std::shared_ptr<const Schema>(std::move(schema));
}

}  // namespace kin
