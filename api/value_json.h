#pragma once
// Conversions between JSON values (nlohmann, the API edge) and property Values,
// with SPEC.md section 7's invalid_data messages. Stateless; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kin/schema.h"
#include "kin/status.h"
#include "kin/value.h"

namespace kin::api {

using Json = nlohmann::ordered_json;  // keeps key order: `order` and output follow the caller

// A value for property `p` of `m` from input. Null is returned as null; whether
// null is allowed is the caller's decision (RequireValue). A value over
// kMaxValueBytes (api/limits.h) is invalid_argument.
Result<Value> ValueFromJson(const ModelDef& m, const PropertyDef& p, const Json& j);

// Checks a typed value (the typed write path) for property `p` of `m`, by the
// rules ValueFromJson applies to JSON, and turns it in place into the value stored:
// the kind must fit the property's type (an integer is taken for a float; an
// integer, float or decimal text for a bigNumber, normalized), enum values must be
// listed, JSON text must hold an object or array (stored compact), sizes are
// limited. Null stays null. On an error *v is unspecified.
Status CheckValue(const ModelDef& m, const PropertyDef& p, Value* v);

// Error unless `v` may be stored in `p` (non-null, or `p` nullable). `found` is
// "undefined" for an absent value, "null" for an explicit null.
Status RequiredError(const ModelDef& m, const PropertyDef& p, const char* found);

// The text Medusa keeps in raw_<name>.value for a bigNumber (bignumber.js's
// toPrecision(20), then trailing fraction zeros trimmed): `canonical` (a Decimal's
// text) rounded half away from zero to 20 significant digits, written with an
// exponent when its magnitude is at least 1e20 or below 1e-6 ("1.5e+20", "1.2e-7").
std::string RawDecimalText(std::string_view canonical);

// The error for setting a required property to null on update: "You must pass a
// non-null value to the property title of entity Post."
Status NonNullError(const ModelDef& m, const PropertyDef& p);

// A value of the loose kind of a JSON literal (defaults in schema drafts):
// bool, integer, float, text, json text for objects and arrays.
Value LooseValueFromJson(const Json& j);

// The JSON form of a stored value (dateTime as ISO text, json parsed, decimals as numbers).
Json ValueToJson(const Value& v);

// `metadata` update rule: merge `patch` one level deep into `current`; a key set
// to "" is removed.
Value MergeMetadata(const Value& current, const Json& patch);

// ---- nlohmann's text without nlohmann's DOM ----------------------------------------
// The export document is the text nlohmann's dump() writes, byte for byte; these
// write parts of that text without building nlohmann values (the export writer).

// Appends `s` as a JSON string exactly as dump() writes it: '"' and '\\' escaped,
// the control characters as \b \t \n \f \r or \u00xx (lower-case hex), every other
// byte as it is. False when `s` is not UTF-8 (dump() throws there); *out then
// holds part of the string.
bool AppendJsonString(std::string_view s, std::string* out);

// The length of the well-formed UTF-8 sequence of a non-ASCII character at p[0]
// (Unicode's table 3-7, which nlohmann's decoder accepts exactly), or 0.
inline size_t Utf8SequenceLength(const unsigned char* p, size_t left) {
  auto in = [](unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; };
  const unsigned char c = p[0];
  if (in(c, 0xC2, 0xDF)) return left >= 2 && in(p[1], 0x80, 0xBF) ? 2 : 0;
  if (in(c, 0xE0, 0xEF)) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return left >= 3 && in(p[1], lo, hi) && in(p[2], 0x80, 0xBF) ? 3 : 0;
  }
  if (in(c, 0xF0, 0xF4)) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return left >= 4 && in(p[1], lo, hi) && in(p[2], 0x80, 0xBF) && in(p[3], 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// The length of the longest prefix of `s` that is well-formed UTF-8 (s.size()
// when all of it is): the Unicode table nlohmann's parser and AppendJsonString accept.
size_t Utf8Prefix(std::string_view s);

// A double as dump() writes it: the shortest text that reads back the same
// ("0.1", "1e+20", "-0.0", "1.0"), "null" when not finite. Returns its length.
constexpr size_t kJsonFloatBufferSize = 64;
size_t FormatJsonFloat(double d, char (&out)[kJsonFloatBufferSize]);

}  // namespace kin::api
