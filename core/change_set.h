#pragma once
// ChangeSet: the physical steps of one committed call (or transaction), in the order
// they were applied. The same steps are applied live and replayed from the journal.

#include <string>
#include <variant>
#include <vector>

#include "kin/ids.h"
#include "kin/value.h"

namespace kin {

// Insert a record, or replace every value of an existing one (a full after-image).
// Foreign-key adjacency follows the `{relation}_id` values.
struct PutStep {
  ModelId model;
  std::vector<Value> values;
};
// Remove a record. Its parent links and automatic manyToMany links go with it; no
// record may still point at it through a foreign key.
struct DeleteStep {
  ModelId model;
  std::string id;
};
// Link or unlink two records through an automatic manyToMany relation; `from` is a
// record of the relation's model, `to` one of its target.
struct LinkStep {
  RelationId relation;
  std::string from, to;
};
struct UnlinkStep {
  RelationId relation;
  std::string from, to;
};

using ChangeStep = std::variant<PutStep, DeleteStep, LinkStep, UnlinkStep>;

struct ChangeSet {
  std::vector<ChangeStep> steps;
  bool empty() const { return steps.empty(); }
};

// ChangeStepSink: where a Mutation hands each step before applying it, so the step
// can be recorded (the database encodes it for the journal) while it still holds its
// values, which the apply may then move into the store. Implemented outside core;
// used under the owner's write lock, not thread-safe.
class Record;
class ChangeStepSink {
 public:
  virtual ~ChangeStepSink() = default;
  // The next step of the write in progress, about to be applied. For a PutStep,
  // `replaced` is the record it replaces, still holding its values, or nullptr when
  // the step creates the record; nullptr for the other steps.
  virtual void Add(const ChangeStep& step, const Record* replaced) = 0;
  // The step last added was not applied: forget it (the steps before it stay).
  virtual void DropLast() = 0;
  // The write committed (after the owner read the steps) or rolled back: forget
  // every step.
  virtual void Clear() = 0;
};

}  // namespace kin
