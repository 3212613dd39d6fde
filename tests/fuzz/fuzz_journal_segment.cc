// libFuzzer target: bytes -> persistence::ScanSegment; each good frame's payload ->
// DecodeSchemaChange (journal format 4), else DecodeChangeSet against the seed
// fixture schema -> Store::Apply on a scratch store.
//
// Random bytes almost never carry a matching CRC-32C, so each input is scanned twice:
// as given, and as a "sealed" copy whose header magic/version and every frame's CRC
// and sequence number are rewritten to be valid. The second pass lets mutations of
// the payload reach the change-set decoder and the store. The raw input is also fed
// straight to DecodeChangeSet (a bare payload).
//
// Invariants: nothing crashes or leaks; frames lie inside the input in order and
// their payloads are views into it; a schema change or change set that decodes
// encodes back to its bytes; Store::Apply returns errors, never aborts.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/store.h"
#include "persistence/change_set_codec.h"
#include "persistence/checksum.h"
#include "persistence/journal_format.h"
#include "persistence/journal_reader.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kin;
using namespace kin::persistence;

const std::shared_ptr<const Schema>& SeedSchema() {
  static const auto schema = fuzz::FixtureSchema("tests/data/schemas/seed.json");
  return schema;
}

// Rewrites header and frame checksums/sequence numbers so the frames are good.
std::string Seal(std::string b) {
  if (b.size() < kSegmentHeaderSize) return b;
  std::memcpy(b.data(), kSegmentMagic, sizeof kSegmentMagic);
  std::string version;
  PutFixed32(&version, kSegmentVersion);
  std::memcpy(b.data() + 8, version.data(), 4);
  uint64_t seq = DecodeFixed64(b.data() + 16);
  size_t pos = kSegmentHeaderSize;
  while (b.size() - pos >= kFrameHeaderSize) {
    uint64_t length = DecodeFixed32(b.data() + pos);
    if (length > b.size() - pos - kFrameHeaderSize) {  // clamp into the file
      length = b.size() - pos - kFrameHeaderSize;
      std::string l;
      PutFixed32(&l, static_cast<uint32_t>(length));
      std::memcpy(b.data() + pos, l.data(), 4);
    }
    std::string s;
    PutFixed64(&s, seq);
    std::memcpy(b.data() + pos + 8, s.data(), 8);
    std::string covered = b.substr(pos, 4) + b.substr(pos + 8, 8) + b.substr(pos + kFrameHeaderSize, length);
    std::string crc;
    PutFixed32(&crc, Crc32c(covered));
    std::memcpy(b.data() + pos + 4, crc.data(), 4);
    pos += kFrameHeaderSize + length;
    ++seq;
  }
  return b;
}

// Whether `bytes` hold a schema change (which must then encode back to them).
bool IsSchemaChange(std::string_view bytes) {
  auto change = DecodeSchemaChange(bytes);
  if (!change.ok() || !change.value()) return !change.ok();
  if (EncodeSchemaChange(**change) != bytes) fuzz::Fail("schema change does not re-encode to its bytes");
  return true;
}

void CheckAndApply(std::string_view bytes) {
  auto scan = ScanSegment(bytes, "fuzz/00000000000000000001.log");
  if (!scan.ok()) return;
  const SegmentScan& s = scan.value();
  if (s.valid_end > bytes.size()) fuzz::Fail("valid_end past the end of the segment");
  Store store(SeedSchema());
  uint64_t last_end = 0;
  for (const JournalFrame& f : s.frames) {
    if (f.offset < last_end || f.offset + kFrameHeaderSize + f.payload.size() > bytes.size())
      fuzz::Fail("frame outside the segment or out of order");
    if (!f.payload.empty() && (f.payload.data() < bytes.data() || f.payload.data() + f.payload.size() > bytes.data() + bytes.size()))
      fuzz::Fail("frame payload does not point into the segment");
    last_end = f.offset + kFrameHeaderSize + f.payload.size();
    RecordHead head;
    if (!SplitRecord(s.version, f.payload, &head)) continue;
    if (head.change_set.data() + head.change_set.size() != f.payload.data() + f.payload.size())
      fuzz::Fail("a record's change set does not end where its payload ends");
    if (head.label.size() > kMaxLabel) fuzz::Fail("label longer than its limit");
    if (IsSchemaChange(head.change_set)) continue;
    std::vector<persistence::PutOrigin> origins;
    auto cs = DecodeChangeSet(head.change_set, *SeedSchema(), &origins);
    if (!cs.ok()) continue;
    // Round trip: what decodes must encode back to the same bytes, each put as it came about.
    if (EncodeChangeSet(cs.value(), origins) != head.change_set)
      fuzz::Fail("change set does not re-encode to its bytes");
    (void)store.Apply(cs.value());  // errors are fine; crashes are not
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  CheckAndApply(raw);
  std::string sealed = Seal(std::string(raw));
  if (sealed != raw) CheckAndApply(sealed);
  // The raw bytes as a bare payload.
  if (IsSchemaChange(raw)) return 0;
  auto cs = DecodeChangeSet(raw, *SeedSchema());
  if (cs.ok()) {
    Store store(SeedSchema());
    (void)store.Apply(cs.value());
  }
  return 0;
}
