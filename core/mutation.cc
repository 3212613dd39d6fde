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
  if (!undo_.empty()) Rollback();
}

Status Mutation::Apply(ChangeStep&& step, size_t inverse_begin, bool erase_put, const Record* replaced) {
  const size_t ids_begin = ids_.size();
  Undo undo{inverse_begin, inverse_.size(), ids_begin, 0, ModelId(), erase_put};
  if (erase_put) {  // the id is copied before the apply moves it away
    const auto& put = std::get<PutStep>(step);
    ids_.append(put.values[0].as_text());
    undo.id_size = ids_.size() - ids_begin;
    undo.model = put.model;
  }
  undo_.push_back(undo);
  // Until the step is applied, a failure or a throw takes back what was recorded
  // for it. (Inverse steps or ids left by a throw before this point are harmless:
  // no Undo entry names them.)
  struct TakeBack {
    Mutation& m;
    size_t inverse_begin, ids_begin;
    bool kept = false, sunk = false, applied = false;
    ~TakeBack() {
      if (applied) return;
      if (kept) m.done_.steps.pop_back();
      if (sunk) m.sink_->DropLast();
      m.undo_.pop_back();
      m.inverse_.resize(inverse_begin);
      m.ids_.resize(ids_begin);
    }
  } back{*this, inverse_begin, ids_begin};
  Status s;
  if (sink_) {
    sink_->Add(step, replaced);
    back.sunk = true;
    // A put that creates a record was looked up (by Put, or by Insert's caller).
    if (erase_put) {
      auto& put = std::get<PutStep>(step);
      s = store_.ApplyNew(std::move(put));
      // The values moved into the record: the buffer serves the next NewValues.
      if (s.ok() && put.values.capacity() <= kKeptSteps) spare_values_ = std::move(put.values);
    } else {
      s = store_.Apply(std::move(step));
    }
  } else {
    done_.steps.push_back(std::move(step));
    back.kept = true;
    s = store_.Apply(done_.steps.back());
  }
  back.applied = s.ok();
  return s;
}

Status Mutation::Put(ModelId model, std::vector<Value> values) {
  if (values.empty() || values[0].type() != ValueType::kText) return Status::DatabaseError("record without an id");
  const Record* old = store_.Find(model, values[0].as_text());
  const size_t begin = inverse_.size();
  if (old) inverse_.emplace_back(PutStep{model, old->CopyValues(store_.schema().model(model).properties.size())});
  return Apply(ChangeStep(PutStep{model, std::move(values)}), begin, old == nullptr, old);
}

Status Mutation::Insert(ModelId model, std::vector<Value> values) {
  if (values.empty() || values[0].type() != ValueType::kText) return Status::DatabaseError("record without an id");
  assert(store_.Find(model, values[0].as_text()) == nullptr && "Insert of an existing record");
  return Apply(ChangeStep(PutStep{model, std::move(values)}), inverse_.size(), true, nullptr);
}

Status Mutation::Delete(ModelId model, std::string_view id) {
  const Record* old = store_.Find(model, id);
  if (!old) return Status::DatabaseError("delete of a missing record");
  const size_t begin = inverse_.size();
  inverse_.emplace_back(PutStep{model, old->CopyValues(store_.schema().model(model).properties.size())});
  const Schema& schema = store_.schema();
  for (RelationId rid : schema.model(model).relations) {
    const RelationDef& rel = schema.relation(rid);
    if (rel.kind != RelationKind::kManyToMany || rel.through_pivot()) continue;
    const LinkList& linked = old->links(rel.local);
    for (size_t i = 0; i < linked.size(); ++i) {
      // A link of the record to itself is listed twice: in both lists of a relation
      // and its inverse on this model, or twice in the one list of a relation that is
      // its own inverse (lists are sorted by id). One step puts it back.
      if (linked[i] == old && (!rel.owns_links || (i > 0 && linked[i - 1] == old))) continue;
      inverse_.emplace_back(LinkStep{rid, std::string(id), std::string(linked[i]->id())});
    }
  }
  return Apply(ChangeStep(DeleteStep{model, std::string(id)}), begin, false, nullptr);
}

Status Mutation::Link(RelationId relation, std::string_view from, std::string_view to) {
  const size_t begin = inverse_.size();
  inverse_.emplace_back(UnlinkStep{relation, std::string(from), std::string(to)});
  return Apply(ChangeStep(LinkStep{relation, std::string(from), std::string(to)}), begin, false, nullptr);
}

Status Mutation::Unlink(RelationId relation, std::string_view from, std::string_view to) {
  const size_t begin = inverse_.size();
  inverse_.emplace_back(LinkStep{relation, std::string(from), std::string(to)});
  return Apply(ChangeStep(UnlinkStep{relation, std::string(from), std::string(to)}), begin, false, nullptr);
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
      apply(DeleteStep{undo_[i].model, ids_.substr(undo_[i].id_begin, undo_[i].id_size)});
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
  if (ids_.capacity() > kKeptSteps * 32) std::string().swap(ids_);
  else ids_.clear();
  if (sink_) sink_->Clear();
}

}  // namespace kin
