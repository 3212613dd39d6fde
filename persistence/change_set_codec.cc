#include "persistence/change_set_codec.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>

#include <boost/container/small_vector.hpp>

namespace kin::persistence {

namespace {

// Step kinds on disk.
// kPut: a put of unknown origin; kCreate and kUpdate (journal format 3) say how it came about.
// kSchema (journal format 4) is a schema change, the only step of its record.
enum : uint8_t { kPut = 1, kDelete = 2, kLink = 3, kUnlink = 4, kCreate = 5, kUpdate = 6, kSchema = 7 };

// Bounds a decoder trusts before allocating.
constexpr uint64_t kMaxSteps = 1u << 24;
constexpr uint64_t kMaxListItems = 1u << 24;

struct DecodeError {
  std::string what;
};

// Reads what PayloadWriter writes (Cereal's binary layout: fixed-width
// little-endian numbers, strings as a u64 size and the bytes), every read checked
// against the end first, so a damaged size is an error and never an allocation.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view bytes) : at_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  template <typename T>
  T Fixed() {
    static_assert(std::is_arithmetic_v<T>);
    Need(sizeof(T), "a number");
    T v;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(&v, at_, sizeof v);
    } else {
      using Bits = std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
      Bits bits = 0;
      for (size_t i = 0; i < sizeof v; ++i) bits |= static_cast<Bits>(static_cast<uint8_t>(at_[i])) << (8 * i);
      v = std::bit_cast<T>(bits);
    }
    at_ += sizeof v;
    return v;
  }
  std::string_view String() {
    const uint64_t size = Fixed<uint64_t>();
    if (size > left()) throw DecodeError{"string of " + std::to_string(size) + " bytes past the end"};
    std::string_view s(at_, static_cast<size_t>(size));
    at_ += size;
    return s;
  }
  Value Load() {
    const uint8_t tag = Fixed<uint8_t>();
    switch (static_cast<ValueType>(tag)) {
      case ValueType::kNull: return Value();
      case ValueType::kBool: {
        const uint8_t b = Fixed<uint8_t>();
        if (b > 1) throw DecodeError{"bad boolean"};
        return Value::Bool(b != 0);
      }
      case ValueType::kInt: return Value::Int(Fixed<int64_t>());
      case ValueType::kFloat: return Value::Float(Fixed<double>());
      case ValueType::kText: return Value::Text(String());
      case ValueType::kDateTime: return Value::Time(Timestamp{Fixed<int64_t>()});
      case ValueType::kDecimal: return Value::Dec(Decimal{std::string(String())});
      case ValueType::kJson: return Value::Json(JsonText{std::string(String())});
      case ValueType::kStringList: {
        const uint64_t n = Fixed<uint64_t>();
        if (n > kMaxListItems || n > left() / 8) throw DecodeError{"list too long"};
        StringList list;
        list.reserve(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) list.emplace_back(String());
        return Value::List(std::move(list));
      }
    }
    throw DecodeError{"unknown value type " + std::to_string(tag)};
  }
  uint64_t left() const { return static_cast<uint64_t>(end_ - at_); }

 private:
  void Need(size_t n, const char* what) const {
    if (left() < n) throw DecodeError{std::string(what) + " past the end"};
  }
  const char* at_;
  const char* end_;
};

// The encoder writes the bytes of Cereal's binary archive (FORMAT.md "Change set")
// straight into the output: through Cereal, each of the ~20 fields of a one-record
// change set was a virtual streambuf call and a string append, about 1,000
// instructions per create, a tenth of the whole call. PayloadReader reads them back
// the same way; the tests check these bytes against Cereal's own.
//
// Sizing first lets the output grow once; then every field is a fixed-size store.
size_t EncodedSize(std::string_view s) { return 8 + s.size(); }

size_t EncodedSize(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return 1;
    case ValueType::kBool: return 1 + 1;
    case ValueType::kInt:
    case ValueType::kFloat:
    case ValueType::kDateTime: return 1 + 8;
    case ValueType::kText: return 1 + EncodedSize(v.as_text());
    case ValueType::kDecimal: return 1 + EncodedSize(v.as_decimal());
    case ValueType::kJson: return 1 + EncodedSize(v.as_json());
    case ValueType::kStringList: {
      size_t n = 1 + 8;
      for (const auto& s : v.as_list()) n += EncodedSize(s);
      return n;
    }
  }
  return 1;
}

size_t EncodedSize(const ChangeStep& step) {
  return std::visit(
      [](const auto& s) -> size_t {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PutStep>) {
          size_t n = 1 + 4 + 8;
          for (const auto& v : s.values) n += EncodedSize(v);
          return n;
        } else if constexpr (std::is_same_v<T, DeleteStep>) {
          return 1 + 4 + EncodedSize(s.id);
        } else {
          return 1 + 4 + EncodedSize(s.from) + EncodedSize(s.to);
        }
      },
      step);
}

// Fixed-width little-endian integers, doubles and u64-sized strings, written to a
// buffer already sized for them.
class PayloadWriter {
 public:
  explicit PayloadWriter(char* at) : at_(at) {}

  template <typename T>
  void Fixed(T v) {
    static_assert(std::is_arithmetic_v<T>);
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(at_, &v, sizeof v);
    } else {
      using Bits = std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
      const auto bits = std::bit_cast<Bits>(v);
      for (size_t i = 0; i < sizeof v; ++i) at_[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    }
    at_ += sizeof v;
  }
  void String(std::string_view s) {
    Fixed(static_cast<uint64_t>(s.size()));
    if (!s.empty()) std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
  }
  void Put(const Value& v) {
    Fixed(static_cast<uint8_t>(v.type()));
    switch (v.type()) {
      case ValueType::kNull: break;
      case ValueType::kBool: Fixed(static_cast<uint8_t>(v.as_bool())); break;
      case ValueType::kInt: Fixed(v.as_int()); break;
      case ValueType::kFloat: Fixed(v.as_float()); break;
      case ValueType::kText: String(v.as_text()); break;
      case ValueType::kDateTime: Fixed(v.as_time().ms); break;
      case ValueType::kDecimal: String(v.as_decimal()); break;
      case ValueType::kJson: String(v.as_json()); break;
      case ValueType::kStringList:
        Fixed(static_cast<uint64_t>(v.as_list().size()));
        for (const auto& s : v.as_list()) String(s);
        break;
    }
  }
  void Put(const ChangeStep& step) {
    std::visit(
        [&](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, PutStep>) {
            Fixed(uint8_t{kPut});
            Fixed(s.model.value);
            Fixed(static_cast<uint64_t>(s.values.size()));
            for (const auto& v : s.values) Put(v);
          } else if constexpr (std::is_same_v<T, DeleteStep>) {
            Fixed(uint8_t{kDelete});
            Fixed(s.model.value);
            String(s.id);
          } else {
            Fixed(uint8_t{std::is_same_v<T, LinkStep> ? kLink : kUnlink});
            Fixed(s.relation.value);
            String(s.from);
            String(s.to);
          }
        },
        step);
  }
  char* at() const { return at_; }

 private:
  char* at_;
};

}  // namespace

void EncodeChangeSet(const ChangeSet& change_set, std::string* out) {
  size_t size = kStepCountBytes;
  for (const auto& step : change_set.steps) size += EncodedSize(step);
  const size_t start = out->size();
  out->resize(start + size);
  PayloadWriter w(out->data() + start);
  w.Fixed(static_cast<uint64_t>(change_set.steps.size()));
  for (const auto& step : change_set.steps) w.Put(step);
  assert(w.at() == out->data() + out->size());
}

namespace {

// A step with its put's tag (kPut, kCreate or kUpdate; any for other steps) and,
// for kUpdate, the changed slots after the values.
void EncodeTaggedStep(const ChangeStep& step, uint8_t put_tag, std::span<const uint32_t> changed, std::string* out) {
  const bool put = std::holds_alternative<PutStep>(step);
  const size_t start = out->size();
  const size_t changed_bytes = put && put_tag == kUpdate ? 4 + 4 * changed.size() : 0;
  out->resize(start + EncodedSize(step) + changed_bytes);
  PayloadWriter w(out->data() + start);
  w.Put(step);
  if (put) {
    out->data()[start] = static_cast<char>(put_tag);
    if (put_tag == kUpdate) {
      w.Fixed(static_cast<uint32_t>(changed.size()));
      for (uint32_t slot : changed) w.Fixed(slot);
    }
  }
  assert(w.at() == out->data() + out->size());
}

}  // namespace

void EncodeChangeStep(const ChangeStep& step, const Record* replaced, const Schema& schema, std::string* out) {
  // An update lists the properties whose values it changes, after the values.
  boost::container::small_vector<uint32_t, 16> changed;
  const PutStep* put = std::get_if<PutStep>(&step);
  const ModelDef* m = put ? &schema.model(put->model) : nullptr;
  if (m && !m->declared_in_slot_order && put->values.size() == m->declared.size()) {
    // Written in declared order (FORMAT.md), the order of the schema's text.
    PutStep declared{put->model, {}};
    declared.values.reserve(put->values.size());
    for (uint32_t k = 0; k < m->declared.size(); ++k) {
      const uint32_t slot = m->declared[k].value;
      declared.values.push_back(put->values[slot]);
      if (replaced && !(replaced->value(slot) == put->values[slot])) changed.push_back(k);
    }
    EncodeTaggedStep(ChangeStep(std::move(declared)), replaced ? kUpdate : kCreate, {changed.data(), changed.size()},
                     out);
    return;
  }
  if (put && replaced)
    for (uint32_t i = 0; i < put->values.size(); ++i)
      if (!(replaced->value(i) == put->values[i])) changed.push_back(i);
  EncodeTaggedStep(step, replaced ? kUpdate : kCreate, {changed.data(), changed.size()}, out);
}

std::string EncodeChangeSet(const ChangeSet& change_set, const std::vector<PutOrigin>& origins) {
  std::string out(kStepCountBytes, '\0');
  WriteStepCount(change_set.steps.size(), out.data());
  size_t next = 0;
  for (size_t i = 0; i < change_set.steps.size(); ++i) {
    uint8_t tag = kPut;
    std::span<const uint32_t> changed;
    if (next < origins.size() && origins[next].step == i) {
      const PutOrigin& o = origins[next++];
      tag = o.kind == PutKind::kCreate ? kCreate : o.kind == PutKind::kUpdate ? kUpdate : kPut;
      changed = o.changed;
    }
    EncodeTaggedStep(change_set.steps[i], tag, changed, &out);
  }
  return out;
}

void WriteStepCount(uint64_t count, char* room) { PayloadWriter(room).Fixed(count); }

std::string EncodeChangeSet(const ChangeSet& change_set) {
  std::string out;
  EncodeChangeSet(change_set, &out);
  return out;
}

Status DecodeChangeSteps(std::string_view bytes, const Schema& schema, ChangeStepVisitor& visitor) {
  PayloadReader in(bytes);
  std::vector<uint32_t> changed;  // an update's, reused from put to put
  try {
    const uint64_t count = in.Fixed<uint64_t>();
    if (count > kMaxSteps || count > bytes.size()) throw DecodeError{"step count " + std::to_string(count)};
    // The visitor may make room ahead: for no more steps than the bytes left can
    // hold (a delete, the shortest, is a kind, a model and an empty id's size), so a
    // damaged count never asks for more than a small multiple of the payload.
    constexpr size_t kShortestStepBytes = 1 + 4 + 8;
    visitor.Begin(std::min<uint64_t>(count, in.left() / kShortestStepBytes));
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t kind = in.Fixed<uint8_t>();
      if (kind == kPut || kind == kCreate || kind == kUpdate) {
        ModelId model;
        model.value = in.Fixed<decltype(model.value)>();
        const uint64_t n = in.Fixed<uint64_t>();
        if (model.value >= schema.models().size()) throw DecodeError{"unknown model"};
        const ModelDef& m = schema.model(model);
        if (n != m.properties.size()) throw DecodeError{"record of the wrong width"};
        std::vector<Value> values;
        if (m.declared_in_slot_order) {
          values.reserve(n);
          for (uint64_t k = 0; k < n; ++k) values.push_back(in.Load());
        } else {
          values.resize(n);  // written in declared order
          for (uint64_t k = 0; k < n; ++k) values[m.declared[k].value] = in.Load();
        }
        changed.clear();
        if (kind == kUpdate) {
          const uint32_t count_changed = in.Fixed<uint32_t>();
          if (count_changed > n) throw DecodeError{"more changed properties than the record has"};
          for (uint32_t k = 0; k < count_changed; ++k) {
            const uint32_t slot = in.Fixed<uint32_t>();
            if (slot >= n || (!changed.empty() && slot <= changed.back()))
              throw DecodeError{"changed property " + std::to_string(slot) + " out of order or range"};
            changed.push_back(slot);
          }
          if (!m.declared_in_slot_order) {
            for (uint32_t& slot : changed) slot = m.declared[slot].value;
            std::sort(changed.begin(), changed.end());
          }
        }
        visitor.Put(model, kind == kCreate ? PutKind::kCreate : kind == kUpdate ? PutKind::kUpdate : PutKind::kUnknown,
                    values, changed);
      } else if (kind == kDelete) {
        ModelId model;
        model.value = in.Fixed<decltype(model.value)>();
        std::string id(in.String());
        if (model.value >= schema.models().size()) throw DecodeError{"unknown model"};
        visitor.Delete(model, id);
      } else if (kind == kLink || kind == kUnlink) {
        RelationId relation;
        relation.value = in.Fixed<decltype(relation.value)>();
        std::string from(in.String());
        std::string to(in.String());
        if (relation.value >= schema.relations().size()) throw DecodeError{"unknown relation"};
        visitor.Link(kind == kLink, relation, from, to);
      } else if (kind == kSchema) {
        throw DecodeError{"a schema change, not a change set"};
      } else {
        throw DecodeError{"unknown step kind " + std::to_string(kind)};
      }
    }
  } catch (const DecodeError& e) {
    return Status::DatabaseError("undecodable change set: " + e.what);
  } catch (const std::exception& e) {
    return Status::DatabaseError(std::string("undecodable change set: ") + e.what());
  }
  if (in.left() != 0) return Status::DatabaseError("undecodable change set: trailing bytes");
  return Status::Ok();
}

namespace {

// DecodeChangeSet's visitor: the steps as a ChangeSet, the puts' origins beside.
class ChangeSetBuilder final : public ChangeStepVisitor {
 public:
  explicit ChangeSetBuilder(std::vector<PutOrigin>* origins) : origins_(origins) {}
  ChangeSet& change_set() { return out_; }

  void Begin(uint64_t steps) override { out_.steps.reserve(steps); }
  void Put(ModelId model, PutKind kind, std::vector<Value>& values, std::span<const uint32_t> changed) override {
    if (origins_) origins_->push_back(PutOrigin{out_.steps.size(), kind, {changed.begin(), changed.end()}});
    out_.steps.push_back(PutStep{model, std::move(values)});
  }
  void Delete(ModelId model, std::string& id) override { out_.steps.push_back(DeleteStep{model, std::move(id)}); }
  void Link(bool link, RelationId relation, std::string& from, std::string& to) override {
    if (link) out_.steps.push_back(LinkStep{relation, std::move(from), std::move(to)});
    else out_.steps.push_back(UnlinkStep{relation, std::move(from), std::move(to)});
  }

 private:
  std::vector<PutOrigin>* origins_;
  ChangeSet out_;
};

}  // namespace

Result<ChangeSet> DecodeChangeSet(std::string_view bytes, const Schema& schema, std::vector<PutOrigin>* origins) {
  const size_t origins_before = origins ? origins->size() : 0;
  ChangeSetBuilder builder(origins);
  Status read = DecodeChangeSteps(bytes, schema, builder);
  if (!read.ok()) {
    if (origins) origins->resize(origins_before);
    return read;
  }
  return std::move(builder.change_set());
}

std::string EncodeSchemaChange(const SchemaChange& change) {
  std::string out;
  out.reserve(8 + 1 + 8 + change.schema_json.size() + 1);
  auto put_u64 = [&out](uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  };
  put_u64(1);
  out.push_back(static_cast<char>(kSchema));
  put_u64(change.schema_json.size());
  out += change.schema_json;
  out.push_back(change.allow_destructive ? 1 : 0);
  return out;
}

Result<std::optional<SchemaChange>> DecodeSchemaChange(std::string_view bytes) {
  // A schema change is one step of kind kSchema: count (8 bytes, 1), then the tag.
  if (bytes.size() < 9 || static_cast<uint8_t>(bytes[8]) != kSchema) return std::optional<SchemaChange>();
  auto u64_at = [bytes](size_t at) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(bytes[at + i])} << (8 * i);
    return v;
  };
  auto bad = [](const std::string& what) { return Status::DatabaseError("undecodable schema change: " + what); };
  if (u64_at(0) != 1) return bad("it is not the only step of its record");
  if (bytes.size() < 18) return bad("too short");
  const uint64_t size = u64_at(9);
  if (size != bytes.size() - 18)
    return bad("schema text of " + std::to_string(size) + " bytes in a record of " + std::to_string(bytes.size()));
  const uint8_t flag = static_cast<uint8_t>(bytes.back());
  if (flag > 1) return bad("bad flag " + std::to_string(flag));
  SchemaChange change;
  change.schema_json.assign(bytes.substr(17, size));
  change.allow_destructive = flag == 1;
  return std::optional<SchemaChange>(std::move(change));
}

}  // namespace kin::persistence
