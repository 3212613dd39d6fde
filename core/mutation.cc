#include "core/mutation.h"

#include <cassert>
#include <cstdlib>

namespace kin {

namespace {
// Past this many steps, Clear() hands the buffers back rather than keep them for the
// next write (one bulk import should not pin its change set's memory).
constexpr size_t kKeptSteps = 1024;

template <typename T>
void ClearKeepingSmall(std::vector<T>& v) {
  if (v.capacity() > kKeptSteps) std::vector<T>().swap(v);
  else v.clear();
}
}  // namespace

Mutation::~Mutation() {
  if (!done_.steps.empty()) Rollback();
}

Status Mutation::Apply(size_t inverse_begin, bool erase_put) {
  Status s = store_.Apply(done_.steps.back());
  if (!s.ok()) {
    done_.steps.pop_back();
    inverse_.resize(inverse_begin);
    return s;
  }
  undo_.push_back(Undo{inverse_begin, inverse_.size(), erase_put});
  return Status::Ok();
}

Status Mutation::Put(ModelId model, std::vector<Value> values) {
  if (values.empty() || values[0].type() != ValueType::kText) return Status::DatabaseError("record without an id");
  const Record* old = store_.Find(model, values[0].as_text());
  const size_t begin = inverse_.size();
  if (old) inverse_.emplace_back(std::in_place_type<PutStep>, model, old->CopyValues());
  done_.steps.emplace_back(std::in_place_type<PutStep>, model, std::move(values));
  return Apply(begin, old == nullptr);
}

Status Mutation::Insert(ModelId model, std::vector<Value> values) {
  if (values.empty() || values[0].type() != ValueType::kText) return Status::DatabaseError("record without an id");
  assert(store_.Find(model, values[0].as_text()) == nullptr && "Insert of an existing record");
  const size_t begin = inverse_.size();
  done_.steps.emplace_back(std::in_place_type<PutStep>, model, std::move(values));
  return Apply(begin, true);
}

Status Mutation::Delete(ModelId model, std::string_view id) {
  const Record* old = store_.Find(model, id);
  if (!old) return Status::DatabaseError("delete of a missing record");
  const size_t begin = inverse_.size();
  inverse_.emplace_back(std::in_place_type<PutStep>, model, old->CopyValues());
  const Schema& schema = store_.schema();
  for (RelationId rid : schema.model(model).relations) {
    const RelationDef& rel = schema.relation(rid);
    if (rel.kind != RelationKind::kManyToMany || rel.through_pivot()) continue;
    for (const Record* other : old->links(rel.local))
      inverse_.emplace_back(std::in_place_type<LinkStep>, rid, std::string(id), std::string(other->id()));
  }
  done_.steps.emplace_back(std::in_place_type<DeleteStep>, model, std::string(id));
  return Apply(begin, false);
}

Status Mutation::Link(RelationId relation, std::string_view from, std::string_view to) {
  const size_t begin = inverse_.size();
  inverse_.emplace_back(std::in_place_type<UnlinkStep>, relation, std::string(from), std::string(to));
  done_.steps.emplace_back(std::in_place_type<LinkStep>, relation, std::string(from), std::string(to));
  return Apply(begin, false);
}

Status Mutation::Unlink(RelationId relation, std::string_view from, std::string_view to) {
  const size_t begin = inverse_.size();
  inverse_.emplace_back(std::in_place_type<LinkStep>, relation, std::string(from), std::string(to));
  done_.steps.emplace_back(std::in_place_type<UnlinkStep>, relation, std::string(from), std::string(to));
  return Apply(begin, false);
}

void Mutation::Rollback() {
  auto apply = [this](const ChangeStep& step) {
    Status s = store_.Apply(step);
    if (!s.ok()) {
      // The inverse of an applied step always applies; anything else is a bug.
      assert(false && "rollback step failed");
      std::abort();
    }
  };
  for (size_t i = undo_.size(); i-- > 0;) {
    if (undo_[i].erase_put) {
      const auto& put = std::get<PutStep>(done_.steps[i]);
      apply(DeleteStep{put.model, put.values[0].as_text()});
      continue;
    }
    for (size_t k = undo_[i].begin; k < undo_[i].end; ++k) apply(inverse_[k]);
  }
  Clear();
}

void Mutation::Commit() { Clear(); }

void Mutation::Clear() {
  ClearKeepingSmall(done_.steps);
  ClearKeepingSmall(undo_);
  ClearKeepingSmall(inverse_);
}

}  // namespace kin
