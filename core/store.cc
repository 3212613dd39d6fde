#include "core/store.h"

#include <algorithm>
#include <cassert>

#include "core/prefaulter.h"
#include "core/table.h"

namespace kin {

namespace {

constexpr size_t kIdIndexGrowth = 4;  // see Store::Insert

Status Corrupt(const std::string& what) { return Status::DatabaseError("inconsistent change step: " + what); }

// On link lists and secondary-index entries (std::vector).
template <typename List>
void InsertSorted(List& v, const Record* r) {
  v.insert(std::lower_bound(v.begin(), v.end(), r, RecordIdLess()), r);
}

template <typename List>
void EraseSorted(List& v, const Record* r) {
  auto it = std::lower_bound(v.begin(), v.end(), r, RecordIdLess());
  assert(it != v.end() && *it == r);
  if (it != v.end() && *it == r) v.erase(it);
}

// Points the entry of `from` in `v` at `to`, a record of the same primary key (the
// list stays sorted).
void ReplaceSorted(LinkList& v, const Record* from, const Record* to) {
  auto it = std::lower_bound(v.begin(), v.end(), from, RecordIdLess());
  while (it != v.end() && *it != from && (*it)->id() == from->id()) ++it;
  assert(it != v.end() && *it == from);
  if (it != v.end() && *it == from) *it = to;
}

bool ContainsSorted(const LinkList& v, const Record* r) {
  auto it = std::lower_bound(v.begin(), v.end(), r, RecordIdLess());
  return it != v.end() && *it == r;
}

}  // namespace

Store::Store(std::shared_ptr<const Schema> schema)
    : schema_(std::move(schema)), prefaulter_(std::make_unique<Prefaulter>()) {
  for (const auto& m : schema_->models()) {
    auto t = std::make_unique<Table>(m.properties.size(), m.relations.size(), prefaulter_.get());
    t->indexes.resize(m.indexes.size());
    for (const IndexDef& index : m.indexes) t->ordered.emplace_back(index.on);
    for (const auto& p : m.properties)
      if (p.type == PropertyType::kAutoincrement) t->autoincrement_slots.push_back(p.slot.value);
    tables_.push_back(std::move(t));
  }
}

Store::~Store() = default;

namespace {

template <typename ValueOf>
bool AppendIndexKey(const IndexDef& index, ValueOf&& value_of, std::string* out) {
  out->clear();
  for (SlotId s : index.on) {
    const Value& v = value_of(s.value);
    if (v.is_null()) return false;
    v.AppendKey(out);
  }
  return true;
}

}  // namespace

bool Store::IndexKey(const IndexDef& index, std::span<const Value> values, std::string* out) {
  return AppendIndexKey(index, [&](size_t slot) -> const Value& { return values[slot]; }, out);
}

bool Store::IndexKey(const IndexDef& index, const Record& r, std::string* out) {
  return AppendIndexKey(index, [&](size_t slot) -> const Value& { return r.value(slot); }, out);
}

void Store::IndexInsert(const ModelDef& model, const Record* r, uint64_t keep_ordered) {
  Table& t = *tables_[model.id.value];
  for (size_t i = 0; i < t.ordered.size(); ++i)
    if (!Kept(keep_ordered, i)) t.ordered[i].Insert(r);
  if (!IsLive(model, *r)) return;
  std::string key;
  for (size_t i = 0; i < model.indexes.size(); ++i)
    if (IndexKey(model.indexes[i], *r, &key)) InsertSorted(t.indexes[i].ListOf(key), r);
}

void Store::IndexErase(const ModelDef& model, const Record* r, uint64_t keep_ordered) {
  Table& t = *tables_[model.id.value];
  for (size_t i = 0; i < t.ordered.size(); ++i)
    if (!Kept(keep_ordered, i)) t.ordered[i].Erase(r);
  if (!IsLive(model, *r)) return;
  std::string key;
  for (size_t i = 0; i < model.indexes.size(); ++i) {
    if (!IndexKey(model.indexes[i], *r, &key)) continue;
    SecondaryIndex& index = t.indexes[i];
    auto it = index.Find(key);
    if (it == index.end()) continue;
    EraseSorted(it->second, r);
    if (it->second.empty()) index.Erase(it);
  }
}

void Store::Attach(const RelationDef& rel, const Record* child, const Record* parent) {
  child->links_for_update(rel.local).assign(1, parent);
  if (!rel.inverse.valid()) return;
  InsertSorted(parent->links_for_update(schema_->relation(rel.inverse).local), child);
}

void Store::Detach(const RelationDef& rel, const Record* child, const Record* parent) {
  child->links_for_update(rel.local).clear();
  if (!rel.inverse.valid()) return;
  EraseSorted(parent->links_for_update(schema_->relation(rel.inverse).local), child);
}

Status Store::Apply(const ChangeSet& change_set) {
  for (const auto& step : change_set.steps) KIN_RETURN_IF_ERROR(Apply(step));
  return Status::Ok();
}

Status Store::Apply(const ChangeStep& step) {
  return std::visit(
      [this](const auto& s) -> Status {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PutStep>) return ApplyPut(s, nullptr);
        else if constexpr (std::is_same_v<T, DeleteStep>) return ApplyDelete(s);
        else if constexpr (std::is_same_v<T, LinkStep>) return ApplyLink(s.relation, s.from, s.to, true);
        else return ApplyLink(s.relation, s.from, s.to, false);
      },
      step);
}

Status Store::Apply(ChangeStep&& step) {
  if (auto* put = std::get_if<PutStep>(&step)) return ApplyPut(*put, &put->values);
  return Apply(static_cast<const ChangeStep&>(step));
}

Status Store::ApplyNew(PutStep&& step) { return ApplyPut(step, &step.values, true); }

Status Store::CheckValueTypes(const ModelDef& m, std::span<const Value> values) {
  const size_t n = std::min(values.size(), m.value_types.size());
  for (size_t i = 0; i < n; ++i) {
    const ValueType t = values[i].type();
    if (t == m.value_types[i] || (t == ValueType::kNull && i != 0)) continue;  // slot 0: the id
    const Value& v = values[i];
    const PropertyDef& p = m.properties[i];
    std::string id = values[0].type() == ValueType::kText ? std::string(values[0].as_text()) : v.ToDisplay();
    return Corrupt(m.name + " " + id + ": " + p.name + " is not a " + PropertyTypeName(p.type) + " value (" +
                   (v.is_null() ? std::string("null") : v.ToDisplay()) + ")");
  }
  return Status::Ok();
}

Status Store::ApplyPut(const PutStep& step, std::vector<Value>* take, bool known_new) {
  if (step.model.value >= tables_.size()) return Corrupt("unknown model");
  const ModelDef& m = schema_->model(step.model);
  if (step.values.size() != m.properties.size() || step.values[0].type() != ValueType::kText)
    return Corrupt("record of " + m.name + " has the wrong shape");
  KIN_RETURN_IF_ERROR(CheckValueTypes(m, step.values));
  // Resolve every parent first, so a failure changes nothing. The parents of a model
  // of a usual number of relations are kept on the stack, sparing a heap buffer.
  constexpr size_t kInlineRelations = 16;
  const Record* inline_parents[kInlineRelations] = {};
  std::vector<const Record*> many_parents;
  const Record** parents = inline_parents;
  if (m.relations.size() > kInlineRelations) {
    many_parents.assign(m.relations.size(), nullptr);
    parents = many_parents.data();
  }
  for (RelationId rid : m.relations) {
    const RelationDef& rel = schema_->relation(rid);
    if (rel.kind != RelationKind::kBelongsTo) continue;
    const Value& fk = step.values[rel.foreign_key.value];
    if (fk.is_null()) continue;
    if (fk.type() != ValueType::kText) return Corrupt(m.name + "." + rel.name + " is not an id");
    parents[rel.local] = Find(rel.target, fk.as_text());
    if (!parents[rel.local])
      return Corrupt(m.name + " " + std::string(step.values[0].as_text()) + " points at a missing " +
                     schema_->model(rel.target).name + " " + std::string(fk.as_text()));
  }
  Table& t = *tables_[step.model.value];
  auto& by_id = t.records.get<ById>();
  auto it = known_new ? by_id.end() : by_id.find(IdLookup(step.values[0].as_text()));
  const bool is_new = it == by_id.end();
  const Record* self;
  uint64_t keep_ordered = 0;  // bit i: ordered index i is left as it is
  if (is_new) {
    RecordPtr record(m.properties.size(), m.relations.size(), t.record_blocks.get(),
                     [&](size_t slot) -> Value {
                       if (take) return std::move((*take)[slot]);
                       return step.values[slot];
                     });
    // Only a put said to be new can find its id taken; nothing has changed yet.
    Result<const Record*> inserted = Insert(m, std::move(record), false);
    assert(inserted.ok() || known_new);
    if (!inserted.ok()) return inserted.status();
    self = inserted.value();
  } else {
    if ((*it)->width() < m.properties.size()) {
      const Record* narrow = it->get();
      const Record* wide = Widen(m, *it);
      for (size_t i = 0; i < m.relations.size(); ++i)
        if (parents[i] == narrow) parents[i] = wide;  // a record that is its own parent
    }
    self = it->get();
    // An ordered index whose key values the put leaves as they are keeps the
    // record where it is (its order depends on nothing else).
    for (size_t i = 0; i < m.indexes.size() && i < 64; ++i) {
      bool same = true;
      for (SlotId slot : m.indexes[i].on) same = same && self->value(slot.value) == step.values[slot.value];
      if (same) keep_ordered |= uint64_t{1} << i;
    }
    IndexErase(m, self, keep_ordered);
    for (RelationId rid : m.relations) {
      const RelationDef& rel = schema_->relation(rid);
      if (rel.kind != RelationKind::kBelongsTo) continue;
      const auto& current = self->links(rel.local);
      if (!current.empty() && current[0] != parents[rel.local]) Detach(rel, self, current[0]);
    }
    bool ok = by_id.modify(it, [&](StoredRecord& r) {
      if (take) r->MoveValues(*take);
      else r->SetValues(step.values);
      MarkLiveness(m, *r);
      assert(KeyHash()(r->id()) == r.hash() && "a put never changes the primary key");
    });
    assert(ok);
    (void)ok;
  }
  for (RelationId rid : m.relations) {
    const RelationDef& rel = schema_->relation(rid);
    if (rel.kind != RelationKind::kBelongsTo || !parents[rel.local]) continue;
    const auto& current = self->links(rel.local);
    if (current.empty()) Attach(rel, self, parents[rel.local]);
  }
  IndexInsert(m, self, keep_ordered);
  if (!is_new) NoteAutoincrement(m, *self);  // Insert noted a new record's
  return Status::Ok();
}

const Record* Store::Widen(const ModelDef& m, const StoredRecord& element) {
  Table& t = *tables_[m.id.value];
  const Record* narrow = element.get();
  IndexErase(m, narrow);
  RecordPtr wide(m.properties.size(), m.relations.size(), t.record_blocks.get(),
                 [&](size_t slot) { return narrow->value(slot); });
  wide->set_marked_deleted(narrow->marked_deleted());
  for (size_t local = 0; local < m.relations.size(); ++local)
    wide->links_for_update(local) = std::move(narrow->links_for_update(local));
  const Record* w = wide.get();
  // Freed on return, after the lists below have been searched by its id.
  RecordPtr gone = const_cast<StoredRecord&>(element).Replace(std::move(wide));
  // Each record in a list of this one holds it in the list of the relation's other
  // side (for a manyToMany through a pivot: the pivot's belongsTo back here). A
  // record linked to itself is found in its own (moved) lists.
  for (RelationId rid : m.relations) {
    const RelationDef& rel = schema_->relation(rid);
    const uint32_t back = rel.through_pivot() ? schema_->relation(rel.pivot_near).local
                                              : schema_->relation(rel.inverse).local;
    const LinkList& list = w->links(rel.local);
    for (size_t k = 0; k < list.size(); ++k) {
      const Record* holder = list[k] == narrow || list[k] == w ? w : list[k];
      ReplaceSorted(holder->links_for_update(back), narrow, w);
    }
  }
  IndexInsert(m, w);
  return w;
}

Status Store::AdoptSchema(std::shared_ptr<const Schema> to) {
  if (to->models().size() != tables_.size() || to->relations().size() != schema_->relations().size())
    return Corrupt("a schema of other models or relations taken in place");
  for (const ModelDef& now : to->models()) {
    const ModelDef& before = schema_->model(now.id);
    if (now.properties.size() < before.properties.size() || now.relations.size() != before.relations.size())
      return Corrupt("a schema of another shape of " + now.name + " taken in place");
  }
  // Per model: the indexes of `to` built here (those the model had before are kept).
  std::vector<std::vector<size_t>> built(tables_.size());
  for (const ModelDef& now : to->models()) {
    const ModelDef& before = schema_->model(now.id);
    Table& t = *tables_[now.id.value];
    if (now.properties.size() != before.properties.size()) {
      t.earlier_record_blocks.push_back(std::move(t.record_blocks));
      t.record_blocks = std::make_unique<BlockPool>(Record::BlockBytes(now.properties.size(), now.relations.size()),
                                                    /*synchronized=*/true, prefaulter_.get());
    }
    std::vector<SecondaryIndex> indexes(now.indexes.size());
    std::vector<OrderedIndex> ordered;
    ordered.reserve(now.indexes.size());  // no throw between the moves below
    std::vector<bool> taken(before.indexes.size());
    for (size_t j = 0; j < now.indexes.size(); ++j) {
      const IndexDef& index = now.indexes[j];
      size_t i = 0;
      while (i < before.indexes.size() &&
             (taken[i] || before.indexes[i].on != index.on || before.indexes[i].unique != index.unique))
        ++i;
      if (i < before.indexes.size()) {
        indexes[j] = std::move(t.indexes[i]);
        ordered.push_back(std::move(t.ordered[i]));
        taken[i] = true;
      } else {
        ordered.emplace_back(index.on);
        built[now.id.value].push_back(j);
      }
    }
    t.indexes = std::move(indexes);
    t.ordered = std::move(ordered);
    t.autoincrement_slots.clear();
    for (const PropertyDef& p : now.properties)
      if (p.type == PropertyType::kAutoincrement) t.autoincrement_slots.push_back(p.slot.value);
  }
  schema_ = std::move(to);
  std::string key;
  for (const ModelDef& m : schema_->models()) {
    if (built[m.id.value].empty()) continue;
    Table& t = *tables_[m.id.value];
    for (const StoredRecord& element : t.records.get<ByIdOrder>()) {
      const Record* r = element.get();
      for (size_t j : built[m.id.value]) {
        t.ordered[j].Insert(r);
        if (IsLive(m, *r) && IndexKey(m.indexes[j], *r, &key)) InsertSorted(t.indexes[j].ListOf(key), r);
      }
    }
  }
  return Status::Ok();
}

std::unique_lock<std::mutex> Store::HoldBackgroundForFork() const { return prefaulter_->HoldForFork(); }

RecordPtr Store::NewRecord(ModelId model) {
  const ModelDef& m = schema_->model(model);
  return RecordPtr(m.properties.size(), m.relations.size(), RecordBlocks(model));
}

BlockPool* Store::RecordBlocks(ModelId model) const { return tables_[model.value]->record_blocks.get(); }

Store::PoolStats Store::Pools(ModelId model) const {
  const Table& t = *tables_[model.value];
  PoolStats stats{0, 0, t.nodes.reserved_bytes(), t.nodes.chunk_count()};
  auto add = [&](const BlockPool& pool) {
    stats.record_chunks += pool.chunk_count();
    stats.records_in_use += pool.blocks_in_use();
    stats.reserved_bytes += pool.reserved_bytes();
  };
  add(*t.record_blocks);
  for (const auto& pool : t.earlier_record_blocks) add(*pool);
  return stats;
}

void Store::ReserveRecords(ModelId model, size_t count) { tables_[model.value]->records.get<ById>().reserve(count); }

Result<const Record*> Store::LoadRecord(ModelId model, std::span<Value> values) {
  if (model.value >= tables_.size()) return Corrupt("unknown model");
  const ModelDef& m = schema_->model(model);
  if (values.size() != m.properties.size() || values[0].type() != ValueType::kText)
    return Corrupt("record of " + m.name + " has the wrong shape");
  KIN_RETURN_IF_ERROR(CheckValueTypes(m, values));
  return Insert(m, RecordPtr(values, m.relations.size(), RecordBlocks(model)), false);
}

Result<const Record*> Store::AppendRecord(ModelId model, RecordPtr&& record) {
  if (model.value >= tables_.size()) return Corrupt("unknown model");
  const ModelDef& m = schema_->model(model);
  if (!record || record->values().size() != m.properties.size() || record->link_count() != m.relations.size() ||
      record->value(0).type() != ValueType::kText)
    return Corrupt("record of " + m.name + " has the wrong shape");
  // Where NewRecord puts a record of this model: the pool, unless its block is too
  // large for one (then operator new, as here).
  BlockPool* pool = RecordBlocks(model);
  const BlockPool* home =
      pool->Serves(Record::BlockBytes(m.properties.size(), m.relations.size())) ? pool : nullptr;
  if (record->pool() != home) return Insert(m, RecordPtr(std::move(record), pool), true);
  return Insert(m, std::move(record), true);
}

void Store::PrefetchAppend(ModelId model, const Record* record, size_t id_hash) const {
  const char* bytes = reinterpret_cast<const char*>(record);
  const ModelDef& m = schema_->model(model);
  __builtin_prefetch(bytes);
  __builtin_prefetch(bytes + 63);
  __builtin_prefetch(&record->value(m.deleted_at.value));
  const auto& by_id = tables_[model.value]->records.get<ById>();
  const StoredRecord probe = StoredRecord::Probe(id_hash);
  auto n = by_id.bucket(StoredIdRef{&probe});
  auto first = by_id.begin(n);
  if (first != by_id.end(n)) __builtin_prefetch(&*first);
}

void Store::PrefetchBucket(ModelId model, size_t id_hash) const {
  // Boost.MultiIndex gives no bucket's address; its bucket array is the newest
  // array the node pool's allocator handed out, one pointer per bucket and one for
  // the end. (Were that not so, this would prefetch a useless line, no more.)
  const Table& t = *tables_[model.value];
  const auto& by_id = t.records.get<ById>();
  const BlockPool::Array buckets = t.nodes.newest_array();
  if (buckets.bytes != (by_id.bucket_count() + 1) * sizeof(void*)) return;
  const StoredRecord probe = StoredRecord::Probe(id_hash);
  __builtin_prefetch(static_cast<const char*>(buckets.address) + by_id.bucket(StoredIdRef{&probe}) * sizeof(void*));
}

Result<const Record*> Store::Insert(const ModelDef& m, RecordPtr&& record, bool append_only) {
  Table& t = *tables_[m.id.value];
  MarkLiveness(m, *record);
  // A key above every stored one (records in primary-key order, ULIDs, which grow)
  // goes in at the ordered index's end without a search.
  auto& ordered = t.records.get<ByIdOrder>();
  if (append_only && !ordered.empty() && !((*std::prev(ordered.end()))->id() < record->id()))
    return Corrupt("records of " + m.name + " out of primary-key order at " + std::string(record->id()));
  size_t before = ordered.size();
  // The id index grows fourfold, not twofold as it would by itself: a rehash reads
  // every node at a random address, and creates paid more for those misses than
  // for anything else they do (8-32 bytes of buckets per record instead of 8-16).
  auto& by_id = t.records.get<ById>();
  if (static_cast<float>(before + 1) > by_id.max_load_factor() * static_cast<float>(by_id.bucket_count()))
    by_id.reserve((before + 1) * kIdIndexGrowth);
  StoredRecord element(std::move(record));
  decltype(ordered.end()) it;
  try {
    it = ordered.insert(ordered.end(), std::move(element));  // searches only when the hint is wrong
  } catch (...) {
    // A node could not be had (out of memory): the element was not moved from, and
    // the record goes back to the caller, which may still hold its address.
    record = element.Release();
    throw;
  }
  if (ordered.size() == before) return Corrupt("duplicate " + m.name + " " + std::string((*it)->id()));
  const Record* self = it->get();
  NoteAutoincrement(m, *self);
  return self;
}

void Store::NoteAutoincrement(const ModelDef& m, const Record& r) {
  Table& t = *tables_[m.id.value];
  for (uint32_t slot : t.autoincrement_slots) {
    if (r.value(slot).type() != ValueType::kInt) continue;
    int64_t& last = t.autoincrement[slot];
    last = std::max(last, r.value(slot).as_int());
  }
}

Status Store::LoadLinks(RelationId relation, const Record* owner, LinkList targets) {
  if (relation.value >= schema_->relations().size()) return Corrupt("unknown relation");
  const RelationDef& rel = schema_->relation(relation);
  if (rel.kind != RelationKind::kManyToMany || rel.through_pivot() || !rel.owns_links)
    return Corrupt("links loaded through " + rel.name);
  if (!std::is_sorted(targets.begin(), targets.end(), RecordIdLess()))
    std::sort(targets.begin(), targets.end(), RecordIdLess());
  // A relation that is its own inverse keeps both directions in the same lists, as saved.
  if (rel.inverse != rel.id && std::adjacent_find(targets.begin(), targets.end()) != targets.end())
    return Corrupt("duplicate link through " + rel.name);
  LinkList& list = owner->links_for_update(rel.local);
  list = std::move(targets);
  if (rel.inverse.valid() && rel.inverse != rel.id) {
    // Owners come in primary-key order, so each other side's list grows sorted.
    const uint32_t inverse_local = schema_->relation(rel.inverse).local;
    for (const Record* other : list) other->links_for_update(inverse_local).push_back(owner);
  }
  return Status::Ok();
}

Status Store::FinishLoad() {
  // Children are appended to their parents' lists in primary-key order, so every list
  // comes out sorted without a sort (LoadLinks filled the manyToMany ones).
  for (const auto& m : schema_->models()) {
    for (RelationId rid : m.relations) {
      const RelationDef& rel = schema_->relation(rid);
      if (rel.kind != RelationKind::kBelongsTo) continue;
      const RelationDef* inv = rel.inverse.valid() ? &schema_->relation(rel.inverse) : nullptr;
      for (const StoredRecord& child_ptr : tables_[m.id.value]->records.get<ByIdOrder>()) {
        const Record& child = *child_ptr;
        const Value& fk = child.value(rel.foreign_key.value);
        if (fk.is_null()) continue;
        if (fk.type() != ValueType::kText) return Corrupt(m.name + " " + std::string(child.id()) + ": " + rel.name + " is not an id");
        const Record* parent = Find(rel.target, fk.as_text());
        if (!parent)
          return Corrupt(m.name + " " + std::string(child.id()) + " points at a missing parent " + std::string(fk.as_text()));
        child.links_for_update(rel.local).assign(1, parent);
        if (inv) parent->links_for_update(inv->local).push_back(&child);
      }
    }
  }
  for (const auto& m : schema_->models()) {
    if (m.indexes.empty()) continue;
    for (const StoredRecord& r : tables_[m.id.value]->records.get<ByIdOrder>()) IndexInsert(m, r.get());
  }
  return Status::Ok();
}

void Store::SetLastAutoincrement(ModelId model, SlotId slot, int64_t value) {
  int64_t& last = tables_[model.value]->autoincrement[slot.value];
  last = std::max(last, value);
}

Status Store::ApplyDelete(const DeleteStep& step) {
  if (step.model.value >= tables_.size()) return Corrupt("unknown model");
  const ModelDef& m = schema_->model(step.model);
  auto& by_id = tables_[step.model.value]->records.get<ById>();
  auto it = by_id.find(IdLookup(step.id));
  if (it == by_id.end()) return Corrupt("delete of a missing " + m.name + " " + step.id);
  const Record* self = it->get();
  for (RelationId rid : m.relations) {
    const RelationDef& rel = schema_->relation(rid);
    bool holds_children = rel.is_parent_side() || rel.through_pivot();
    if (holds_children && !self->links(rel.local).empty())
      return Corrupt("delete of " + m.name + " " + step.id + " still referenced through " + rel.name);
  }
  for (RelationId rid : m.relations) {
    const RelationDef& rel = schema_->relation(rid);
    const LinkList& current = self->links(rel.local);
    if (rel.kind == RelationKind::kBelongsTo && !current.empty()) {
      Detach(rel, self, current[0]);  // by value: Detach clears the list
    } else if (rel.kind == RelationKind::kManyToMany && !rel.through_pivot()) {
      LinkList linked = current;  // a relation that is its own inverse edits this list
      const RelationDef& inv = schema_->relation(rel.inverse);
      for (const Record* other : linked) EraseSorted(other->links_for_update(inv.local), self);
    }
  }
  IndexErase(m, self);
  by_id.erase(it);
  return Status::Ok();
}

Status Store::ApplyLink(RelationId relation, std::string_view from, std::string_view to, bool link) {
  if (relation.value >= schema_->relations().size()) return Corrupt("unknown relation");
  const RelationDef& rel = schema_->relation(relation);
  if (rel.kind != RelationKind::kManyToMany || rel.through_pivot()) return Corrupt("link through " + rel.name);
  const Record* a = Find(rel.model, from);
  const Record* b = Find(rel.target, to);
  if (!a || !b) return Corrupt("link of a missing record through " + rel.name);
  bool present = ContainsSorted(a->links(rel.local), b);
  if (present == link) return Corrupt(std::string(link ? "duplicate link" : "missing link") + " through " + rel.name);
  const RelationDef& inv = schema_->relation(rel.inverse);
  if (link) {
    InsertSorted(a->links_for_update(rel.local), b);
    InsertSorted(b->links_for_update(inv.local), a);
  } else {
    EraseSorted(a->links_for_update(rel.local), b);
    EraseSorted(b->links_for_update(inv.local), a);
  }
  return Status::Ok();
}

}  // namespace kin
