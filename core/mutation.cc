#include "core/mutation.h"

#include <cassert>
#include <cstdlib>

namespace kin {

Mutation::~Mutation() {
  if (!done_.steps.empty()) Rollback();
}

Status Mutation::Do(ChangeStep step, std::vector<ChangeStep> inverse) {
  KIN_RETURN_IF_ERROR(store_.Apply(step));
  done_.steps.push_back(std::move(step));
  undo_.push_back(std::move(inverse));
  return Status::Ok();
}

Status Mutation::Put(ModelId model, std::vector<Value> values) {
  std::vector<ChangeStep> inverse;
  if (values.empty() || values[0].type() != ValueType::kText) return Status::DatabaseError("record without an id");
  if (const Record* old = store_.Find(model, values[0].as_text()))
    inverse.push_back(PutStep{model, old->CopyValues()});
  else
    inverse.push_back(DeleteStep{model, values[0].as_text()});
  return Do(PutStep{model, std::move(values)}, std::move(inverse));
}

Status Mutation::Delete(ModelId model, std::string_view id) {
  const Record* old = store_.Find(model, id);
  if (!old) return Status::DatabaseError("delete of a missing record");
  std::vector<ChangeStep> inverse;
  inverse.push_back(PutStep{model, old->CopyValues()});
  const Schema& schema = store_.schema();
  for (RelationId rid : schema.model(model).relations) {
    const RelationDef& rel = schema.relation(rid);
    if (rel.kind != RelationKind::kManyToMany || rel.through_pivot()) continue;
    for (const Record* other : old->links(rel.local))
      inverse.push_back(LinkStep{rid, std::string(id), std::string(other->id())});
  }
  return Do(DeleteStep{model, std::string(id)}, std::move(inverse));
}

Status Mutation::Link(RelationId relation, std::string_view from, std::string_view to) {
  return Do(LinkStep{relation, std::string(from), std::string(to)},
            {UnlinkStep{relation, std::string(from), std::string(to)}});
}

Status Mutation::Unlink(RelationId relation, std::string_view from, std::string_view to) {
  return Do(UnlinkStep{relation, std::string(from), std::string(to)},
            {LinkStep{relation, std::string(from), std::string(to)}});
}

void Mutation::Rollback() {
  for (size_t i = undo_.size(); i-- > 0;) {
    for (const auto& step : undo_[i]) {
      Status s = store_.Apply(step);
      if (!s.ok()) {
        // The inverse of an applied step always applies; anything else is a bug.
        assert(false && "rollback step failed");
        std::abort();
      }
    }
  }
  undo_.clear();
  done_.steps.clear();
}

ChangeSet Mutation::Commit() {
  undo_.clear();
  ChangeSet out = std::move(done_);
  done_.steps.clear();
  return out;
}

}  // namespace kin
