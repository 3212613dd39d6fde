#pragma once
// What the ReferenceModel's two source files share (test code): the failure a rule
// throws, and small lookups in the spec.

#include "tests/api/reference_model.h"

namespace kin::testing::mbt::rules {

// A failed rule. The model throws it from wherever the rule is checked and Call
// turns it into an Outcome after putting the state back: test code only, so the
// rules can be written one per line.
struct Fail {
  ErrorType type;
  std::string why;
};

[[noreturn]] inline void Throw(ErrorType type, std::string why) { throw Fail{type, std::move(why)}; }

inline const Json& Arg(const Json& args, size_t i) {
  static const Json kNull;
  return i < args.size() ? args[i] : kNull;
}

inline const Scalar* FindScalar(const ModelSpec& m, const std::string& key) {
  for (const auto& s : m.scalars)
    if (s.name == key) return &s;
  return nullptr;
}

inline const Parent* FindColumn(const ModelSpec& m, const std::string& key) {
  for (const auto& p : m.parents)
    if (p.column == key) return &p;
  return nullptr;
}

}  // namespace kin::testing::mbt::rules
