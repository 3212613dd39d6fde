#include "api/record_editor.h"

#include <algorithm>
#include <set>

#include "api/limits.h"
#include "api/value_json.h"
#include "core/ulid.h"

namespace kin::api {

Status MissingRelated(const std::string& column, std::string_view id) {
  return Status::NotFound("You tried to set relationship " + column + ": " + std::string(id) +
                          ", but such entity does not exist");
}

std::optional<std::string> RelatedId(const ModelDef& target, const Json& j) {
  if (j.is_string() && !j.get_ref<const std::string&>().empty()) return j.get<std::string>();
  if (j.is_object()) {
    auto it = j.find(target.primary_key().name);
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return std::nullopt;
}

Status CheckUnique(const CallContext& ctx, const ModelDef& model, const std::vector<Value>& values,
                   std::string_view self_id) {
  if (!values[model.deleted_at.value].is_null()) return Status::Ok();  // soft-deleted records do not clash
  std::string key;
  for (size_t i = 0; i < model.indexes.size(); ++i) {
    const IndexDef& index = model.indexes[i];
    if (!index.unique || !Store::IndexKey(index, values, &key)) continue;
    for (const Record* other : ctx.store.IndexLookup(model.id, i, key)) {
      if (other->id() == self_id) continue;
      std::string columns, shown;
      for (SlotId s : index.on) {
        columns += (columns.empty() ? "" : ", ") + model.properties[s.value].name;
        shown += (shown.empty() ? "" : ", ") + values[s.value].ToDisplay();
      }
      return Status::InvalidData(model.words + " with " + columns + ": " + shown + ", already exists.");
    }
  }
  return Status::Ok();
}

Status RecordEditor::ReadFields(const Json& data, bool creating, std::vector<Value>& values, Given& given,
                                Deferred& deferred) {
  if (!data.is_object())
    return Status::InvalidArgument("Expected an object of " + model_.name + " properties, got " + data.dump());
  for (const auto& [key, v] : data.items()) {
    if (const PropertyDef* p = model_.FindProperty(key)) {
      if (p->implicit)
        return Status::InvalidData("The property " + model_.name + "." + key + " is set by the database");
      KIN_ASSIGN_OR_RETURN(Value value, ValueFromJson(model_, *p, v));
      if (p->primary_key && !creating) {
        if (value != values[0])
          return Status::InvalidData("The primary key " + model_.name + "." + key + " cannot be changed");
        continue;
      }
      if (value.is_null() && !p->nullable)
        return creating ? RequiredError(model_, *p, "null") : NonNullError(model_, *p);
      if (!creating && p->type == PropertyType::kJson && p->name == "metadata" && v.is_object())
        value = MergeMetadata(values[p->slot.value], v);
      values[p->slot.value] = std::move(value);
      given[p->slot.value] = true;
      continue;
    }
    RelationId rid = model_.FindRelation(key);
    if (!rid.valid()) return Status::InvalidData("Unknown property \"" + key + "\" on model " + model_.name);
    const RelationDef& rel = schema_.relation(rid);
    const ModelDef& target = schema_.model(rel.target);
    switch (rel.kind) {
      case RelationKind::kBelongsTo: {
        const PropertyDef& fk = model_.properties[rel.foreign_key.value];
        auto id = RelatedId(target, v);
        if (!v.is_null() && !id)
          return Status::InvalidData("Invalid value for " + model_.name + "." + key + ": expected the id of a " +
                                     target.name + " or null, got " + v.dump());
        if (!id && !fk.nullable) return creating ? RequiredError(model_, fk, "null") : NonNullError(model_, fk);
        values[fk.slot.value] = id ? Value::Text(*id) : Value();
        given[fk.slot.value] = true;
        break;
      }
      case RelationKind::kHasMany:
        if (v.is_array() && v.empty()) break;
        return Status::InvalidData("Cannot set " + model_.name + "." + key + ": a one-to-many relationship is set from " +
                                   target.name + "." + schema_.relation(rel.inverse).name + " (pass " +
                                   target.properties[schema_.relation(rel.inverse).foreign_key.value].name + " on " +
                                   target.name + ")");
      case RelationKind::kHasOne:
      case RelationKind::kManyToMany: deferred.emplace_back(&rel, &v); break;
    }
  }
  return Status::Ok();
}

Status RecordEditor::FillMissing(std::vector<Value>& values, const Given& given) {
  for (SlotId slot : model_.declared) {
    const PropertyDef& p = model_.properties[slot.value];
    if (given[p.slot.value] || p.implicit) continue;
    if (p.primary_key) {
      if (p.type != PropertyType::kId) return RequiredError(model_, p, "undefined");
      values[0] = Value::TextWith(PrefixedIdSize(p.prefix), [&](char* out) {
        WritePrefixedId(p.prefix, static_cast<uint64_t>(ctx_.now.ms), out);
      });
    } else if (p.default_value) {
      values[p.slot.value] = *p.default_value;
    } else if (p.type == PropertyType::kAutoincrement) {
      values[p.slot.value] = Value::Int(ctx_.store.LastAutoincrement(model_.id, p.slot) + 1);
    } else if (!p.nullable) {
      // A required one-to-one belongsTo is named by its relation (Profile.author), a
      // many-to-one by its foreign key (Post.author_id), as Medusa names them.
      if (p.relation.valid()) {
        const RelationDef& rel = schema_.relation(p.relation);
        if (rel.inverse.valid() && schema_.relation(rel.inverse).kind == RelationKind::kHasOne)
          return Status::InvalidData("Value for " + model_.name + "." + rel.name + " is required, 'undefined' found");
      }
      return RequiredError(model_, p, "undefined");
    }
  }
  return Status::Ok();
}

Status RecordEditor::CheckParents(const std::vector<Value>& values, const std::vector<Value>* before) {
  for (RelationId rid : model_.relations) {
    const RelationDef& rel = schema_.relation(rid);
    if (rel.kind != RelationKind::kBelongsTo) continue;
    const Value& fk = values[rel.foreign_key.value];
    if (fk.is_null() || (before && (*before)[rel.foreign_key.value] == fk)) continue;
    const ModelDef& target = schema_.model(rel.target);
    const Record* parent = ctx_.store.Find(rel.target, fk.as_text());
    if (!parent || !ctx_.store.IsLive(target, *parent))
      return MissingRelated(model_.properties[rel.foreign_key.value].name, fk.as_text());
  }
  return Status::Ok();
}

Result<std::string> RecordEditor::Create(const Json& data) {
  std::vector<Value> values = ctx_.mutation->NewValues(model_.properties.size());
  Given given(model_.properties.size(), false);
  Deferred deferred;
  KIN_RETURN_IF_ERROR(ReadFields(data, true, values, given, deferred));
  return Insert(std::move(values), given, deferred);
}

Result<std::string> RecordEditor::Create(std::span<const FieldValue> fields) {
  std::vector<Value> values = ctx_.mutation->NewValues(model_.properties.size());
  Given given(model_.properties.size(), false);
  for (const FieldValue& f : fields) {
    const PropertyDef* p = model_.FindProperty(f.name);
    if (!p) {
      RelationId rid = model_.FindRelation(f.name);
      const RelationDef* rel = rid.valid() ? &schema_.relation(rid) : nullptr;
      if (!rel) return Status::InvalidData("Unknown property \"" + std::string(f.name) + "\" on model " + model_.name);
      if (rel->kind != RelationKind::kBelongsTo)
        return Status::InvalidArgument("The relation " + model_.name + "." + rel->name +
                                       " is set through the JSON form of create" + model_.plural);
      p = &model_.properties[rel->foreign_key.value];  // the parent's id goes in the foreign key
    }
    if (p->implicit)
      return Status::InvalidData("The property " + model_.name + "." + p->name + " is set by the database");
    Value& value = values[p->slot.value];
    value = f.value;
    KIN_RETURN_IF_ERROR(CheckValue(model_, *p, &value));
    if (value.is_null() && !p->nullable) return RequiredError(model_, *p, "null");
    given[p->slot.value] = true;
  }
  return Insert(std::move(values), given, {});
}

Result<std::string> RecordEditor::Insert(std::vector<Value> values, const Given& given,
                                         const Deferred& deferred) {
  KIN_RETURN_IF_ERROR(FillMissing(values, given));
  values[model_.created_at.value] = Value::Time(ctx_.now);
  values[model_.updated_at.value] = Value::Time(ctx_.now);
  std::string id(values[0].as_text());
  if (ctx_.store.Holds(model_.id, id))
    return Status::InvalidData(model_.words + " with " + model_.primary_key().name + ": " + id + ", already exists.");
  KIN_RETURN_IF_ERROR(CheckRecordSize(model_, values));
  KIN_RETURN_IF_ERROR(CheckParents(values, nullptr));
  KIN_RETURN_IF_ERROR(CheckUnique(ctx_, model_, values, id));
  KIN_RETURN_IF_ERROR(ctx_.mutation->Insert(model_.id, std::move(values)));  // no record has the id (above)
  KIN_RETURN_IF_ERROR(ApplyDeferred(id, deferred, true));
  return id;
}

Status RecordEditor::Update(const std::string& id, const Json& data) {
  const Record* current = ctx_.store.Find(model_.id, id);
  if (!current) return Status::NotFound(model_.name + " with id \"" + id + "\" not found");
  std::vector<Value> before = current->CopyValues(model_.properties.size());
  std::vector<Value> values = before;
  Given given(model_.properties.size(), false);
  Deferred deferred;
  KIN_RETURN_IF_ERROR(ReadFields(data, false, values, given, deferred));
  values[model_.updated_at.value] = Value::Time(ctx_.now);
  KIN_RETURN_IF_ERROR(CheckRecordSize(model_, values));
  KIN_RETURN_IF_ERROR(CheckParents(values, &before));
  KIN_RETURN_IF_ERROR(CheckUnique(ctx_, model_, values, id));
  KIN_RETURN_IF_ERROR(ctx_.mutation->Put(model_.id, std::move(values)));
  return ApplyDeferred(id, deferred, false);
}

Status RecordEditor::ApplyDeferred(const std::string& id, const Deferred& deferred, bool creating) {
  for (const auto& [rel, value] : deferred) {
    if (rel->kind == RelationKind::kHasOne) KIN_RETURN_IF_ERROR(SetHasOne(*rel, id, *value));
    else KIN_RETURN_IF_ERROR(SetManyToMany(*rel, id, *value, creating));
  }
  return Status::Ok();
}

// Points the child's foreign key at this record; a previous child is let go.
Status RecordEditor::SetHasOne(const RelationDef& rel, const std::string& id, const Json& value) {
  const RelationDef& back = schema_.relation(rel.inverse);  // the child's belongsTo
  const ModelDef& child_model = schema_.model(rel.target);
  const PropertyDef& fk = child_model.properties[back.foreign_key.value];
  auto child_id = RelatedId(child_model, value);
  if (!value.is_null() && !child_id)
    return Status::InvalidData("Invalid value for " + model_.name + "." + rel.name + ": expected the id of a " +
                               child_model.name + " or null, got " + value.dump());
  const Record* child = nullptr;
  if (child_id) {
    child = ctx_.store.Find(child_model.id, *child_id);
    if (!child || !ctx_.store.IsLive(child_model, *child)) return MissingRelated(child_model.snake + "_id", *child_id);
  }
  const Record* self = ctx_.store.Find(model_.id, id);
  const LinkList& current = self->links(rel.local);
  std::vector<const Record*> previous(current.begin(), current.end());
  for (const Record* old : previous) {
    if (old == child || !ctx_.store.IsLive(child_model, *old)) continue;  // soft-deleted children hold no slot
    if (!fk.nullable)
      return Status::InvalidData(child_model.words + " with " + fk.name + ": " + id + ", already exists.");
    std::vector<Value> v = old->CopyValues(child_model.properties.size());
    v[fk.slot.value] = Value();
    v[child_model.updated_at.value] = Value::Time(ctx_.now);
    KIN_RETURN_IF_ERROR(ctx_.mutation->Put(child_model.id, std::move(v)));
  }
  if (!child || child->value(fk.slot.value) == Value::Text(id)) return Status::Ok();
  std::vector<Value> v = child->CopyValues(child_model.properties.size());
  v[fk.slot.value] = Value::Text(id);
  v[child_model.updated_at.value] = Value::Time(ctx_.now);
  return ctx_.mutation->Put(child_model.id, std::move(v));
}

std::vector<std::string> RecordEditor::LinkedIds(const RelationDef& rel, const std::string& id) {
  std::vector<std::string> out;
  const Record* self = ctx_.store.Find(model_.id, id);
  const ModelDef& target = schema_.model(rel.target);
  for (const Record* link : self->links(rel.local)) {
    const Record* other = link;
    if (rel.through_pivot()) {
      if (!ctx_.store.IsLive(schema_.model(rel.pivot), *link)) continue;
      const auto& far = link->links(schema_.relation(rel.pivot_far).local);
      if (far.empty()) continue;
      other = far[0];
    } else if (!out.empty() && out.back() == other->id()) {
      continue;  // a link to itself through a relation that is its own inverse is listed twice
    }
    if (ctx_.store.IsLive(target, *other)) out.emplace_back(other->id());
  }
  return out;
}

Status RecordEditor::SetManyToMany(const RelationDef& rel, const std::string& id, const Json& value, bool creating) {
  const ModelDef& target = schema_.model(rel.target);
  const std::string column = target.snake + "_id";
  auto read_ids = [&](const Json& list, std::vector<std::string>* out) -> Status {
    if (!list.is_array())
      return Status::InvalidData("Invalid value for " + model_.name + "." + rel.name + ": expected an array of " +
                                 target.name + " ids, got " + list.dump());
    for (const auto& e : list) {
      auto other = RelatedId(target, e);
      if (!other)
        return Status::InvalidData("Invalid value for " + model_.name + "." + rel.name + ": expected an array of " +
                                   target.name + " ids, got " + list.dump());
      const Record* r = ctx_.store.Find(target.id, *other);
      if (!r || !ctx_.store.IsLive(target, *r)) return MissingRelated(column, *other);
      if (std::find(out->begin(), out->end(), *other) == out->end()) out->push_back(*other);
    }
    return Status::Ok();
  };
  std::vector<std::string> add, remove;
  bool replace = value.is_array() || value.is_null();
  if (value.is_object()) {
    for (const auto& [op, list] : value.items()) {
      if (op == "$add") KIN_RETURN_IF_ERROR(read_ids(list, &add));
      else if (op == "$remove") KIN_RETURN_IF_ERROR(read_ids(list, &remove));
      else
        return Status::InvalidData("Invalid value for " + model_.name + "." + rel.name +
                                   ": expected an array of ids or {\"$add\": [...], \"$remove\": [...]}, got key \"" +
                                   op + "\"");
    }
  } else if (!value.is_null()) {
    KIN_RETURN_IF_ERROR(read_ids(value, &add));
  }
  std::vector<std::string> current = creating ? std::vector<std::string>() : LinkedIds(rel, id);
  if (replace) {
    for (const auto& c : current)
      if (std::find(add.begin(), add.end(), c) == add.end()) remove.push_back(c);
  }
  for (const auto& r : remove)
    if (std::find(current.begin(), current.end(), r) != current.end()) KIN_RETURN_IF_ERROR(RemoveLink(rel, id, r));
  for (const auto& a : add)
    if (std::find(current.begin(), current.end(), a) == current.end()) KIN_RETURN_IF_ERROR(AddLink(rel, id, a));
  return Status::Ok();
}

Status RecordEditor::AddLink(const RelationDef& rel, const std::string& id, const std::string& other) {
  if (!rel.through_pivot()) {
    if (rel.owns_links) return ctx_.mutation->Link(rel.id, id, other);
    return ctx_.mutation->Link(rel.inverse, other, id);
  }
  // A pivot record with default columns.
  const ModelDef& pivot = schema_.model(rel.pivot);
  std::vector<Value> values(pivot.properties.size());
  Given given(pivot.properties.size(), false);
  values[schema_.relation(rel.pivot_near).foreign_key.value] = Value::Text(id);
  values[schema_.relation(rel.pivot_far).foreign_key.value] = Value::Text(other);
  given[schema_.relation(rel.pivot_near).foreign_key.value] = true;
  given[schema_.relation(rel.pivot_far).foreign_key.value] = true;
  RecordEditor pivot_editor(ctx_, pivot);
  KIN_RETURN_IF_ERROR(pivot_editor.FillMissing(values, given));
  values[pivot.created_at.value] = Value::Time(ctx_.now);
  values[pivot.updated_at.value] = Value::Time(ctx_.now);
  KIN_RETURN_IF_ERROR(CheckUnique(ctx_, pivot, values, values[0].as_text()));
  return ctx_.mutation->Put(pivot.id, std::move(values));
}

Status RecordEditor::RemoveLink(const RelationDef& rel, const std::string& id, const std::string& other) {
  if (!rel.through_pivot()) {
    if (rel.owns_links) return ctx_.mutation->Unlink(rel.id, id, other);
    return ctx_.mutation->Unlink(rel.inverse, other, id);
  }
  const Record* self = ctx_.store.Find(model_.id, id);
  uint32_t far = schema_.relation(rel.pivot_far).local;
  std::vector<std::string> doomed;
  for (const Record* link : self->links(rel.local))
    if (!link->links(far).empty() && link->links(far)[0]->id() == other) doomed.emplace_back(link->id());
  for (const auto& pivot_id : doomed) KIN_RETURN_IF_ERROR(ctx_.mutation->Delete(rel.pivot, pivot_id));
  return Status::Ok();
}

}  // namespace kin::api
