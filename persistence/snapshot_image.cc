#include "persistence/snapshot_image.h"

#include <rapidjson/reader.h>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/tracking.hpp>
#include <boost/serialization/version.hpp>
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <unordered_map>

#include "core/key_hash.h"
#include "persistence/checksum.h"

namespace kin::persistence {

namespace {

// A read-only streambuf over bytes in memory: the archive reads the file's bytes in
// place instead of through a copied std::istringstream.
class MemoryReadBuffer : public std::streambuf {
 public:
  explicit MemoryReadBuffer(std::string_view bytes) {
    char* p = const_cast<char*>(bytes.data());  // never written: no put area, no putback
    setg(p, p, p + bytes.size());
  }
  uint64_t remaining() const { return static_cast<uint64_t>(egptr() - gptr()); }
  // The next n bytes, consumed; nullptr when fewer are left.
  const char* Take(uint64_t n) {
    if (n > remaining()) return nullptr;
    const char* p = gptr();
    setg(eback(), gptr() + n, egptr());
    return p;
  }

 protected:
  std::streamsize xsgetn(char* out, std::streamsize n) override {
    std::streamsize k = std::min<std::streamsize>(n, egptr() - gptr());
    std::memcpy(out, Take(static_cast<uint64_t>(k)), static_cast<size_t>(k));
    return k;
  }
};

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a payload: binary_iarchive reads (and checks) Boost's archive header and
// any class headers; the primitives after it are raw bytes in binary_iarchive's
// layout, which the reader takes straight from the buffer (one bounds check each,
// no stream call per number). Every length is checked against the bytes left
// before anything is allocated.
class ImageReader {
 public:
  explicit ImageReader(std::string_view payload) : buffer_(payload), ar_(buffer_) {}

  template <typename T>
  T Get() {
    T v;
    std::memcpy(&v, Bytes(sizeof(T)), sizeof(T));
    return v;
  }
  uint64_t Count(uint64_t min_bytes_each, const char* what) {
    uint64_t n = Get<uint64_t>();
    if (n > buffer_.remaining() / std::max<uint64_t>(min_bytes_each, 1))
      throw DecodeError(std::string(what) + " count " + std::to_string(n) + " past the end");
    return n;
  }
  void String(std::string& s) {
    uint64_t n = StringLength();
    s.assign(Bytes(n), n);
  }
  std::string String() {
    uint64_t n = StringLength();
    return std::string(Bytes(n), n);
  }
  // n unsigned 64-bit numbers into out.
  void Array(uint64_t* out, uint64_t n) {
    if (n > 0) std::memcpy(out, Bytes(n * sizeof(uint64_t)), n * sizeof(uint64_t));
  }
  Value GetValue() {
    auto tag = Get<uint8_t>();
    switch (static_cast<ValueType>(tag)) {
      case ValueType::kNull: return Value();
      case ValueType::kBool: return Value::Bool(Get<uint8_t>() != 0);
      case ValueType::kInt: return Value::Int(Get<int64_t>());
      case ValueType::kFloat: return Value::Float(Get<double>());
      case ValueType::kText: {
        uint64_t n = StringLength();
        return Value::Text(Bytes(n), n);
      }
      case ValueType::kDateTime: return Value::Time(Timestamp{Get<int64_t>()});
      case ValueType::kDecimal: {
        // Written into JSON output as it is: only the characters of a number.
        std::string text = String();
        if (text.empty() || text.find_first_not_of("+-.0123456789eE") != std::string::npos)
          throw DecodeError("a bigNumber value that is not a decimal number");
        return Value::Dec(Decimal{std::move(text)});
      }
      case ValueType::kJson: {
        // Written into JSON output as it is: it must be JSON, in UTF-8.
        std::string text = String();
        rapidjson::Reader reader;
        rapidjson::BaseReaderHandler<> ignore;
        rapidjson::StringStream in(text.c_str());
        if (text.find('\0') != std::string::npos ||
            !reader.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseStopWhenDoneFlag>(in, ignore) ||
            in.Tell() != text.size())
          throw DecodeError("a json value that is not JSON text in UTF-8");
        return Value::Json(JsonText{std::move(text)});
      }
      case ValueType::kStringList: {
        uint64_t n = Count(8, "list");  // each element takes at least its 8-byte length
        StringList list(n);
        for (auto& s : list) String(s);
        return Value::List(std::move(list));
      }
    }
    throw DecodeError("unknown value type " + std::to_string(tag));
  }
  boost::archive::binary_iarchive& archive() { return ar_; }

 private:
  uint64_t StringLength() {
    uint64_t n = Get<uint64_t>();
    if (n > buffer_.remaining()) throw DecodeError("string length " + std::to_string(n) + " past the end");
    return n;
  }
  const char* Bytes(uint64_t n) {
    const char* p = buffer_.Take(n);
    if (!p) throw DecodeError("truncated payload");
    return p;
  }

  MemoryReadBuffer buffer_;
  boost::archive::binary_iarchive ar_;
};

// Writes primitives, strings (u64 length, bytes: binary_oarchive's own std::string
// form) and values.
class ImageWriter {
 public:
  explicit ImageWriter(std::ostream& os) : ar_(os) {}
  template <typename T>
  void Put(T v) {
    ar_ << v;
  }
  void String(std::string_view s) {
    Put<uint64_t>(s.size());
    if (!s.empty()) ar_.save_binary(s.data(), s.size());
  }
  void PutValue(const Value& v) {
    Put<uint8_t>(static_cast<uint8_t>(v.type()));
    switch (v.type()) {
      case ValueType::kNull: break;
      case ValueType::kBool: Put<uint8_t>(v.as_bool() ? 1 : 0); break;
      case ValueType::kInt: Put<int64_t>(v.as_int()); break;
      case ValueType::kFloat: Put<double>(v.as_float()); break;
      case ValueType::kText: String(v.as_text()); break;
      case ValueType::kDateTime: Put<int64_t>(v.as_time().ms); break;
      case ValueType::kDecimal: String(v.as_decimal()); break;
      case ValueType::kJson: String(v.as_json()); break;
      case ValueType::kStringList:
        Put<uint64_t>(v.as_list().size());
        for (const auto& s : v.as_list()) String(s);
        break;
    }
  }

 private:
  boost::archive::binary_oarchive ar_;
};

// Boost's archive header starts with the length of its signature string, which
// binary_iarchive's constructor allocates unchecked: check it before.
bool HasArchiveHeader(std::string_view payload) {
  static const std::string kSignature = "serialization::archive";
  return payload.size() >= 8 + kSignature.size() && DecodeFixed64(payload.data()) == kSignature.size() &&
         payload.compare(8, kSignature.size(), kSignature) == 0;
}

// A model's autoincrement counters: (slot, last value given).
using Counters = std::vector<std::pair<SlotId, int64_t>>;
Counters ReadCounters(ImageReader& in, const ModelDef& m) {
  Counters counters;
  auto n = in.Get<uint32_t>();
  for (uint32_t i = 0; i < n; ++i) {
    auto slot = in.Get<uint32_t>();
    auto last = in.Get<int64_t>();
    if (slot >= m.properties.size()) throw DecodeError("bad autoincrement slot");
    counters.emplace_back(m.declared[slot], last);  // written as its declared position
  }
  return counters;
}

void Check(const Status& s) {
  if (!s.ok()) throw DecodeError(s.message());
}

// The reader a format-1 value is being loaded from (see DecodeV1).
thread_local ImageReader* v1_reader = nullptr;

}  // namespace
}  // namespace kin::persistence

// Format 1 stored each value as the Boost class kin::Value (untracked, class version
// 1): the archive writes its class header before the first value, then the same tag
// and content as format 2. Loading goes through Boost's class machinery, which reads
// that header, and then through ImageReader::GetValue.
namespace boost::serialization {
template <class Archive>
void serialize(Archive&, kin::Value& v, unsigned /*version*/) {
  v = kin::persistence::v1_reader->GetValue();
}
}  // namespace boost::serialization
BOOST_CLASS_VERSION(kin::Value, 1)
BOOST_CLASS_TRACKING(kin::Value, boost::serialization::track_never)

namespace kin::persistence {
namespace {

void DecodeV1(ImageReader& in, Store& store) {
  const Schema& schema = store.schema();
  auto models = in.Get<uint32_t>();
  if (models != schema.models().size()) throw DecodeError("snapshot of a different schema");
  v1_reader = &in;
  struct Reset {
    ~Reset() { v1_reader = nullptr; }
  } reset;  // the reader does not outlive this call
  for (const auto& m : schema.models()) {
    uint64_t count = in.Count(m.properties.size(), "record");
    store.ReserveRecords(m.id, count);
    for (uint64_t i = 0; i < count; ++i) {
      std::vector<Value> row;
      row.reserve(m.properties.size());
      row.resize(m.properties.size());
      for (size_t k = 0; k < m.properties.size(); ++k) in.archive() >> row[m.declared[k].value];
      Check(store.LoadRecord(m.id, std::span<Value>(row)).status());
    }
    for (const auto& [slot, last] : ReadCounters(in, m)) store.SetLastAutoincrement(m.id, slot, last);
  }
  Check(store.FinishLoad());
  uint64_t links = in.Count(24, "link");
  for (uint64_t i = 0; i < links; ++i) {
    LinkStep step;
    step.relation = RelationId(in.Get<uint32_t>());
    in.String(step.from);
    in.String(step.to);
    if (step.relation.value >= schema.relations().size()) throw DecodeError("bad relation id");
    Check(store.Apply(step));
  }
}

// Format 2: plain values; links per owning record as ordinals (positions in primary-
// key order) of the target model, loaded after the records.
//
// From the first model of at least `parallel_from` records on, the image loads on
// two threads: a reading thread decodes the rest of it (records, counters, then the
// links, which it loads into the records itself: link lists are not part of the
// containers), while the calling thread puts the records into their models'
// containers in the order read, and applies the counters. The containers are the
// bound, so the reader runs ahead without limit (what waits is only pointers to
// records already built) and has the links loaded by the time the last record is
// in. Every record handed over stays alive until the reader has stopped, also when
// an insert fails. A failure on either side stops both and is rethrown here.
class V2Loader {
 public:
  V2Loader(ImageReader& in, Store& store) : in_(in), store_(store), schema_(store.schema()) {}

  void Load(uint64_t parallel_from) {
    auto models = in_.Get<uint32_t>();
    if (models != schema_.models().size()) throw DecodeError("snapshot of a different schema");
    by_ordinal_.resize(models);
    bool rest_in_parallel = false;
    for (const auto& m : schema_.models()) {
      uint64_t count = RecordCount(m);
      if (count >= parallel_from) {
        // Batches of 4096 at the default threshold; smaller with a lower one.
        LoadRestInParallel(m.id.value, count, std::clamp<uint64_t>(parallel_from / 16, 1, 4096));
        rest_in_parallel = true;
        break;
      }
      store_.ReserveRecords(m.id, count);
      for (uint64_t i = 0; i < count; ++i) Append(m.id, Decode(m));
      for (const auto& [slot, last] : ReadCounters(in_, m)) store_.SetLastAutoincrement(m.id, slot, last);
    }
    if (!rest_in_parallel) ReadLinks();
    Check(store_.FinishLoad());
  }

 private:
  // Records of one model, in primary-key order, for the calling thread to insert.
  struct Batch {
    ModelId model;
    uint64_t reserve = 0;  // the model's record count, on its first batch
    std::vector<RecordPtr> records;
    std::vector<size_t> hashes;  // of the records' ids (KeyHash), for Store::PrefetchAppend
    Counters counters;     // on its last batch
  };

  uint64_t RecordCount(const ModelDef& m) {
    // Each record takes at least its id (a text value: tag, 8-byte length, bytes)
    // and a tag per other value: what is reserved stays within the payload's size.
    uint64_t count = in_.Count(m.properties.size() + 8, "record");
    by_ordinal_[m.id.value].reserve(count);
    return count;
  }

  // A record decoded and numbered (its ordinal is its position in the model).
  RecordPtr Decode(const ModelDef& m) {
    RecordPtr r;
    if (m.declared_in_slot_order) {
      r = store_.NewRecord(m.id, [this](size_t) { return in_.GetValue(); });
    } else {  // values are written in declared order
      std::vector<Value> row(m.properties.size());
      for (SlotId slot : m.declared) row[slot.value] = in_.GetValue();
      r = store_.NewRecord(m.id, [&row](size_t slot) { return std::move(row[slot]); });
    }
    Check(Store::CheckValueTypes(m, r->values()));  // here, while the record is in this thread's cache
    by_ordinal_[m.id.value].push_back(r.get());
    return r;
  }

  void Append(ModelId model, RecordPtr&& record) {
    const Record* decoded = record.get();
    auto stored = store_.AppendRecord(model, std::move(record));
    Check(stored.status());
    // A record from NewRecord goes in where it was built: the ordinals hold its address.
    if (stored.value() != decoded) throw DecodeError("a loaded record moved");
  }

  // Owners come in primary-key order (ascending ordinals), as Store::LoadLinks needs.
  void ReadLinks() {
    auto relations = in_.Get<uint32_t>();
    std::vector<uint64_t> raw;
    std::vector<bool> seen(schema_.relations().size());
    for (uint32_t i = 0; i < relations; ++i) {
      auto rid = in_.Get<uint32_t>();
      if (rid >= schema_.relations().size()) throw DecodeError("bad relation id");
      // Each owner's links load once: the other side's lists are appended to.
      if (seen[rid]) throw DecodeError("relation " + std::to_string(rid) + " listed twice");
      seen[rid] = true;
      const RelationDef& rel = schema_.relation(RelationId(rid));
      const auto& owners = by_ordinal_[rel.model.value];
      const auto& targets = by_ordinal_[rel.target.value];
      uint64_t owner_count = in_.Count(16, "link owner");
      uint64_t next_owner = 0;
      for (uint64_t k = 0; k < owner_count; ++k) {
        auto owner = in_.Get<uint64_t>();
        if (owner >= owners.size()) throw DecodeError("link owner ordinal out of range");
        if (owner < next_owner) throw DecodeError("link owners out of order");
        next_owner = owner + 1;
        uint64_t n = in_.Count(8, "link");
        raw.resize(n);
        in_.Array(raw.data(), n);
        LinkList list(n);
        for (uint64_t j = 0; j < n; ++j) {
          if (raw[j] >= targets.size()) throw DecodeError("link target ordinal out of range");
          list[j] = targets[raw[j]];
        }
        Check(store_.LoadLinks(rel.id, owners[owner], std::move(list)));
      }
    }
  }

  void LoadRestInParallel(size_t first_model, uint64_t first_count, uint64_t batch_records) {
    std::mutex mu;
    std::condition_variable changed;
    std::deque<Batch> ready;
    bool done = false, stop = false;
    std::string error;
    auto push = [&](Batch&& b) {
      std::lock_guard l(mu);
      if (stop) return false;
      ready.push_back(std::move(b));
      changed.notify_all();
      return true;
    };
    std::thread reader([&] {
      try {
        const auto& models = schema_.models();
        for (size_t k = first_model; k < models.size(); ++k) {
          const ModelDef& m = models[k];
          uint64_t count = k == first_model ? first_count : RecordCount(m);
          Batch batch{m.id, count, {}, {}, {}};
          for (uint64_t i = 0; i < count; ++i) {
            if (batch.records.empty()) {
              batch.records.reserve(std::min(count - i, batch_records));
              batch.hashes.reserve(batch.records.capacity());
            }
            batch.records.push_back(Decode(m));
            batch.hashes.push_back(KeyHash()(batch.records.back()->id()));  // the id is in this thread's cache
            if (batch.records.size() == batch_records && i + 1 < count) {
              if (!push(std::move(batch))) return;
              batch = Batch{m.id, 0, {}, {}, {}};
            }
          }
          batch.counters = ReadCounters(in_, m);
          if (!push(std::move(batch))) return;
        }
        ReadLinks();
      } catch (const std::exception& e) {
        std::lock_guard l(mu);
        error = e.what();
      }
      std::lock_guard l(mu);
      done = true;
      changed.notify_all();
    });
    Batch batch;  // outside the try: its records outlive the reader (see above)
    try {
      for (;;) {
        {
          std::unique_lock l(mu);
          changed.wait(l, [&] { return !ready.empty() || done; });
          if (ready.empty()) break;
          batch = std::move(ready.front());
          ready.pop_front();
        }
        if (batch.reserve != 0) store_.ReserveRecords(batch.model, batch.reserve);
        // The appends are bound by cache misses (the record, its hash bucket, the
        // bucket's first node): each starts loading the bucket of the record
        // 2 * kAhead on, then the rest for the one kAhead on (which reads that
        // bucket, by then in the cache).
        constexpr size_t kAhead = 8;
        const size_t n = batch.records.size();
        for (size_t i = 0; i < std::min(n, 2 * kAhead); ++i) store_.PrefetchBucket(batch.model, batch.hashes[i]);
        for (size_t i = 0; i < std::min(n, kAhead); ++i)
          store_.PrefetchAppend(batch.model, batch.records[i].get(), batch.hashes[i]);
        for (size_t i = 0; i < n; ++i) {
          if (i + 2 * kAhead < n) store_.PrefetchBucket(batch.model, batch.hashes[i + 2 * kAhead]);
          if (i + kAhead < n) store_.PrefetchAppend(batch.model, batch.records[i + kAhead].get(), batch.hashes[i + kAhead]);
          Append(batch.model, std::move(batch.records[i]));
        }
        for (const auto& [slot, last] : batch.counters) store_.SetLastAutoincrement(batch.model, slot, last);
      }
    } catch (...) {
      {
        std::lock_guard l(mu);
        stop = true;
      }
      reader.join();
      throw;
    }
    reader.join();
    if (!error.empty()) throw DecodeError(error);
  }

  ImageReader& in_;
  Store& store_;
  const Schema& schema_;
  std::vector<std::vector<const Record*>> by_ordinal_;  // per model, its records in key order
};

void DecodeV2(ImageReader& in, Store& store, uint64_t parallel_from) { V2Loader(in, store).Load(parallel_from); }

}  // namespace

std::string EncodeSnapshotImage(const Store& store, const std::string& schema_json) {
  const Schema& schema = store.schema();
  std::ostringstream os(std::ios::binary);
  {
    ImageWriter out(os);
    out.String(schema_json);
    out.Put<uint32_t>(static_cast<uint32_t>(schema.models().size()));
    for (const auto& m : schema.models()) {
      out.Put<uint64_t>(store.Count(m.id));
      // Values in declared order (a record kept across an in-place schema change may
      // hold fewer than its model: the rest are null).
      store.Scan(m.id, [&](const Record& r) {
        if (m.declared_in_slot_order && r.width() == m.properties.size()) {
          for (const Value& v : r.values()) out.PutValue(v);
        } else {
          for (SlotId slot : m.declared) out.PutValue(r.value(slot.value));
        }
        return true;
      });
      std::vector<std::pair<uint32_t, int64_t>> counters;  // by declared position
      for (uint32_t k = 0; k < m.declared.size(); ++k) {
        const PropertyDef& p = m.properties[m.declared[k].value];
        if (p.type == PropertyType::kAutoincrement) counters.emplace_back(k, store.LastAutoincrement(m.id, p.slot));
      }
      out.Put<uint32_t>(static_cast<uint32_t>(counters.size()));
      for (auto& [slot, last] : counters) out.Put(slot), out.Put(last);
    }
    // Automatic manyToMany links, from the side that owns them, as target ordinals.
    std::vector<const RelationDef*> owning;
    for (const auto& rel : schema.relations())
      if (rel.kind == RelationKind::kManyToMany && !rel.through_pivot() && rel.owns_links) owning.push_back(&rel);
    out.Put<uint32_t>(static_cast<uint32_t>(owning.size()));
    std::unordered_map<const Record*, uint64_t> ordinal_of;
    for (const RelationDef* rel : owning) {
      ordinal_of.clear();
      ordinal_of.reserve(store.Count(rel->target));
      uint64_t n = 0;
      store.Scan(rel->target, [&](const Record& r) { return ordinal_of.emplace(&r, n++), true; });
      uint64_t owners = 0;
      store.ScanUnordered(rel->model, [&](const Record& r) { return owners += !r.links(rel->local).empty(), true; });
      out.Put<uint32_t>(rel->id.value);
      out.Put<uint64_t>(owners);
      uint64_t position = 0;
      store.Scan(rel->model, [&](const Record& r) {
        const LinkList& list = r.links(rel->local);
        if (!list.empty()) {
          out.Put<uint64_t>(position);
          out.Put<uint64_t>(list.size());
          for (const Record* t : list) out.Put<uint64_t>(ordinal_of.at(t));
        }
        ++position;
        return true;
      });
    }
  }
  return std::move(os).str();
}

Result<std::string> DecodeSnapshotSchema(std::string_view payload) {
  if (!HasArchiveHeader(payload)) return Status::DatabaseError("not a Boost binary archive");
  try {
    ImageReader in(payload);
    return in.String();
  } catch (const std::exception& e) {
    return Status::DatabaseError(e.what());
  }
}

Result<std::string> DecodeSnapshotImage(uint32_t version, std::string_view payload, Store& store,
                                        const std::string& path, uint64_t parallel_from) {
  const std::string where = "corrupt snapshot " + path;
  if (!HasArchiveHeader(payload)) return Status::DatabaseError(where + " at offset 40: not a Boost binary archive");
  std::string schema;
  try {
    ImageReader in(payload);
    try {
      schema = in.String();
    } catch (const std::exception& e) {
      return Status::DatabaseError(where + " at offset 40: " + e.what());
    }
    if (version == 1) DecodeV1(in, store);
    else DecodeV2(in, store, parallel_from);
  } catch (const std::exception& e) {
    return Status::DatabaseError(where + ": " + e.what());
  }
  return schema;
}

}  // namespace kin::persistence
