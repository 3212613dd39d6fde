#pragma once
// The size limits of kin's input (docs/limits.md lists them with where each is
// checked). Every limit is checked where the input enters, before anything is
// stored or built from it; exceeding one is an invalid_argument error and changes
// nothing. They keep a bad or hostile request from exhausting memory or the stack
// of the process that embeds the database. Stateless; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kin/schema.h"
#include "kin/status.h"
#include "kin/value.h"

namespace kin {

// Bytes of one request line of `kin exec` (before its newline). A longer line is
// read past without being kept and answered with an error.
inline constexpr size_t kMaxRequestLineBytes = size_t{64} << 20;

// Bytes of one property value: a string (text, id, foreign key, enum), the strings
// of an array property together, or the compact JSON text of a json property.
inline constexpr size_t kMaxValueBytes = size_t{16} << 20;

// Bytes of one record: the sum of its values' sizes (strings and JSON text by their
// bytes, array strings by their bytes, any other non-null value as 8).
inline constexpr size_t kMaxRecordBytes = size_t{64} << 20;

// Nesting of arrays and objects in one JSON document: a request line, or the
// arguments of Database::Call / CallText / Transaction / a ModelHandle method.
// `[[1]]` is nested 2 levels deep.
inline constexpr size_t kMaxJsonDepth = 64;

// Relations in one relation path of a read config: "orders.customer" is 2 deep.
// Applies to `relations` and to the relation part of `select` paths.
inline constexpr size_t kMaxRelationDepth = 16;

// Nesting of a filter: each `$and`, `$or`, `$not` and relation filter
// (`{author: {...}}`) goes one level deeper.
inline constexpr size_t kMaxFilterDepth = 32;

// Bytes of one `$re` pattern, and the memory RE2 may use for it: its compiled
// program and the cache its matcher builds while it runs (past the cache, matching
// goes on more slowly, still in linear time). A pattern over either is refused.
inline constexpr size_t kMaxRegexBytes = size_t{16} << 10;
inline constexpr size_t kMaxRegexMemory = size_t{2} << 20;

// Bytes of user input an error message quotes: a longer name, id or value is shown
// by its first bytes and its length. Messages as a whole are kept under
// kMaxMessageBytes (the middle of a longer one is cut).
inline constexpr size_t kMaxQuotedInputBytes = 200;
inline constexpr size_t kMaxMessageBytes = 1024;

namespace api {

// `text` for an error message: as it is when short, else its first
// kMaxQuotedInputBytes bytes (cut at a character boundary) and
// "... (N bytes)".
std::string QuoteInput(std::string_view text);

// `status` with its message cut to kMaxMessageBytes: its head and its tail are
// kept, the middle replaced by "... (N bytes cut) ...". Ok stays ok.
Status BoundMessage(Status status);

// invalid_argument when a request line of `bytes` bytes is over kMaxRequestLineBytes.
Status CheckRequestLineSize(size_t bytes);

// invalid_argument when the JSON text nests arrays/objects deeper than
// kMaxJsonDepth. A scan of the bytes (brackets outside strings), no parse and no
// recursion, so it is safe on any input; whether the text is valid JSON is the
// parser's business.
Status CheckJsonDepth(std::string_view json_text);

// The same for a JSON value built by a caller; walks it without recursion.
Status CheckJsonDepth(const nlohmann::ordered_json& json);

// "The value of Product.title is longer than 16777216 bytes" (invalid_argument).
Status ValueTooLong(const ModelDef& model, const PropertyDef& property);

// The size of a value as counted for kMaxValueBytes and kMaxRecordBytes.
size_t ValueBytes(const Value& value);

// invalid_argument when a value of the record is over kMaxValueBytes or all of
// them together are over kMaxRecordBytes. `values` are in slot order, [0] the id.
Status CheckRecordSize(const ModelDef& model, const std::vector<Value>& values);

}  // namespace api
}  // namespace kin
