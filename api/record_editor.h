#pragma once
// RecordEditor: validates and applies the create or update of one record of one
// model, with the relationship rules of SPEC.md section 3 (foreign keys, the hasOne
// side, manyToMany replace/$add/$remove, pivot records). Every check runs before the
// step it guards; a failed call is undone by the Mutation's owner. Not thread-safe.

#include <boost/container/small_vector.hpp>
#include <span>
#include <string>
#include <vector>

#include "kin/field_value.h"
#include "api/operations.h"

namespace kin::api {

class RecordEditor {
 public:
  RecordEditor(CallContext& ctx, const ModelDef& model) : ctx_(ctx), schema_(ctx.schema), model_(model) {}

  // Creates a record from `data`; returns its primary key.
  Result<std::string> Create(const Json& data);
  // The same from typed fields (no relation but belongsTo; no JSON).
  Result<std::string> Create(std::span<const FieldValue> fields);
  // Applies `data` to the live record `id` (properties not given are untouched).
  Status Update(const std::string& id, const Json& data);

 private:
  using Deferred = std::vector<std::pair<const RelationDef*, const Json*>>;
  // Which slots of the record the call gave (kept inline for a model of a usual size:
  // a heap buffer per create was measurable).
  using Given = boost::container::small_vector<bool, 32>;

  // The rest of a create once the given fields are read: defaults, id, timestamps,
  // checks, the put, then the relations that follow it.
  Result<std::string> Insert(std::vector<Value> values, const Given& given, const Deferred& deferred);
  Status ReadFields(const Json& data, bool creating, std::vector<Value>& values, Given& given,
                    Deferred& deferred);
  Status FillMissing(std::vector<Value>& values, const Given& given);
  Status CheckParents(const std::vector<Value>& values, const std::vector<Value>* before);
  Status ApplyDeferred(const std::string& id, const Deferred& deferred, bool creating);
  Status SetHasOne(const RelationDef& rel, const std::string& id, const Json& value);
  Status SetManyToMany(const RelationDef& rel, const std::string& id, const Json& value, bool creating);
  Status AddLink(const RelationDef& rel, const std::string& id, const std::string& other);
  Status RemoveLink(const RelationDef& rel, const std::string& id, const std::string& other);
  std::vector<std::string> LinkedIds(const RelationDef& rel, const std::string& id);

  CallContext& ctx_;
  const Schema& schema_;
  const ModelDef& model_;
};

// Shared checks of the write paths.
// invalid_data when a live record other than `self_id` holds one of `values`'
// unique keys: "Email with address: a@b.c, already exists."
Status CheckUnique(const CallContext& ctx, const ModelDef& model, const std::vector<Value>& values,
                   std::string_view self_id);
// "You tried to set relationship store_id: s9, but such entity does not exist"
Status MissingRelated(const std::string& column, std::string_view id);
// The id named by a relation value: "id" or {"id": "..."}; nullopt otherwise.
std::optional<std::string> RelatedId(const ModelDef& target, const Json& j);

}  // namespace kin::api
