// ModelHandle's JSON methods: each checks its arguments' depth, then runs the
// model's service method with them (Database::RunValue).

#include <nlohmann/json.hpp>

#include "api/limits.h"
#include "api/operations.h"
#include "kin/database.h"
#include "kin/json.h"

namespace kin {

using api::Operation;

namespace {
// Each argument is checked before the copy into the argument array: a copy of a
// nlohmann value recurses once per nesting level.
Status CheckDepth(const Json* a, const Json* b = nullptr) {
  if (a) KIN_RETURN_IF_ERROR(api::CheckJsonDepth(*a));
  if (b) KIN_RETURN_IF_ERROR(api::CheckJsonDepth(*b));
  return Status::Ok();
}
constexpr int Op(Operation op) { return static_cast<int>(op); }
}  // namespace

Result<Json> ModelHandle::Retrieve(std::string_view id) {
  const Json key(id);
  return Run(Op(Operation::kRetrieve), &key, nullptr);
}
Result<Json> ModelHandle::Retrieve(std::string_view id, const Json& config) {
  KIN_RETURN_IF_ERROR(CheckDepth(&config));
  const Json key(id);
  return Run(Op(Operation::kRetrieve), &key, &config);
}

Result<Json> ModelHandle::List() { return Run(Op(Operation::kList), nullptr, nullptr); }
Result<Json> ModelHandle::List(const Json& filters) {
  KIN_RETURN_IF_ERROR(CheckDepth(&filters));
  return Run(Op(Operation::kList), &filters, nullptr);
}
Result<Json> ModelHandle::List(const Json& filters, const Json& config) {
  KIN_RETURN_IF_ERROR(CheckDepth(&filters, &config));
  return Run(Op(Operation::kList), &filters, &config);
}

Result<Json> ModelHandle::ListAndCount() { return Run(Op(Operation::kListAndCount), nullptr, nullptr); }
Result<Json> ModelHandle::ListAndCount(const Json& filters) {
  KIN_RETURN_IF_ERROR(CheckDepth(&filters));
  return Run(Op(Operation::kListAndCount), &filters, nullptr);
}
Result<Json> ModelHandle::ListAndCount(const Json& filters, const Json& config) {
  KIN_RETURN_IF_ERROR(CheckDepth(&filters, &config));
  return Run(Op(Operation::kListAndCount), &filters, &config);
}

Result<Json> ModelHandle::Create(const Json& data) {
  KIN_RETURN_IF_ERROR(CheckDepth(&data));
  return Run(Op(Operation::kCreate), &data, nullptr);
}
Result<Json> ModelHandle::Update(const Json& data) {
  KIN_RETURN_IF_ERROR(CheckDepth(&data));
  return Run(Op(Operation::kUpdate), &data, nullptr);
}
Status ModelHandle::Delete(const Json& selector) {
  KIN_RETURN_IF_ERROR(CheckDepth(&selector));
  return Run(Op(Operation::kDelete), &selector, nullptr).status();
}

Result<Json> ModelHandle::SoftDelete(const Json& selector) {
  KIN_RETURN_IF_ERROR(CheckDepth(&selector));
  return Run(Op(Operation::kSoftDelete), &selector, nullptr);
}
Result<Json> ModelHandle::SoftDelete(const Json& selector, const Json& config) {
  KIN_RETURN_IF_ERROR(CheckDepth(&selector, &config));
  return Run(Op(Operation::kSoftDelete), &selector, &config);
}
Result<Json> ModelHandle::Restore(const Json& selector) {
  KIN_RETURN_IF_ERROR(CheckDepth(&selector));
  return Run(Op(Operation::kRestore), &selector, nullptr);
}
Result<Json> ModelHandle::Restore(const Json& selector, const Json& config) {
  KIN_RETURN_IF_ERROR(CheckDepth(&selector, &config));
  return Run(Op(Operation::kRestore), &selector, &config);
}

}  // namespace kin
