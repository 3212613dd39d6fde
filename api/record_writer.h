#pragma once
// RecordWriter: writes records and the relations a ReadPlan asks for (SPEC.md
// sections 4 and 8) to an output with RapidJSON's Writer interface: JSON text
// (JsonTextWriter, no DOM built) or a JSON value (JsonDomWriter, no text built).
// The caller holds the store's read (or write) lock while writing. Not
// thread-safe; one writer per output.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <span>
#include <string>
#include <vector>

#include "api/json_dom_writer.h"
#include "api/operations.h"
#include "api/query.h"
#include "core/store.h"

namespace kin::api {

using JsonTextWriter = rapidjson::Writer<rapidjson::StringBuffer>;

template <typename Out>
class RecordWriter {
 public:
  RecordWriter(const Store& store, bool with_deleted, Out& out)
      : store_(store), schema_(store.schema()), with_deleted_(with_deleted), out_(out) {}

  void Write(const ModelDef& model, const Record& r, const ReadPlan& plan);
  void WriteArray(const ModelDef& model, std::span<const Record* const> records, const ReadPlan& plan);

 private:
  void WriteFields(const ModelDef& model, const Record& r, const ReadPlan& plan);
  void WriteRelation(const RelationDef& rel, const Record& r, const ReadPlan& plan);
  bool OnPath(const Record* r) const;

  const Store& store_;
  const Schema& schema_;
  bool with_deleted_;
  Out& out_;
  std::vector<const Record*> path_;  // records being written, outermost first
};

extern template class RecordWriter<JsonTextWriter>;
extern template class RecordWriter<JsonDomWriter>;

// Writes one value as JSON.
template <typename Out>
void WriteValue(Out& out, const Value& v);

// A call's result, written by `write(out)`: into ctx.result when the caller asked
// for a value (then the text returned is empty), else as JSON text, returned.
template <typename WriteFn>
std::string EmitResult(const CallContext& ctx, WriteFn&& write) {
  if (ctx.result) {
    JsonDomWriter out(*ctx.result);
    write(out);
    return {};
  }
  rapidjson::StringBuffer buf;
  JsonTextWriter out(buf);
  write(out);
  return std::string(buf.GetString(), buf.GetSize());
}

// The result of a call that returns records: a JSON array (or one object when
// `single`).
std::string RenderRecords(const CallContext& ctx, const ModelDef& model, std::span<const Record* const> records,
                          const ReadPlan& plan, bool with_deleted, bool single);

}  // namespace kin::api
