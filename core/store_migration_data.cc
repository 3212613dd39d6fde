#include "core/store_migration_data.h"

#include <map>
#include <string>

namespace kin {

Result<const ModelDef*> StoreMigrationData::Model(std::string_view name) const {
  const ModelId id = store_.schema().FindModel(name);
  if (!id.valid()) return Status::InvalidArgument("No model \"" + std::string(name) + "\" in the stored schema");
  return &store_.schema().model(id);
}

Result<SlotId> StoreMigrationData::Slot(const ModelDef& model, std::string_view property) const {
  const PropertyDef* p = model.FindProperty(property);
  if (!p) return Status::InvalidArgument("No property \"" + std::string(property) + "\" on " + model.name);
  return p->slot;
}

Result<bool> StoreMigrationData::HasRecords(std::string_view model) const {
  KIN_ASSIGN_OR_RETURN(const ModelDef* m, Model(model));
  return store_.Count(m->id) > 0;
}

Result<bool> StoreMigrationData::HoldsValue(std::string_view model, std::string_view property,
                                            const Value& value) const {
  KIN_ASSIGN_OR_RETURN(const ModelDef* m, Model(model));
  KIN_ASSIGN_OR_RETURN(const SlotId slot, Slot(*m, property));
  bool found = false;
  store_.Scan(m->id, [&](const Record& r) {
    const Value& v = r.value(slot.value);
    // An array holds a value when one of its strings is it.
    if (v.type() == ValueType::kStringList && value.type() == ValueType::kText) {
      for (const auto& s : v.as_list()) found = found || s == value.as_text();
    } else {
      found = v == value;
    }
    return !found;
  });
  return found;
}

Result<std::vector<RecordClash>> StoreMigrationData::FindClashes(std::string_view model,
                                                                 const std::vector<std::string>& properties,
                                                                 size_t limit) const {
  KIN_ASSIGN_OR_RETURN(const ModelDef* m, Model(model));
  IndexDef index;
  for (const auto& p : properties) {
    KIN_ASSIGN_OR_RETURN(const SlotId slot, Slot(*m, p));
    index.on.push_back(slot);
  }
  // Live records by the key a unique index on `properties` would give them (a
  // record with a null in them has none); records are visited in primary-key order.
  struct Group {
    const Record* first;
    std::vector<std::string> ids;
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> clashing;  // keys of groups of two or more, in the order they became so
  std::string key;
  store_.Scan(m->id, [&](const Record& r) {
    if (!store_.IsLive(*m, r) || !Store::IndexKey(index, r, &key)) return true;
    auto [it, fresh] = groups.try_emplace(key, Group{&r, {}});
    if (!fresh && it->second.ids.empty()) {
      it->second.ids.emplace_back(it->second.first->id());
      clashing.push_back(key);
    }
    if (!fresh && it->second.ids.size() < limit) it->second.ids.emplace_back(r.id());
    return true;
  });
  std::vector<RecordClash> out;
  for (const std::string& k : clashing) {
    if (out.size() >= limit) break;
    const Group& g = groups.at(k);
    RecordClash clash;
    for (SlotId s : index.on) clash.values.push_back(g.first->value(s.value));
    clash.ids = g.ids;
    out.push_back(std::move(clash));
  }
  return out;
}

}  // namespace kin
