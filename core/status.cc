#include "kin/status.h"

#include <cstdio>
#include <cstdlib>

namespace kin {

const char* ErrorTypeName(ErrorType type) {
  switch (type) {
    case ErrorType::kNotFound: return "not_found";
    case ErrorType::kInvalidData: return "invalid_data";
    case ErrorType::kNotAllowed: return "not_allowed";
    case ErrorType::kInvalidArgument: return "invalid_argument";
    case ErrorType::kDatabaseError: return "database_error";
    case ErrorType::kGap: return "gap";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorTypeName(error_->type)) + ": " + error_->message;
}

namespace detail {
void DieOnErrorValue(const Status& status) {
  std::fprintf(stderr, "kin: Result::value() on an error: %s\n", status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}
}  // namespace detail

}  // namespace kin
