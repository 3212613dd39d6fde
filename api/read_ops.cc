// retrieve, list, listAndCount, and the record matching shared with the writes.

#include <algorithm>

#include "api/limits.h"
#include "api/operations.h"
#include "api/query.h"
#include "kin/json.h"
#include "api/record_writer.h"

namespace kin::api {

QueryRequest ToRequest(const Filter& filter, const ReadConfig& config, bool with_count) {
  QueryRequest q;
  q.filter = &filter;
  q.with_deleted = config.with_deleted;
  q.order = config.order;
  q.skip = config.skip;
  q.take = config.take;
  q.count = with_count;
  return q;
}

QueryRequest ToRequest(const Filter& filter, ReadConfig&& config, bool with_count) {
  QueryRequest q;
  q.filter = &filter;
  q.with_deleted = config.with_deleted;
  q.order = std::move(config.order);
  q.skip = config.skip;
  q.take = config.take;
  q.count = with_count;
  return q;
}

namespace {

std::string LowerFirst(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
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
  if (!id.is_string()) return IdUndefined(model);  // "" is an id that no record has, as in Medusa
  KIN_ASSIGN_OR_RETURN(ReadConfig config, ParseReadConfig(ctx.schema, model, Arg(args, 1)));
  KIN_ASSIGN_OR_RETURN(const Record* r, FindForRetrieve(ctx, model, id.get_ref<const std::string&>(), config));
  const Record* one[] = {r};
  return RenderRecords(ctx, model, one, config.plan, config.with_deleted, true);
}

Status RetrieveText(const CallContext& ctx, const ModelDef& model, std::string_view id, const ReadConfig& config,
                    std::string* out) {
  KIN_ASSIGN_OR_RETURN(const Record* r, FindForRetrieve(ctx, model, id, config));
  StringOutput stream(*out);
  JsonTextWriter writer(stream);
  RecordWriter(ctx.store, config.with_deleted, writer).Write(model, *r, config.plan);
  return Status::Ok();  // `stream` cuts *out to the text as it goes out of scope
}

Result<std::string> List(CallContext& ctx, const ModelDef& model, const Json& args, bool with_count) {
  KIN_ASSIGN_OR_RETURN(Filter filter, ParseFilter(ctx.schema, model, Arg(args, 0)));
  KIN_ASSIGN_OR_RETURN(ReadConfig config, ParseReadConfig(ctx.schema, model, Arg(args, 1)));
  QueryResult result = RunQuery(ctx.store, model, ToRequest(filter, config, with_count));
  std::span<const Record* const> page(result.rows);
  if (!with_count) return RenderRecords(ctx, model, page, config.plan, config.with_deleted, false);
  return EmitResult(ctx, [&](auto& out) {  // [records, count]
    out.StartArray();
    RecordWriter(ctx.store, config.with_deleted, out).WriteArray(model, page, config.plan);
    out.Int64(static_cast<int64_t>(result.count));
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
      auto matched = MatchAll(ctx.store, model, filter, with_deleted);
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
