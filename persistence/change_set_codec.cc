#include "persistence/change_set_codec.h"

#include <cereal/archives/binary.hpp>
#include <cereal/types/string.hpp>
#include <sstream>

namespace kin::persistence {

namespace {

// Step kinds on disk.
enum : uint8_t { kPut = 1, kDelete = 2, kLink = 3, kUnlink = 4 };

// Bounds a decoder trusts before allocating.
constexpr uint64_t kMaxSteps = 1u << 24;
constexpr uint64_t kMaxListItems = 1u << 24;

void SaveValue(cereal::BinaryOutputArchive& ar, const Value& v) {
  ar(static_cast<uint8_t>(v.type()));
  switch (v.type()) {
    case ValueType::kNull: break;
    case ValueType::kBool: ar(static_cast<uint8_t>(v.as_bool())); break;
    case ValueType::kInt: ar(v.as_int()); break;
    case ValueType::kFloat: ar(v.as_float()); break;
    case ValueType::kText: ar(v.as_text()); break;
    case ValueType::kDateTime: ar(v.as_time().ms); break;
    case ValueType::kDecimal: ar(v.as_decimal().text); break;
    case ValueType::kJson: ar(v.as_json().text); break;
    case ValueType::kStringList:
      ar(static_cast<uint64_t>(v.as_list().size()));
      for (const auto& s : v.as_list()) ar(s);
      break;
  }
}

struct DecodeError {
  std::string what;
};

// Bytes not yet read from the decoder's stream.
uint64_t BytesLeft(std::istream& is) {
  std::streamsize n = is.rdbuf()->in_avail();
  return n > 0 ? static_cast<uint64_t>(n) : 0;
}

// A string as Cereal writes it (u64 size, bytes). Cereal's own load resizes to the
// declared size before reading, so a damaged size would allocate and zero up to
// 2^64 bytes: the size is checked against the bytes left first.
void LoadString(cereal::BinaryInputArchive& ar, std::istream& is, std::string& s) {
  uint64_t size;
  ar(size);
  if (size > BytesLeft(is)) throw DecodeError{"string of " + std::to_string(size) + " bytes past the end"};
  s.resize(static_cast<size_t>(size));
  ar(cereal::binary_data(s.data(), s.size()));
}

std::string LoadString(cereal::BinaryInputArchive& ar, std::istream& is) {
  std::string s;
  LoadString(ar, is, s);
  return s;
}

Value LoadValue(cereal::BinaryInputArchive& ar, std::istream& is) {
  uint8_t tag;
  ar(tag);
  switch (static_cast<ValueType>(tag)) {
    case ValueType::kNull: return Value();
    case ValueType::kBool: { uint8_t b; ar(b); if (b > 1) throw DecodeError{"bad boolean"}; return Value::Bool(b != 0); }
    case ValueType::kInt: { int64_t i; ar(i); return Value::Int(i); }
    case ValueType::kFloat: { double d; ar(d); return Value::Float(d); }
    case ValueType::kText: return Value::Text(LoadString(ar, is));
    case ValueType::kDateTime: { int64_t ms; ar(ms); return Value::Time(Timestamp{ms}); }
    case ValueType::kDecimal: return Value::Dec(Decimal{LoadString(ar, is)});
    case ValueType::kJson: return Value::Json(JsonText{LoadString(ar, is)});
    case ValueType::kStringList: {
      uint64_t n;
      ar(n);
      if (n > kMaxListItems || n > BytesLeft(is) / 8) throw DecodeError{"list too long"};
      StringList list;
      for (uint64_t i = 0; i < n; ++i) LoadString(ar, is, list.emplace_back());
      return Value::List(std::move(list));
    }
  }
  throw DecodeError{"unknown value type " + std::to_string(tag)};
}

// A stream buffer that appends to a std::string: Cereal writes through std::ostream,
// and building an ostringstream per change set (locale, ios init) cost more than
// encoding a small one.
class StringAppendBuffer : public std::streambuf {
 public:
  void Target(std::string* out) { out_ = out; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) out_->push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string* out_ = nullptr;
};

// One encoder per thread, reused: the archive keeps no state between change sets
// (Cereal tracks only pointers and polymorphic types, which a change set has none of).
struct ChangeSetEncoder {
  StringAppendBuffer buffer;
  std::ostream stream{&buffer};
  cereal::BinaryOutputArchive ar{stream};
};

}  // namespace

void EncodeChangeSet(const ChangeSet& change_set, std::string* out) {
  thread_local ChangeSetEncoder encoder;
  encoder.buffer.Target(out);
  cereal::BinaryOutputArchive& ar = encoder.ar;
  ar(static_cast<uint64_t>(change_set.steps.size()));
  for (const auto& step : change_set.steps) {
    std::visit(
        [&](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, PutStep>) {
            ar(uint8_t{kPut}, s.model.value, static_cast<uint64_t>(s.values.size()));
            for (const auto& v : s.values) SaveValue(ar, v);
          } else if constexpr (std::is_same_v<T, DeleteStep>) {
            ar(uint8_t{kDelete}, s.model.value, s.id);
          } else {
            ar(uint8_t{std::is_same_v<T, LinkStep> ? kLink : kUnlink}, s.relation.value, s.from, s.to);
          }
        },
        step);
  }
  encoder.buffer.Target(nullptr);
}

std::string EncodeChangeSet(const ChangeSet& change_set) {
  std::string out;
  EncodeChangeSet(change_set, &out);
  return out;
}

Result<ChangeSet> DecodeChangeSet(std::string_view bytes, const Schema& schema) {
  // Cereal reads strings by their declared size: check each size against what is
  // left before trusting it, through a stream that knows the end.
  std::istringstream is(std::string(bytes), std::ios::binary);
  ChangeSet out;
  try {
    cereal::BinaryInputArchive ar(is);
    uint64_t count;
    ar(count);
    if (count > kMaxSteps || count > bytes.size()) throw DecodeError{"step count " + std::to_string(count)};
    for (uint64_t i = 0; i < count; ++i) {
      uint8_t kind;
      ar(kind);
      if (kind == kPut) {
        PutStep s;
        uint64_t n;
        ar(s.model.value, n);
        if (s.model.value >= schema.models().size()) throw DecodeError{"unknown model"};
        if (n != schema.model(s.model).properties.size()) throw DecodeError{"record of the wrong width"};
        for (uint64_t k = 0; k < n; ++k) s.values.push_back(LoadValue(ar, is));
        out.steps.push_back(std::move(s));
      } else if (kind == kDelete) {
        DeleteStep s;
        ar(s.model.value);
        LoadString(ar, is, s.id);
        if (s.model.value >= schema.models().size()) throw DecodeError{"unknown model"};
        out.steps.push_back(std::move(s));
      } else if (kind == kLink || kind == kUnlink) {
        LinkStep s;
        ar(s.relation.value);
        LoadString(ar, is, s.from);
        LoadString(ar, is, s.to);
        if (s.relation.value >= schema.relations().size()) throw DecodeError{"unknown relation"};
        if (kind == kLink) out.steps.push_back(std::move(s));
        else out.steps.push_back(UnlinkStep{s.relation, std::move(s.from), std::move(s.to)});
      } else {
        throw DecodeError{"unknown step kind " + std::to_string(kind)};
      }
    }
  } catch (const DecodeError& e) {
    return Status::DatabaseError("undecodable change set: " + e.what);
  } catch (const std::exception& e) {
    return Status::DatabaseError(std::string("undecodable change set: ") + e.what());
  }
  if (is.peek() != std::char_traits<char>::eof()) return Status::DatabaseError("undecodable change set: trailing bytes");
  return out;
}

}  // namespace kin::persistence
