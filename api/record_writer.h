#pragma once
// RecordWriter: writes records and the relations a ReadPlan asks for straight to
// JSON text with RapidJSON's streaming Writer (SPEC.md sections 4 and 8). No DOM is
// built. The caller holds the store's read (or write) lock while writing. Not
// thread-safe; one writer per output.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <span>
#include <string>
#include <vector>

#include "api/query.h"
#include "core/store.h"

namespace kin::api {

using JsonTextWriter = rapidjson::Writer<rapidjson::StringBuffer>;

class RecordWriter {
 public:
  RecordWriter(const Store& store, bool with_deleted, JsonTextWriter& out)
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
  JsonTextWriter& out_;
  std::vector<const Record*> path_;  // records being written, outermost first
};

// Writes one value as JSON.
void WriteValue(JsonTextWriter& out, const Value& v);

// Renders records as a JSON array (or one object when `single`) and returns the text.
std::string RenderRecords(const Store& store, const ModelDef& model, std::span<const Record* const> records,
                          const ReadPlan& plan, bool with_deleted, bool single);

}  // namespace kin::api
