#pragma once
// The query datasets: Store 1-n Product n-m Order, built once per process per size
// (lazily) in kin (in memory) and in SQLite (in memory, the same indexes), and the
// query shapes run against them with their pre-generated parameters.
//
// For N products (10k, 100k, 1M): N/10 stores with exactly 10 products each, N/5
// orders with exactly 10 products each (each product in exactly 2 orders, an
// automatic manyToMany), so every fan-out stays the same at every size. Product
// properties: title, price (indexed, every value distinct), code (indexed, exactly 5
// products per code), category (indexed, exactly 100 products per category), store
// (belongsTo); Order: reference (unique), note (no index). Values are assigned
// through random permutations, so the records a query finds are spread over the
// store, not neighbours in insertion order.

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kin/kin.h"
#include "kin/json.h"

namespace kin::bench {

enum class Shape {
  kFkEq,                     // {store_id: S}: the 10 products of one store
  kIndexEq,                  // {code: C}: 5 products, through Product.code's index
  kIndexRangeTake,           // {price: {$gte: X}}, order price ASC, take 10; X uniform over the prices
  kInIds,                    // {id: [10 ids]}
  kRelationFilter,           // {orders: {reference: R}}: the 10 products of one order, Order.reference unique
  kRelationFilterUnindexed,  // {orders: {note: T}}: the same through Order.note, which has no index
  kOrderTake,                // no filter, order price DESC, take 10
  kCount,                    // listAndCount {category: C}, take 10: 100 matches counted, 10 rows output
};
inline constexpr int kShapeCount = 8;
const char* ShapeName(Shape s);

// One pre-generated query: its SQL parameters and its kin arguments.
struct QuerySample {
  std::vector<std::string> texts;  // bound to ?1..?n as text
  std::optional<int64_t> number;   // bound to ?1 as an integer
  Json filter;                     // ReadView::List's filters (null: none)
  Json args;                       // CallText's [filters, config]
};

struct ShapeData {
  const char* method = "listProducts";  // kin_json's method
  Json config;                          // ReadView::List's config
  bool count = false;                   // also count (listAndCount)
  std::vector<QuerySample> samples;     // a power of two of them, cycled through
  sqlite3_stmt* rows = nullptr;         // id, title, price, store_id of the page
  sqlite3_stmt* count_rows = nullptr;   // count(*) of every match (count only)
  sqlite3_stmt* json = nullptr;         // the same JSON text as kin_json
  std::string check;                    // "" when kin and SQLite agreed on the samples checked
  std::string plan;                     // kin's plan of the first sample and the records it examined
  size_t examined = 0;                  // those records (QueryResult::examined)
};

// The raw baseline of relation_filter_unindexed: products and orders as plain
// structs in vectors, what a program with no database would keep (an order points
// at its products); no index, nothing soft-deleted.
struct RawProduct {
  std::string id, title;
  int64_t price = 0;
  std::string store_id;
};
struct RawOrder {
  std::string id, reference, note;
  std::vector<const RawProduct*> products;
};

struct QueryFixture {
  int records = 0;  // products
  std::unique_ptr<Database> db;
  ModelId product_model;
  SlotId title, price, store_id;
  sqlite3* sql = nullptr;
  std::array<ShapeData, kShapeCount> shapes;
  std::vector<RawProduct> raw_products;
  std::vector<RawOrder> raw_orders;
  double kin_build_seconds = 0, sqlite_build_seconds = 0;
  uint64_t kin_bytes = 0, sqlite_bytes = 0;

  ShapeData& shape(Shape s) { return shapes[static_cast<size_t>(s)]; }
  // The dataset of `records` products, built on first use.
  static QueryFixture& Get(int records);

 private:
  void Build(int n);
};

// The row every copying contestant materializes.
struct QueryRow {
  std::string id, title;
  int64_t price = 0;
  std::string store_id;
};

// Binds a sample's parameters to a statement.
void BindSample(sqlite3_stmt* st, const QuerySample& sample);

}  // namespace kin::bench
