#include "persistence/snapshot.h"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/tracking.hpp>
#include <boost/serialization/version.hpp>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "persistence/checksum.h"

// Boost.Serialization of a Value: a type tag, then the content. Class version 1.
namespace boost::serialization {

template <class Archive>
void save(Archive& ar, const kin::Value& v, unsigned /*version*/) {
  uint8_t tag = static_cast<uint8_t>(v.type());
  ar << tag;
  switch (v.type()) {
    case kin::ValueType::kNull: break;
    case kin::ValueType::kBool: { uint8_t b = v.as_bool(); ar << b; break; }
    case kin::ValueType::kInt: { int64_t i = v.as_int(); ar << i; break; }
    case kin::ValueType::kFloat: { double d = v.as_float(); ar << d; break; }
    case kin::ValueType::kText: ar << v.as_text(); break;
    case kin::ValueType::kDateTime: { int64_t ms = v.as_time().ms; ar << ms; break; }
    case kin::ValueType::kDecimal: ar << v.as_decimal().text; break;
    case kin::ValueType::kJson: ar << v.as_json().text; break;
    case kin::ValueType::kStringList: {
      uint64_t n = v.as_list().size();
      ar << n;
      for (const auto& s : v.as_list()) ar << s;
      break;
    }
  }
}

// The most bytes a string of the snapshot being read may hold (its payload size), so
// a damaged length is an error instead of a huge allocation. Set by the loaders below.
thread_local uint64_t snapshot_string_limit = 0;

// Reads a std::string exactly as binary_iarchive stores it (size_t length, bytes),
// refusing a length beyond snapshot_string_limit.
template <class Archive>
void LoadBoundedString(Archive& ar, std::string& s) {
  uint64_t n;
  ar >> n;
  if (n > snapshot_string_limit) throw std::runtime_error("string length " + std::to_string(n) + " past the end");
  s.resize(n);
  if (n > 0) ar.load_binary(s.data(), n);
}

template <class Archive>
void load(Archive& ar, kin::Value& v, unsigned /*version*/) {
  uint8_t tag;
  ar >> tag;
  switch (static_cast<kin::ValueType>(tag)) {
    case kin::ValueType::kNull: v = kin::Value(); break;
    case kin::ValueType::kBool: { uint8_t b; ar >> b; v = kin::Value::Bool(b != 0); break; }
    case kin::ValueType::kInt: { int64_t i; ar >> i; v = kin::Value::Int(i); break; }
    case kin::ValueType::kFloat: { double d; ar >> d; v = kin::Value::Float(d); break; }
    case kin::ValueType::kText: { std::string s; LoadBoundedString(ar, s); v = kin::Value::Text(std::move(s)); break; }
    case kin::ValueType::kDateTime: { int64_t ms; ar >> ms; v = kin::Value::Time(kin::Timestamp{ms}); break; }
    case kin::ValueType::kDecimal: { std::string s; LoadBoundedString(ar, s); v = kin::Value::Dec(kin::Decimal{std::move(s)}); break; }
    case kin::ValueType::kJson: { std::string s; LoadBoundedString(ar, s); v = kin::Value::Json(kin::JsonText{std::move(s)}); break; }
    case kin::ValueType::kStringList: {
      uint64_t n;
      ar >> n;
      // Each element takes at least its 8-byte length.
      if (n > (1u << 24) || n > snapshot_string_limit / 8) throw std::runtime_error("list too long");
      kin::StringList list(n);
      for (auto& s : list) LoadBoundedString(ar, s);
      v = kin::Value::List(std::move(list));
      break;
    }
    default: throw std::runtime_error("unknown value type " + std::to_string(tag));
  }
}

}  // namespace boost::serialization

BOOST_SERIALIZATION_SPLIT_FREE(kin::Value)
BOOST_CLASS_VERSION(kin::Value, 1)
BOOST_CLASS_TRACKING(kin::Value, boost::serialization::track_never)

namespace kin::persistence {

namespace {

constexpr char kSnapshotMagic[8] = {'K', 'I', 'N', 'S', 'N', 'A', 'P', '\0'};
constexpr uint32_t kSnapshotVersion = 1;
constexpr size_t kSnapshotHeaderSize = 40;  // magic version reserved seq length crc pad

bool ParseSnapshotFileName(const std::string& name, uint64_t* seq) {
  if (name.size() != 34 || name.rfind("snapshot-", 0) != 0 || name.substr(29) != ".snap") return false;
  uint64_t v = 0;
  for (size_t i = 9; i < 29; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *seq = v;
  return true;
}

struct SnapshotBytes {
  uint64_t seq;
  std::string payload;
};

Result<SnapshotBytes> ReadChecked(const std::string& path, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(auto bytes, fs.ReadFile(path));
  if (!bytes) return Status::DatabaseError("no snapshot " + path);
  const std::string& b = *bytes;
  if (b.size() < kSnapshotHeaderSize || std::memcmp(b.data(), kSnapshotMagic, 8) != 0)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 0: bad header");
  uint32_t version = DecodeFixed32(b.data() + 8);
  if (version != kSnapshotVersion)
    return Status::DatabaseError(path + ": unsupported snapshot format version " + std::to_string(version));
  uint64_t seq = DecodeFixed64(b.data() + 16);
  // The checksum covers only the payload: the header's seq is checked against the
  // file name instead (a damaged seq would otherwise skip or replay journal records).
  uint64_t named_seq;
  const std::string name = path.substr(path.find_last_of('/') + 1);
  if (ParseSnapshotFileName(name, &named_seq) && named_seq != seq)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 16: header names sequence " +
                                 std::to_string(seq));
  uint64_t length = DecodeFixed64(b.data() + 24);
  uint32_t crc = DecodeFixed32(b.data() + 32);
  if (length != b.size() - kSnapshotHeaderSize)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 24: length " + std::to_string(length) +
                                 " but " + std::to_string(b.size() - kSnapshotHeaderSize) + " bytes follow");
  if (Crc32c(b.data() + kSnapshotHeaderSize, length) != crc)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 40: checksum mismatch");
  return SnapshotBytes{seq, b.substr(kSnapshotHeaderSize)};
}

}  // namespace

std::string SnapshotFileName(uint64_t seq) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "snapshot-%020llu.snap", static_cast<unsigned long long>(seq));
  return buf;
}

std::string EncodeSnapshot(const Store& store, uint64_t seq, const std::string& schema_json) {
  const Schema& schema = store.schema();
  std::ostringstream os(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(os);
    ar << schema_json;
    uint32_t models = static_cast<uint32_t>(schema.models().size());
    ar << models;
    for (const auto& m : schema.models()) {
      uint64_t count = store.Count(m.id);
      ar << count;
      store.Scan(m.id, [&](const Record& r) {
        for (const Value& v : r.values) ar << v;
        return true;
      });
      std::vector<std::pair<uint32_t, int64_t>> counters;
      for (const auto& p : m.properties)
        if (p.type == PropertyType::kAutoincrement) counters.emplace_back(p.slot.value, store.LastAutoincrement(m.id, p.slot));
      uint32_t n = static_cast<uint32_t>(counters.size());
      ar << n;
      for (auto& [slot, last] : counters) ar << slot << last;
    }
    // Automatic manyToMany links, from the side that owns them.
    uint64_t links = 0;
    for (const auto& rel : schema.relations())
      if (rel.owns_links)
        store.Scan(rel.model, [&](const Record& r) { links += r.links[rel.local].size(); return true; });
    ar << links;
    for (const auto& rel : schema.relations()) {
      if (!rel.owns_links) continue;
      uint32_t id = rel.id.value;
      store.Scan(rel.model, [&](const Record& r) {
        std::string from(r.id());
        for (const Record* other : r.links[rel.local]) {
          std::string to(other->id());
          ar << id << from << to;
        }
        return true;
      });
    }
  }
  std::string payload = std::move(os).str();
  std::string out(kSnapshotMagic, 8);
  PutFixed32(&out, kSnapshotVersion);
  PutFixed32(&out, 0);
  PutFixed64(&out, seq);
  PutFixed64(&out, payload.size());
  PutFixed32(&out, Crc32c(payload));
  PutFixed32(&out, 0);
  return out + payload;
}

Result<SnapshotFile> WriteSnapshotFile(const std::string& dir, uint64_t seq, const std::string& bytes,
                                       FileSystem& fs) {
  KIN_RETURN_IF_ERROR(fs.CreateDirectories(dir));
  SnapshotFile file{seq, dir + "/" + SnapshotFileName(seq)};
  KIN_RETURN_IF_ERROR(fs.WriteFileAtomically(file.path, bytes));
  KIN_ASSIGN_OR_RETURN(auto all, ListSnapshots(dir, fs));
  for (const auto& old : all)
    if (old.seq < seq) KIN_RETURN_IF_ERROR(fs.Remove(old.path));
  KIN_RETURN_IF_ERROR(fs.SyncDirectory(dir));
  return file;
}

Result<std::vector<SnapshotFile>> ListSnapshots(const std::string& dir, FileSystem& fs) {
  std::vector<SnapshotFile> out;
  KIN_ASSIGN_OR_RETURN(auto names, fs.ListDirectory(dir));
  for (const auto& name : names) {
    uint64_t seq;
    if (ParseSnapshotFileName(name, &seq)) out.push_back({seq, dir + "/" + name});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
  return out;
}

namespace {

// Boost's archive header starts with the length of its signature string, which
// binary_iarchive's constructor allocates unchecked: check it before.
Status CheckArchiveHeader(const std::string& path, const std::string& payload) {
  static const std::string kSignature = "serialization::archive";
  if (payload.size() < 8 + kSignature.size() || DecodeFixed64(payload.data()) != kSignature.size() ||
      payload.compare(8, kSignature.size(), kSignature) != 0)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 40: not a Boost binary archive");
  boost::serialization::snapshot_string_limit = payload.size();
  return Status::Ok();
}

}  // namespace

Result<LoadedSnapshot> ReadSnapshotHeader(const std::string& path, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(SnapshotBytes b, ReadChecked(path, fs));
  KIN_RETURN_IF_ERROR(CheckArchiveHeader(path, b.payload));
  try {
    std::istringstream is(b.payload, std::ios::binary);
    boost::archive::binary_iarchive ar(is);
    LoadedSnapshot out{b.seq, {}};
    boost::serialization::LoadBoundedString(ar, out.schema_json);
    return out;
  } catch (const std::exception& e) {
    return Status::DatabaseError("corrupt snapshot " + path + ": " + e.what());
  }
}

Result<LoadedSnapshot> LoadSnapshot(const std::string& path, Store& store, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(SnapshotBytes b, ReadChecked(path, fs));
  const Schema& schema = store.schema();
  LoadedSnapshot out{b.seq, {}};
  KIN_RETURN_IF_ERROR(CheckArchiveHeader(path, b.payload));
  try {
    std::istringstream is(b.payload, std::ios::binary);
    boost::archive::binary_iarchive ar(is);
    boost::serialization::LoadBoundedString(ar, out.schema_json);
    uint32_t models;
    ar >> models;
    if (models != schema.models().size()) return Status::DatabaseError(path + ": snapshot of a different schema");
    for (const auto& m : schema.models()) {
      uint64_t count;
      ar >> count;
      for (uint64_t i = 0; i < count; ++i) {
        std::vector<Value> values(m.properties.size());
        for (auto& v : values) ar >> v;
        KIN_RETURN_IF_ERROR(store.LoadRecord(m.id, std::move(values)));
      }
      uint32_t n;
      ar >> n;
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t slot;
        int64_t last;
        ar >> slot >> last;
        if (slot >= m.properties.size()) return Status::DatabaseError(path + ": bad autoincrement slot");
        store.SetLastAutoincrement(m.id, SlotId(slot), last);
      }
    }
    KIN_RETURN_IF_ERROR(store.FinishLoad());
    uint64_t links;
    ar >> links;
    for (uint64_t i = 0; i < links; ++i) {
      LinkStep step;
      ar >> step.relation.value;
      boost::serialization::LoadBoundedString(ar, step.from);
      boost::serialization::LoadBoundedString(ar, step.to);
      if (step.relation.value >= schema.relations().size()) return Status::DatabaseError(path + ": bad relation id");
      KIN_RETURN_IF_ERROR(store.Apply(step));
    }
  } catch (const std::exception& e) {
    return Status::DatabaseError("corrupt snapshot " + path + ": " + e.what());
  }
  return out;
}

}  // namespace kin::persistence
