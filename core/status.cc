#include "core/status.h"

namespace kin {

const char* ErrorTypeName(ErrorType type) {
  switch (type) {
    case ErrorType::kNotFound: return "not_found";
    case ErrorType::kInvalidData: return "invalid_data";
    case ErrorType::kNotAllowed: return "not_allowed";
    case ErrorType::kInvalidArgument: return "invalid_argument";
    case ErrorType::kDatabaseError: return "database_error";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorTypeName(error_->type)) + ": " + error_->message;
}

}  // namespace kin
