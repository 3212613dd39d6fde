#pragma once
// Guarded: how an entry point of the public API gives back what goes wrong as a
// value, the same way for every call: an error whose message quotes long input is
// cut to a bounded size (BoundMessage), a malformed JSON document is an
// invalid_argument, and running out of memory or an exception from a library is a
// database_error. No exception leaves it. Stateless; thread-safe.

#include <new>
#include <string>

#include <nlohmann/json.hpp>

#include "api/limits.h"
#include "kin/status.h"

namespace kin::api {

// Runs f, which returns a Result or a Status, and returns what it returns, with the
// errors above as values.
template <typename F>
auto Guarded(F&& f) -> decltype(f()) {
  try {
    auto r = f();
    if (!r.ok()) return BoundMessage(r.status());
    return r;
  } catch (const nlohmann::ordered_json::exception& e) {
    return Status::InvalidArgument(std::string("Malformed request: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::DatabaseError("Out of memory while running the call");
  } catch (const std::exception& e) {
    return Status::DatabaseError(std::string("Internal error: ") + e.what());
  }
}

}  // namespace kin::api
