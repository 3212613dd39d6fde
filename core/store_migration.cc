#include "core/store_migration.h"

#include "core/key_hash.h"

#include <exception>
#include <string>
#include <thread>
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

// The records of a model at and above which two threads build the carried records.
constexpr size_t kParallelFrom = 1 << 14;

// Carries the records of `old_model` into `new_model`; each pair goes to *carried
// (in primary-key order) when it is not null. The carried records are built first,
// on two threads for a large model (the store's NewRecord allows it), then
// appended in primary-key order on this one, each append's cache misses started
// some records ahead (as a snapshot load does).
Status CarryRecords(const Store& from, const ModelDef& old_model, Store& to, const ModelDef& new_model,
                    std::vector<Carried>* carried_records) {
  const std::vector<SlotSource> sources = SlotSources(old_model, new_model);
  // A carried value is of its property's type: the old store held it so, and a plan
  // refuses a change of type (checked here once per property, not per value); a
  // filled-in value is a default of the property's type, or null (SlotSources).
  for (const PropertyDef& p : new_model.properties) {
    const SlotSource& s = sources[p.slot.value];
    if (s.old_slot < 0) continue;
    const PropertyDef& old = old_model.properties[static_cast<size_t>(s.old_slot)];
    if (old.type != p.type)
      return Status::DatabaseError("The migration cannot carry " + new_model.name + "." + p.name + " from " +
                                   PropertyTypeName(old.type) + " to " + PropertyTypeName(p.type));
  }
  std::vector<const Record*> olds;
  olds.reserve(from.Count(old_model.id));
  from.Scan(old_model.id, [&](const Record& r) {
    olds.push_back(&r);
    return true;
  });
  const size_t n = olds.size();
  std::vector<RecordPtr> built(n);
  std::vector<size_t> hashes(n);
  auto build = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const Record& r = *olds[i];
      built[i] = to.NewRecord(new_model.id, [&](size_t slot) {
        const SlotSource& s = sources[slot];
        return s.old_slot >= 0 ? r.value(static_cast<size_t>(s.old_slot)) : s.fill;
      });
      hashes[i] = KeyHash()(built[i]->id());
    }
  };
  if (n >= kParallelFrom) {
    std::exception_ptr failed_half;
    std::thread half([&] {
      try {
        build(n / 2, n);
      } catch (...) {
        failed_half = std::current_exception();
      }
    });
    try {
      build(0, n / 2);
    } catch (...) {
      half.join();
      throw;
    }
    half.join();
    if (failed_half) std::rethrow_exception(failed_half);
  } else {
    build(0, n);
  }
  to.ReserveRecords(new_model.id, n);
  if (carried_records) carried_records->reserve(n);
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < std::min(n, 2 * kAhead); ++i) to.PrefetchBucket(new_model.id, hashes[i]);
  for (size_t i = 0; i < std::min(n, kAhead); ++i) to.PrefetchAppend(new_model.id, built[i].get(), hashes[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + 2 * kAhead < n) to.PrefetchBucket(new_model.id, hashes[i + 2 * kAhead]);
    if (i + kAhead < n) to.PrefetchAppend(new_model.id, built[i + kAhead].get(), hashes[i + kAhead]);
    KIN_ASSIGN_OR_RETURN(const Record* appended, to.AppendRecord(new_model.id, std::move(built[i])));
    if (carried_records) carried_records->push_back({olds[i], appended});
  }
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
  // Per automatic manyToMany (owning side): the old relation whose links it carries.
  std::vector<const RelationDef*> old_links(new_schema.relations().size());
  std::vector<bool> owns(new_schema.models().size());
  for (const RelationDef& rel : new_schema.relations()) {
    if (rel.kind != RelationKind::kManyToMany || rel.through_pivot() || !rel.owns_links) continue;
    old_links[rel.id.value] = OldLinks(old_schema, new_schema, rel);
    if (old_links[rel.id.value]) owns[rel.model.value] = true;
  }
  // Per model: its carried records, kept for the models that own links to carry.
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
