#include "core/filter.h"

#include <algorithm>
#include <cctype>

#include "core/regex.h"
#include "core/store.h"

namespace kin {

Filter Filter::And(std::vector<Filter> parts) {
  Filter f(Kind::kAnd);
  f.parts_ = std::move(parts);
  return f;
}

Filter Filter::Or(std::vector<Filter> parts) {
  Filter f(Kind::kOr);
  f.parts_ = std::move(parts);
  return f;
}

Filter Filter::Not(Filter inner) {
  Filter f(Kind::kNot);
  f.parts_.push_back(std::move(inner));
  return f;
}

Filter Filter::Compare(SlotId slot, CompareOp op, Value value, std::vector<Value> values) {
  Filter f(Kind::kCompare);
  f.slot_ = slot;
  f.op_ = op;
  f.value_ = std::move(value);
  f.values_ = std::move(values);
  if (op == CompareOp::kEq && f.value_.type() == ValueType::kText) {
    f.eq_text_ = true;
    f.text_ = f.value_.as_text();  // a view of value_ would dangle once the filter moves
  }
  return f;
}

Filter Filter::Regex(SlotId slot, std::shared_ptr<const kin::Regex> re) {
  Filter f(Kind::kCompare);
  f.slot_ = slot;
  f.op_ = CompareOp::kRe;
  f.re_ = std::move(re);
  return f;
}

Filter Filter::JsonMatch(SlotId slot, std::shared_ptr<const JsonCondition> condition) {
  Filter f(Kind::kJson);
  f.slot_ = slot;
  f.json_ = std::move(condition);
  return f;
}

Filter Filter::Related(RelationId relation, Filter inner) {
  Filter f(Kind::kRelated);
  f.relation_ = relation;
  f.parts_.push_back(std::move(inner));
  return f;
}

Filter Filter::Search(std::string text) {
  Filter f(Kind::kSearch);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  f.text_ = std::move(text);
  return f;
}

namespace {

// Whether the non-null `v` equals one of `values` (their nulls equal nothing).
bool Contains(const std::vector<Value>& values, const Value& v) {
  for (const auto& x : values)
    if (!x.is_null() && CompareValues(x, v) == 0) return true;
  return false;
}

bool HasNull(const std::vector<Value>& values) {
  return std::any_of(values.begin(), values.end(), [](const Value& x) { return x.is_null(); });
}

bool ContainsFolded(std::string_view hay, std::string_view needle_lower) {
  if (needle_lower.empty()) return true;
  auto it = std::search(hay.begin(), hay.end(), needle_lower.begin(), needle_lower.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != hay.end();
}

}  // namespace

namespace {

// Bytes of the UTF-8 character that starts at s[i], within s (1 for a byte that
// starts none, so that any text is walked to its end).
size_t CharBytes(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
  return std::min(n, s.size() - i);
}

// Whether two characters (their UTF-8 bytes) are the same, ASCII letters folded
// when `fold_case`.
bool SameChar(std::string_view a, std::string_view b, bool fold_case) {
  if (fold_case && a.size() == 1 && b.size() == 1)
    return std::tolower(static_cast<unsigned char>(a[0])) == std::tolower(static_cast<unsigned char>(b[0]));
  return a == b;
}

}  // namespace

bool LikeMatch(std::string_view text, std::string_view pattern, bool fold_case) {
  // Iterative wildcard match: on a mismatch, the last '%' takes one more character.
  constexpr size_t npos = std::string_view::npos;
  size_t t = 0, p = 0;
  size_t star_p = npos, star_t = 0;  // the pattern after the last '%', where its match starts
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      if (pattern[p] == '_') {
        t += CharBytes(text, t);
        ++p;
        continue;
      }
      const size_t lit = pattern[p] == '\\' && p + 1 < pattern.size() ? p + 1 : p;
      const size_t n = CharBytes(pattern, lit);
      const size_t m = CharBytes(text, t);
      if (SameChar(text.substr(t, m), pattern.substr(lit, n), fold_case)) {
        t += m;
        p = lit + n;
        continue;
      }
    }
    if (star_p == npos) return false;
    star_t += CharBytes(text, star_t);
    t = star_t;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

bool LikePatternEndsInEscape(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (i + 1 == pattern.size()) return true;
    ++i;  // the escaped character (never a backslash's byte when it is multi-byte)
  }
  return false;
}

bool Filter::CompareMatches(const Value& v) const {
  switch (op_) {
    case CompareOp::kEq:
      // One comparison per record: nulls equal only nulls; text, the common case,
      // compares its bytes; other values as CompareValues orders them.
      if (v.is_null() || value_.is_null()) return v.is_null() && value_.is_null();
      if (v.type() == ValueType::kText && value_.type() == ValueType::kText) return v.as_text() == value_.as_text();
      return CompareValues(v, value_) == 0;
    // As in SQL: a null never equals a value, so `$ne`/`$nin` of values skip nulls
    // (`$ne: null` means "is not null"), `$in` never matches a null (not even with a
    // null in the list), and `$nin` with a null in the list matches nothing (`x NOT IN
    // (NULL, ...)` is never true). An empty `$nin` matches everything, nulls too.
    case CompareOp::kNe:
      if (value_.is_null()) return !v.is_null();
      return !v.is_null() && CompareValues(v, value_) != 0;
    case CompareOp::kIn: return !v.is_null() && Contains(values_, v);
    case CompareOp::kNin:
      if (values_.empty()) return true;
      return !v.is_null() && !HasNull(values_) && !Contains(values_, v);
    case CompareOp::kGt: return !v.is_null() && CompareValues(v, value_) > 0;
    case CompareOp::kGte: return !v.is_null() && CompareValues(v, value_) >= 0;
    case CompareOp::kLt: return !v.is_null() && CompareValues(v, value_) < 0;
    case CompareOp::kLte: return !v.is_null() && CompareValues(v, value_) <= 0;
    case CompareOp::kLike:
    case CompareOp::kILike:
      return v.type() == ValueType::kText && value_.type() == ValueType::kText &&
             LikeMatch(v.as_text(), value_.as_text(), op_ == CompareOp::kILike);
    case CompareOp::kRe: return v.type() == ValueType::kText && re_ && re_->Search(v.as_text());
    case CompareOp::kExists: return v.is_null() != value_.as_bool();
  }
  return false;
}

bool Filter::Matches(const Store& store, const ModelDef& model, const Record& r, bool with_deleted) const {
  switch (kind_) {
    case Kind::kTrue: return true;
    case Kind::kFalse: return false;
    case Kind::kAnd:
      for (const auto& p : parts_)
        if (!p.Matches(store, model, r, with_deleted)) return false;
      return true;
    case Kind::kOr:
      for (const auto& p : parts_)
        if (p.Matches(store, model, r, with_deleted)) return true;
      return false;
    case Kind::kNot: return !parts_[0].Matches(store, model, r, with_deleted);
    case Kind::kCompare: {
      const Value& v = r.value(slot_.value);
      // Text equality, the common condition of a scan: a null or a text value is
      // decided by IsText alone, a string list by membership.
      if (eq_text_) {
        if (v.IsText(text_)) return true;
        const ValueType type = v.type();
        if (type == ValueType::kStringList) {
          const auto& l = v.as_list();
          return std::find(l.begin(), l.end(), text_) != l.end();
        }
        if (type == ValueType::kNull || type == ValueType::kText) return false;
      }
      return CompareMatches(v);
    }
    case Kind::kRelated: {
      const Schema& schema = store.schema();
      const RelationDef& rel = schema.relation(relation_);
      const ModelDef& target = schema.model(rel.target);
      const ModelDef* hop = rel.through_pivot() ? &schema.model(rel.pivot) : nullptr;
      for (const Record* other : r.links(rel.local)) {
        if (hop) {
          if (!with_deleted && !store.IsLive(*hop, *other)) continue;
          const auto& far = other->links(schema.relation(rel.pivot_far).local);
          if (far.empty()) continue;
          other = far[0];
        }
        if (!with_deleted && !store.IsLive(target, *other)) continue;
        if (parts_[0].Matches(store, target, *other, with_deleted)) return true;
      }
      return false;
    }
    case Kind::kJson: return json_->Matches(r.value(slot_.value));
    case Kind::kSearch:
      if (model.searchable.empty()) return true;
      for (SlotId s : model.searchable) {
        const Value& v = r.value(s.value);
        if (v.type() == ValueType::kText && ContainsFolded(v.as_text(), text_)) return true;
      }
      return false;
  }
  return false;
}

}  // namespace kin
