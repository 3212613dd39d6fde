// libFuzzer target: bytes split into lines -> kin::HandleRequestLine on an in-memory
// Database of the blog fixture (what `kin exec` runs). The database is kept across
// inputs so that state built by one input is seen by the next, and replaced every
// kResetEvery inputs to bound memory.
//
// Invariants: every response is one line of valid JSON, an object with a boolean
// "ok"; nothing crashes, leaks or throws.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kin/database.h"
#include "kin/json.h"
#include "api/json_lines.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

constexpr int kResetEvery = 500;
constexpr size_t kMaxLines = 64;

std::unique_ptr<kin::Database> db;
int uses = 0;

kin::Database& Db() {
  static const auto schema = kin::fuzz::FixtureSchema("tests/data/schemas/blog.json");
  if (!db || ++uses >= kResetEvery) {
    db.reset();
    auto opened = kin::Database::OpenInMemory(schema);
    if (!opened.ok()) kin::fuzz::Fail("cannot open the blog fixture: " + opened.status().message());
    db = std::move(opened.value());
    uses = 0;
  }
  return *db;
}

void Check(std::string_view line, const std::string& response) {
  if (response.find('\n') != std::string::npos) kin::fuzz::Fail("response is more than one line: " + response);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(response);
  } catch (const nlohmann::json::exception&) {
    kin::fuzz::Fail("response is not JSON: " + response + "\nrequest: " + std::string(line));
  }
  if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean())
    kin::fuzz::Fail("response has no boolean \"ok\": " + response + "\nrequest: " + std::string(line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  kin::Database& d = Db();
  size_t lines = 0;
  while (!input.empty() && lines++ < kMaxLines) {
    size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    Check(line, kin::HandleRequestLine(d, line));
  }
  return 0;
}
