#include "core/store_migration.h"

#include <string>
#include <vector>

namespace kin {

namespace {

// Per slot of a model of the new schema: the slot of the same property in the old
// model, or -1 with the value every carried record gets (the default, or null).
struct SlotSource {
  int64_t old_slot = -1;
  Value fill;
};

std::vector<SlotSource> SlotSources(const ModelDef& from, const ModelDef& to) {
  std::vector<SlotSource> sources(to.properties.size());
  for (const PropertyDef& p : to.properties) {
    SlotSource& s = sources[p.slot.value];
    if (const PropertyDef* old = from.FindProperty(p.name)) {
      s.old_slot = old->slot.value;
    } else if (p.default_value && !p.default_value->is_null() &&
               p.default_value->type() == StoredValueType(p.type)) {
      s.fill = *p.default_value;
    }
  }
  return sources;
}

// A carried record, beside the record it was carried from.
struct Carried {
  const Record* old_record;
  const Record* new_record;
};

// Carries the records of `old_model` into `new_model`; each pair goes to *carried
// (in primary-key order) when it is not null.
Status CarryRecords(const Store& from, const ModelDef& old_model, Store& to, const ModelDef& new_model,
                    std::vector<Carried>* carried_records) {
  const std::vector<SlotSource> sources = SlotSources(old_model, new_model);
  // A carried value is of its property's type: the old store held it so, and a plan
  // refuses a change of type. Only the values filled in are checked, once.
  for (const PropertyDef& p : new_model.properties) {
    const SlotSource& s = sources[p.slot.value];
    if (s.old_slot >= 0) {
      const PropertyDef& old = old_model.properties[static_cast<size_t>(s.old_slot)];
      if (old.type != p.type)
        return Status::DatabaseError("The migration cannot carry " + new_model.name + "." + p.name + " from " +
                                     PropertyTypeName(old.type) + " to " + PropertyTypeName(p.type));
    } else if (!s.fill.is_null() && s.fill.type() != StoredValueType(p.type)) {
      return Status::DatabaseError("The default of " + new_model.name + "." + p.name + " is not a " +
                                   PropertyTypeName(p.type) + " value");
    }
  }
  if (carried_records) carried_records->reserve(from.Count(old_model.id));
  to.ReserveRecords(new_model.id, from.Count(old_model.id));
  Status failed;
  from.Scan(old_model.id, [&](const Record& r) {
    RecordPtr carried = to.NewRecord(new_model.id, [&](size_t slot) {
      const SlotSource& s = sources[slot];
      return s.old_slot >= 0 ? r.value(static_cast<size_t>(s.old_slot)) : s.fill;
    });
    auto appended = to.AppendRecord(new_model.id, std::move(carried));
    if (!appended.ok()) {
      failed = appended.status();
      return false;
    }
    if (carried_records) carried_records->push_back({&r, *appended});
    return true;
  });
  if (!failed.ok()) return failed;
  for (const PropertyDef& p : new_model.properties) {
    if (p.type != PropertyType::kAutoincrement) continue;
    if (const PropertyDef* old = old_model.FindProperty(p.name); old && old->type == PropertyType::kAutoincrement)
      to.SetLastAutoincrement(new_model.id, p.slot, from.LastAutoincrement(old_model.id, old->slot));
  }
  return Status::Ok();
}

// The old relation an automatic manyToMany of the new schema carries the links
// of: the one of the same name on the same model, to a model of the same name.
const RelationDef* OldLinks(const Schema& old_schema, const Schema& new_schema, const RelationDef& rel) {
  const ModelId old_owner_model = old_schema.FindModel(new_schema.model(rel.model).name);
  if (!old_owner_model.valid()) return nullptr;
  const RelationId old_rid = old_schema.model(old_owner_model).FindRelation(rel.name);
  if (!old_rid.valid()) return nullptr;
  const RelationDef& old_rel = old_schema.relation(old_rid);
  if (old_rel.kind != RelationKind::kManyToMany || old_rel.through_pivot() ||
      old_schema.model(old_rel.target).name != new_schema.model(rel.target).name)
    return nullptr;
  return &old_rel;
}

// The links of `rel` (an automatic manyToMany of the new schema, its owning side),
// read from the old records of its owners (`owners`, in primary-key order), loaded
// owner by owner.
Status CarryLinks(Store& to, const RelationDef& rel, const RelationDef& old_rel, const std::vector<Carried>& owners) {
  const ModelDef& target_model = to.schema().model(rel.target);
  for (const Carried& owner : owners) {
    const LinkList& old_targets = owner.old_record->links(old_rel.local);
    if (old_targets.empty()) continue;
    LinkList targets;
    for (const Record* old_target : old_targets) {
      const Record* target = to.Find(target_model.id, old_target->id());
      if (!target)
        return Status::DatabaseError("The migration lost " + target_model.name + " " + std::string(old_target->id()) +
                                     ", linked through " + rel.name);
      targets.push_back(target);
    }
    KIN_RETURN_IF_ERROR(to.LoadLinks(rel.id, owner.new_record, std::move(targets)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> MigrateStore(const Store& from, std::shared_ptr<const Schema> to_schema) {
  auto to = std::make_unique<Store>(std::move(to_schema));
  const Schema& old_schema = from.schema();
  const Schema& new_schema = to->schema();
  // Per model: its carried records, kept for the models that own links to carry.
  std::vector<const RelationDef*> old_links(new_schema.relations().size());
  std::vector<bool> owns(new_schema.models().size());
  for (const RelationDef& rel : new_schema.relations()) {
    if (rel.kind != RelationKind::kManyToMany || rel.through_pivot() || !rel.owns_links) continue;
    old_links[rel.id.value] = OldLinks(old_schema, new_schema, rel);
    if (old_links[rel.id.value]) owns[rel.model.value] = true;
  }
  std::vector<std::vector<Carried>> carried(new_schema.models().size());
  for (const ModelDef& m : new_schema.models()) {
    const ModelId old = old_schema.FindModel(m.name);
    if (old.valid())
      KIN_RETURN_IF_ERROR(
          CarryRecords(from, old_schema.model(old), *to, m, owns[m.id.value] ? &carried[m.id.value] : nullptr));
  }
  for (const RelationDef& rel : new_schema.relations())
    if (const RelationDef* old_rel = old_links[rel.id.value])
      KIN_RETURN_IF_ERROR(CarryLinks(*to, rel, *old_rel, carried[rel.model.value]));
  KIN_RETURN_IF_ERROR(to->FinishLoad());
  return to;
}

}  // namespace kin
