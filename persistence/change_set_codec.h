#pragma once
// The journal payload: a ChangeSet in the bytes of Cereal's binary archive (layout in
// FORMAT.md). Encoding writes those bytes directly; decoding reads them the same
// way (no stream), checks every size against the bytes left before it reads or
// allocates, validates every tag, count and id against the schema's bounds, and
// never throws. Stateless; thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/change_set.h"
#include "core/record.h"
#include "kin/schema.h"
#include "kin/status.h"

namespace kin::persistence {

// EncodeChangeSet writes each put's values in slot order: for change sets of a
// schema whose models declare their properties in slot order (Schema::Build's).
std::string EncodeChangeSet(const ChangeSet& change_set);
// The same bytes, appended to *out (reuse one buffer on a hot path).
void EncodeChangeSet(const ChangeSet& change_set, std::string* out);
// The same bytes built a step at a time (a write encodes each step before applying
// it): kStepCountBytes of room for the step count, then EncodeChangeStep appends
// each step, then WriteStepCount fills the room. A put is recorded with how it
// came about (journal format 3): `replaced` is the record it replaces, still
// holding its values (the step is an update, and the properties whose values
// differ are recorded), or nullptr (it creates the record).
// A put's values (and an update's changed properties) are written in the declared
// order of its model in `schema` (the schema the step's slots are of); DecodeChangeSet
// puts them back in the slots of the schema it is given.
inline constexpr size_t kStepCountBytes = 8;
void EncodeChangeStep(const ChangeStep& step, const Record* replaced, const Schema& schema, std::string* out);
void WriteStepCount(uint64_t count, char* room);

// How a put came about: recorded by EncodeChangeStep, unknown for the puts of
// EncodeChangeSet and of journals before format 3.
enum class PutKind : uint8_t { kUnknown, kCreate, kUpdate };
struct PutOrigin {
  size_t step = 0;  // the put's index in the change set
  PutKind kind = PutKind::kUnknown;
  std::vector<uint32_t> changed;  // kUpdate: the slots whose values changed, ascending (on disk: declared positions)
};

// The bytes of a change set whose puts came about as `origins` say (what
// DecodeChangeSet gave for it): a change set decoded with a schema whose models
// declare their properties in slot order encodes back to its bytes.
std::string EncodeChangeSet(const ChangeSet& change_set, const std::vector<PutOrigin>& origins);

// database_error for bytes that are not a well-formed change set of `schema`. With
// `origins`, each put's origin is appended there (in step order).
Result<ChangeSet> DecodeChangeSet(std::string_view bytes, const Schema& schema,
                                  std::vector<PutOrigin>* origins = nullptr);

// DecodeChangeSet's reading for a reader that builds something other than a
// ChangeSet (the change feed builds its entries straight from the bytes): each step
// goes to the visitor as it is read, after the same checks. A visitor may move out
// of the values and strings it is handed. When DecodeChangeSteps fails, the visitor
// has seen the steps before the fault; what it built from them is to be dropped.
class ChangeStepVisitor {
 public:
  virtual ~ChangeStepVisitor() = default;
  // Before the first step: how many there are at most (the count the bytes give,
  // bounded by what their size can hold), to make room for.
  virtual void Begin(uint64_t steps) = 0;
  // A put: its values in the slots of the schema, how it came about, and for an
  // update the slots whose values changed, ascending (valid during the call).
  virtual void Put(ModelId model, PutKind kind, std::vector<Value>& values, std::span<const uint32_t> changed) = 0;
  virtual void Delete(ModelId model, std::string& id) = 0;
  // A link added (`link`) or removed.
  virtual void Link(bool link, RelationId relation, std::string& from, std::string& to) = 0;
};
Status DecodeChangeSteps(std::string_view bytes, const Schema& schema, ChangeStepVisitor& visitor);

// A schema change (journal format 4): the whole record of an applied migration, a
// change set of one step of its own kind holding the new schema's canonical JSON
// and whether destructive steps were allowed. DecodeChangeSet refuses it
// (database_error); a reader asks DecodeSchemaChange first.
struct SchemaChange {
  std::string schema_json;
  bool allow_destructive = false;
};
std::string EncodeSchemaChange(const SchemaChange& change);
// The schema change these bytes hold; nullopt when they are an ordinary change set
// (whose first step is of another kind); database_error when they are a malformed
// schema change.
Result<std::optional<SchemaChange>> DecodeSchemaChange(std::string_view bytes);

}  // namespace kin::persistence
