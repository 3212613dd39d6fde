#include "api/schema_timeline.h"

#include "api/schema_json.h"
#include "persistence/schema_history.h"

namespace kin::api {

Result<SchemaTimeline> SchemaTimeline::At(const std::string& dir, uint64_t after, persistence::FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(std::string text, persistence::SchemaTextAt(dir, after, fs));
  auto schema = SchemaFromText(text);
  if (!schema.ok())
    return Status::DatabaseError("The schema of " + dir + " at record " + std::to_string(after) +
                                 " is invalid: " + schema.status().message());
  return SchemaTimeline(std::move(schema).value());
}

Status SchemaTimeline::ReadSchemaChange(std::string_view bytes, std::optional<persistence::SchemaChange>* change) {
  KIN_ASSIGN_OR_RETURN(*change, persistence::DecodeSchemaChange(bytes));
  if (!*change) return Status::Ok();
  auto schema = SchemaFromText((*change)->schema_json);
  if (!schema.ok()) return Status::DatabaseError("undecodable schema change: " + schema.status().message());
  schema_ = std::move(schema).value();
  return Status::Ok();
}

Result<SchemaTimeline::Decoded> SchemaTimeline::Decode(std::string_view bytes,
                                                       std::vector<persistence::PutOrigin>* origins) {
  Decoded out;
  KIN_RETURN_IF_ERROR(ReadSchemaChange(bytes, &out.schema_change));
  if (!out.schema_change) {
    KIN_ASSIGN_OR_RETURN(out.change_set, persistence::DecodeChangeSet(bytes, *schema_, origins));
  }
  return out;
}

Result<std::optional<persistence::SchemaChange>> SchemaTimeline::DecodeSteps(std::string_view bytes,
                                                                              persistence::ChangeStepVisitor& visitor) {
  std::optional<persistence::SchemaChange> change;
  KIN_RETURN_IF_ERROR(ReadSchemaChange(bytes, &change));
  if (!change) {
    KIN_RETURN_IF_ERROR(persistence::DecodeChangeSteps(bytes, *schema_, visitor));
  }
  return change;
}

}  // namespace kin::api
