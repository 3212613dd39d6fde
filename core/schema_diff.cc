#include "core/schema_diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace kin {

const char* StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kAddModel: return "add_model";
    case StepKind::kRemoveModel: return "remove_model";
    case StepKind::kRenameMethods: return "rename_methods";
    case StepKind::kChangePrimaryKey: return "change_primary_key";
    case StepKind::kAddProperty: return "add_property";
    case StepKind::kRemoveProperty: return "remove_property";
    case StepKind::kChangeType: return "change_type";
    case StepKind::kMakeRequired: return "make_required";
    case StepKind::kMakeNullable: return "make_nullable";
    case StepKind::kChangeDefault: return "change_default";
    case StepKind::kChangeIdPrefix: return "change_id_prefix";
    case StepKind::kMakeSearchable: return "make_searchable";
    case StepKind::kMakeUnsearchable: return "make_unsearchable";
    case StepKind::kAddEnumValue: return "add_enum_value";
    case StepKind::kRemoveEnumValue: return "remove_enum_value";
    case StepKind::kAddRelationship: return "add_relationship";
    case StepKind::kRemoveRelationship: return "remove_relationship";
    case StepKind::kChangeRelatedModel: return "change_related_model";
    case StepKind::kChangePairing: return "change_pairing";
    case StepKind::kAddCascade: return "add_cascade";
    case StepKind::kRemoveCascade: return "remove_cascade";
    case StepKind::kAddIndex: return "add_index";
    case StepKind::kAddUniqueIndex: return "add_unique_index";
    case StepKind::kRemoveIndex: return "remove_index";
    case StepKind::kRemoveUniqueIndex: return "remove_unique_index";
    case StepKind::kUnsupported: return "unsupported";
  }
  return "?";
}

const char* StepSafetyName(StepSafety safety) {
  switch (safety) {
    case StepSafety::kSafe: return "safe";
    case StepSafety::kDestructive: return "destructive";
    case StepSafety::kImpossible: return "impossible";
  }
  return "?";
}

const char* DataCheckName(DataCheck check) {
  switch (check) {
    case DataCheck::kNone: return "none";
    case DataCheck::kModelIsEmpty: return "model_is_empty";
    case DataCheck::kEnumValueUnused: return "enum_value_unused";
    case DataCheck::kNoClash: return "no_clash";
  }
  return "?";
}

size_t MigrationPlan::Count(StepSafety safety) const {
  return static_cast<size_t>(
      std::count_if(steps.begin(), steps.end(), [&](const MigrationStep& s) { return s.safety == safety; }));
}

namespace {

// The planner below classifies every option a draft can declare. These bindings stop
// the build when a draft gains a field, until the planner is taught about it.
[[maybe_unused]] void EveryDraftFieldIsClassified(const SchemaDraft& s, const ModelDraft& m, const PropertyDraft& p,
                                                  const IndexDraft& i) {
  [[maybe_unused]] const auto& [models] = s;
  [[maybe_unused]] const auto& [model_name, properties, cascade_delete, indexes, singular, plural] = m;
  [[maybe_unused]] const auto& [name, type, primary_key, nullable, unique, index, searchable, default_value, prefix,
                                enum_values, model, mapped_by, pivot_entity] = p;
  [[maybe_unused]] const auto& [on, unique_index] = i;
}

constexpr size_t kClashesShown = 3;

std::string Join(const std::vector<std::string>& parts, const char* sep = ", ") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// A value as a step shows it: text quoted, null and lists spelled out.
std::string Shown(const Value& v) {
  switch (v.type()) {
    case ValueType::kText: return "\"" + std::string(v.as_text()) + "\"";
    case ValueType::kStringList: return "[" + v.ToDisplay() + "]";
    default: return v.ToDisplay();
  }
}

std::string ShownDefault(const std::optional<Value>& v) { return v ? Shown(*v) : "none"; }

bool SameDefault(const std::optional<Value>& a, const std::optional<Value>& b) {
  return a.has_value() == b.has_value() && (!a || *a == *b);
}

// What a new property gives the records that exist: its default, else null.
bool HasValueForExisting(const PropertyDef& p) { return p.default_value && !p.default_value->is_null(); }

std::string IndexName(const std::string& model, const std::vector<std::string>& on) {
  return model + "(" + Join(on) + ")";
}

bool IsRelationWord(const std::string& type) {
  return type == "belongsTo" || type == "hasOne" || type == "hasMany" || type == "manyToMany";
}

// An index as the planner compares it: its properties by name, in order, and uniqueness.
using IndexKey = std::pair<std::vector<std::string>, bool>;

std::set<IndexKey> IndexKeys(const ModelDef& m) {
  std::set<IndexKey> keys;
  for (const IndexDef& idx : m.indexes) {
    std::vector<std::string> names;
    for (SlotId slot : idx.on) names.push_back(m.properties[slot.value].name);
    keys.emplace(std::move(names), idx.unique);
  }
  return keys;
}

// Computes one plan: owns the plan while it grows, borrows the two schemas and the
// data for one PlanMigration call. Walks models, properties and indexes in name
// order, so the plan never depends on declaration order. Not thread-safe (one call).
class Planner {
 public:
  Planner(const Schema& from, const Schema& to, const MigrationData& data) : from_(from), to_(to), data_(data) {}

  Result<MigrationPlan> Run() {
    std::set<std::string> names;
    for (const ModelDef& m : from_.models()) names.insert(m.name);
    for (const ModelDef& m : to_.models()) names.insert(m.name);
    for (const std::string& name : names) {
      ModelId o = from_.FindModel(name), n = to_.FindModel(name);
      if (!o.valid()) {
        Add(StepKind::kAddModel, StepSafety::kSafe, name, "", "add model " + name);
      } else if (!n.valid()) {
        Add(StepKind::kRemoveModel, StepSafety::kDestructive, name, "",
            "remove model " + name + " (destructive: drops every record)");
      } else {
        KIN_RETURN_IF_ERROR(DiffModel(from_.model(o), to_.model(n)));
      }
    }
    return std::move(plan_);
  }

 private:
  MigrationStep& Add(StepKind kind, StepSafety safety, const std::string& model, const std::string& property,
                     std::string description) {
    MigrationStep& s = plan_.steps.emplace_back();
    s.kind = kind;
    s.safety = safety;
    s.model = model;
    s.property = property;
    s.description = std::move(description);
    return s;
  }

  MigrationStep& Change(StepKind kind, StepSafety safety, const std::string& model, const std::string& property,
                        std::string from, std::string to, std::string description) {
    MigrationStep& s = Add(kind, safety, model, property, std::move(description));
    s.from = std::move(from);
    s.to = std::move(to);
    return s;
  }

  static std::map<std::string, const PropertyDraft*> DraftProperties(const Schema& s, const ModelDef& m) {
    std::map<std::string, const PropertyDraft*> out;
    for (const PropertyDraft& p : s.draft().models[m.id.value].properties) out[p.name] = &p;
    return out;
  }

  Status DiffModel(const ModelDef& o, const ModelDef& n) {
    const std::string& m = n.name;
    if (o.primary_key().name != n.primary_key().name)
      Change(StepKind::kChangePrimaryKey, StepSafety::kImpossible, m, "", o.primary_key().name, n.primary_key().name,
             "change primary key of " + m + " from " + o.primary_key().name + " to " + n.primary_key().name +
                 " (refused: every record and every link is keyed by it)");
    if (o.singular != n.singular || o.plural != n.plural)
      Change(StepKind::kRenameMethods, StepSafety::kSafe, m, "", o.singular + "/" + o.plural,
             n.singular + "/" + n.plural,
             "rename the methods of " + m + " from " + o.singular + "/" + o.plural + " to " + n.singular + "/" +
                 n.plural);
    auto old_props = DraftProperties(from_, o), new_props = DraftProperties(to_, n);
    std::set<std::string> names;
    for (const auto& [name, p] : old_props) names.insert(name);
    for (const auto& [name, p] : new_props) names.insert(name);
    for (const std::string& name : names) {
      auto oi = old_props.find(name), ni = new_props.find(name);
      if (oi == old_props.end()) {
        KIN_RETURN_IF_ERROR(AddedProperty(o, n, *ni->second));
      } else if (ni == new_props.end()) {
        RemovedProperty(o, *oi->second);
      } else if (oi->second->type != ni->second->type) {
        if (ChangedType(m, name, oi->second->type, ni->second->type))
          DiffRelation(from_.relation(o.FindRelation(name)), to_.relation(n.FindRelation(name)));
      } else if (IsRelationWord(ni->second->type)) {
        DiffRelation(from_.relation(o.FindRelation(name)), to_.relation(n.FindRelation(name)));
      } else {
        KIN_RETURN_IF_ERROR(DiffScalar(m, *o.FindProperty(name), *n.FindProperty(name)));
      }
    }
    return DiffIndexes(o, n);
  }

  // ---- properties ----------------------------------------------------------------

  Status AddedProperty(const ModelDef& o, const ModelDef& n, const PropertyDraft& draft) {
    const std::string& m = n.name;
    if (IsRelationWord(draft.type)) return AddedRelation(o, to_.relation(n.FindRelation(draft.name)));
    const PropertyDef& p = *n.FindProperty(draft.name);
    std::string what = PropertyTypeName(p.type);
    if (p.nullable) what += ", nullable";
    else what += ", required";
    if (p.default_value) what += ", default " + Shown(*p.default_value);
    if (p.searchable) what += ", searchable";
    const std::string desc = "add property " + m + "." + p.name + " (" + what;
    MigrationStep& s = Add(StepKind::kAddProperty, StepSafety::kSafe, m, p.name, desc + ")");
    if (p.primary_key) {
      s.safety = StepSafety::kImpossible;
      s.description = desc + "; refused: it would be the new primary key)";
      return Status::Ok();
    }
    if (p.nullable || HasValueForExisting(p)) return Status::Ok();
    return NeedsEmptyModel(s, o.name, desc);
  }

  // A new required value without a default: fine only where there is no record to give it to.
  Status NeedsEmptyModel(MigrationStep& step, const std::string& old_model, const std::string& desc) {
    step.check = DataCheck::kModelIsEmpty;
    KIN_ASSIGN_OR_RETURN(bool has_records, data_.HasRecords(old_model));
    if (has_records) {
      step.safety = StepSafety::kImpossible;
      step.finding = old_model + " has records";
      step.description = desc + "; refused: " + old_model + " has records and no value to give them)";
    } else {
      step.finding = old_model + " has no records";
      step.description = desc + "; " + old_model + " has no records)";
    }
    return Status::Ok();
  }

  void RemovedProperty(const ModelDef& o, const PropertyDraft& draft) {
    if (IsRelationWord(draft.type)) return RemovedRelation(from_.relation(o.FindRelation(draft.name)));
    Add(StepKind::kRemoveProperty, StepSafety::kDestructive, o.name, draft.name,
        "remove property " + o.name + "." + draft.name + " (destructive: drops the value from every record)");
  }

  // Whether the property is still the same relationship: hasOne <-> hasMany only
  // changes how many children a parent may have; every other change of type or kind
  // gives the stored values another meaning.
  bool ChangedType(const std::string& m, const std::string& p, const std::string& from, const std::string& to) {
    const bool cardinality = (from == "hasOne" && to == "hasMany") || (from == "hasMany" && to == "hasOne");
    std::string desc = "change type of " + m + "." + p + " from " + from + " to " + to;
    if (cardinality && to == "hasOne") desc += " (each record may have one; see the unique index step)";
    else if (!cardinality) desc += " (refused: stored values would be reinterpreted)";
    Change(StepKind::kChangeType, cardinality ? StepSafety::kSafe : StepSafety::kImpossible, m, p, from, to, desc);
    return cardinality;
  }

  Status DiffScalar(const std::string& m, const PropertyDef& o, const PropertyDef& n) {
    const std::string qn = m + "." + n.name;
    if (o.nullable && !n.nullable)
      Add(StepKind::kMakeRequired, StepSafety::kImpossible, m, n.name,
          "make " + qn + " required (refused: records may hold null, which has no value to become)");
    if (!o.nullable && n.nullable) Add(StepKind::kMakeNullable, StepSafety::kSafe, m, n.name, "make " + qn + " nullable");
    if (!SameDefault(o.default_value, n.default_value))
      Change(StepKind::kChangeDefault, StepSafety::kSafe, m, n.name, ShownDefault(o.default_value),
             ShownDefault(n.default_value),
             "change default of " + qn + " from " + ShownDefault(o.default_value) + " to " +
                 ShownDefault(n.default_value) + " (records keep their values)");
    if (o.prefix != n.prefix)
      Change(StepKind::kChangeIdPrefix, StepSafety::kSafe, m, n.name, o.prefix, n.prefix,
             "change id prefix of " + qn + " from \"" + o.prefix + "\" to \"" + n.prefix +
                 "\" (existing ids keep theirs)");
    if (!o.searchable && n.searchable) Add(StepKind::kMakeSearchable, StepSafety::kSafe, m, n.name, "make " + qn + " searchable");
    if (o.searchable && !n.searchable)
      Add(StepKind::kMakeUnsearchable, StepSafety::kSafe, m, n.name, "make " + qn + " not searchable");
    if (n.type != PropertyType::kEnum) return Status::Ok();
    std::set<std::string> before(o.enum_values.begin(), o.enum_values.end());
    std::set<std::string> after(n.enum_values.begin(), n.enum_values.end());
    for (const std::string& v : after)
      if (!before.count(v))
        Change(StepKind::kAddEnumValue, StepSafety::kSafe, m, n.name, "", v, "add value \"" + v + "\" to " + qn);
    for (const std::string& v : before) {
      if (after.count(v)) continue;
      MigrationStep& s = Change(StepKind::kRemoveEnumValue, StepSafety::kDestructive, m, n.name, v, "", "");
      s.check = DataCheck::kEnumValueUnused;
      KIN_ASSIGN_OR_RETURN(bool used, data_.HoldsValue(m, n.name, Value::Text(v)));
      const std::string desc = "remove value \"" + v + "\" from " + qn;
      if (used) {
        s.safety = StepSafety::kImpossible;
        s.finding = "records hold \"" + v + "\"";
        s.description = desc + " (refused: records hold it)";
      } else {
        s.finding = "no record holds \"" + v + "\"";
        s.description = desc + " (destructive: no record holds it, and none may from now on)";
      }
    }
    return Status::Ok();
  }

  // ---- relationships ---------------------------------------------------------------

  std::string RelationSummary(const Schema& s, const RelationDef& r) const {
    std::string what = std::string(RelationKindName(r.kind)) + " " + s.model(r.target).name;
    if (r.through_pivot()) what += " through " + s.model(r.pivot).name;
    if (r.kind == RelationKind::kBelongsTo) what += r.nullable ? ", nullable" : ", required";
    if (r.cascade_delete) what += ", cascade delete";
    return what;
  }

  Status AddedRelation(const ModelDef& o, const RelationDef& r) {
    const std::string& m = to_.model(r.model).name;
    const std::string desc = "add relationship " + m + "." + r.name + " (" + RelationSummary(to_, r);
    MigrationStep& s = Add(StepKind::kAddRelationship, StepSafety::kSafe, m, r.name, desc + ")");
    if (r.kind != RelationKind::kBelongsTo || r.nullable) return Status::Ok();
    return NeedsEmptyModel(s, o.name, desc);
  }

  void RemovedRelation(const RelationDef& r) {
    const std::string& m = from_.model(r.model).name;
    const std::string desc = "remove relationship " + m + "." + r.name;
    const std::string& target = from_.model(r.target).name;
    if (r.kind == RelationKind::kBelongsTo) {
      const std::string& fk = from_.model(r.model).properties[r.foreign_key.value].name;
      Add(StepKind::kRemoveRelationship, StepSafety::kDestructive, m, r.name,
          desc + " (destructive: drops " + fk + " from every record)");
    } else if (r.kind != RelationKind::kManyToMany) {
      const RelationDef& child = from_.relation(r.inverse);
      Add(StepKind::kRemoveRelationship, StepSafety::kSafe, m, r.name,
          desc + " (holds no data: the links are " + target + "." +
              from_.model(child.model).properties[child.foreign_key.value].name + ")");
    } else if (r.through_pivot()) {
      Add(StepKind::kRemoveRelationship, StepSafety::kSafe, m, r.name,
          desc + " (holds no data: the links are " + from_.model(r.pivot).name + " records)");
    } else {
      Add(StepKind::kRemoveRelationship, StepSafety::kDestructive, m, r.name,
          desc + " (destructive: drops every link between " + m + " and " + target + ")");
    }
  }

  static std::string NameOf(const Schema& s, RelationId id) { return id.valid() ? s.relation(id).name : ""; }
  static std::string ModelOf(const Schema& s, ModelId id) { return id.valid() ? s.model(id).name : "none"; }

  // Two relationships of one name and a compatible kind (same, or hasOne/hasMany).
  void DiffRelation(const RelationDef& o, const RelationDef& n) {
    const std::string& m = to_.model(n.model).name;
    const std::string qn = m + "." + n.name;
    const std::string old_target = from_.model(o.target).name, new_target = to_.model(n.target).name;
    if (old_target != new_target) {
      Change(StepKind::kChangeRelatedModel, StepSafety::kImpossible, m, n.name, old_target, new_target,
             "change the model of " + qn + " from " + old_target + " to " + new_target + " (refused: its links are " +
                 old_target + " records)");
      return;
    }
    if (n.kind == RelationKind::kBelongsTo && o.nullable && !n.nullable)
      Add(StepKind::kMakeRequired, StepSafety::kImpossible, m, n.name,
          "make " + qn + " required (refused: records may have no " + new_target + ")");
    if (n.kind == RelationKind::kBelongsTo && !o.nullable && n.nullable)
      Add(StepKind::kMakeNullable, StepSafety::kSafe, m, n.name, "make " + qn + " nullable");
    if (!o.cascade_delete && n.cascade_delete)
      Add(StepKind::kAddCascade, StepSafety::kSafe, m, n.name, "cascade deletes along " + qn);
    if (o.cascade_delete && !n.cascade_delete)
      Add(StepKind::kRemoveCascade, StepSafety::kSafe, m, n.name, "stop cascading deletes along " + qn);
    if (n.is_parent_side()) {
      // The list mirrors a belongsTo of the target: pairing it with another one reads
      // other foreign keys and changes none.
      const std::string before = NameOf(from_, o.inverse), after = NameOf(to_, n.inverse);
      if (before != after)
        Change(StepKind::kChangePairing, StepSafety::kSafe, m, n.name, before, after,
               "pair " + qn + " with " + new_target + "." + after + " instead of " + new_target + "." + before);
    } else if (n.kind == RelationKind::kManyToMany) {
      DiffManyToMany(m, o, n);
    }
  }

  // A manyToMany's links belong to its pair and its pivot: no step moves them.
  void DiffManyToMany(const std::string& m, const RelationDef& o, const RelationDef& n) {
    const std::string qn = m + "." + n.name;
    const std::string old_pivot = ModelOf(from_, o.pivot), new_pivot = ModelOf(to_, n.pivot);
    if (old_pivot != new_pivot) {
      Change(StepKind::kUnsupported, StepSafety::kImpossible, m, n.name, old_pivot, new_pivot,
             "change the pivotEntity of " + qn + " from " + old_pivot + " to " + new_pivot +
                 " (refused: unsupported, the links would have to move)");
      return;
    }
    auto pairing = [](const Schema& s, const RelationDef& r) {
      std::string out = s.model(r.target).name + "." + NameOf(s, r.inverse);
      if (r.through_pivot()) out += " via " + NameOf(s, r.pivot_near) + "/" + NameOf(s, r.pivot_far);
      return out;
    };
    const std::string before = pairing(from_, o), after = pairing(to_, n);
    if (before != after)
      Change(StepKind::kUnsupported, StepSafety::kImpossible, m, n.name, before, after,
             "pair " + qn + " with " + after + " instead of " + before +
                 " (refused: unsupported, the links would have to move)");
  }

  // ---- indexes ---------------------------------------------------------------------

  Status DiffIndexes(const ModelDef& o, const ModelDef& n) {
    const std::set<IndexKey> before = IndexKeys(o), after = IndexKeys(n);
    for (const IndexKey& key : before) {
      if (after.count(key)) continue;
      const auto kind = key.second ? StepKind::kRemoveUniqueIndex : StepKind::kRemoveIndex;
      Add(kind, StepSafety::kSafe, n.name, "", std::string("remove ") + (key.second ? "unique " : "") + "index " +
                                                   IndexName(n.name, key.first)).on = key.first;
    }
    for (const IndexKey& key : after) {
      if (before.count(key)) continue;
      const std::string desc = std::string("add ") + (key.second ? "unique " : "") + "index " + IndexName(n.name, key.first);
      MigrationStep& s = Add(key.second ? StepKind::kAddUniqueIndex : StepKind::kAddIndex, StepSafety::kSafe, n.name,
                             "", desc);
      s.on = key.first;
      if (key.second) KIN_RETURN_IF_ERROR(CheckClashes(o, n, desc, s));
    }
    return Status::Ok();
  }

  // A new unique index must hold for the records as they will be: the properties the
  // old schema has keep their values; a new one holds its default (the same on every
  // record) or null (which never clashes).
  Status CheckClashes(const ModelDef& o, const ModelDef& n, const std::string& desc, MigrationStep& s) {
    s.check = DataCheck::kNoClash;
    std::vector<std::string> asked;
    for (const std::string& name : s.on) {
      if (o.FindProperty(name)) {
        asked.push_back(name);
      } else if (!HasValueForExisting(*n.FindProperty(name))) {
        s.finding = "the new property " + name + " is null on every record";
        return Status::Ok();
      }
    }
    KIN_ASSIGN_OR_RETURN(auto clashes, data_.FindClashes(o.name, asked, kClashesShown));
    if (clashes.empty()) {
      s.finding = "no records clash";
      return Status::Ok();
    }
    std::vector<std::string> groups;
    for (const RecordClash& c : clashes) {
      std::vector<std::string> values;
      for (const Value& v : c.values) values.push_back(Shown(v));
      groups.push_back(Join(c.ids) + " share " + (values.empty() ? "the new default" : Join(values)));
    }
    s.safety = StepSafety::kImpossible;
    s.finding = Join(groups, "; ");
    s.description = desc + " (refused: " + s.finding + ")";
    return Status::Ok();
  }

  const Schema& from_;
  const Schema& to_;
  const MigrationData& data_;
  MigrationPlan plan_;
};

}  // namespace

Result<MigrationPlan> PlanMigration(const Schema& from, const Schema& to, const MigrationData& data) {
  return Planner(from, to, data).Run();
}

Status PlanRefusal(const MigrationPlan& plan, bool allow_destructive) {
  std::vector<std::string> refused;
  bool destructive = false;
  for (const MigrationStep& s : plan.steps) {
    if (!s.Refused(allow_destructive)) continue;
    refused.push_back(s.description);
    destructive |= s.safety == StepSafety::kDestructive;
  }
  if (refused.empty()) return Status::Ok();
  return Status::InvalidArgument("The schema change is refused: " + Join(refused, "; ") +
                                 (destructive ? " (destructive steps apply only when allowed)" : ""));
}

std::string FormatPlan(const MigrationPlan& plan) {
  if (plan.empty()) return "no change\n";
  std::string out;
  for (const MigrationStep& s : plan.steps) out += s.description + "\n";
  const size_t n = plan.steps.size();
  out += std::to_string(n) + (n == 1 ? " step: " : " steps: ") + std::to_string(plan.Count(StepSafety::kSafe)) +
         " safe, " + std::to_string(plan.Count(StepSafety::kDestructive)) + " destructive, " +
         std::to_string(plan.Count(StepSafety::kImpossible)) + " impossible\n";
  return out;
}

}  // namespace kin
