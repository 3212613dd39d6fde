#pragma once
// Mutation: a write in progress. Each step is applied to the Store at once, so the
// validation of later steps sees earlier ones, and its inverse is remembered, so a
// call that fails half-way is undone completely. The owner holds the Store's
// exclusive lock from the first step until Commit() or Rollback(): no reader ever
// sees a partial call. Not thread-safe.

#include <vector>

#include "core/change_set.h"
#include "core/store.h"

namespace kin {

class Mutation {
 public:
  explicit Mutation(Store& store) : store_(store) {}
  ~Mutation();  // rolls back when neither committed nor rolled back
  Mutation(const Mutation&) = delete;
  Mutation& operator=(const Mutation&) = delete;

  // The step is applied or, on a failed precondition, nothing happens and the error
  // (database_error: a validation gap) is returned.
  Status Put(ModelId model, std::vector<Value> values);
  Status Delete(ModelId model, std::string_view id);
  Status Link(RelationId relation, std::string_view from, std::string_view to);
  Status Unlink(RelationId relation, std::string_view from, std::string_view to);

  const Store& store() const { return store_; }
  bool empty() const { return done_.steps.empty(); }
  // The steps applied so far, in order.
  const ChangeSet& steps() const { return done_; }

  // Undoes every applied step, newest first.
  void Rollback();
  // Keeps the applied steps and returns them.
  ChangeSet Commit();

 private:
  Status Do(ChangeStep step, std::vector<ChangeStep> inverse);

  Store& store_;
  ChangeSet done_;
  std::vector<std::vector<ChangeStep>> undo_;  // per applied step, applied in order to undo it
};

}  // namespace kin
