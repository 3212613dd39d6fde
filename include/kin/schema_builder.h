#pragma once
// SchemaBuilder: the C++ form of a schema, one to one with the JSON form.
//
//   kin::SchemaBuilder b;
//   auto& user = b.Model("User");
//   user.Id("id").Prefix("user");
//   user.Text("name").Searchable();
//   user.HasOne("email", "Email").MappedBy("user");
//   auto schema = b.Build();   // Result<std::shared_ptr<const Schema>>
//
// Not thread-safe. A ModelBuilder& stays valid for the builder's lifetime; a
// PropertyBuilder is for the statement that declares the property.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "kin/schema.h"

namespace kin {

class PropertyBuilder {
 public:
  explicit PropertyBuilder(PropertyDraft* p) : p_(p) {}
  PropertyBuilder& PrimaryKey() { p_->primary_key = true; return *this; }
  PropertyBuilder& Nullable() { p_->nullable = true; return *this; }
  PropertyBuilder& Unique() { p_->unique = true; return *this; }
  PropertyBuilder& Index() { p_->index = true; return *this; }
  PropertyBuilder& Searchable() { p_->searchable = true; return *this; }
  PropertyBuilder& Default(Value v) { p_->default_value = std::move(v); return *this; }
  PropertyBuilder& Prefix(std::string prefix) { p_->prefix = std::move(prefix); return *this; }
  PropertyBuilder& MappedBy(std::string name) { p_->mapped_by = std::move(name); return *this; }
  PropertyBuilder& PivotEntity(std::string model) { p_->pivot_entity = std::move(model); return *this; }

 private:
  PropertyDraft* p_;
};

class ModelBuilder {
 public:
  explicit ModelBuilder(ModelDraft* m) : m_(m) {}
  PropertyBuilder Id(std::string name) { return Add(std::move(name), "id"); }
  PropertyBuilder Text(std::string name) { return Add(std::move(name), "text"); }
  PropertyBuilder Number(std::string name) { return Add(std::move(name), "number"); }
  PropertyBuilder Float(std::string name) { return Add(std::move(name), "float"); }
  PropertyBuilder BigNumber(std::string name) { return Add(std::move(name), "bigNumber"); }
  PropertyBuilder Boolean(std::string name) { return Add(std::move(name), "boolean"); }
  PropertyBuilder DateTime(std::string name) { return Add(std::move(name), "dateTime"); }
  PropertyBuilder Json(std::string name) { return Add(std::move(name), "json"); }
  PropertyBuilder Array(std::string name) { return Add(std::move(name), "array"); }
  PropertyBuilder Autoincrement(std::string name) { return Add(std::move(name), "autoincrement"); }
  PropertyBuilder Enum(std::string name, std::vector<std::string> values);
  PropertyBuilder BelongsTo(std::string name, std::string model) { return Relation(std::move(name), "belongsTo", std::move(model)); }
  PropertyBuilder HasOne(std::string name, std::string model) { return Relation(std::move(name), "hasOne", std::move(model)); }
  PropertyBuilder HasMany(std::string name, std::string model) { return Relation(std::move(name), "hasMany", std::move(model)); }
  PropertyBuilder ManyToMany(std::string name, std::string model) { return Relation(std::move(name), "manyToMany", std::move(model)); }
  ModelBuilder& CascadeDelete(std::vector<std::string> relations);
  ModelBuilder& AddIndex(std::vector<std::string> on, bool unique = false);
  ModelBuilder& Names(std::string singular, std::string plural);

 private:
  PropertyBuilder Add(std::string name, const char* type);
  PropertyBuilder Relation(std::string name, const char* type, std::string model);
  ModelDraft* m_;
};

class SchemaBuilder {
 public:
  // Declares a model (or returns the one already declared under this key).
  ModelBuilder& Model(const std::string& name);
  SchemaDraft draft() const;
  Result<std::shared_ptr<const Schema>> Build() const { return Schema::Build(draft()); }

 private:
  std::deque<ModelDraft> models_;  // a deque keeps references stable as models are added
  std::deque<ModelBuilder> builders_;
};

}  // namespace kin
