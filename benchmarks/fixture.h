#pragma once
// The shared retrieve dataset: 100k products, 100k orders and about 1M
// product-order links, built once per process in kin (in memory), SQLite (in
// memory, WITHOUT ROWID tables) and a raw adjacency baseline. Products come in
// groups by degree: p1_*, p10_*, p50_* have exactly 1, 10, 50 orders; the rest
// (p_*) have a random degree, so the total is close to 1M links.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kin/kin.h"
#include "kin/json.h"

namespace kin::bench {

// The schema of every benchmark: Product <-> Order, automatic manyToMany pivot.
const std::string& ProductOrderSchemaText();

// The plain structs every copying contestant materializes.
struct OrderRow {
  std::string id, reference;
};
struct ProductRow {
  std::string id, title;
  std::vector<OrderRow> orders;
};

// The raw baseline: records in a hash map, relations as vectors of direct pointers.
struct RawRecord {
  std::string id, text;
  std::vector<RawRecord*> links;
};
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using RawTable = std::unordered_map<std::string, RawRecord, StringHash, std::equal_to<>>;

// Memory in use (malloc'd bytes) after each stage of a build; 0 when unknown.
struct MemoryUse {
  uint64_t records_bytes = 0, links_bytes = 0;
  uint64_t records = 0, links = 0;
};

struct RetrieveFixture {
  std::unique_ptr<Database> db;
  ModelId product_model, order_model;
  RelationId product_orders;
  SlotId product_title, order_reference;

  sqlite3* sql = nullptr;
  sqlite3_stmt* sql_product = nullptr;  // id, title by product id
  sqlite3_stmt* sql_orders = nullptr;   // order id, reference by product id
  sqlite3_stmt* sql_json = nullptr;     // the retrieveProduct JSON text by product id

  RawTable raw_products, raw_orders;

  // Pre-generated random product ids with exactly N orders, per N (1, 10, 50).
  std::unordered_map<int, std::vector<std::string>> sample_ids;
  uint64_t total_links = 0;
  MemoryUse kin_memory, raw_memory, sqlite_memory;
  std::string json_check;  // "" when kin_json and sqlite_json agreed, else the difference

  static RetrieveFixture& Get();  // builds on first use

 private:
  void Build();
};

// Bytes handed out and still in use: malloc's (glibc mallinfo2) and kin's own
// mappings' (HugePageArena::bytes_in_use: pool chunks and large arrays).
uint64_t HeapInUse();

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  explicit TempDir(const char* tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// prefix followed by the decimal n ("o" + std::to_string(n) draws a false GCC 12
// -Wrestrict warning).
inline std::string Cat(std::string_view prefix, long long n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// Aborts the process with a message when a setup step fails (benchmarks cannot go on).
[[noreturn]] void Die(const std::string& what);
void CheckSql(int rc, sqlite3* db, const char* what);

}  // namespace kin::bench
