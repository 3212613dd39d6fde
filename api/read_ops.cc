// retrieve, list, listAndCount, and the record matching shared with the writes.

#include <algorithm>

#include "api/operations.h"
#include "api/query.h"
#include "api/record_writer.h"

namespace kin::api {

namespace {

std::string LowerFirst(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// Records of `model` that match, in primary-key order. Stops after `limit` matches.
std::vector<const Record*> Match(const CallContext& ctx, const ModelDef& model, const Filter& filter, bool with_deleted,
                                 size_t limit = SIZE_MAX) {
  std::vector<const Record*> out;
  auto consider = [&](const Record& r) {
    if ((with_deleted || ctx.store.IsLive(model, r)) && filter.Matches(ctx.store, model, r, with_deleted))
      out.push_back(&r);
    return out.size() < limit;
  };
  if (const Value* id = filter.PinnedId()) {
    if (const Record* r = ctx.store.Find(model.id, id->as_text())) consider(*r);
    return out;
  }
  if (limit > 0) ctx.store.Scan(model.id, consider);
  return out;
}

// Nulls sort as larger than any value, as in PostgreSQL (Medusa's store): last
// ascending, first descending.
void Sort(std::vector<const Record*>& records, const std::vector<OrderKey>& order) {
  if (order.empty()) return;  // already in primary-key order
  std::stable_sort(records.begin(), records.end(), [&](const Record* a, const Record* b) {
    for (const auto& k : order) {
      const Value& x = a->values()[k.slot.value];
      const Value& y = b->values()[k.slot.value];
      int c = x.is_null() || y.is_null() ? int(x.is_null()) - int(y.is_null()) : CompareValues(x, y);
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    return false;
  });
}

Status IdUndefined(const ModelDef& model) {
  return Status::NotFound(LowerFirst(model.name) + " - " + model.primary_key().name + " must be defined");
}

// The record retrieve<Model>(id) returns, or its not_found error.
Result<const Record*> FindForRetrieve(const CallContext& ctx, const ModelDef& model, std::string_view id,
                                      const ReadConfig& config) {
  const Record* r = ctx.store.Find(model.id, id);
  if (!r || (!config.with_deleted && !ctx.store.IsLive(model, *r)))
    return Status::NotFound(model.name + " with " + model.primary_key().name + ": " + std::string(id) +
                            " was not found");
  return r;
}

}  // namespace

Result<std::string> Retrieve(CallContext& ctx, const ModelDef& model, const Json& args) {
  const Json& id = Arg(args, 0);
  if (!id.is_string() || id.get_ref<const std::string&>().empty()) return IdUndefined(model);
  KIN_ASSIGN_OR_RETURN(ReadConfig config, ParseReadConfig(ctx.schema, model, Arg(args, 1)));
  KIN_ASSIGN_OR_RETURN(const Record* r, FindForRetrieve(ctx, model, id.get_ref<const std::string&>(), config));
  const Record* one[] = {r};
  return RenderRecords(ctx, model, one, config.plan, config.with_deleted, true);
}

Status RetrieveText(const CallContext& ctx, const ModelDef& model, std::string_view id, const ReadConfig& config,
                    std::string* out) {
  if (id.empty()) return IdUndefined(model);
  KIN_ASSIGN_OR_RETURN(const Record* r, FindForRetrieve(ctx, model, id, config));
  StringOutput stream(*out);
  JsonTextWriter writer(stream);
  RecordWriter(ctx.store, config.with_deleted, writer).Write(model, *r, config.plan);
  return Status::Ok();  // `stream` cuts *out to the text as it goes out of scope
}

Result<std::string> List(CallContext& ctx, const ModelDef& model, const Json& args, bool with_count) {
  KIN_ASSIGN_OR_RETURN(Filter filter, ParseFilter(ctx.schema, model, Arg(args, 0)));
  KIN_ASSIGN_OR_RETURN(ReadConfig config, ParseReadConfig(ctx.schema, model, Arg(args, 1)));
  size_t limit = SIZE_MAX;
  if (!with_count && config.order.empty() && config.take) limit = config.skip + *config.take;
  std::vector<const Record*> rows = Match(ctx, model, filter, config.with_deleted, limit);
  size_t count = rows.size();
  Sort(rows, config.order);
  size_t begin = std::min(config.skip, rows.size());
  size_t end = config.take ? std::min(rows.size(), begin + *config.take) : rows.size();
  std::span<const Record* const> page(rows.data() + begin, end - begin);
  if (!with_count) return RenderRecords(ctx, model, page, config.plan, config.with_deleted, false);
  return EmitResult(ctx, [&](auto& out) {  // [records, count]
    out.StartArray();
    RecordWriter(ctx.store, config.with_deleted, out).WriteArray(model, page, config.plan);
    out.Int64(static_cast<int64_t>(count));
    out.EndArray();
  });
}

Result<std::vector<const Record*>> MatchSelector(CallContext& ctx, const ModelDef& model, const Json& selector,
                                                 bool with_deleted) {
  std::vector<const Record*> out;
  auto add = [&](const Json& one) -> Status {
    if (one.is_string()) {
      const Record* r = ctx.store.Find(model.id, one.get_ref<const std::string&>());
      if (r && (with_deleted || ctx.store.IsLive(model, *r))) out.push_back(r);
      return Status::Ok();
    }
    if (one.is_object()) {
      KIN_ASSIGN_OR_RETURN(Filter filter, ParseFilter(ctx.schema, model, one));
      auto matched = Match(ctx, model, filter, with_deleted);
      out.insert(out.end(), matched.begin(), matched.end());
      return Status::Ok();
    }
    return Status::InvalidArgument("Expected an id, an array of ids or a filter object, got " + one.dump());
  };
  if (selector.is_array()) {
    for (const auto& e : selector) KIN_RETURN_IF_ERROR(add(e));
  } else {
    KIN_RETURN_IF_ERROR(add(selector));
  }
  std::sort(out.begin(), out.end(), RecordIdLess());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace kin::api
