#pragma once
// What the tests of the `kin` command share: a scratch directory, whole-file reads
// and writes, running `kin` and a seeded database.

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/tools/kin_command.h"

namespace kin::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

// A directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kin-tools-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- running the `kin` binary (KIN_BINARY) ------------------------------------------

inline std::string Quote(const std::string& s) { return "'" + s + "'"; }


inline std::string Fixture(const std::string& name) {
  return std::string(KIN_SOURCE_DIR) + "/tests/data/schemas/" + name + ".json";
}


// Runs request lines through `kin exec`; every one must succeed.
inline void Exec(const TempDir& tmp, const std::string& db, const std::string& schema, const std::vector<std::string>& lines) {
  std::string script;
  for (const auto& l : lines) script += l + "\n";
  const std::string file = tmp / "script.jsonl";
  WriteFile(file, script);
  Run r = Kin("exec --db " + Quote(db) + " --schema " + Quote(schema) + " " + Quote(file));
  INFO(r.out);
  REQUIRE(r.status == 0);
  std::istringstream responses(r.out);
  std::string line;
  size_t count = 0;
  while (std::getline(responses, line)) {
    INFO(line);
    CHECK(line.find("\"ok\":true") != std::string::npos);
    ++count;
  }
  REQUIRE(count == lines.size());
}

// Eight journal records on the seed fixture: 6 records remain (one soft-deleted),
// with 5 links: e1.user, p1.store, p2.store, p1-o1, p2-o1.
inline const std::vector<std::string> kSeedScript = {
    R"({"call": "createStores", "args": [{"id": "s1", "name": "Main"}]})",
    R"({"call": "createStores", "args": [{"id": "s2", "name": "Second"}]})",
    R"({"call": "createProducts", "args": [[{"id": "p1", "title": "Shirt", "store_id": "s1"}, {"id": "p2", "title": "Mug", "store_id": "s1"}]]})",
    R"({"call": "createOrders", "args": [{"id": "o1", "reference": "#1", "products": ["p1", "p2"]}]})",
    R"({"call": "createUsers", "args": [{"id": "u1", "name": "Ann"}]})",
    R"({"call": "createEmails", "args": [{"id": "e1", "address": "a@b.c", "user_id": "u1"}]})",
    R"({"call": "softDeleteProducts", "args": ["p2"]})",
    R"({"call": "deleteStores", "args": ["s2"]})",
};

inline std::vector<std::string> SeedLines(size_t from, size_t to) {
  return std::vector<std::string>(kSeedScript.begin() + static_cast<long>(from), kSeedScript.begin() + static_cast<long>(to));
}

inline std::string SeedDatabase(const TempDir& tmp) {
  const std::string db = tmp / "db";
  Exec(tmp, db, Fixture("seed"), kSeedScript);
  return db;
}

// The export of `db` as text (through a file, so notes on stderr stay out).
inline std::string Export(const TempDir& tmp, const std::string& db) {
  const std::string out = tmp / "export-tmp.json";
  Run r = Kin("export --db " + Quote(db) + " --out " + Quote(out));
  INFO(r.out);
  REQUIRE(r.status == 0);
  return ReadFile(out);
}

}  // namespace kin::testing
