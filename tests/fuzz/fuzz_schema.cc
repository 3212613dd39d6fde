// libFuzzer target: bytes -> api::SchemaFromText; a schema that builds is opened as
// an in-memory Database, and its JSON form must load again.
//
// Invariants: nothing crashes, leaks or throws; a loaded schema opens.

#include <cstddef>
#include <cstdint>
#include <string>

#include "kin/database.h"
#include "kin/json.h"
#include "api/schema_json.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // schemas are small; keep iterations fast
  std::string text(reinterpret_cast<const char*>(data), size);
  auto schema = kin::api::SchemaFromText(text);
  if (!schema.ok()) return 0;
  auto db = kin::Database::OpenInMemory(schema.value());
  if (!db.ok()) kin::fuzz::Fail("a schema that loads does not open: " + db.status().message());
  // A few calls against the fresh database must not crash either.
  for (const auto& model : db.value()->schema().models()) {
    (void)db.value()->Call("create" + model.plural, kin::Json::array({kin::Json::object()}));
    (void)db.value()->Call("list" + model.plural, kin::Json::array());
  }
  return 0;
}
