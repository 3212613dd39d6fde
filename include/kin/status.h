#pragma once
// Status and Result<T>: errors as values. Every failing call returns one of five
// error types (docs/errors.md) with a message; nothing is thrown across kin's API.

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kin {

enum class ErrorType {
  kNotFound,         // "not_found"
  kInvalidData,      // "invalid_data"
  kNotAllowed,       // "not_allowed"
  kInvalidArgument,  // "invalid_argument"
  kDatabaseError,    // "database_error"
  kGap,              // "gap": a change feed position older than the journal kept
};

// The wire name of an error type ("not_found", ...).
const char* ErrorTypeName(ErrorType type);

// Status is either ok or an error with a type and a message. Cheap to move;
// an ok Status holds no allocation. Not thread-safe to mutate, safe to share const.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(ErrorType type, std::string message) { return Status(type, std::move(message)); }
  static Status NotFound(std::string m) { return Error(ErrorType::kNotFound, std::move(m)); }
  static Status InvalidData(std::string m) { return Error(ErrorType::kInvalidData, std::move(m)); }
  static Status NotAllowed(std::string m) { return Error(ErrorType::kNotAllowed, std::move(m)); }
  static Status InvalidArgument(std::string m) { return Error(ErrorType::kInvalidArgument, std::move(m)); }
  static Status DatabaseError(std::string m) { return Error(ErrorType::kDatabaseError, std::move(m)); }
  static Status Gap(std::string m) { return Error(ErrorType::kGap, std::move(m)); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  ErrorType type() const { assert(!ok()); return error_->type; }
  const std::string& message() const { assert(!ok()); return error_->message; }
  // "type: message", or "ok".
  std::string ToString() const;

 private:
  struct Detail { ErrorType type; std::string message; };
  Status(ErrorType type, std::string message) : error_(Detail{type, std::move(message)}) {}
  std::optional<Detail> error_;
};

namespace detail {
// Prints "kin: Result::value() on an error: <type>: <message>" and aborts.
[[noreturn]] void DieOnErrorValue(const Status& status);
}  // namespace detail

// Result<T> holds a T or an error Status. value() (and * and ->) on an error aborts
// the process with the error's text: check ok() first where an error is possible.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {    // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result from an ok Status has no value");
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return *Checked(); }
  const T& value() const& { return *const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(*Checked()); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  T* Checked() {
    T* v = std::get_if<T>(&v_);
    if (v == nullptr) [[unlikely]] detail::DieOnErrorValue(std::get<Status>(v_));
    return v;
  }
  std::variant<T, Status> v_;
};

}  // namespace kin

// Returns early from the enclosing function when `expr` (a Status) is an error.
#define KIN_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::kin::Status kin_status_ = (expr);      \
    if (!kin_status_.ok()) return kin_status_; \
  } while (0)

#define KIN_CONCAT_INNER(a, b) a##b
#define KIN_CONCAT(a, b) KIN_CONCAT_INNER(a, b)
// Declares `lhs` from a Result, or returns its error Status.
#define KIN_ASSIGN_OR_RETURN(lhs, expr) KIN_ASSIGN_OR_RETURN_IMPL(KIN_CONCAT(kin_result_, __LINE__), lhs, expr)
#define KIN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
