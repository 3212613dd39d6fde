// RecordRef and ReadView's reads (its lock and store are in database.cc): lists and
// counts run through the query planner, relations follow the adjacency lists.

#include "kin/read_view.h"
#include "kin/json.h"

#include <nlohmann/json.hpp>

#include "api/database_access.h"
#include "api/guarded.h"
#include "api/limits.h"
#include "api/operations.h"
#include "api/query.h"
#include "core/query.h"

namespace kin {

// ---- RecordRef --------------------------------------------------------------------

std::string_view RecordRef::id() const { return record_->id(); }

bool RecordRef::deleted() const { return record_->marked_deleted(); }

const Value& RecordRef::Get(SlotId slot) const { return record_->value(slot.value); }

const Value* RecordRef::Get(std::string_view property) const {
  const PropertyDef* p = model_->FindProperty(property);
  return p ? &record_->value(p->slot.value) : nullptr;
}

void RecordRef::ForEachRelated(RelationId relation, FunctionRef<void(RecordRef)> fn, bool with_deleted) const {
  const RelationDef& rel = schema_->relation(relation);
  const ModelDef& target = schema_->model(rel.target);
  if (!rel.through_pivot()) {
    for (const Record* r : record_->links(rel.local))
      if (with_deleted || !r->marked_deleted()) fn(RecordRef(schema_, &target, r));
    return;
  }
  const uint32_t far = schema_->relation(rel.pivot_far).local;
  for (const Record* link : record_->links(rel.local)) {
    if (link->links(far).empty()) continue;
    const Record* r = link->links(far)[0];
    if (with_deleted || (!link->marked_deleted() && !r->marked_deleted())) fn(RecordRef(schema_, &target, r));
  }
}

size_t RecordRef::CountRelated(RelationId relation) const {
  size_t n = 0;
  ForEachRelated(relation, [&](RecordRef) { ++n; });
  return n;
}

// ---- ReadView -----------------------------------------------------------------------

std::optional<RecordRef> ReadView::Find(ModelId model, std::string_view id) const {
  const Store& store = api::ViewAccess::StoreOf(*this);
  const Record* r = store.Find(model, id);
  if (!r || r->marked_deleted()) return std::nullopt;
  return api::ViewAccess::Ref(store.schema(), store.schema().model(model), r);
}

void ReadView::ForEach(ModelId model, FunctionRef<bool(RecordRef)> fn) const {
  const Store& store = api::ViewAccess::StoreOf(*this);
  const Schema& schema = store.schema();
  const ModelDef& m = schema.model(model);
  store.Scan(model, [&](const Record& r) { return r.marked_deleted() || fn(api::ViewAccess::Ref(schema, m, &r)); });
}

namespace {

// A query of ReadView's: the filters and config checked and parsed, then run. (Run
// inside api::Guarded by its callers, as the service's calls are.)
// `count_only` drops the page and the order.
Result<QueryResult> RunParsed(const ReadView& view, const ModelDef& m, const Json& filters, const Json& config,
                              bool count, bool count_only, bool explain) {
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(filters));
  KIN_RETURN_IF_ERROR(api::CheckJsonDepth(config));
  const Store& store = api::ViewAccess::StoreOf(view);
  const Schema& schema = store.schema();
  KIN_ASSIGN_OR_RETURN(Filter filter, api::ParseFilter(schema, m, filters));
  KIN_ASSIGN_OR_RETURN(api::ReadConfig parsed, api::ParseReadConfig(schema, m, config));
  QueryRequest q = api::ToRequest(filter, std::move(parsed), count);
  if (count_only) {
    q.take = 0;
    q.order.clear();
  }
  q.explain = explain;
  return RunQuery(store, m, q);
}

// A list of ReadView's: its rows as RecordRefs, and the count when asked for.
Result<std::pair<std::vector<RecordRef>, size_t>> RunViewQuery(const ReadView& view, ModelId model, const Json& filters,
                                                               const Json& config, bool count, bool count_only) {
  return api::Guarded([&]() -> Result<std::pair<std::vector<RecordRef>, size_t>> {
    const Schema& schema = api::ViewAccess::StoreOf(view).schema();
    const ModelDef& m = schema.model(model);
    KIN_ASSIGN_OR_RETURN(QueryResult result, RunParsed(view, m, filters, config, count, count_only, false));
    std::vector<RecordRef> rows;
    rows.reserve(result.rows.size());
    for (const Record* r : result.rows) rows.push_back(api::ViewAccess::Ref(schema, m, r));
    return std::make_pair(std::move(rows), result.count);
  });
}

const Json& NoJson() {
  static const Json kNull;
  return kNull;
}

}  // namespace

Result<std::vector<RecordRef>> ReadView::List(ModelId model) const { return List(model, NoJson(), NoJson()); }
Result<std::vector<RecordRef>> ReadView::List(ModelId model, const Json& filters) const {
  return List(model, filters, NoJson());
}
Result<std::vector<RecordRef>> ReadView::List(ModelId model, const Json& filters, const Json& config) const {
  KIN_ASSIGN_OR_RETURN(auto result, RunViewQuery(*this, model, filters, config, false, false));
  return std::move(result.first);
}

Result<ReadView::Page> ReadView::ListAndCount(ModelId model) const { return ListAndCount(model, NoJson(), NoJson()); }
Result<ReadView::Page> ReadView::ListAndCount(ModelId model, const Json& filters) const {
  return ListAndCount(model, filters, NoJson());
}
Result<ReadView::Page> ReadView::ListAndCount(ModelId model, const Json& filters, const Json& config) const {
  KIN_ASSIGN_OR_RETURN(auto result, RunViewQuery(*this, model, filters, config, true, false));
  return Page{std::move(result.first), result.second};
}

Result<size_t> ReadView::Count(ModelId model) const { return Count(model, NoJson(), NoJson()); }
Result<size_t> ReadView::Count(ModelId model, const Json& filters) const { return Count(model, filters, NoJson()); }
Result<size_t> ReadView::Count(ModelId model, const Json& filters, const Json& config) const {
  KIN_ASSIGN_OR_RETURN(auto result, RunViewQuery(*this, model, filters, config, true, true));
  return result.second;
}

Result<ReadView::QueryReport> ReadView::Explain(ModelId model) const { return Explain(model, NoJson(), NoJson()); }
Result<ReadView::QueryReport> ReadView::Explain(ModelId model, const Json& filters) const {
  return Explain(model, filters, NoJson());
}
Result<ReadView::QueryReport> ReadView::Explain(ModelId model, const Json& filters, const Json& config,
                                                bool count) const {
  return api::Guarded([&]() -> Result<QueryReport> {
    const ModelDef& m = api::ViewAccess::StoreOf(*this).schema().model(model);
    KIN_ASSIGN_OR_RETURN(QueryResult result, RunParsed(*this, m, filters, config, count, false, true));
    QueryReport report;
    report.plan = result.plan.empty() ? "none" : std::move(result.plan);  // take: 0 without a count plans nothing
    report.examined = result.examined;
    report.rows = result.rows.size();
    report.count = result.count;
    return report;
  });
}

}  // namespace kin
