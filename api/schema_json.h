#pragma once
// The JSON form of a schema (SPEC.md section 1), to and from SchemaDraft. Stateless.

#include <nlohmann/json.hpp>
#include <string>

#include "kin/schema.h"

namespace kin::api {

// Reads `{"models": {...}}`; an unknown model option, property option or type is an
// invalid_argument naming the model, property and the bad word. Key order is kept.
Result<SchemaDraft> SchemaDraftFromJson(const nlohmann::ordered_json& j);
Result<SchemaDraft> SchemaDraftFromText(const std::string& text);

// The canonical JSON form of a draft (what a database directory stores).
nlohmann::ordered_json SchemaDraftToJson(const SchemaDraft& draft);

// Loads and resolves a schema from JSON text.
Result<std::shared_ptr<const Schema>> SchemaFromText(const std::string& text);

}  // namespace kin::api
