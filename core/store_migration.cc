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

Status CarryRecords(const Store& from, const ModelDef& old_model, Store& to, const ModelDef& new_model) {
  const std::vector<SlotSource> sources = SlotSources(old_model, new_model);
  to.ReserveRecords(new_model.id, from.Count(old_model.id));
  Status failed;
  from.Scan(old_model.id, [&](const Record& r) {
    RecordPtr carried = to.NewRecord(new_model.id, [&](size_t slot) {
      const SlotSource& s = sources[slot];
      return s.old_slot >= 0 ? r.value(static_cast<size_t>(s.old_slot)) : s.fill;
    });
    Status types = Store::CheckValueTypes(new_model, carried->values());
    if (!types.ok()) {
      failed = types;
      return false;
    }
    auto appended = to.AppendRecord(new_model.id, std::move(carried));
    if (!appended.ok()) failed = appended.status();
    return appended.ok();
  });
  if (!failed.ok()) return failed;
  for (const PropertyDef& p : new_model.properties) {
    if (p.type != PropertyType::kAutoincrement) continue;
    if (const PropertyDef* old = old_model.FindProperty(p.name); old && old->type == PropertyType::kAutoincrement)
      to.SetLastAutoincrement(new_model.id, p.slot, from.LastAutoincrement(old_model.id, old->slot));
  }
  return Status::Ok();
}

// The links of an automatic manyToMany of the new schema that the old one has by
// the same name, loaded from its owning side in primary-key order.
Status CarryLinks(const Store& from, Store& to, const RelationDef& rel) {
  const Schema& old_schema = from.schema();
  const Schema& new_schema = to.schema();
  const ModelDef& owner_model = new_schema.model(rel.model);
  const ModelDef& target_model = new_schema.model(rel.target);
  const ModelId old_owner_model = old_schema.FindModel(owner_model.name);
  if (!old_owner_model.valid()) return Status::Ok();
  const RelationId old_rid = old_schema.model(old_owner_model).FindRelation(rel.name);
  if (!old_rid.valid()) return Status::Ok();
  const RelationDef& old_rel = old_schema.relation(old_rid);
  if (old_rel.kind != RelationKind::kManyToMany || old_rel.through_pivot() ||
      old_schema.model(old_rel.target).name != target_model.name)
    return Status::Ok();
  Status failed;
  to.Scan(owner_model.id, [&](const Record& owner) {
    const Record* old_owner = from.Find(old_owner_model, owner.id());
    if (!old_owner || old_owner->links(old_rel.local).empty()) return true;
    LinkList targets;
    for (const Record* old_target : old_owner->links(old_rel.local)) {
      const Record* target = to.Find(target_model.id, old_target->id());
      if (!target) {
        failed = Status::DatabaseError("The migration lost " + target_model.name + " " +
                                       std::string(old_target->id()) + ", linked through " + rel.name);
        return false;
      }
      targets.push_back(target);
    }
    failed = to.LoadLinks(rel.id, &owner, std::move(targets));
    return failed.ok();
  });
  return failed;
}

}  // namespace

Result<std::unique_ptr<Store>> MigrateStore(const Store& from, std::shared_ptr<const Schema> to_schema) {
  auto to = std::make_unique<Store>(std::move(to_schema));
  const Schema& old_schema = from.schema();
  for (const ModelDef& m : to->schema().models()) {
    const ModelId old = old_schema.FindModel(m.name);
    if (old.valid()) KIN_RETURN_IF_ERROR(CarryRecords(from, old_schema.model(old), *to, m));
  }
  for (const RelationDef& rel : to->schema().relations())
    if (rel.kind == RelationKind::kManyToMany && !rel.through_pivot() && rel.owns_links)
      KIN_RETURN_IF_ERROR(CarryLinks(from, *to, rel));
  KIN_RETURN_IF_ERROR(to->FinishLoad());
  return to;
}

}  // namespace kin
