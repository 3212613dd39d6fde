#pragma once
// Helpers shared by the fuzz targets: fixture loading and hard failure.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "api/schema_json.h"
#include "kin/schema.h"

namespace kin::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline std::string ReadFixture(const std::string& relative) {
  std::ifstream in(std::string(KIN_SOURCE_DIR) + "/" + relative, std::ios::binary);
  if (!in) Fail("cannot read fixture " + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fixture schema, loaded once per process.
inline std::shared_ptr<const Schema> FixtureSchema(const std::string& relative) {
  auto schema = api::SchemaFromText(ReadFixture(relative));
  if (!schema.ok()) Fail("fixture schema " + relative + " does not load: " + schema.status().message());
  return schema.value();
}

}  // namespace kin::fuzz
