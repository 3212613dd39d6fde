#include "api/operations.h"

namespace kin::api {

MethodTable::MethodTable(const Schema& schema) {
  for (const auto& m : schema.models()) {
    methods_["retrieve" + m.singular] = {m.id, Operation::kRetrieve};
    methods_["list" + m.plural] = {m.id, Operation::kList};
    methods_["listAndCount" + m.plural] = {m.id, Operation::kListAndCount};
    methods_["create" + m.plural] = {m.id, Operation::kCreate};
    methods_["update" + m.plural] = {m.id, Operation::kUpdate};
    methods_["delete" + m.plural] = {m.id, Operation::kDelete};
    methods_["softDelete" + m.plural] = {m.id, Operation::kSoftDelete};
    methods_["restore" + m.plural] = {m.id, Operation::kRestore};
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
