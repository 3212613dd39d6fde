#pragma once
// Mutation: a write in progress. Each step is applied to the Store at once, so the
// validation of later steps sees earlier ones, and how to undo it is remembered, so
// a call that fails half-way is undone completely. The owner holds the Store's
// exclusive lock from the first step until Commit() or Rollback(): no reader ever
// sees a partial call. Commit and Rollback leave it empty and ready for the next
// write, its buffers kept (the database reuses one under its write lock). Not
// thread-safe.

#include <cstddef>
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
  // Put of a record whose id no record has: the caller has looked it up (asserted in
  // debug builds), which spares the lookup Put makes to learn how to undo itself.
  Status Insert(ModelId model, std::vector<Value> values);
  Status Delete(ModelId model, std::string_view id);
  Status Link(RelationId relation, std::string_view from, std::string_view to);
  Status Unlink(RelationId relation, std::string_view from, std::string_view to);

  const Store& store() const { return store_; }
  bool empty() const { return done_.steps.empty(); }
  // The steps applied so far, in order.
  const ChangeSet& steps() const { return done_; }

  // Undoes every applied step, newest first.
  void Rollback();
  // Keeps the applied steps (read them from steps() first) and forgets them.
  void Commit();

 private:
  // How to undo done_.steps[i]: apply inverse_[begin, end) in order or, when
  // `erase_put`, delete the record the step (a put of a new record) created: no
  // copy of its id is made unless a rollback needs one.
  struct Undo {
    size_t begin, end;
    bool erase_put;
  };

  // Applies the step just placed at the end of done_ and records how to undo it: by
  // the inverse steps pushed onto inverse_ since `inverse_begin`, or by erasing the
  // new record it puts. A step that fails is dropped with its inverse steps. (Should
  // Apply throw, the step stays in done_ without an undo_ entry; Rollback then
  // skips it, as it was never applied.)
  Status Apply(size_t inverse_begin, bool erase_put);
  // Forgets every step; buffers are kept unless a large transaction grew them.
  void Clear();

  Store& store_;
  ChangeSet done_;
  std::vector<Undo> undo_;             // one per step of done_
  std::vector<ChangeStep> inverse_;    // the inverse steps of every step, in step order
};

}  // namespace kin
