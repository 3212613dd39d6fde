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

Result<SchemaTimeline::Decoded> SchemaTimeline::Decode(std::string_view bytes,
                                                       std::vector<persistence::PutOrigin>* origins) {
  Decoded out;
  KIN_ASSIGN_OR_RETURN(out.schema_change, persistence::DecodeSchemaChange(bytes));
  if (out.schema_change) {
    auto schema = SchemaFromText(out.schema_change->schema_json);
    if (!schema.ok()) return Status::DatabaseError("undecodable schema change: " + schema.status().message());
    schema_ = std::move(schema).value();
    return out;
  }
  KIN_ASSIGN_OR_RETURN(out.change_set, persistence::DecodeChangeSet(bytes, *schema_, origins));
  return out;
}

}  // namespace kin::api
