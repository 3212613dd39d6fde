// Builds a query dataset: kin first (typed inserts for stores and products, batched
// createOrders calls for the orders and their links), then SQLite copied from kin's
// records (same ids, values and timestamps), then the shapes' parameters, statements
// and a check that both sides answer the same.
#include "api/database_access.h"
#include "api/schema_json.h"
#include "benchmarks/query_fixture.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>
#include <unordered_set>

#include "api/query.h"
#include "benchmarks/fixture.h"
#include "core/query.h"

namespace kin::bench {
namespace {

constexpr int kSamples = 4096;  // per shape; a power of two
constexpr int kChecked = 16;    // samples per shape compared between kin and SQLite
constexpr int kBatch = 4000;    // orders per createOrders call
constexpr int kProductsPerStore = 10, kProductsPerOrder = 10, kProductsPerCode = 5, kProductsPerCategory = 100;

const std::string& QuerySchemaText() {
  static const std::string text = R"({"models": {
    "Store": {"properties": {
      "id": {"type": "id", "primaryKey": true, "prefix": "sto"},
      "name": {"type": "text"},
      "products": {"type": "hasMany", "model": "Product", "mappedBy": "store"}}},
    "Product": {"properties": {
      "id": {"type": "id", "primaryKey": true, "prefix": "prod"},
      "title": {"type": "text"},
      "price": {"type": "number", "index": true},
      "code": {"type": "text", "index": true},
      "category": {"type": "text", "index": true},
      "store": {"type": "belongsTo", "model": "Store", "mappedBy": "products"},
      "orders": {"type": "manyToMany", "model": "Order", "mappedBy": "products"}}},
    "Order": {"properties": {
      "id": {"type": "id", "primaryKey": true, "prefix": "ord"},
      "reference": {"type": "text", "unique": true},
      "note": {"type": "text"},
      "products": {"type": "manyToMany", "model": "Product", "mappedBy": "orders"}}}}})";
  return text;
}

std::string Id(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%07d", prefix, i);
  return buf;
}
std::string ProductId(int i) { return Id("p", i); }
std::string StoreId(int i) { return Id("s", i); }
std::string OrderId(int i) { return Id("o", i); }
std::string Code(int i) { return Id("c", i); }
std::string Category(int i) { return Id("cat", i); }
std::string Reference(int i) { return Id("R", i); }
std::string Note(int i) { return Id("note ", i); }

// Who holds which value: decided once per size, shared by kin and SQLite.
struct Layout {
  int n = 0, stores = 0, orders = 0, codes = 0, categories = 0;
  std::vector<int> price, code, category, store;  // per product
  std::vector<std::vector<int>> order_products;   // per order, sorted
};

std::vector<int> Permutation(int n, std::mt19937_64& rng) {
  std::vector<int> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), rng);
  return p;
}

Layout MakeLayout(int n, std::mt19937_64& rng) {
  Layout l;
  l.n = n;
  l.stores = n / kProductsPerStore;
  l.orders = 2 * n / kProductsPerOrder;
  l.codes = n / kProductsPerCode;
  l.categories = n / kProductsPerCategory;
  l.price = Permutation(n, rng);
  l.code = Permutation(n, rng);
  l.category = Permutation(n, rng);
  l.store = Permutation(n, rng);
  for (int i = 0; i < n; ++i) {
    l.code[i] /= kProductsPerCode;
    l.category[i] /= kProductsPerCategory;
    l.store[i] /= kProductsPerStore;
  }
  // Two permutations of the products cut into runs of 10: each order gets 10
  // distinct products, each product lands in exactly 2 orders.
  for (int round = 0; round < 2; ++round) {
    std::vector<int> p = Permutation(n, rng);
    for (int start = 0; start + kProductsPerOrder <= n; start += kProductsPerOrder) {
      std::vector<int> products(p.begin() + start, p.begin() + start + kProductsPerOrder);
      std::sort(products.begin(), products.end());
      l.order_products.push_back(std::move(products));
    }
  }
  return l;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BuildKin(QueryFixture& f, const Layout& l) {
  const auto t0 = std::chrono::steady_clock::now();
  auto schema = api::SchemaFromText(QuerySchemaText());
  if (!schema.ok()) Die("query schema: " + schema.status().ToString());
  auto opened = Database::OpenInMemory(schema.value());
  if (!opened.ok()) Die("open: " + opened.status().ToString());
  f.db = std::move(opened).value();
  auto stores = f.db->Model("Store").value();
  for (int s = 0; s < l.stores; ++s) {
    auto r = stores.Insert({{"id", Value::Text(StoreId(s))}, {"name", Value::Text(Cat("Store ", s))}});
    if (!r.ok()) Die("insert store: " + r.status().ToString());
  }
  const double stores_s = SecondsSince(t0);
  auto products = f.db->Model("Product").value();
  for (int i = 0; i < l.n; ++i) {
    auto r = products.Insert({{"id", Value::Text(ProductId(i))},
                              {"title", Value::Text(Cat("Product ", i))},
                              {"price", Value::Int(l.price[i])},
                              {"code", Value::Text(Code(l.code[i]))},
                              {"category", Value::Text(Category(l.category[i]))},
                              {"store", Value::Text(StoreId(l.store[i]))}});
    if (!r.ok()) Die("insert product: " + r.status().ToString());
  }
  const double products_s = SecondsSince(t0);
  // Links need the JSON form: orders come in batches, each naming its products.
  for (int start = 0; start < l.orders; start += kBatch) {
    Json batch = Json::array();
    for (int j = start; j < std::min(l.orders, start + kBatch); ++j) {
      Json ids = Json::array();
      for (int p : l.order_products[j]) ids.push_back(ProductId(p));
      batch.push_back({{"id", OrderId(j)}, {"reference", Reference(j)}, {"note", Note(j)}, {"products", std::move(ids)}});
    }
    auto r = f.db->CallText("createOrders", Json::array({std::move(batch)}));
    if (!r.ok()) Die("createOrders: " + r.status().ToString());
  }
  std::fprintf(stderr, "kin_bench: kin: stores %.1f s, products %.1f s, orders and links %.1f s\n", stores_s,
               products_s - stores_s, SecondsSince(t0) - products_s);
  const Schema& s = f.db->schema();
  f.product_model = s.FindModel("Product");
  const ModelDef& pm = s.model(f.product_model);
  f.title = pm.FindProperty("title")->slot;
  f.price = pm.FindProperty("price")->slot;
  f.store_id = pm.FindProperty("store_id")->slot;
}

void BuildRaw(QueryFixture& f, const Layout& l) {
  f.raw_products.reserve(static_cast<size_t>(l.n));
  for (int i = 0; i < l.n; ++i)
    f.raw_products.push_back({ProductId(i), Cat("Product ", i), l.price[i], StoreId(l.store[i])});
  f.raw_orders.reserve(static_cast<size_t>(l.orders));
  for (int j = 0; j < l.orders; ++j) {
    RawOrder o{OrderId(j), Reference(j), Note(j), {}};
    for (int p : l.order_products[j]) o.products.push_back(&f.raw_products[static_cast<size_t>(p)]);
    f.raw_orders.push_back(std::move(o));
  }
}

sqlite3_stmt* Prepare(sqlite3* db, const std::string& text) {
  sqlite3_stmt* st = nullptr;
  CheckSql(sqlite3_prepare_v2(db, text.c_str(), -1, &st, nullptr), db, text.c_str());
  return st;
}

void Exec(sqlite3* db, const char* text) { CheckSql(sqlite3_exec(db, text, nullptr, nullptr, nullptr), db, text); }

void BindText(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

// SQLite in memory: WITHOUT ROWID tables keyed by the text id (as the retrieve
// fixture), an index per kin index, on store_id (kin's belongsTo adjacency) and on
// the pivot's other column. Rows are copied from kin, the indexes built afterwards.
void BuildSqlite(QueryFixture& f, const Layout& l) {
  CheckSql(sqlite3_open(":memory:", &f.sql), f.sql, "open");
  sqlite3* db = f.sql;
  Exec(db,
       "CREATE TABLE stores(id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,"
       " updated_at TEXT NOT NULL, deleted_at TEXT) WITHOUT ROWID;"
       "CREATE TABLE products(id TEXT PRIMARY KEY, title TEXT NOT NULL, price INTEGER NOT NULL, code TEXT NOT NULL,"
       " category TEXT NOT NULL, store_id TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
       " deleted_at TEXT) WITHOUT ROWID;"
       "CREATE TABLE orders(id TEXT PRIMARY KEY, reference TEXT NOT NULL, note TEXT NOT NULL,"
       " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT) WITHOUT ROWID;"
       "CREATE TABLE product_orders(product_id TEXT NOT NULL, order_id TEXT NOT NULL,"
       " PRIMARY KEY(product_id, order_id)) WITHOUT ROWID;"
       "BEGIN");
  ReadView view = f.db->Read();
  const Schema& s = f.db->schema();
  auto copy = [&](const char* model_name, const char* insert, const std::vector<const char*>& columns) {
    const ModelId model = s.FindModel(model_name);
    const ModelDef& m = s.model(model);
    std::vector<SlotId> slots;
    for (const char* c : columns) slots.push_back(m.FindProperty(c)->slot);
    sqlite3_stmt* st = Prepare(db, insert);
    view.ForEach(model, [&](RecordRef r) {
      int col = 1;
      BindText(st, col++, r.id());
      for (SlotId slot : slots) {
        const Value& v = r.Get(slot);
        if (v.type() == ValueType::kInt) sqlite3_bind_int64(st, col++, v.as_int());
        else BindText(st, col++, v.as_text());
      }
      BindText(st, col++, FormatTimestamp(r.Get(m.created_at).as_time()));
      BindText(st, col++, FormatTimestamp(r.Get(m.updated_at).as_time()));
      CheckSql(sqlite3_step(st), db, insert);
      sqlite3_reset(st);
      return true;
    });
    sqlite3_finalize(st);
  };
  copy("Store", "INSERT INTO stores VALUES(?,?,?,?,NULL)", {"name"});
  copy("Product", "INSERT INTO products VALUES(?,?,?,?,?,?,?,?,NULL)", {"title", "price", "code", "category", "store_id"});
  copy("Order", "INSERT INTO orders VALUES(?,?,?,?,?,NULL)", {"reference", "note"});
  std::vector<std::pair<int, int>> links;  // (product, order), inserted in key order
  for (int j = 0; j < l.orders; ++j)
    for (int p : l.order_products[j]) links.emplace_back(p, j);
  std::sort(links.begin(), links.end());
  sqlite3_stmt* st = Prepare(db, "INSERT INTO product_orders VALUES(?,?)");
  for (auto [p, j] : links) {
    BindText(st, 1, ProductId(p));
    BindText(st, 2, OrderId(j));
    CheckSql(sqlite3_step(st), db, "insert link");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  Exec(db,
       "CREATE INDEX products_price ON products(price);"
       "CREATE INDEX products_code ON products(code);"
       "CREATE INDEX products_category ON products(category);"
       "CREATE INDEX products_store ON products(store_id);"
       "CREATE UNIQUE INDEX orders_reference ON orders(reference);"
       "CREATE INDEX order_products ON product_orders(order_id, product_id);"
       "COMMIT; ANALYZE;");
}

// listProducts' JSON object of one row, in kin's field order.
constexpr const char* kRowJson =
    "json_object('id', id, 'title', title, 'price', price, 'code', code, 'category', category, 'store_id', store_id,"
    " 'created_at', created_at, 'updated_at', updated_at, 'deleted_at', deleted_at)";

struct ShapeSql {
  Shape shape;
  std::string tail;  // FROM ... WHERE ... ORDER BY ... LIMIT
};

std::vector<ShapeSql> ShapeTails() {
  const std::string related =
      "FROM products WHERE id IN (SELECT po.product_id FROM orders o JOIN product_orders po ON po.order_id = o.id"
      " WHERE o.";
  return {
      {Shape::kFkEq, "FROM products WHERE store_id = ?1 ORDER BY id"},
      {Shape::kIndexEq, "FROM products WHERE code = ?1 ORDER BY id"},
      {Shape::kIndexRangeTake, "FROM products WHERE price >= ?1 ORDER BY price, id LIMIT 10"},
      {Shape::kInIds, "FROM products WHERE id IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ORDER BY id"},
      {Shape::kRelationFilter, related + "reference = ?1) ORDER BY id"},
      {Shape::kRelationFilterUnindexed, related + "note = ?1) ORDER BY id"},
      // kin orders ties by id ascending; every price is distinct, so `price DESC`
      // alone gives the same rows and lets SQLite walk its index backwards.
      {Shape::kOrderTake, "FROM products ORDER BY price DESC LIMIT 10"},
      {Shape::kCount, "FROM products WHERE category = ?1 ORDER BY id LIMIT 10"},
  };
}

void MakeShapes(QueryFixture& f, const Layout& l, std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
  const Json take10 = {{"take", 10}};
  f.shape(Shape::kIndexRangeTake).config = {{"order", {{"price", "ASC"}}}, {"take", 10}};
  f.shape(Shape::kOrderTake).config = {{"order", {{"price", "DESC"}}}, {"take", 10}};
  f.shape(Shape::kCount).config = take10;
  f.shape(Shape::kCount).count = true;
  f.shape(Shape::kCount).method = "listAndCountProducts";
  for (int k = 0; k < kShapeCount; ++k) {
    const Shape shape = static_cast<Shape>(k);
    ShapeData& d = f.shapes[k];
    for (int i = 0; i < kSamples; ++i) {
      QuerySample q;
      switch (shape) {
        case Shape::kFkEq: q.texts = {StoreId(pick(l.stores))}; q.filter = {{"store_id", q.texts[0]}}; break;
        case Shape::kIndexEq: q.texts = {Code(pick(l.codes))}; q.filter = {{"code", q.texts[0]}}; break;
        case Shape::kIndexRangeTake:
          q.number = pick(l.n);
          q.filter = {{"price", {{"$gte", *q.number}}}};
          break;
        case Shape::kInIds: {
          std::unordered_set<int> seen;
          Json ids = Json::array();
          while (q.texts.size() < 10)
            if (int p = pick(l.n); seen.insert(p).second) {
              q.texts.push_back(ProductId(p));
              ids.push_back(q.texts.back());
            }
          q.filter = {{"id", std::move(ids)}};
          break;
        }
        case Shape::kRelationFilter: {
          q.texts = {Reference(pick(l.orders))};
          q.filter = {{"orders", {{"reference", q.texts[0]}}}};
          break;
        }
        case Shape::kRelationFilterUnindexed:
          q.texts = {Note(pick(l.orders))};
          q.filter = {{"orders", {{"note", q.texts[0]}}}};
          break;
        case Shape::kOrderTake: q.filter = Json::object(); break;
        case Shape::kCount: q.texts = {Category(pick(l.categories))}; q.filter = {{"category", q.texts[0]}}; break;
      }
      q.args = Json::array({q.filter, d.config.is_null() ? Json::object() : d.config});
      d.samples.push_back(std::move(q));
    }
  }
  for (const ShapeSql& s : ShapeTails()) {
    ShapeData& d = f.shape(s.shape);
    d.rows = Prepare(f.sql, "SELECT id, title, price, store_id " + s.tail);
    std::string page = "(SELECT json_group_array(" + std::string(kRowJson) + ") FROM (SELECT * " + s.tail + "))";
    if (d.count) {
      d.count_rows = Prepare(f.sql, "SELECT count(*) FROM products WHERE category = ?1");
      d.json = Prepare(f.sql, "SELECT '[' || " + page + " || ',' || (SELECT count(*) FROM products WHERE category = ?1)"
                              " || ']'");
    } else {
      d.json = Prepare(f.sql, "SELECT " + page);
    }
  }
}

std::string ColumnText(sqlite3_stmt* st, int col) {
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, col)),
                     static_cast<size_t>(sqlite3_column_bytes(st, col)));
}

// Compares kin and SQLite on the first samples of a shape: the JSON texts byte for
// byte, the ids of the rows and the count. Also records kin's plan of the first.
void Check(QueryFixture& f, Shape shape) {
  ShapeData& d = f.shape(shape);
  const ModelDef& m = f.db->schema().model(f.product_model);
  for (int i = 0; i < kChecked && d.check.empty(); ++i) {
    const QuerySample& q = d.samples[i];
    auto kin_text = f.db->CallText(d.method, q.args);  // no view open on this thread: it takes the lock itself
    BindSample(d.json, q);
    std::string sql_text = sqlite3_step(d.json) == SQLITE_ROW ? ColumnText(d.json, 0) : "(no row)";
    sqlite3_reset(d.json);
    ReadView view = f.db->Read();
    std::string kin_ids, sql_ids;
    if (auto rows = view.List(f.product_model, q.filter, d.config); rows.ok())
      for (const RecordRef& r : rows.value()) kin_ids += std::string(r.id()) + " ";
    BindSample(d.rows, q);
    while (sqlite3_step(d.rows) == SQLITE_ROW) sql_ids += ColumnText(d.rows, 0) + " ";
    sqlite3_reset(d.rows);
    if (d.count) {
      auto n = view.Count(f.product_model, q.filter, d.config);
      BindSample(d.count_rows, q);
      sqlite3_step(d.count_rows);
      const int64_t sql_n = sqlite3_column_int64(d.count_rows, 0);
      sqlite3_reset(d.count_rows);
      if (!n.ok() || static_cast<int64_t>(n.value()) != sql_n) d.check = Cat("count differs, sqlite ", sql_n);
    }
    if (!kin_text.ok() || kin_text.value() != sql_text)
      d.check = "JSON differs:\n kin:    " + (kin_text.ok() ? kin_text.value() : kin_text.status().ToString()) +
                "\n sqlite: " + sql_text;
    else if (kin_ids != sql_ids || kin_ids.empty())
      d.check = "rows differ:\n kin:    " + kin_ids + "\n sqlite: " + sql_ids;
  }
  // The plan, through the same core calls ReadView::List makes.
  ReadView view = f.db->Read();
  const QuerySample& q = d.samples[0];
  auto filter = api::ParseFilter(f.db->schema(), m, q.filter);
  auto config = api::ParseReadConfig(f.db->schema(), m, d.config);
  if (filter.ok() && config.ok()) {
    QueryRequest request;
    request.filter = &filter.value();
    request.order = config.value().order;
    request.take = config.value().take;
    request.count = d.count;
    QueryResult r = RunQuery(api::ViewAccess::StoreOf(view), m, request);
    d.plan = r.plan + ", examined " + std::to_string(r.examined) + ", rows " + std::to_string(r.rows.size());
    d.examined = r.examined;
  }
}

// SQLite's plan of a statement, its EXPLAIN QUERY PLAN details joined by "; ".
std::string SqlitePlan(sqlite3* db, sqlite3_stmt* st) {
  sqlite3_stmt* explain = Prepare(db, std::string("EXPLAIN QUERY PLAN ") + sqlite3_sql(st));
  std::string out;
  while (sqlite3_step(explain) == SQLITE_ROW) out += (out.empty() ? "" : "; ") + ColumnText(explain, 3);
  sqlite3_finalize(explain);
  return out;
}

}  // namespace

const char* ShapeName(Shape s) {
  static const char* const names[] = {"fk_eq",   "index_eq",   "index_range_take",          "in_ids",
                                      "relation_filter", "relation_filter_unindexed", "order_take", "count"};
  return names[static_cast<int>(s)];
}

void BindSample(sqlite3_stmt* st, const QuerySample& sample) {
  if (sample.number) sqlite3_bind_int64(st, 1, *sample.number);
  for (size_t i = 0; i < sample.texts.size(); ++i)
    sqlite3_bind_text(st, static_cast<int>(i + 1), sample.texts[i].data(), static_cast<int>(sample.texts[i].size()),
                      SQLITE_STATIC);
}

QueryFixture& QueryFixture::Get(int records) {
  static std::map<int, std::unique_ptr<QueryFixture>> fixtures;  // benchmarks run on one thread
  auto& f = fixtures[records];
  if (!f) {
    f = std::make_unique<QueryFixture>();
    f->Build(records);
  }
  return *f;
}

void QueryFixture::Build(int n) {
  records = n;
  std::fprintf(stderr, "kin_bench: building the query dataset of %d products, %d orders, %d stores...\n", n,
               2 * n / kProductsPerOrder, n / kProductsPerStore);
  std::mt19937_64 rng(20261203 + static_cast<uint64_t>(n));
  const Layout layout = MakeLayout(n, rng);
  auto start = std::chrono::steady_clock::now();
  uint64_t heap0 = HeapInUse();
  BuildKin(*this, layout);
  kin_bytes = HeapInUse() - heap0;
  kin_build_seconds = SecondsSince(start);
  start = std::chrono::steady_clock::now();
  const int64_t sql0 = sqlite3_memory_used();
  BuildSqlite(*this, layout);
  sqlite_bytes = static_cast<uint64_t>(sqlite3_memory_used() - sql0);
  sqlite_build_seconds = SecondsSince(start);
  BuildRaw(*this, layout);
  MakeShapes(*this, layout, rng);
  std::fprintf(stderr, "kin_bench: %d products: kin built in %.1f s (%.0f MB), SQLite in %.1f s (%.0f MB)\n", n,
               kin_build_seconds, static_cast<double>(kin_bytes) / 1e6, sqlite_build_seconds,
               static_cast<double>(sqlite_bytes) / 1e6);
  for (int k = 0; k < kShapeCount; ++k) {
    Check(*this, static_cast<Shape>(k));
    const ShapeData& d = shapes[k];
    std::fprintf(stderr, "kin_bench:   %-26s kin plan: %s\n%-41s SQLite: %s%s%s\n", ShapeName(static_cast<Shape>(k)),
                 d.plan.c_str(), "", SqlitePlan(sql, d.rows).c_str(), d.check.empty() ? "" : "\n  MISMATCH ",
                 d.check.c_str());
  }
}

}  // namespace kin::bench
