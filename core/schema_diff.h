#pragma once
// Schema evolution planning (docs/schema-evolution.md): compares the schema a
// database's records were written under with a new one and lists every difference
// as a step, classified as safe, destructive (applied only when allowed) or
// impossible (always refused). Models, properties and relationships are matched by
// name, so a rename is a removal plus an addition. Declaration order does not count
// (models, properties, declared indexes, cascades, enum values), except the order
// of an index's properties.
//
// Pure: no store, no journal. The steps whose verdict depends on the records (a new
// unique index, a removed enum value, a new required property without a default)
// ask a MigrationData, which the caller implements over its records.
//
// Everything here is a value or a stateless function: thread-safe as long as the
// MigrationData given is safe to call from the calling thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kin/schema.h"
#include "kin/status.h"
#include "kin/value.h"

namespace kin {

// What a step changes. The wire name (StepKindName) is the enumerator in snake_case
// without the k: kAddUniqueIndex is "add_unique_index".
enum class StepKind : uint8_t {
  kAddModel,
  kRemoveModel,
  kRenameMethods,  // the model's singular/plural method names
  kChangePrimaryKey,
  kAddProperty,
  kRemoveProperty,
  kChangeType,  // a scalar's type, or a relationship's kind
  kMakeRequired,
  kMakeNullable,
  kChangeDefault,
  kChangeIdPrefix,
  kMakeSearchable,
  kMakeUnsearchable,
  kAddEnumValue,
  kRemoveEnumValue,
  kAddRelationship,
  kRemoveRelationship,
  kChangeRelatedModel,  // a relationship's "model"
  kChangePairing,       // a hasOne/hasMany mirrors another belongsTo
  kAddCascade,
  kRemoveCascade,
  kAddIndex,
  kAddUniqueIndex,
  kRemoveIndex,
  kRemoveUniqueIndex,
  kUnsupported,  // a difference no step can carry out (a manyToMany's pivot or pairing)
};
const char* StepKindName(StepKind kind);

enum class StepSafety : uint8_t {
  kSafe,         // no stored value is lost or reinterpreted
  kDestructive,  // loses data the schema no longer describes: only with allow_destructive
  kImpossible,   // no data-preserving meaning: refused, allowed or not
};
const char* StepSafetyName(StepSafety safety);  // "safe", "destructive", "impossible"

// The question a step asked the records, if any.
enum class DataCheck : uint8_t {
  kNone,
  kModelIsEmpty,     // a new required property or belongsTo without a value to give
  kEnumValueUnused,  // a removed enum value
  kNoClash,          // a new unique index
};
const char* DataCheckName(DataCheck check);  // "none", "model_is_empty", "enum_value_unused", "no_clash"

struct MigrationStep {
  StepKind kind = StepKind::kUnsupported;
  StepSafety safety = StepSafety::kSafe;
  std::string model;                 // the model it concerns
  std::string property;              // property or relationship; empty for a model or an index
  std::vector<std::string> on;       // index steps: the indexed properties, in order
  std::string from, to;              // a changed attribute's old and new value, as shown
  DataCheck check = DataCheck::kNone;
  std::string finding;               // what the check found in the records; empty without one
  std::string description;           // one line: what the step does and, if not safe, why

  // Whether the step stops the plan: impossible, or destructive and not allowed.
  bool Refused(bool allow_destructive) const {
    return safety == StepSafety::kImpossible || (safety == StepSafety::kDestructive && !allow_destructive);
  }
};

// The steps from one schema to another: per model in name order (the model-level
// steps, then its properties and relationships in name order, then its indexes).
// Empty when the schemas mean the same, even if their text differs.
struct MigrationPlan {
  std::vector<MigrationStep> steps;

  bool empty() const { return steps.empty(); }
  size_t Count(StepSafety safety) const;
};

// One clash of a would-be unique index: records sharing the same values.
struct RecordClash {
  std::vector<Value> values;     // the shared values, in the index's property order
  std::vector<std::string> ids;  // the primary keys of (some of) the records sharing them
};

// The records a plan is checked against: those written under the old schema, named
// as the old schema names them. Implemented by the caller (the store, an export, a
// test's fake); an error it returns ends the planning with that error.
class MigrationData {
 public:
  virtual ~MigrationData() = default;
  // Whether `model` holds any record, soft-deleted ones included.
  virtual Result<bool> HasRecords(std::string_view model) const = 0;
  // Whether any record of `model`, soft-deleted ones included, holds `value` in `property`.
  virtual Result<bool> HoldsValue(std::string_view model, std::string_view property, const Value& value) const = 0;
  // Up to `limit` groups of live records (not soft-deleted) that agree on every
  // property in `properties` with none of them null, each naming up to `limit`
  // records. With no properties, all live records agree: one group if there are two
  // or more. Empty when no two records clash.
  virtual Result<std::vector<RecordClash>> FindClashes(std::string_view model,
                                                       const std::vector<std::string>& properties,
                                                       size_t limit) const = 0;
};

// A MigrationData without records: for a database that has none (every check passes).
class NoRecords final : public MigrationData {
 public:
  Result<bool> HasRecords(std::string_view) const override { return false; }
  Result<bool> HoldsValue(std::string_view, std::string_view, const Value&) const override { return false; }
  Result<std::vector<RecordClash>> FindClashes(std::string_view, const std::vector<std::string>&,
                                               size_t) const override {
    return std::vector<RecordClash>();
  }
};

// The plan from `from` (the schema the records were written under) to `to`, its
// data-dependent steps decided by asking `data`. Fails only with `data`'s errors.
Result<MigrationPlan> PlanMigration(const Schema& from, const Schema& to, const MigrationData& data);

// Ok when the plan may be applied: no impossible step, and no destructive one unless
// `allow_destructive`. Otherwise invalid_argument, one line:
//   "The schema change is refused: <description>; <description>"
// listing every refused step in plan order, followed by
//   " (destructive steps apply only when allowed)"
// when a destructive step is among them.
Status PlanRefusal(const MigrationPlan& plan, bool allow_destructive);

// The plan as text: each step's description on a line of its own, then a count
// ("3 steps: 1 safe, 1 destructive, 1 impossible"); "no change" for an empty plan.
// A description says, in parentheses, why a step is destructive or refused:
//   add property Author.bio (text, nullable)
//   remove property Author.bio (destructive: drops the value from every record)
//   change type of Product.price from number to text (refused: stored values would be reinterpreted)
std::string FormatPlan(const MigrationPlan& plan);

}  // namespace kin
