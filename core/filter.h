#pragma once
// Filter: a compiled filter over one model's records (SPEC.md section 5): property
// conditions, $and/$or/$not, conditions on related records, conditions on the keys
// of json properties, and the `q` search. Immutable after construction; Matches is
// thread-safe (const, reads the store).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kin/ids.h"
#include "core/record.h"
#include "kin/schema.h"
#include "kin/value.h"

namespace kin {

class Regex;
class Store;

enum class CompareOp : uint8_t { kEq, kNe, kIn, kNin, kGt, kGte, kLt, kLte, kLike, kILike, kRe, kExists };

// A condition on the value of a json property (`{metadata: {tag: "a"}}`), evaluated
// by the layer that reads JSON text (api/json_filter.h). Implementations are
// immutable and thread-safe.
class JsonCondition {
 public:
  virtual ~JsonCondition() = default;
  // Whether `value`, a json property's value (JSON text, or null), matches.
  virtual bool Matches(const Value& value) const = 0;
};

class Filter {
 public:
  enum class Kind : uint8_t { kTrue, kFalse, kAnd, kOr, kNot, kCompare, kRelated, kSearch, kJson };

  static Filter True() { return Filter(Kind::kTrue); }
  static Filter False() { return Filter(Kind::kFalse); }
  static Filter And(std::vector<Filter> parts);
  static Filter Or(std::vector<Filter> parts);
  static Filter Not(Filter inner);
  // `slot op value`; kIn/kNin take `values`; kExists takes Value::Bool.
  static Filter Compare(SlotId slot, CompareOp op, Value value, std::vector<Value> values = {});
  // Regex condition (kRe): `re` (core/regex.h) found anywhere in a text value.
  static Filter Regex(SlotId slot, std::shared_ptr<const kin::Regex> re);
  // `condition` holds for the value of the json property in `slot` (kJson).
  static Filter JsonMatch(SlotId slot, std::shared_ptr<const JsonCondition> condition);
  // Some record related through `relation` (live, unless the match includes deleted
  // records) satisfies `inner`, a filter over the target model.
  static Filter Related(RelationId relation, Filter inner);
  // Any of the model's searchable properties contains `text`, case-insensitively.
  static Filter Search(std::string text);

  Kind kind() const { return kind_; }
  // What the planner (core/query_plan.h) reads. kAnd, kOr: the operands; kNot,
  // kRelated: the inner filter (parts()[0]). kCompare: slot, op, value (or values
  // for kIn/kNin). kRelated: relation. kJson: slot (its condition is opaque; the
  // planner scans for it).
  const std::vector<Filter>& parts() const { return parts_; }
  SlotId slot() const { return slot_; }
  CompareOp op() const { return op_; }
  const Value& value() const { return value_; }
  const std::vector<Value>& values() const { return values_; }
  RelationId relation() const { return relation_; }
  // The text of a kCompare kEq on a text value (`{slot: "text"}`), else nullptr. On
  // a text property it matches the values that are that text (Value::IsText); on a
  // string list property, the lists that hold it.
  const std::string* equal_text() const { return eq_text_ ? &text_ : nullptr; }

  // Whether `r`, a record of `model`, matches. `with_deleted` lets soft-deleted
  // related records count for relation conditions.
  bool Matches(const Store& store, const ModelDef& model, const Record& r, bool with_deleted) const;

 private:
  explicit Filter(Kind k) : kind_(k) {}
  bool CompareMatches(const Value& v) const;

  Kind kind_;
  SlotId slot_;
  CompareOp op_ = CompareOp::kEq;
  Value value_;
  std::vector<Value> values_;
  std::shared_ptr<const kin::Regex> re_;
  std::shared_ptr<const JsonCondition> json_;
  RelationId relation_;
  std::string text_;  // search text, lower case; or the text of a kEq on text
  bool eq_text_ = false;  // kEq with a text value_ (its text is also in text_)
  std::vector<Filter> parts_;
};

// SQL LIKE as PostgreSQL has it: % matches any run of characters, _ one (UTF-8)
// character, and a backslash makes the character after it literal (`\%`, `\_`,
// `\\`); a backslash at the very end stands for itself (PostgreSQL refuses such a
// pattern; see LikePatternEndsInEscape). `fold_case` for ILIKE (ASCII letters).
// Time at most proportional to the text's length times the pattern's.
bool LikeMatch(std::string_view text, std::string_view pattern, bool fold_case);

// Whether `pattern` ends with a backslash that escapes nothing: true for the text
// `100\`, false for `100\\` (an escaped backslash).
bool LikePatternEndsInEscape(std::string_view pattern);

}  // namespace kin
