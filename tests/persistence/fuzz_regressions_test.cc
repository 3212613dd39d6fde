// Regression tests for bugs the libFuzzer targets (tests/fuzz) found in persistence.
// The crashing inputs are also kept as seeds in tests/fuzz/corpus/.

#include <catch2/catch.hpp>
#include <string>

#include "api/schema_json.h"
#include "core/store.h"
#include "persistence/checksum.h"
#include "persistence/snapshot.h"
#include "tests/persistence/persistence_test_util.h"

namespace kin::testing {
namespace {

std::shared_ptr<const Schema> FuzzSeedSchema() {
  std::string path = KIN_SOURCE_DIR;
  path += "/tests/data/schemas/seed.json";
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  auto schema = api::SchemaFromText(s.str());
  REQUIRE(schema.ok());
  return schema.value();
}

// A snapshot file around `payload` with a correct header, length and checksum.
std::string Sealed(const std::string& payload) {
  std::string out("KINSNAP\0", 8);
  persistence::PutFixed32(&out, 2);
  persistence::PutFixed32(&out, 0);
  persistence::PutFixed64(&out, 7);
  persistence::PutFixed64(&out, payload.size());
  persistence::PutFixed32(&out, persistence::Crc32c(payload));
  persistence::PutFixed32(&out, 0);
  return out + payload;
}

void ExpectRefused(const std::string& file_bytes) {
  TempDir dir;
  const std::string path = dir.Sub("fuzz.snap");
  WriteBytes(path, file_bytes);
  auto header = persistence::ReadSnapshotHeader(path);
  REQUIRE_FALSE(header.ok());
  CHECK(header.status().type() == ErrorType::kDatabaseError);
  Store store(FuzzSeedSchema());
  auto loaded = persistence::LoadSnapshot(path, store);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().type() == ErrorType::kDatabaseError);
}

}  // namespace

// fuzz_snapshot: a checksummed payload whose Boost archive header claims a
// 7.6 EB signature string made binary_iarchive's constructor allocate it
// (ASan allocation-size-too-big; an exhausted or aborted process otherwise).
TEST_CASE("fuzz regression: snapshot archive signature with a huge length is a database_error", "[persistence][fuzz]") {
  std::string payload;
  persistence::PutFixed64(&payload, 0x69616d4522203a23ull);
  payload += "serialization::archive and then some bytes";
  ExpectRefused(Sealed(payload));
}

// The same for strings inside the archive: a schema, text value or link id whose
// length runs past the payload is refused before it is allocated.
TEST_CASE("fuzz regression: snapshot string longer than the payload is a database_error", "[persistence][fuzz]") {
  auto schema = FuzzSeedSchema();
  Store store(schema);
  const std::string schema_json = "{\"models\":{}}";
  std::string file = persistence::EncodeSnapshot(store, 7, schema_json);
  const size_t at = file.find(schema_json);
  REQUIRE(at != std::string::npos);
  REQUIRE(at >= 48);
  std::string payload = file.substr(40);
  std::string huge;
  persistence::PutFixed64(&huge, 1ull << 40);
  payload.replace(at - 40 - 8, 8, huge);
  ExpectRefused(Sealed(payload));

  // And the untouched image still loads.
  TempDir dir;
  WriteBytes(dir.Sub("ok.snap"), file);
  Store fresh(schema);
  REQUIRE(persistence::LoadSnapshot(dir.Sub("ok.snap"), fresh).ok());
}

}  // namespace kin::testing
