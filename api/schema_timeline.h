#pragma once
// SchemaTimeline: the schema in force as a reader walks a database's journal in
// order (persistence/schema_history.h). It starts with the schema in force after
// some record; each schema change record it decodes switches it to the new schema,
// so every later record is decoded with the schema it was written under. For the
// readers of journal records outside recovery: the feed, `kin journal`, `kin
// verify`. Not thread-safe: one reader walks it.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/change_set.h"
#include "kin/schema.h"
#include "kin/status.h"
#include "persistence/change_set_codec.h"
#include "persistence/file_system.h"

namespace kin::api {

class SchemaTimeline {
 public:
  // The schema in force after record `after` of the database in `dir`.
  static Result<SchemaTimeline> At(const std::string& dir, uint64_t after,
                                   persistence::FileSystem& fs = persistence::FileSystem::Posix());
  // Starting from `schema`, known to be in force where the reader starts.
  explicit SchemaTimeline(std::shared_ptr<const Schema> schema) : schema_(std::move(schema)) {}

  const Schema& schema() const { return *schema_; }
  const std::shared_ptr<const Schema>& schema_ptr() const { return schema_; }

  // A record's change set bytes: a schema change (schema() is the new schema from
  // then on), or a change set of schema() with its puts' origins appended to
  // `origins`. database_error when the bytes are neither, or the new schema's text
  // is not a valid schema.
  struct Decoded {
    std::optional<persistence::SchemaChange> schema_change;
    ChangeSet change_set;
  };
  Result<Decoded> Decode(std::string_view bytes, std::vector<persistence::PutOrigin>* origins = nullptr);
  // The same, with an ordinary change set's steps handed to `visitor` as they are
  // read (persistence::DecodeChangeSteps) instead of built into a ChangeSet; the
  // schema change when the bytes hold one (the visitor then sees nothing).
  Result<std::optional<persistence::SchemaChange>> DecodeSteps(std::string_view bytes,
                                                               persistence::ChangeStepVisitor& visitor);

 private:
  // The schema change the bytes hold, if any, into *change; switches to its schema.
  Status ReadSchemaChange(std::string_view bytes, std::optional<persistence::SchemaChange>* change);

  std::shared_ptr<const Schema> schema_;
};

}  // namespace kin::api
