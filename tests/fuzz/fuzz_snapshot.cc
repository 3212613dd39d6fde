// libFuzzer target: bytes -> a snapshot file served by a tiny in-memory FileSystem ->
// ReadSnapshotHeader and LoadSnapshot into a fresh Store of the seed fixture schema.
//
// The checksum covers the whole payload, so each input is loaded twice: as given,
// and "sealed" (magic, version, length and CRC of the header rewritten to match the
// payload), which lets mutations reach the Boost.Serialization archive and the store.
//
// Invariants: nothing crashes, leaks or throws out of the loader.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "core/store.h"
#include "persistence/checksum.h"
#include "persistence/file_system.h"
#include "persistence/snapshot.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kin;
using namespace kin::persistence;

constexpr char kPath[] = "/fuzz/snapshots/fuzz.snap";  // no seq in the name: not checked
constexpr size_t kHeader = 40;

// Serves one file's bytes; every write operation fails.
class OneFileSystem : public FileSystem {
 public:
  explicit OneFileSystem(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string&, bool) override { return ReadOnly(); }
  Result<std::optional<std::string>> ReadFile(const std::string& path) override {
    if (path != kPath) return std::optional<std::string>();
    return std::optional<std::string>(bytes_);
  }
  Status WriteFileAtomically(const std::string&, const std::string&) override { return ReadOnly(); }
  Status SyncDirectory(const std::string&) override { return ReadOnly(); }
  Status Truncate(const std::string&, uint64_t) override { return ReadOnly(); }
  Status Remove(const std::string&) override { return ReadOnly(); }
  Status Rename(const std::string&, const std::string&) override { return ReadOnly(); }
  Status CreateDirectories(const std::string&) override { return ReadOnly(); }
  Result<std::vector<std::string>> ListDirectory(const std::string&) override {
    return std::vector<std::string>{"fuzz.snap"};
  }

 private:
  static Status ReadOnly() { return Status::DatabaseError("read-only fuzz file system"); }
  std::string bytes_;
};

const std::shared_ptr<const Schema>& SeedSchema() {
  static const auto schema = fuzz::FixtureSchema("tests/data/schemas/seed.json");
  return schema;
}

std::string Seal(std::string b) {
  if (b.size() < kHeader) return b;
  std::memcpy(b.data(), "KINSNAP\0", 8);
  // Keep format 1 inputs at 1 (the golden v1 seeds); everything else is read as 2.
  std::string fields;
  PutFixed32(&fields, DecodeFixed32(b.data() + 8) == 1 ? 1 : 2);
  std::memcpy(b.data() + 8, fields.data(), 4);
  fields.clear();
  PutFixed64(&fields, b.size() - kHeader);
  PutFixed32(&fields, Crc32c(b.data() + kHeader, b.size() - kHeader));
  std::memcpy(b.data() + 24, fields.data(), 12);
  return b;
}

void Load(const std::string& bytes) {
  OneFileSystem fs(bytes);
  (void)ReadSnapshotHeader(kPath, fs);
  Store store(SeedSchema());
  (void)LoadSnapshot(kPath, store, fs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  Load(raw);
  std::string sealed = Seal(raw);
  if (sealed != raw) Load(sealed);
  return 0;
}
