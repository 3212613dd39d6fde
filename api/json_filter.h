#pragma once
// Conditions on the keys of a json property (SPEC.md section 5): `{metadata: {tag:
// "a"}}`, `{metadata: {n: {$gt: 1}}}`, nested keys `{metadata: {a: {b: "x"}}}`.
// They compare as Medusa's do in PostgreSQL (`metadata->>'tag' = 'a'`,
// `(metadata->>'n')::float8 > 1`): the value at the path is read as text (a string
// as itself, a number, true/false, an object or array as its JSON text), and the
// operand's JSON type says how to compare it: a string as text, a number as a
// number (numeric text counts), a boolean as a boolean. A missing key, a JSON
// null and a null property are all null. docs/medusa-differences.md lists where
// kin differs (a value that does not read as a number fails Medusa's whole query;
// here it does not match). Built once per filter; immutable and thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "api/value_json.h"
#include "core/filter.h"
#include "core/regex.h"

namespace kin::api {

// One test on the value at `path` inside a json property.
struct JsonKeyTest {
  std::vector<std::string> path;  // keys from the property's value down; empty: the value itself
  CompareOp op = CompareOp::kEq;
  // kEq, kNe: a string, number, boolean, object or array (objects and arrays compare
  // as JSON, key order aside). kGt, kGte, kLt, kLte: a string, number or boolean.
  // kLike, kILike: the pattern (a string). kExists: a boolean.
  Json operand;
  std::vector<Json> operands;          // kIn, kNin: strings, numbers, booleans, nulls
  std::shared_ptr<const Regex> regex;  // kRe
};

std::shared_ptr<const JsonCondition> MakeJsonCondition(JsonKeyTest test);

}  // namespace kin::api
