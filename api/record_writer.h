#pragma once
// RecordWriter: writes records and the relations a ReadPlan asks for (SPEC.md
// sections 4 and 8) to an output with RapidJSON's Writer interface: JSON text
// (JsonTextWriter, no DOM built) or a JSON value (JsonDomWriter, no text built).
// The caller holds the store's read (or write) lock while writing. Not
// thread-safe; one writer per output.

#include <rapidjson/writer.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "api/json_dom_writer.h"
#include "api/operations.h"
#include "api/query.h"
#include "api/value_json.h"
#include "core/store.h"

namespace kin::api {

// A RapidJSON output stream that appends to a std::string: the text is written
// where the caller keeps it, with no buffer to copy out of. The string is grown
// ahead (RapidJSON reserves before each token) and cut to the text written when
// the stream is destroyed; destroy it after the Writer using it and before
// reading the string.
class StringOutput {
 public:
  using Ch = char;
  explicit StringOutput(std::string& out) : out_(out), end_(out.size()) {}
  ~StringOutput() { out_.resize(end_); }
  StringOutput(const StringOutput&) = delete;
  StringOutput& operator=(const StringOutput&) = delete;

  void Reserve(size_t n) {
    if (end_ + n > out_.size()) out_.resize(std::max(end_ + n, 2 * out_.size() + 64));
  }
  void PutUnchecked(char c) { out_[end_++] = c; }
  // `n` bytes into room already reserved.
  void PutUnchecked(const char* s, size_t n) {
    std::memcpy(out_.data() + end_, s, n);
    end_ += n;
  }
  void Put(char c) {
    Reserve(1);
    PutUnchecked(c);
  }
  void Flush() {}

 private:
  std::string& out_;
  size_t end_;  // bytes of text; out_ may be longer (room reserved ahead)
};
// Found by argument-dependent lookup from RapidJSON's Writer, which reserves room
// for a token and then writes it character by character without checks.
inline void PutReserve(StringOutput& out, size_t n) { out.Reserve(n); }
inline void PutUnsafe(StringOutput& out, char c) { out.PutUnchecked(c); }

using JsonTextWriter = rapidjson::Writer<StringOutput>;

}  // namespace kin::api

namespace rapidjson {
// RapidJSON's Writer copies a string one character at a time, checking each for
// escaping; this copies each run of characters that need none in one go (the same
// escape rule: control characters, '"' and '\\'). Most strings are one run.
// Non-ASCII characters are copied when they are well-formed UTF-8; any other byte
// (text that passed a file's checksum but is not UTF-8) is written as U+FFFD, so
// the output is always valid JSON (WriteString reserved 6 bytes per byte).
template <>
inline bool Writer<kin::api::StringOutput>::ScanWriteUnescapedString(StringStream& is, size_t length) {
  const char* p = is.src_;
  const char* const end = is.head_ + length;
  while (true) {
    const char* const run = p;
#if defined(__SSE2__)
    // 16 bytes at a time: the first byte that is '"', '\\', below 0x20 or above 0x7F ends the run.
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1F);
    while (end - p >= 16) {
      const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(s, quote), _mm_cmpeq_epi8(s, backslash)),
                                       _mm_cmpeq_epi8(_mm_max_epu8(s, control), control));  // s <= 0x1F
      if (const int mask = _mm_movemask_epi8(hit) | _mm_movemask_epi8(s)) {  // the sign bit: s > 0x7F
        p += __builtin_ctz(static_cast<unsigned>(mask));
        break;
      }
      p += 16;
    }
#endif
    // The tail (or, after a hit, nothing: *p ends the run).
    while (p != end && static_cast<unsigned char>(*p) >= 0x20 && static_cast<unsigned char>(*p) < 0x80 && *p != '"' &&
           *p != '\\')
      ++p;
    os_->PutUnchecked(run, static_cast<size_t>(p - run));  // Writer::WriteString reserved room for it
    if (p == end || static_cast<unsigned char>(*p) < 0x80) break;
    const size_t n = kin::api::Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p), static_cast<size_t>(end - p));
    if (n != 0) {
      os_->PutUnchecked(p, n);
      p += n;
    } else {
      os_->PutUnchecked("\xEF\xBF\xBD", 3);  // U+FFFD, the replacement character
      ++p;
    }
  }
  is.src_ = p;
  return p != end;
}
}  // namespace rapidjson

namespace kin::api {

template <typename Out>
class RecordWriter {
 public:
  RecordWriter(const Store& store, bool with_deleted, Out& out)
      : store_(store), schema_(store.schema()), with_deleted_(with_deleted), out_(out) {}

  void Write(const ModelDef& model, const Record& r, const ReadPlan& plan);
  void WriteArray(const ModelDef& model, std::span<const Record* const> records, const ReadPlan& plan);

 private:
  void WriteFields(const ModelDef& model, const Record& r, const ReadPlan& plan);
  void WriteRelation(const RelationDef& rel, const Record& r, const ReadPlan& plan);
  bool OnPath(const Record* r) const;

  const Store& store_;
  const Schema& schema_;
  bool with_deleted_;
  Out& out_;
  std::vector<const Record*> path_;  // records being written, outermost first
};

extern template class RecordWriter<JsonTextWriter>;
extern template class RecordWriter<JsonDomWriter>;

// Writes one value as JSON.
template <typename Out>
void WriteValue(Out& out, const Value& v);

// A call's result, written by `write(out)`: into ctx.result when the caller asked
// for a value (then the text returned is empty), else as JSON text, returned.
template <typename WriteFn>
std::string EmitResult(const CallContext& ctx, WriteFn&& write) {
  if (ctx.result) {
    JsonDomWriter out(*ctx.result);
    write(out);
    return {};
  }
  std::string text;
  {
    StringOutput stream(text);
    JsonTextWriter out(stream);
    write(out);
  }
  return text;
}

// The result of a call that returns records: a JSON array (or one object when
// `single`).
std::string RenderRecords(const CallContext& ctx, const ModelDef& model, std::span<const Record* const> records,
                          const ReadPlan& plan, bool with_deleted, bool single);

}  // namespace kin::api
