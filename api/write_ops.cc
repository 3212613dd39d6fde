// create and update: argument shapes of SPEC.md section 2 over RecordEditor.

#include <algorithm>
#include <unordered_set>

#include "api/record_editor.h"
#include "api/query.h"
#include "api/record_writer.h"

namespace kin::api {

namespace {

// The records with these ids, rendered in the given order (one object when `single`).
std::string Render(const CallContext& ctx, const ModelDef& model, const std::vector<std::string>& ids, bool single) {
  std::vector<const Record*> records;
  for (const auto& id : ids) records.push_back(ctx.store.Find(model.id, id));
  static const ReadPlan kAll;
  return RenderRecords(ctx, model, records, kAll, true, single);
}

}  // namespace

Result<std::string> Create(CallContext& ctx, const ModelDef& model, const Json& args) {
  const Json& data = Arg(args, 0);
  if (!data.is_object() && !data.is_array())
    return Status::InvalidArgument("create" + model.plural + " expects an object or an array of objects");
  RecordEditor editor(ctx, model);
  std::vector<std::string> ids;
  if (data.is_object()) {
    KIN_ASSIGN_OR_RETURN(std::string id, editor.Create(data));
    return Render(ctx, model, {id}, true);
  }
  for (const auto& one : data) {
    KIN_ASSIGN_OR_RETURN(std::string id, editor.Create(one));
    ids.push_back(std::move(id));
  }
  return Render(ctx, model, ids, false);
}

// update<Models>: `{id, ...}` returns the record; `{selector, data}` the matched records
// in primary key order; an array may mix both kinds of item and returns the records
// the selector items matched first (in the order of the items), then those the
// `{id, ...}` items name, in primary key order, each record once: the order Medusa
// returns them in. Selector items are applied before id items.
Result<std::string> Update(CallContext& ctx, const ModelDef& model, const Json& args) {
  const Json& data = Arg(args, 0);
  const std::string& pk = model.primary_key().name;
  const std::string shape =
      "update" + model.plural + " expects {" + pk + ", ...}, {selector, data}, or an array of those";
  RecordEditor editor(ctx, model);
  const bool has_selector_property = model.FindProperty("selector") != nullptr;
  auto is_selector = [&](const Json& item) {
    return item.is_object() && item.contains("selector") && item.contains("data") && !has_selector_property;
  };
  if (!data.is_object() && !data.is_array()) return Status::InvalidArgument(shape);
  std::vector<const Json*> items, selectors;
  if (data.is_object()) (is_selector(data) ? selectors : items).push_back(&data);
  else for (const auto& e : data) (is_selector(e) ? selectors : items).push_back(&e);
  std::vector<std::string> ids, missing;
  for (const Json* item : items) {
    if (!item->is_object()) return Status::InvalidArgument(shape);
    auto it = item->find(pk);
    if (it == item->end() || !it->is_string()) return Status::InvalidArgument(shape);
    const std::string& id = it->get_ref<const std::string&>();
    const Record* r = ctx.store.Find(model.id, id);
    if (!r || !ctx.store.IsLive(model, *r)) missing.push_back(id);
    ids.push_back(id);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& id : missing) list += (list.empty() ? "" : ", ") + id;
    return Status::NotFound(model.name + " with " + pk + " \"" + list + "\" not found");
  }
  std::vector<std::string> selected;
  std::unordered_set<std::string> seen;  // only needed when a record may be named twice
  const bool one_item = selectors.size() + items.size() == 1;
  for (const Json* item : selectors) {
    const Json& changes = item->at("data");
    if (!changes.is_object()) return Status::InvalidArgument(shape);
    KIN_ASSIGN_OR_RETURN(auto matched, MatchSelector(ctx, model, item->at("selector"), false));
    std::vector<std::string> matched_ids;
    for (const Record* r : matched) matched_ids.emplace_back(r->id());
    for (const auto& id : matched_ids) {
      KIN_RETURN_IF_ERROR(editor.Update(id, changes));
      if (one_item || seen.insert(id).second) selected.push_back(id);
    }
  }
  for (size_t i = 0; i < items.size(); ++i) KIN_RETURN_IF_ERROR(editor.Update(ids[i], *items[i]));
  if (data.is_object() && items.size() == 1) return Render(ctx, model, ids, true);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (selectors.empty()) return Render(ctx, model, ids, false);
  for (const auto& id : ids)
    if (seen.insert(id).second) selected.push_back(id);
  return Render(ctx, model, selected, false);
}

}  // namespace kin::api
