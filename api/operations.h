#pragma once
// The generated service's operations (SPEC.md sections 2-7), internal to api.
// Each runs against a CallContext: reads see the store, writes go through the
// Mutation (applied at once, undone if the call fails). The caller holds the
// database's shared lock for reads and its exclusive lock for writes.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/mutation.h"
#include "core/store.h"

namespace kin::api {

using Json = nlohmann::ordered_json;  // keeps key order: `order` and output follow the caller

enum class Operation { kRetrieve, kList, kListAndCount, kCreate, kUpdate, kDelete, kSoftDelete, kRestore };

inline bool IsWrite(Operation op) { return op >= Operation::kCreate; }

struct Method {
  ModelId model;
  Operation operation;
};

// The name of a model's method: "createProducts", "retrieveCategory".
std::string MethodName(const ModelDef& model, Operation op);

// Method names ("createProducts", "retrieveCategory") of a schema's models.
class MethodTable {
 public:
  explicit MethodTable(const Schema& schema);
  std::optional<Method> Find(std::string_view name) const;
  // MethodName(method), kept (no allocation per call).
  std::string_view Name(const Method& method) const {
    return names_[method.model.value][static_cast<size_t>(method.operation)];
  }

 private:
  static constexpr size_t kOperations = 8;
  std::unordered_map<std::string, Method> methods_;
  std::vector<std::array<std::string, kOperations>> names_;  // by model, operation
};

struct ReadConfig;  // api/query.h

struct CallContext {
  const Schema& schema;
  const Store& store;
  Mutation* mutation;  // null for a read-only call
  Timestamp now;
  Json* result = nullptr;  // when set, the call's result is built here, not as text
};

// Argument i of a JavaScript-style argument array, or null when absent.
const Json& Arg(const Json& args, size_t i);

// Runs one method with its JavaScript-style argument array; returns JSON text, or
// builds the result in ctx.result when that is set (and returns "").
Result<std::string> RunMethod(CallContext& ctx, const Method& method, const Json& args);

// The operations, by kind.
Result<std::string> Retrieve(CallContext& ctx, const ModelDef& model, const Json& args);
// retrieve with its config already parsed: the record's JSON text appended to *out.
Status RetrieveText(const CallContext& ctx, const ModelDef& model, std::string_view id, const ReadConfig& config,
                    std::string* out);
Result<std::string> List(CallContext& ctx, const ModelDef& model, const Json& args, bool with_count);
Result<std::string> Create(CallContext& ctx, const ModelDef& model, const Json& args);
Result<std::string> Update(CallContext& ctx, const ModelDef& model, const Json& args);
Result<std::string> Delete(CallContext& ctx, const ModelDef& model, const Json& args);
Result<std::string> SoftDeleteOrRestore(CallContext& ctx, const ModelDef& model, const Json& args, bool restore);

// Records of `model` matched by a delete-style selector: an id, an array of ids, a
// filter object, or an array mixing those. Result in primary-key order, no duplicates.
Result<std::vector<const Record*>> MatchSelector(CallContext& ctx, const ModelDef& model, const Json& selector,
                                                 bool with_deleted);

}  // namespace kin::api
