#include "api/operations.h"

namespace kin::api {

std::string MethodName(const ModelDef& model, Operation op) {
  switch (op) {
    case Operation::kRetrieve: return "retrieve" + model.singular;
    case Operation::kList: return "list" + model.plural;
    case Operation::kListAndCount: return "listAndCount" + model.plural;
    case Operation::kCreate: return "create" + model.plural;
    case Operation::kUpdate: return "update" + model.plural;
    case Operation::kDelete: return "delete" + model.plural;
    case Operation::kSoftDelete: return "softDelete" + model.plural;
    case Operation::kRestore: return "restore" + model.plural;
  }
  return "";
}

MethodTable::MethodTable(const Schema& schema) {
  constexpr Operation kAll[] = {Operation::kRetrieve, Operation::kList,   Operation::kListAndCount,
                                Operation::kCreate,   Operation::kUpdate, Operation::kDelete,
                                Operation::kSoftDelete, Operation::kRestore};
  static_assert(std::size(kAll) == kOperations);
  names_.resize(schema.models().size());
  for (const auto& m : schema.models()) {
    for (Operation op : kAll) {
      std::string name = MethodName(m, op);
      methods_[name] = {m.id, op};
      names_[m.id.value][static_cast<size_t>(op)] = std::move(name);
    }
  }
}

std::optional<Method> MethodTable::Find(std::string_view name) const {
  auto it = methods_.find(std::string(name));
  if (it == methods_.end()) return std::nullopt;
  return it->second;
}

const Json& Arg(const Json& args, size_t i) {
  static const Json kNull;
  return i < args.size() ? args[i] : kNull;
}

Result<std::string> RunMethod(CallContext& ctx, const Method& method, const Json& args) {
  if (!args.is_array()) return Status::InvalidArgument("\"args\" must be an array of the method's arguments");
  static constexpr size_t kMaxArgs[] = {2, 2, 2, 1, 1, 1, 2, 2};
  if (args.size() > kMaxArgs[static_cast<int>(method.operation)])
    return Status::InvalidArgument("Too many arguments: the method takes at most " +
                                   std::to_string(kMaxArgs[static_cast<int>(method.operation)]));
  if (IsWrite(method.operation) && !ctx.mutation)
    return Status::InvalidArgument("A write method cannot run in a read-only context");
  const ModelDef& model = ctx.schema.model(method.model);
  switch (method.operation) {
    case Operation::kRetrieve: return Retrieve(ctx, model, args);
    case Operation::kList: return List(ctx, model, args, false);
    case Operation::kListAndCount: return List(ctx, model, args, true);
    case Operation::kCreate: return Create(ctx, model, args);
    case Operation::kUpdate: return Update(ctx, model, args);
    case Operation::kDelete: return Delete(ctx, model, args);
    case Operation::kSoftDelete: return SoftDeleteOrRestore(ctx, model, args, false);
    case Operation::kRestore: return SoftDeleteOrRestore(ctx, model, args, true);
  }
  return Status::InvalidArgument("unknown operation");
}

}  // namespace kin::api
