// Builds the shared retrieve dataset once: kin first (the source of truth, with its
// timestamps), then SQLite and the raw baseline copied from kin's records.
#include "benchmarks/fixture.h"

#include <malloc.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <unordered_set>

#include "api/schema_json.h"
#include "core/huge_page_arena.h"

namespace kin::bench {
namespace {

constexpr int kProducts = 100000, kOrders = 100000, kGroupSize = 1000, kBatch = 4000, kSamples = 4096;
constexpr int kDegrees[] = {1, 10, 50};

std::string Padded(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%06d", prefix, i);
  return buf;
}

void MustCall(Database& db, const char* method, const Json& args) {
  auto r = db.CallText(method, args);
  if (!r.ok()) Die(std::string(method) + ": " + r.status().ToString());
}

}  // namespace

const std::string& ProductOrderSchemaText() {
  static const std::string text = R"({"models": {
    "Product": {"properties": {
      "id": {"type": "id", "primaryKey": true, "prefix": "prod"},
      "title": {"type": "text"},
      "orders": {"type": "manyToMany", "model": "Order", "mappedBy": "products"}}},
    "Order": {"properties": {
      "id": {"type": "id", "primaryKey": true, "prefix": "ord"},
      "reference": {"type": "text"},
      "products": {"type": "manyToMany", "model": "Product", "mappedBy": "orders"}}}}})";
  return text;
}

void Die(const std::string& what) {
  std::fprintf(stderr, "kin_bench: %s\n", what.c_str());
  std::exit(2);
}

void CheckSql(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    Die(std::string("sqlite ") + what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

uint64_t HeapInUse() {
  struct mallinfo2 mi = mallinfo2();
  // kin's pools take their full-size chunks and large arrays from its own mappings.
  return mi.uordblks + mi.hblkhd + HugePageArena::Global().bytes_in_use();
}

TempDir::TempDir(const char* tag) {
  std::string pattern = "/tmp/kin-bench-" + std::string(tag) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

RetrieveFixture& RetrieveFixture::Get() {
  static RetrieveFixture* fixture = [] {
    auto* f = new RetrieveFixture;
    f->Build();
    return f;
  }();
  return *fixture;
}

void RetrieveFixture::Build() {
  std::fprintf(stderr, "kin_bench: building the retrieve dataset (100k products, 100k orders, ~1M links)...\n");
  std::mt19937_64 rng(20240611);

  // ---- ids and links, decided once ------------------------------------------------
  std::vector<std::string> product_ids, order_ids;
  std::vector<std::vector<int>> product_links;  // per product: order indices, sorted
  for (int i = 0; i < kOrders; ++i) order_ids.push_back(Padded("o_", i));
  std::uniform_int_distribution<int> pick_order(0, kOrders - 1), pick_degree(0, 19);
  auto add_product = [&](std::string id, int degree) {
    std::unordered_set<int> seen;
    std::vector<int> links;
    while (static_cast<int>(links.size()) < degree)
      if (int o = pick_order(rng); seen.insert(o).second) links.push_back(o);
    std::sort(links.begin(), links.end());  // kin keeps insertion order, SQLite key order: make them agree
    product_ids.push_back(std::move(id));
    product_links.push_back(std::move(links));
  };
  for (int n : kDegrees)
    for (int i = 0; i < kGroupSize; ++i) add_product(Padded((Cat("p", n) + "_").c_str(), i), n);
  while (static_cast<int>(product_ids.size()) < kProducts)
    add_product(Padded("p_", static_cast<int>(product_ids.size())), pick_degree(rng));
  for (const auto& l : product_links) total_links += l.size();
  for (int n : kDegrees) {
    std::uniform_int_distribution<int> pick(0, kGroupSize - 1);
    auto& ids = sample_ids[n];
    for (int i = 0; i < kSamples; ++i) ids.push_back(Padded((Cat("p", n) + "_").c_str(), pick(rng)));
  }

  // ---- kin: records in batches, then links in batches --------------------------------
  auto schema = api::SchemaFromText(ProductOrderSchemaText());
  if (!schema.ok()) Die("schema: " + schema.status().ToString());
  uint64_t heap0 = HeapInUse();
  auto opened = Database::OpenInMemory(schema.value());
  if (!opened.ok()) Die("open: " + opened.status().ToString());
  db = std::move(opened).value();
  for (int start = 0; start < kOrders; start += kBatch) {
    Json batch = Json::array();
    for (int i = start; i < std::min(kOrders, start + kBatch); ++i)
      batch.push_back({{"id", order_ids[i]}, {"reference", Cat("ref-", i * 7919 % 1000003)}});
    MustCall(*db, "createOrders", Json::array({std::move(batch)}));
  }
  for (int start = 0; start < kProducts; start += kBatch) {
    Json batch = Json::array();
    for (int i = start; i < std::min(kProducts, start + kBatch); ++i)
      batch.push_back({{"id", product_ids[i]}, {"title", "Product " + product_ids[i]}});
    MustCall(*db, "createProducts", Json::array({std::move(batch)}));
  }
  uint64_t heap1 = HeapInUse();
  for (int start = 0; start < kProducts; start += kBatch) {
    Json batch = Json::array();
    for (int i = start; i < std::min(kProducts, start + kBatch); ++i) {
      if (product_links[i].empty()) continue;
      Json orders = Json::array();
      for (int o : product_links[i]) orders.push_back(order_ids[o]);
      batch.push_back({{"id", product_ids[i]}, {"orders", std::move(orders)}});
    }
    MustCall(*db, "updateProducts", Json::array({std::move(batch)}));
  }
  uint64_t heap2 = HeapInUse();
  kin_memory = {heap1 - heap0, heap2 - heap1, static_cast<uint64_t>(kProducts + kOrders), total_links};

  const Schema& s = db->schema();
  product_model = s.FindModel("Product");
  order_model = s.FindModel("Order");
  const ModelDef& pm = s.model(product_model);
  const ModelDef& om = s.model(order_model);
  product_orders = pm.FindRelation("orders");
  product_title = pm.FindProperty("title")->slot;
  order_reference = om.FindProperty("reference")->slot;

  // ---- raw baseline, copied from kin's records ------------------------------------
  heap0 = HeapInUse();
  {
    ReadView view = db->Read();
    raw_orders.reserve(kOrders);
    raw_products.reserve(kProducts);
    view.ForEach(order_model, [&](RecordRef r) {
      raw_orders.emplace(std::string(r.id()), RawRecord{std::string(r.id()), std::string(r.Get(order_reference).as_text()), {}});
      return true;
    });
    view.ForEach(product_model, [&](RecordRef r) {
      raw_products.emplace(std::string(r.id()), RawRecord{std::string(r.id()), std::string(r.Get(product_title).as_text()), {}});
      return true;
    });
    heap1 = HeapInUse();
    view.ForEach(product_model, [&](RecordRef r) {
      RawRecord& p = raw_products.find(r.id())->second;
      r.ForEachRelated(product_orders, [&](RecordRef o) {
        RawRecord& order = raw_orders.find(o.id())->second;
        p.links.push_back(&order);
        order.links.push_back(&p);
      });
      return true;
    });
  }
  raw_memory = {heap1 - heap0, HeapInUse() - heap1, static_cast<uint64_t>(kProducts + kOrders), total_links};

  // ---- SQLite in memory, same rows and timestamps --------------------------------------
  CheckSql(sqlite3_open(":memory:", &sql), sql, "open");
  CheckSql(sqlite3_exec(sql,
                        "CREATE TABLE products(id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL,"
                        " updated_at TEXT NOT NULL, deleted_at TEXT) WITHOUT ROWID;"
                        "CREATE TABLE orders(id TEXT PRIMARY KEY, reference TEXT NOT NULL, created_at TEXT NOT NULL,"
                        " updated_at TEXT NOT NULL, deleted_at TEXT) WITHOUT ROWID;"
                        "CREATE TABLE product_orders(product_id TEXT NOT NULL, order_id TEXT NOT NULL,"
                        " PRIMARY KEY(product_id, order_id)) WITHOUT ROWID;"
                        "CREATE INDEX order_products ON product_orders(order_id, product_id);",
                        nullptr, nullptr, nullptr),
           sql, "schema");
  uint64_t sql0 = static_cast<uint64_t>(sqlite3_memory_used());
  CheckSql(sqlite3_exec(sql, "BEGIN", nullptr, nullptr, nullptr), sql, "begin");
  {
    ReadView view = db->Read();
    auto insert_rows = [&](const char* insert, ModelId model, SlotId text) {
      sqlite3_stmt* st = nullptr;
      CheckSql(sqlite3_prepare_v2(sql, insert, -1, &st, nullptr), sql, "prepare insert");
      const ModelDef& m = s.model(model);
      view.ForEach(model, [&](RecordRef r) {
        std::string created = FormatTimestamp(r.Get(m.created_at).as_time());
        std::string updated = FormatTimestamp(r.Get(m.updated_at).as_time());
        sqlite3_bind_text(st, 1, r.id().data(), static_cast<int>(r.id().size()), SQLITE_TRANSIENT);
        std::string_view value = r.Get(text).as_text();
        sqlite3_bind_text(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, created.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, updated.c_str(), -1, SQLITE_TRANSIENT);
        CheckSql(sqlite3_step(st), sql, "insert");
        sqlite3_reset(st);
        return true;
      });
      sqlite3_finalize(st);
    };
    insert_rows("INSERT INTO orders VALUES(?,?,?,?,NULL)", order_model, order_reference);
    insert_rows("INSERT INTO products VALUES(?,?,?,?,NULL)", product_model, product_title);
  }
  uint64_t sql1 = static_cast<uint64_t>(sqlite3_memory_used());
  {
    sqlite3_stmt* st = nullptr;
    CheckSql(sqlite3_prepare_v2(sql, "INSERT INTO product_orders VALUES(?,?)", -1, &st, nullptr), sql, "prepare");
    for (size_t p = 0; p < product_ids.size(); ++p)
      for (int o : product_links[p]) {
        sqlite3_bind_text(st, 1, product_ids[p].c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, order_ids[o].c_str(), -1, SQLITE_STATIC);
        CheckSql(sqlite3_step(st), sql, "insert link");
        sqlite3_reset(st);
      }
    sqlite3_finalize(st);
  }
  CheckSql(sqlite3_exec(sql, "COMMIT", nullptr, nullptr, nullptr), sql, "commit");
  sqlite_memory = {sql1 - sql0, static_cast<uint64_t>(sqlite3_memory_used()) - sql1,
                   static_cast<uint64_t>(kProducts + kOrders), total_links};

  CheckSql(sqlite3_prepare_v2(sql, "SELECT id, title FROM products WHERE id = ?1", -1, &sql_product, nullptr), sql,
           "prepare product");
  CheckSql(sqlite3_prepare_v2(sql,
                              "SELECT o.id, o.reference FROM product_orders po JOIN orders o ON o.id = po.order_id"
                              " WHERE po.product_id = ?1 ORDER BY po.order_id",
                              -1, &sql_orders, nullptr),
           sql, "prepare orders");
  CheckSql(sqlite3_prepare_v2(
               sql,
               "SELECT json_object('id', p.id, 'title', p.title, 'created_at', p.created_at, 'updated_at',"
               " p.updated_at, 'deleted_at', p.deleted_at, 'orders', (SELECT json_group_array(json_object('id', o.id,"
               " 'reference', o.reference, 'created_at', o.created_at, 'updated_at', o.updated_at, 'deleted_at',"
               " o.deleted_at)) FROM product_orders po JOIN orders o ON o.id = po.order_id"
               " WHERE po.product_id = p.id)) FROM products p WHERE p.id = ?1",
               -1, &sql_json, nullptr),
           sql, "prepare json");

  // ---- the JSON outputs must agree ------------------------------------------------------
  for (int n : kDegrees) {
    const std::string& id = sample_ids[n][0];
    auto kin_text = db->CallText("retrieveProduct", Json::array({id, {{"relations", {"orders"}}}}));
    sqlite3_bind_text(sql_json, 1, id.c_str(), -1, SQLITE_STATIC);
    std::string sql_text;
    if (sqlite3_step(sql_json) == SQLITE_ROW)
      sql_text.assign(reinterpret_cast<const char*>(sqlite3_column_text(sql_json, 0)),
                      static_cast<size_t>(sqlite3_column_bytes(sql_json, 0)));
    sqlite3_reset(sql_json);
    std::string prepared_text;
    auto prepared = db->Model("Product").value().PrepareRetrieve({{"relations", {"orders"}}});
    if (!prepared.ok() || !prepared.value().Text(id, &prepared_text).ok()) prepared_text = "error";
    if (!kin_text.ok() || kin_text.value() != sql_text || prepared_text != sql_text) {
      json_check = Cat("N=", n) + "\n kin:    " + (kin_text.ok() ? kin_text.value() : "error") +
                   "\n kin prepared: " + prepared_text + "\n sqlite: " + sql_text;
      break;
    }
  }
  if (!json_check.empty()) std::fprintf(stderr, "kin_bench: JSON outputs differ: %s\n", json_check.c_str());
  std::fprintf(stderr, "kin_bench: dataset ready (%llu links)\n", static_cast<unsigned long long>(total_links));
}

}  // namespace kin::bench
