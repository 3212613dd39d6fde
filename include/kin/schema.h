#pragma once
// Schema: models, properties and relationships resolved into numeric ids (docs/reference.md:
// schema). Built once from a SchemaDraft (what the JSON loader or the C++ builder
// produce) and immutable afterwards: thread-safe to share const.
//
// Record layout: slot 0 is the primary key; then, in declaration order, every scalar
// property and the `{relation}_id` foreign key of each belongsTo; then created_at,
// updated_at, deleted_at. A bigNumber's raw_<name> is derived at output. That is
// also the declared order, in which values are output and written to every file. A
// schema that keeps an older schema's layout (Schema::KeepingLayoutOf) places the
// properties the older one lacks after its slots instead, wherever they are declared;
// ModelDef::declared then lists the slots in declared order.

#include <memory>
#include <optional>
#include <string>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kin/ids.h"
#include "kin/status.h"
#include "kin/value.h"

namespace kin {

class SchemaResolver;

// ---- drafts: the schema as declared, names unresolved ----------------------------

struct PropertyDraft {
  std::string name;
  std::string type;  // "id", "text", ..., "belongsTo", "hasOne", "hasMany", "manyToMany"
  bool primary_key = false, nullable = false, unique = false, index = false, searchable = false;
  std::optional<Value> default_value;
  std::string prefix;                    // id
  std::vector<std::string> enum_values;  // enum
  std::string model, mapped_by, pivot_entity;  // relationships
};

struct IndexDraft {
  std::vector<std::string> on;
  bool unique = false;
};

struct ModelDraft {
  std::string name;
  std::vector<PropertyDraft> properties;
  std::vector<std::string> cascade_delete;
  std::vector<IndexDraft> indexes;
  std::string singular, plural;  // overrides; empty = derived from the name
};

struct SchemaDraft {
  std::vector<ModelDraft> models;
};

// ---- the resolved schema -----------------------------------------------------------

enum class PropertyType : uint8_t {
  kId, kText, kNumber, kFloat, kBigNumber, kBoolean, kDateTime, kJson, kEnum, kArray, kAutoincrement,
  kForeignKey,  // `{relation}_id` of a belongsTo: a text id or null
};
const char* PropertyTypeName(PropertyType t);
// The type of the values a property of type `t` holds when not null (an id, enum or
// foreign key is text, a bigNumber a decimal, an array a string list, ...).
ValueType StoredValueType(PropertyType t);
// The scalar type of a JSON type word ("text", "number", ...), or nullopt.
std::optional<PropertyType> ParseScalarType(std::string_view word);

enum class RelationKind : uint8_t { kBelongsTo, kHasOne, kHasMany, kManyToMany };
const char* RelationKindName(RelationKind k);

struct PropertyDef {
  std::string name;
  PropertyType type = PropertyType::kText;
  SlotId slot;
  bool primary_key = false, nullable = false, unique = false, index = false, searchable = false;
  bool implicit = false;  // created_at / updated_at / deleted_at
  std::optional<Value> default_value;
  std::string prefix;
  std::vector<std::string> enum_values;
  RelationId relation;  // kForeignKey: its belongsTo
};

struct RelationDef {
  std::string name;
  RelationKind kind = RelationKind::kBelongsTo;
  RelationId id;
  ModelId model;          // the model that declares it
  ModelId target;         // the related model
  uint32_t local = 0;     // index into the declaring record's link lists
  RelationId inverse;     // the other side; invalid for a one-directional belongsTo
  bool nullable = false;  // belongsTo: the foreign key may be null
  SlotId foreign_key;     // belongsTo: slot of `{relation}_id`
  bool cascade_delete = false;
  // manyToMany through a pivotEntity: links are pivot records. `pivot_near` is the
  // pivot's belongsTo to this model, `pivot_far` the one to the target.
  ModelId pivot;
  RelationId pivot_near, pivot_far;
  // Automatic manyToMany: the side whose id names the link in change steps.
  bool owns_links = false;
  // The parent-side list of a belongsTo declared without mappedBy: not addressable
  // by name, never output, but it lets a delete find the children pointing here.
  bool hidden = false;

  bool is_parent_side() const { return kind == RelationKind::kHasOne || kind == RelationKind::kHasMany; }
  bool is_many() const { return kind == RelationKind::kHasMany || kind == RelationKind::kManyToMany; }
  bool through_pivot() const { return pivot.valid(); }
};

struct IndexDef {
  std::vector<SlotId> on;
  bool unique = false;
};

// Hashes names as string views, so lookups by std::string_view build no string.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view name) const noexcept { return std::hash<std::string_view>{}(name); }
};

struct ModelDef {
  std::string name, singular, plural;
  std::string snake;  // "order_product"
  std::string words;  // "Order product"
  ModelId id;
  std::vector<PropertyDef> properties;  // slot order
  std::vector<ValueType> value_types;   // per slot: StoredValueType of its property
  // The slots in declared order (see the top of this file): slot order itself unless
  // the layout was kept across a schema change that added properties.
  std::vector<SlotId> declared;
  bool declared_in_slot_order = true;
  std::vector<RelationId> relations;    // local order
  std::vector<IndexDef> indexes;        // unique/index modifiers and declared indexes
  SlotId created_at, updated_at, deleted_at;
  std::vector<SlotId> searchable;
  bool is_pivot = false;  // the pivotEntity of some manyToMany

  const PropertyDef& primary_key() const { return properties[0]; }
  const PropertyDef* FindProperty(std::string_view key) const;
  // A relation of this model by name, or invalid.
  RelationId FindRelation(std::string_view key) const;

 private:
  friend class Schema;
  friend class SchemaResolver;
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> property_by_name_;
  std::unordered_map<std::string, RelationId, NameHash, std::equal_to<>> relation_by_name_;
};

class Schema {
 public:
  // Resolves and validates a draft; errors are invalid_argument naming the model and property.
  static Result<std::shared_ptr<const Schema>> Build(const SchemaDraft& draft);

  const std::vector<ModelDef>& models() const { return models_; }
  const ModelDef& model(ModelId id) const { return models_[id.value]; }
  const RelationDef& relation(RelationId id) const { return relations_[id.value]; }
  const std::vector<RelationDef>& relations() const { return relations_; }
  // By PascalCase key, or invalid.
  ModelId FindModel(std::string_view name) const;
  // The draft it was built from (kept so the schema can be stored and compared).
  const SchemaDraft& draft() const { return draft_; }

  // This schema with the record layout of `older` kept, so that a store of `older`
  // can take it without touching its records (Store::AdoptSchema): every property
  // keeps the slot it has in `older`, and the properties `older` lacks take the slots
  // after those, in declared order. nullptr when the layout cannot be kept: the
  // models or relations differ (names, order, kinds, targets), a property of `older`
  // is gone or changed type, or a new property is not nullable without a default (a
  // record of `older` reads null there). Model, relation and index ids are this
  // schema's; only slots move.
  std::shared_ptr<const Schema> KeepingLayoutOf(const Schema& older) const;

 private:
  friend class SchemaResolver;
  std::vector<ModelDef> models_;
  std::vector<RelationDef> relations_;
  std::unordered_map<std::string, ModelId, NameHash, std::equal_to<>> model_by_name_;
  SchemaDraft draft_;
};

}  // namespace kin
