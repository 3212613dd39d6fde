#pragma once
// Mutation: a write in progress. Each step is applied to the Store at once, so the
// validation of later steps sees earlier ones, and how to undo it is remembered, so
// a call that fails half-way is undone completely. The owner holds the Store's
// exclusive lock from the first step until Commit() or Rollback(): no reader ever
// sees a partial call. Commit and Rollback leave it empty and ready for the next
// write, its buffers kept (the database reuses one under its write lock).
//
// Without a sink, the applied steps are kept in full (steps()). With a sink, each
// step is handed to it before it is applied and is not kept: the values of a put
// then move into the store instead of being copied. Not thread-safe.

#include <cassert>
#include <cstddef>
#include <string>
#include <vector>

#include "core/change_set.h"
#include "core/store.h"

namespace kin {

class Mutation {
 public:
  // `sink`, when given, must outlive the mutation.
  explicit Mutation(Store& store, ChangeStepSink* sink = nullptr) : store_(store), sink_(sink) {}
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

  // A vector of `n` null values for the values of a new record, with the memory of
  // one a put before this gave back (creates reuse one buffer instead of
  // allocating one per record).
  std::vector<Value> NewValues(size_t n) {
    std::vector<Value> v = std::move(spare_values_);
    v.clear();
    v.resize(n);
    return v;
  }

  const Store& store() const { return store_; }
  bool empty() const { return undo_.empty(); }
  // The steps applied so far, in order (only without a sink: the sink has them).
  const ChangeSet& steps() const {
    assert(sink_ == nullptr && "a mutation with a sink keeps no steps");
    return done_;
  }

  // Undoes every applied step, newest first; the sink, if any, is cleared.
  void Rollback();
  // Keeps the applied steps (read them from steps() or the sink first) and forgets
  // them; the sink, if any, is cleared.
  void Commit();

 private:
  // How to undo the i-th applied step: apply inverse_[begin, end) in order or, when
  // `erase_put`, delete the record the step (a put of a new record) created, whose
  // id is ids_[id_begin, id_begin + id_size) (a copy in one reused buffer: the step's
  // values may have moved into the record, and a record's address may change within
  // the mutation, as a later step may delete it and a rollback re-create it).
  struct Undo {
    size_t begin, end;
    size_t id_begin, id_size;
    ModelId model;  // of the new record, when `erase_put`
    bool erase_put;
  };

  // Applies `step` and records how to undo it: by the inverse steps pushed onto
  // inverse_ since `inverse_begin`, or, when `erase_put`, by erasing the new record
  // the step (a PutStep) creates. A step that fails (or throws) is taken back with
  // its inverse steps, from the sink too, and the mutation is as before it.
  // `replaced`: the record a PutStep replaces (for the sink), else nullptr.
  Status Apply(ChangeStep&& step, size_t inverse_begin, bool erase_put, const Record* replaced);
  // Forgets every step; buffers are kept unless a large transaction grew them.
  void Clear();

  Store& store_;
  ChangeStepSink* sink_;               // may be null
  ChangeSet done_;                     // the applied steps, kept only without a sink
  std::vector<Undo> undo_;             // one per applied step
  std::string ids_;                    // the ids Undo entries name
  std::vector<ChangeStep> inverse_;    // the inverse steps of every step, in step order
  std::vector<Value> spare_values_;    // a put's emptied values, for NewValues
};

}  // namespace kin
