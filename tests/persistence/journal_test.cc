// The journal's bytes (FORMAT.md "Journal segment" and "Change set"): frames
// round-trip, the CRC catches damage, torn tails are told apart from corruption and
// from the zero bytes a writer reserved (reserved_space_test.cc), segments rotate
// and replay in order, and the change-set codec round-trips every value and step
// while refusing garbage.

#include <cereal/archives/binary.hpp>
#include <cereal/types/string.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "api/schema_json.h"
#include "persistence/change_set_codec.h"
#include "persistence/checksum.h"
#include "persistence/journal.h"
#include "tests/persistence/journal_test_util.h"

namespace {

using namespace kin;
using namespace kin::persistence;
using namespace kin::testing;

std::shared_ptr<const Schema> AllTypesSchema() {
  auto schema = api::SchemaFromText(AllTypesSchemaText());
  REQUIRE(schema.ok());
  return schema.value();
}

bool SameStep(const ChangeStep& a, const ChangeStep& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, PutStep>) return x.model == y.model && x.values == y.values;
        else if constexpr (std::is_same_v<T, DeleteStep>) return x.model == y.model && x.id == y.id;
        else return x.relation == y.relation && x.from == y.from && x.to == y.to;
      },
      a);
}

// A change set with every value type (twice, with edge values) and every step kind.
ChangeSet EveryKindOfStep(const Schema& schema) {
  const size_t width = schema.model(ModelId(0)).properties.size();
  std::vector<Value> kinds = {
      Value(),
      Value::Bool(true),
      Value::Bool(false),
      Value::Int(std::numeric_limits<int64_t>::min()),
      Value::Int(std::numeric_limits<int64_t>::max()),
      Value::Float(-0.5),
      Value::Float(std::numeric_limits<double>::infinity()),
      Value::Float(5e-324),
      Value::Text(""),
      Value::Text(std::string("nul\0inside \xe2\x9c\x93", 15)),
      Value::Time(Timestamp{-86'400'000}),
      Value::Time(Timestamp{1'795'600'800'000}),
      Value::Dec(Decimal{"-12345678901234567890.125"}),
      Value::Json(JsonText{R"({"a":[1,{"b":null}]})"}),
      Value::List({}),
      Value::List({"x", "", std::string(300, 'y')}),
  };
  ChangeSet cs;
  for (size_t start = 0; start < kinds.size(); start += width) {
    PutStep put{ModelId(0), {}};
    for (size_t k = 0; k < width; ++k) put.values.push_back(kinds[(start + k) % kinds.size()]);
    cs.steps.emplace_back(std::in_place_type<PutStep>, std::move(put));
  }
  cs.steps.emplace_back(std::in_place_type<DeleteStep>, ModelId(1), "part-1");
  cs.steps.emplace_back(std::in_place_type<LinkStep>, RelationId(1), "thg_1", "peer-1");
  cs.steps.emplace_back(std::in_place_type<UnlinkStep>, RelationId(1), "thg_1", "");
  return cs;
}

// The change set as Cereal's binary archive writes it (what FORMAT.md describes and
// what the encoder must reproduce byte for byte).
std::string CerealEncoding(const ChangeSet& cs) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::BinaryOutputArchive ar(os);
    auto value = [&](const Value& v) {
      ar(static_cast<uint8_t>(v.type()));
      switch (v.type()) {
        case ValueType::kNull: break;
        case ValueType::kBool: ar(static_cast<uint8_t>(v.as_bool())); break;
        case ValueType::kInt: ar(v.as_int()); break;
        case ValueType::kFloat: ar(v.as_float()); break;
        case ValueType::kText: ar(std::string(v.as_text())); break;
        case ValueType::kDateTime: ar(v.as_time().ms); break;
        case ValueType::kDecimal: ar(std::string(v.as_decimal())); break;
        case ValueType::kJson: ar(std::string(v.as_json())); break;
        case ValueType::kStringList:
          ar(static_cast<uint64_t>(v.as_list().size()));
          for (const auto& s : v.as_list()) ar(s);
          break;
      }
    };
    ar(static_cast<uint64_t>(cs.steps.size()));
    for (const auto& step : cs.steps) {
      std::visit(
          [&](const auto& s) {
            using T = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<T, PutStep>) {
              ar(uint8_t{1}, s.model.value, static_cast<uint64_t>(s.values.size()));
              for (const auto& v : s.values) value(v);
            } else if constexpr (std::is_same_v<T, DeleteStep>) {
              ar(uint8_t{2}, s.model.value, s.id);
            } else {
              ar(uint8_t{std::is_same_v<T, LinkStep> ? 3 : 4}, s.relation.value, s.from, s.to);
            }
          },
          step);
    }
  }
  return os.str();
}

}  // namespace

TEST_CASE("journal frames round-trip through ScanSegment", "[persistence]") {
  std::vector<uint64_t> offsets;
  const std::string bytes = SegmentOf(kPayloads, &offsets);
  auto scan = ScanSegment(bytes, "seg");
  REQUIRE(scan.ok());
  CHECK(scan->header_first_seq == 1);
  CHECK(scan->bad_offset == UINT64_MAX);
  CHECK(scan->valid_end == bytes.size());
  REQUIRE(scan->frames.size() == kPayloads.size());
  for (size_t i = 0; i < kPayloads.size(); ++i) {
    CHECK(scan->frames[i].seq == i + 1);
    CHECK(scan->frames[i].offset == offsets[i]);
    CHECK(scan->frames[i].payload == kPayloads[i]);
  }
  CHECK(EncodeFrame(7, "x").size() == kFrameHeaderSize + 1);
}

TEST_CASE("the frame CRC catches a flipped bit in length, crc, seq or payload", "[persistence]") {
  std::vector<uint64_t> offsets;
  const std::string good = SegmentOf({"first", "second record", "third"}, &offsets);
  // Every bit of the middle frame: the damage is followed by a good frame (corruption).
  for (uint64_t at = offsets[1]; at < offsets[2]; ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
      auto scan = ScanSegment(bytes, "seg");
      INFO("byte " << at << " bit " << bit);
      REQUIRE(scan.ok());
      CHECK(scan->frames.size() == 1);
      CHECK(scan->bad_offset == offsets[1]);
      CHECK(scan->valid_end == offsets[1]);
      CHECK(scan->good_after_bad);
    }
  }
  // Every bit of the last frame: nothing good follows (what a torn tail looks like).
  for (uint64_t at = offsets[2]; at < good.size(); ++at) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x80);
    auto scan = ScanSegment(bytes, "seg");
    INFO("byte " << at);
    REQUIRE(scan.ok());
    CHECK(scan->frames.size() == 2);
    CHECK(scan->bad_offset == offsets[2]);
    CHECK_FALSE(scan->good_after_bad);
  }
}

TEST_CASE("a segment cut at any offset keeps the whole frames before the cut", "[persistence]") {
  std::vector<uint64_t> offsets;
  const std::string good = SegmentOf(kPayloads, &offsets);
  offsets.push_back(good.size());
  for (uint64_t cut = 0; cut < good.size(); ++cut) {
    auto scan = ScanSegment(std::string_view(good).substr(0, cut), "seg");
    INFO("cut at " << cut);
    REQUIRE(scan.ok());
    CHECK_FALSE(scan->good_after_bad);
    if (cut < kSegmentHeaderSize) {
      CHECK(scan->bad_offset == 0);
      continue;
    }
    size_t whole = 0;
    while (whole < kPayloads.size() && offsets[whole + 1] <= cut) ++whole;
    CHECK(scan->frames.size() == whole);
    CHECK(scan->valid_end == offsets[whole]);
    // A partial frame of zero bytes only (the empty payload's length field) cannot be
    // told from space a writer reserved: it is cut the same, but not reported as bad.
    const std::string partial = good.substr(offsets[whole], cut - offsets[whole]);
    const bool only_zeros = partial.find_first_not_of('\0') == std::string::npos;
    CHECK(scan->bad_offset == (only_zeros ? UINT64_MAX : offsets[whole]));
  }
}

TEST_CASE("a damaged segment header with frames after it is corruption, not a torn tail", "[persistence]") {
  const std::string good = SegmentOf({"first", "second"});
  for (uint64_t at : {0, 3, 7}) {  // the magic
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
    auto scan = ScanSegment(bytes, "seg");
    INFO("byte " << at);
    REQUIRE(scan.ok());
    CHECK(scan->bad_offset == 0);
    CHECK(scan->good_after_bad);
  }
}

TEST_CASE("a segment of an unknown format version is refused", "[persistence]") {
  std::string bytes = SegmentOf({"first"});
  for (char version : {char{0}, static_cast<char>(persistence::kSegmentVersion + 1)}) {
    bytes[8] = version;
    auto scan = ScanSegment(bytes, "dir/seg.log");
    REQUIRE_FALSE(scan.ok());
    CHECK(scan.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(scan.status().message(), Catch::Matchers::Contains("dir/seg.log") &&
                                            Catch::Matchers::Contains("version " + std::to_string(version)));
  }
  // Versions 1 to 3 are read.
  for (char version : {1, 2, 3}) {
    bytes[8] = version;
    auto scan = ScanSegment(bytes, "dir/seg.log");
    REQUIRE(scan.ok());
    CHECK(scan->version == static_cast<uint32_t>(version));
    CHECK(scan->frames.size() == 1);
  }
}

TEST_CASE("a small segment_bytes rotates into several segments that replay in order", "[persistence]") {
  TempDir dir;
  WriteJournal(dir.path(), 40, 200).reset();
  auto segments = ListSegments(dir.path());
  REQUIRE(segments.ok());
  REQUIRE(segments->size() >= 5);
  CHECK(segments->front().first_seq == 1);
  uint64_t expect_first = 1;
  for (const auto& seg : *segments) {
    auto spans = FrameSpans(seg.path);
    CHECK(seg.first_seq == expect_first);
    CHECK(FileName(seg.path) == SegmentFileName(seg.first_seq));
    REQUIRE_FALSE(spans.empty());
    CHECK(spans.back().end == FileBytes(seg.path).size());
    CHECK(spans.back().begin < 200);  // rotated once past the size
    expect_first = spans.back().seq + 1;
  }
  CHECK(expect_first == 41);

  auto got = Replay(dir.path(), 0);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 40);
  for (int i = 1; i <= 40; ++i) {
    CHECK(got.value()[i - 1].first == static_cast<uint64_t>(i));
    CHECK(got.value()[i - 1].second == "record-" + std::to_string(i) + std::string(50, '.'));
  }
}

TEST_CASE("a frame sealed in place around its payload is the frame EncodeFrame builds", "[persistence]") {
  for (const auto& payload : kPayloads) {
    std::string frame(kFrameHeaderSize, 'x');  // any header content is overwritten
    frame += payload;
    SealFrame(77, frame.data(), payload.size());
    CHECK(frame == EncodeFrame(77, payload));
  }
}

TEST_CASE("AppendFramed writes the same segment bytes as Append, rotation included", "[persistence]") {
  TempDir copied, framed;
  JournalOptions options;
  options.segment_bytes = 300;
  options.prepare_segments = false;  // segments started alike: a prepared one's header names no sequence
  {
    auto a = Journal::Open(copied.path(), options, 1, "");
    auto b = Journal::Open(framed.path(), options, 1, "");
    REQUIRE((a.ok() && b.ok()));
    for (int i = 1; i <= 30; ++i) {
      const std::string payload = "record-" + std::to_string(i) + std::string(static_cast<size_t>(i) * 3, '.');
      std::string frame(Journal::kFrameRoom, '\0');
      frame += payload;
      auto sa = a.value()->Append(payload);
      auto sb = b.value()->AppendFramed(&frame);
      REQUIRE((sa.ok() && sb.ok()));
      CHECK(*sa == static_cast<uint64_t>(i));
      CHECK(*sb == *sa);
    }
  }
  auto sa = ListSegments(copied.path());
  auto sb = ListSegments(framed.path());
  REQUIRE((sa.ok() && sb.ok()));
  REQUIRE(sa->size() > 3);
  REQUIRE(sa->size() == sb->size());
  for (size_t i = 0; i < sa->size(); ++i) {
    CHECK(FileName((*sa)[i].path) == FileName((*sb)[i].path));
    CHECK(FileBytes((*sa)[i].path) == FileBytes((*sb)[i].path));
  }
}

TEST_CASE("a journal reopened on its tail segment continues the sequence", "[persistence]") {
  TempDir dir;
  WriteJournal(dir.path(), 10, 300).reset();
  auto segments = ListSegments(dir.path());
  REQUIRE(segments.ok());
  {
    auto journal = Journal::Open(dir.path(), JournalOptions{}, 11, segments->back().path);
    REQUIRE(journal.ok());
    for (int i = 11; i <= 15; ++i) {
      auto seq = journal.value()->Append("more-" + std::to_string(i));
      REQUIRE(seq.ok());
      CHECK(*seq == static_cast<uint64_t>(i));
    }
  }
  auto got = Replay(dir.path(), 0);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 15);
  CHECK(got->back() == std::make_pair(uint64_t{15}, std::string("more-15")));
}

TEST_CASE("replay skips the records a snapshot position covers", "[persistence]") {
  TempDir dir;
  WriteJournal(dir.path(), 30, 250).reset();
  for (uint64_t after : {0, 1, 7, 29, 30, 35}) {
    auto got = Replay(dir.path(), after);
    INFO("after " << after);
    REQUIRE(got.ok());
    CHECK(got->size() == (after >= 30 ? 0 : 30 - after));
    if (!got->empty()) CHECK(got->front().first == after + 1);
  }
}

TEST_CASE("RemoveSegmentsBefore keeps the segments a later position needs", "[persistence]") {
  TempDir dir;
  auto journal = WriteJournal(dir.path(), 40, 200);
  auto before = ListSegments(dir.path());
  REQUIRE(before.ok());
  REQUIRE(before->size() >= 5);
  // A position inside the third segment: that segment holds it and must stay.
  const SegmentFile third = (*before)[2];
  const uint64_t position = third.first_seq + 1;
  REQUIRE(position < (*before)[3].first_seq);
  REQUIRE(journal->RemoveSegmentsBefore(position).ok());
  auto after = ListSegments(dir.path());
  REQUIRE(after.ok());
  CHECK(after->size() == before->size() - 2);
  CHECK(after->front().path == third.path);
  // Everything from the position on still replays; what was removed does not.
  auto got = Replay(dir.path(), position - 1);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 40 - (position - 1));
  CHECK(got->front().first == position);
  CHECK_FALSE(Replay(dir.path(), 0).ok());  // records 1.. are gone: a gap

  // A position at a segment's first record keeps that segment; past the end keeps the last.
  REQUIRE(journal->RemoveSegmentsBefore((*before)[3].first_seq).ok());
  CHECK(ListSegments(dir.path())->front().first_seq == (*before)[3].first_seq);
  REQUIRE(journal->RemoveSegmentsBefore(1000).ok());
  auto last = ListSegments(dir.path());
  REQUIRE(last->size() == 1);
  CHECK(last->front().path == before->back().path);
  auto seq = journal->Append("after the removal");
  REQUIRE(seq.ok());
  CHECK(*seq == 41);
}

// ---- reserved space: the appendable file and the zero bytes it leaves ----------------

TEST_CASE("the change set codec round-trips every value type and step kind", "[persistence]") {
  auto schema = AllTypesSchema();
  const ChangeSet cs = EveryKindOfStep(*schema);
  const std::string bytes = EncodeChangeSet(cs);
  auto decoded = DecodeChangeSet(bytes, *schema);
  INFO(decoded.status().ToString());
  REQUIRE(decoded.ok());
  REQUIRE(decoded->steps.size() == cs.steps.size());
  for (size_t i = 0; i < cs.steps.size(); ++i) CHECK(SameStep(cs.steps[i], decoded->steps[i]));
  CHECK(EncodeChangeSet(*decoded) == bytes);
  // The empty change set too.
  auto empty = DecodeChangeSet(EncodeChangeSet(ChangeSet{}), *schema);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("the change set encoder writes the bytes of Cereal's binary archive", "[persistence]") {
  auto schema = AllTypesSchema();
  const ChangeSet cs = EveryKindOfStep(*schema);
  CHECK(EncodeChangeSet(cs) == CerealEncoding(cs));
  CHECK(EncodeChangeSet(ChangeSet{}) == CerealEncoding(ChangeSet{}));
  for (const auto& step : cs.steps) {  // each step alone, and appended after other bytes
    ChangeSet one;
    one.steps.push_back(step);
    CHECK(EncodeChangeSet(one) == CerealEncoding(one));
    std::string out = "prefix";
    EncodeChangeSet(one, &out);
    CHECK(out == "prefix" + CerealEncoding(one));
  }
}

TEST_CASE("a change set encoded a step at a time decodes to the same steps, each put recorded as a create",
          "[persistence]") {
  auto schema = AllTypesSchema();
  const ChangeSet cs = EveryKindOfStep(*schema);
  std::string out = "frame room";
  const size_t room = out.size();
  out.append(kStepCountBytes, '\xff');
  std::vector<size_t> put_at;  // where each put's tag is
  for (const auto& step : cs.steps) {
    if (std::holds_alternative<PutStep>(step)) put_at.push_back(out.size() - room);
    EncodeChangeStep(step, nullptr, *schema, &out);
  }
  WriteStepCount(cs.steps.size(), out.data() + room);
  std::vector<persistence::PutOrigin> origins;
  auto decoded = DecodeChangeSet(std::string_view(out).substr(room), *schema, &origins);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->steps.size() == cs.steps.size());
  for (size_t i = 0; i < cs.steps.size(); ++i) CHECK(SameStep(cs.steps[i], decoded->steps[i]));
  REQUIRE(origins.size() == put_at.size());
  for (const auto& origin : origins) {
    CHECK(origin.kind == persistence::PutKind::kCreate);
    CHECK(origin.changed.empty());
  }
  // The bytes are EncodeChangeSet's but for the tag of each put: 5 (create) for 1 (put).
  std::string plain = EncodeChangeSet(cs);
  for (size_t at : put_at) {
    CHECK(plain[at] == 1);
    CHECK(out[room + at] == 5);
    plain[at] = 5;
  }
  CHECK(out.substr(room) == plain);
  // Encoded with the origins it decoded to, it is its bytes again.
  CHECK(persistence::EncodeChangeSet(*decoded, origins) == out.substr(room));
  // A change set of puts of unknown origin decodes with that said.
  origins.clear();
  REQUIRE(DecodeChangeSet(EncodeChangeSet(cs), *schema, &origins).ok());
  REQUIRE(origins.size() == put_at.size());
  CHECK(origins[0].kind == persistence::PutKind::kUnknown);
}

TEST_CASE("DecodeChangeSet rejects every truncation and trailing bytes", "[persistence]") {
  auto schema = AllTypesSchema();
  const std::string bytes = EncodeChangeSet(EveryKindOfStep(*schema));
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    auto decoded = DecodeChangeSet(std::string_view(bytes).substr(0, cut), *schema);
    INFO("cut at " << cut);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().type() == ErrorType::kDatabaseError);
  }
  CHECK_FALSE(DecodeChangeSet(bytes + '\0', *schema).ok());
}

TEST_CASE("DecodeChangeSet rejects garbage without crashing", "[persistence]") {
  auto schema = AllTypesSchema();
  const std::string good = EncodeChangeSet(EveryKindOfStep(*schema));
  const uint32_t seed = Catch::rngSeed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  // Random bytes: nothing to check but that the decoder returns.
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(rng() % 200, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    if (i % 2 && bytes.size() >= 8) bytes.replace(0, 8, std::string("\x01\0\0\0\0\0\0\0", 8));  // one step
    (void)DecodeChangeSet(bytes, *schema);
  }
  // Every byte of a real change set, replaced by a few values: decodes or is refused.
  for (size_t at = 0; at < good.size(); ++at) {
    for (uint8_t v : {0x00, 0x7f, 0xff, 0x09}) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(v);
      auto decoded = DecodeChangeSet(bytes, *schema);
      if (!decoded.ok()) CHECK(decoded.status().type() == ErrorType::kDatabaseError);
    }
  }
}

TEST_CASE("DecodeChangeSet refuses sizes and ids beyond the bytes and the schema", "[persistence]") {
  auto schema = AllTypesSchema();
  auto u64 = [](uint64_t v) { std::string s; PutFixed64(&s, v); return s; };
  auto u32 = [](uint32_t v) { std::string s; PutFixed32(&s, v); return s; };
  const std::string one_step = u64(1);
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"step count beyond the bytes", u64(1ull << 40)},
      {"unknown step kind", one_step + "\x09"},
      {"unknown model in a put", one_step + "\x01" + u32(3) + u64(0)},
      {"record of the wrong width", one_step + "\x01" + u32(0) + u64(2)},
      {"unknown model in a delete", one_step + "\x02" + u32(99) + u64(0)},
      {"unknown relation in a link",
       one_step + "\x03" + u32(static_cast<uint32_t>(schema->relations().size())) + u64(0) + u64(0)},
      {"id size of 4 GiB", one_step + "\x02" + u32(0) + u64(1ull << 32) + "abc"},
      {"id size of 2^62", one_step + "\x02" + u32(0) + u64(1ull << 62) + "abc"},
      {"id size of 2^64-1", one_step + "\x04" + u32(1) + u64(~0ull) + "abc"},
      {"text size of 16 GiB", one_step + "\x01" + u32(1) + u64(schema->model(ModelId(1)).properties.size()) + "\x04" +
                                  u64(1ull << 34) + "abc"},
      {"list count of 2^24", one_step + "\x01" + u32(1) + u64(schema->model(ModelId(1)).properties.size()) + "\x08" +
                                 u64(1ull << 24)},
      {"bad boolean", one_step + "\x01" + u32(1) + u64(schema->model(ModelId(1)).properties.size()) + "\x01\x02"},
      {"unknown value type", one_step + "\x01" + u32(1) + u64(schema->model(ModelId(1)).properties.size()) + "\x09"},
  };
  for (const auto& [what, bytes] : cases) {
    INFO(what);
    auto decoded = DecodeChangeSet(bytes, *schema);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(decoded.status().message(), Catch::Matchers::StartsWith("undecodable change set"));
  }
}
