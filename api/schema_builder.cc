#include "kin/schema_builder.h"

namespace kin {

PropertyBuilder ModelBuilder::Add(std::string name, const char* type) {
  PropertyDraft p;
  p.name = std::move(name);
  p.type = type;
  m_->properties.push_back(std::move(p));
  return PropertyBuilder(&m_->properties.back());
}

PropertyBuilder ModelBuilder::Relation(std::string name, const char* type, std::string model) {
  PropertyBuilder b = Add(std::move(name), type);
  m_->properties.back().model = std::move(model);
  return b;
}

PropertyBuilder ModelBuilder::Enum(std::string name, std::vector<std::string> values) {
  PropertyBuilder b = Add(std::move(name), "enum");
  m_->properties.back().enum_values = std::move(values);
  return b;
}

ModelBuilder& ModelBuilder::CascadeDelete(std::vector<std::string> relations) {
  for (auto& r : relations) m_->cascade_delete.push_back(std::move(r));
  return *this;
}

ModelBuilder& ModelBuilder::AddIndex(std::vector<std::string> on, bool unique) {
  m_->indexes.push_back(IndexDraft{std::move(on), unique});
  return *this;
}

ModelBuilder& ModelBuilder::Names(std::string singular, std::string plural) {
  m_->singular = std::move(singular);
  m_->plural = std::move(plural);
  return *this;
}

ModelBuilder& SchemaBuilder::Model(const std::string& name) {
  for (size_t i = 0; i < models_.size(); ++i)
    if (models_[i].name == name) return builders_[i];
  models_.emplace_back().name = name;
  return builders_.emplace_back(&models_.back());
}

SchemaDraft SchemaBuilder::draft() const {
  SchemaDraft d;
  d.models.assign(models_.begin(), models_.end());
  return d;
}

}  // namespace kin
