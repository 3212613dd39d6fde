// Query plans (docs/queries.md), shape by shape: each is taken, returns what a
// scan would, and what it reads does not grow with the model.
//
// The deterministic tests build one data set with 100 and with 1,000 unrelated
// records per model and check, through RunQuery, that each plan shape is taken and
// reads as many records at both sizes.

#include <string>
#include <vector>

#include "api/database_access.h"
#include "tests/api/query_plan_util.h"

namespace {

using namespace kin;
using kin::testing::operator""_j;
using kin::testing::Ok;
using kin::testing::OpenJson;
using namespace kin::testing::plan;

}  // namespace

// ---- plan shapes --------------------------------------------------------------------

namespace {

std::string Num(int i) { return (i < 10 ? "0" : "") + std::to_string(i); }

// Stores s1 (S1, north, manager m1 of level 7) s2 (S2, south, m2 of level 3) s3 (S3,
// east); products p01..p60: title "Product NN", sku KNN, code CNN, price 1 + NN % 5,
// stock NN % 7, live up to p10 (draft after), p01-p05 in s1, p06-p10 in s2, the rest
// in s3; categories c1 (Tech: p01 p02 p03) c2 (Home: p03); orders o1 (R1: p01 p02)
// o2 (R2: p03). Then `extra` records of every model that no shape names: stores in
// the west with their own managers, retired products without a price, store or
// links, categories named Misc, orders with their own lines of extra products.
std::unique_ptr<Database> ShapeDb(int extra) {
  auto db = OpenJson(kShopSchema);
  Ok(*db, "createStores", R"([[{"id": "s1", "name": "S1", "region": "north"},
                               {"id": "s2", "name": "S2", "region": "south"},
                               {"id": "s3", "name": "S3", "region": "east"}]])"_j);
  Ok(*db, "createManagers", R"([[{"id": "m1", "name": "Ann", "level": 7, "store_id": "s1"},
                                 {"id": "m2", "name": "Bob", "level": 3, "store_id": "s2"}]])"_j);
  Ok(*db, "createCategories", R"([[{"id": "c1", "name": "Tech"}, {"id": "c2", "name": "Home"}]])"_j);
  Json products = Json::array();
  for (int i = 1; i <= 60; ++i) {
    products.push_back({{"id", "p" + Num(i)}, {"title", "Product " + Num(i)}, {"sku", "K" + Num(i)},
                        {"code", "C" + Num(i)}, {"price", 1 + i % 5}, {"stock", i % 7},
                        {"status", i <= 10 ? "live" : "draft"}, {"store_id", i <= 5 ? "s1" : i <= 10 ? "s2" : "s3"}});
  }
  products[0]["categories"] = Json::array({"c1"});
  products[1]["categories"] = Json::array({"c1"});
  products[2]["categories"] = Json::array({"c1", "c2"});
  Ok(*db, "createProducts", Json::array({products}));
  Ok(*db, "createOrders", R"([[{"id": "o1", "reference": "R1", "priority": 1},
                               {"id": "o2", "reference": "R2", "priority": 2}]])"_j);
  Ok(*db, "createOrderLines", R"([[{"id": "l1", "order_id": "o1", "product_id": "p01", "quantity": 2},
                                   {"id": "l2", "order_id": "o1", "product_id": "p02"},
                                   {"id": "l3", "order_id": "o2", "product_id": "p03"}]])"_j);
  Json stores = Json::array(), managers = Json::array(), categories = Json::array(), orders = Json::array();
  products = Json::array();
  Json lines = Json::array();
  for (int i = 0; i < extra; ++i) {
    const std::string n = std::to_string(i);
    stores.push_back({{"id", "xs" + n}, {"name", "XS" + n}, {"region", "west"}});
    managers.push_back({{"id", "xm" + n}, {"name", "Extra"}, {"level", 100}, {"store_id", "xs" + n}});
    categories.push_back({{"id", "xc" + n}, {"name", "Misc"}});
    products.push_back({{"id", "xp" + n}, {"title", "Extra"}, {"stock", 1000}, {"status", "retired"}});
    orders.push_back({{"id", "xo" + n}, {"reference", "XR" + n}, {"priority", 9}});
    lines.push_back({{"id", "xl" + n}, {"order_id", "xo" + n}, {"product_id", "xp" + n}, {"quantity", 50}});
  }
  Ok(*db, "createStores", Json::array({stores}));
  Ok(*db, "createManagers", Json::array({managers}));
  Ok(*db, "createCategories", Json::array({categories}));
  Ok(*db, "createProducts", Json::array({products}));
  Ok(*db, "createOrders", Json::array({orders}));
  Ok(*db, "createOrderLines", Json::array({lines}));
  return db;
}

// The shape data with 100 and with 1,000 extra records per model; read only.
struct ShapeDbs {
  std::unique_ptr<Database> small = ShapeDb(100), large = ShapeDb(1000);
};

const ShapeDbs& Shapes() {
  static const ShapeDbs dbs;
  return dbs;
}

// Lists `model` by `filter` and `config` at both sizes: the plan must be `plan` at
// both, read as many records at both, and find what a forced scan finds. Returns the
// ids found.
std::vector<std::string> RequirePlan(const std::string& model, const Json& filter, const std::string& plan,
                                     const Json& config = nullptr) {
  INFO(model << " " << filter.dump() << " " << config.dump());
  const Planned small = RunPlanned(*Shapes().small, model, filter, config);
  const Planned large = RunPlanned(*Shapes().large, model, filter, config);
  CHECK(small.plan == plan);
  CHECK(large.plan == plan);
  CHECK(small.examined == large.examined);
  CHECK(small.ids == large.ids);
  ScopedForceScan scan;
  CHECK(RunPlanned(*Shapes().large, model, filter, config).ids == large.ids);
  return large.ids;
}

// Lists `model` by `filter`, which no plan serves: one pass over the model, with the
// rows a forced scan finds. Returns the ids found (at the larger size).
std::vector<std::string> RequireScan(const std::string& model, const Json& filter) {
  INFO(model << " " << filter.dump());
  Database& db = *Shapes().large;
  const Planned planned = RunPlanned(db, model, filter);
  CHECK(planned.plan == "scan " + model);
  CHECK(planned.examined == api::ViewAccess::StoreOf(db.Read()).Count(db.schema().FindModel(model)));
  ScopedForceScan scan;
  CHECK(RunPlanned(db, model, filter).ids == planned.ids);
  return planned.ids;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("an id and an $in of ids are looked up", "[plan]") {
  CHECK(RequirePlan("Product", R"({"id": "p03"})"_j, "ids Product (1)") == Ids{"p03"});
  CHECK(RequirePlan("Product", R"({"id": ["p03", "p01", "nope"]})"_j, "ids Product (3)") == Ids{"p01", "p03"});
  CHECK(RequirePlan("Product", R"({"id": {"$in": ["p07", "p02"]}})"_j, "ids Product (2)") == Ids{"p02", "p07"});
}

TEST_CASE("equality on a unique or plain index probes the index", "[plan]") {
  CHECK(RequirePlan("Product", R"({"sku": "K03"})"_j, "index Product(sku) (1 keys)") == Ids{"p03"});
  CHECK(RequirePlan("Store", R"({"region": "north"})"_j, "index Store(region) (1 keys)") == Ids{"s1"});
  CHECK(RequirePlan("Manager", R"({"level": {"$in": [3, 7]}})"_j, "index Manager(level) (2 keys)") == Ids{"m1", "m2"});
}

TEST_CASE("a composite index answers its leading property and its leading two", "[plan]") {
  CHECK(RequirePlan("Product", R"({"status": "live"})"_j, "index range Product(status,stock)").size() == 10);
  CHECK(RequirePlan("Product", R"({"status": "live", "stock": 3})"_j, "index range Product(status,stock)") ==
        Ids{"p03", "p10"});
  CHECK(RequirePlan("Product", R"({"code": "C02", "store_id": "s1"})"_j, "index range Product(code,store_id)") ==
        Ids{"p02"});
  CHECK(RequirePlan("Order", R"({"priority": 1})"_j, "index range Order(priority,placed_at,total)") == Ids{"o1"});
}

TEST_CASE("a range on an index with take and order on it reads the index in order", "[plan]") {
  // 36 of the 60 products cost 3 or more: at both sizes, a walk of the index to the
  // first of them is estimated cheaper than reading the range and sorting it.
  const Json config = R"({"order": {"price": "ASC"}, "take": 1})"_j;
  CHECK(RequirePlan("Product", R"({"price": {"$gte": 3}})"_j, "index range Product(price) (read in order)", config) ==
        Ids{"p02"});
  CHECK(RequirePlan("Product", R"({"price": {"$gt": 1, "$lte": 3}})"_j, "index range Product(price)") ==
        RequirePlan("Product", R"({"price": [2, 3]})"_j, "index Product(price) (2 keys)"));
}

TEST_CASE("ids or keys with take and an order on their property are read as candidates, not walked", "[plan]") {
  // A walk of the whole index to find two keys would read the model.
  CHECK(RequirePlan("Product", R"({"id": ["p07", "p02"]})"_j, "ids Product (2)", R"({"take": 10})"_j) ==
        Ids{"p02", "p07"});
  CHECK(RequirePlan("Product", R"({"sku": {"$in": ["K07", "K02"]}})"_j, "index Product(sku) (2 keys)",
                    R"({"order": {"sku": "DESC"}, "take": 10})"_j) == Ids{"p07", "p02"});
}

TEST_CASE("a walk in order reads the composite range the plan found, not the whole leading key", "[plan]") {
  // status = "live" holds 10 products at both sizes; the walk reads only those with
  // stock >= 3, in (status, stock) order, not every live product.
  const Json config = R"({"order": {"status": "ASC"}, "take": 2})"_j;
  const Json filter = R"({"status": "live", "stock": {"$gte": 3}})"_j;
  const Planned small = RunPlanned(*Shapes().small, "Product", filter, config);
  const Planned large = RunPlanned(*Shapes().large, "Product", filter, config);
  const size_t in_range = RunPlanned(*Shapes().large, "Product", filter).ids.size();
  CHECK(in_range < 10);
  CHECK(small.examined == large.examined);
  CHECK(large.examined == in_range);  // the group of equal status is read whole
  ScopedForceScan scan;
  CHECK(RunPlanned(*Shapes().large, "Product", filter, config).ids == large.ids);
}

TEST_CASE("an ascending walk of a one-property index stops at the page inside a run of ties", "[plan]") {
  // Stock 0 is shared by several products: the first of them is the page.
  const Json config = R"({"order": {"stock": "ASC"}, "take": 1})"_j;
  CHECK(RequirePlan("Product", nullptr, "index range Product(stock) (read in order)", config).size() == 1);
  CHECK(RunPlanned(*Shapes().large, "Product", nullptr, config).examined == 1);
}

TEST_CASE("a take too large to multiply changes no plan", "[plan]") {
  // 2^59 products times the model's size wraps a 64-bit cost to 0.
  const Json huge = Json::parse(R"({"take": 576460752303423488})");
  CHECK(RequirePlan("Product", R"({"sku": "K03"})"_j, "index Product(sku) (1 keys)", huge) == Ids{"p03"});
}

TEST_CASE("order on an indexed property with take reads the first rows of the index", "[plan]") {
  // The extra products have no price: they sort after every price.
  const Json config = R"({"order": {"price": "ASC", "id": "DESC"}, "take": 3})"_j;
  CHECK(RequirePlan("Product", nullptr, "index range Product(price) (read in order)", config) ==
        Ids{"p60", "p55", "p50"});
}

TEST_CASE("a foreign key walks the parent's children", "[plan]") {
  const Ids s1 = {"p01", "p02", "p03", "p04", "p05"};
  CHECK(RequirePlan("Product", R"({"store_id": "s1"})"_j, "children Product.store of 1 Store") == s1);
  CHECK(RequirePlan("Product", R"({"store": "s1"})"_j, "children Product.store of 1 Store") == s1);
  CHECK(RequirePlan("Product", R"({"store_id": {"$in": ["s2", "s1"]}})"_j, "children Product.store of 2 Store")
            .size() == 10);
  CHECK(RequirePlan("Manager", R"({"store_id": "s2"})"_j, "children Manager.store of 1 Store") == Ids{"m2"});
}

TEST_CASE("a relation filter walks back from the matching related records", "[plan]") {
  SECTION("belongsTo") {
    CHECK(RequirePlan("Product", R"({"store": {"name": "S1"}})"_j,
                      "related Product.store <- index Store(name) (1 keys)") == Ids{"p01", "p02", "p03", "p04", "p05"});
  }
  SECTION("hasMany") {
    CHECK(RequirePlan("Store", R"({"products": {"sku": "K07"}})"_j,
                      "related Store.products <- index Product(sku) (1 keys)") == Ids{"s2"});
  }
  SECTION("hasOne") {
    CHECK(RequirePlan("Store", R"({"manager": {"level": 7}})"_j,
                      "related Store.manager <- index Manager(level) (1 keys)") == Ids{"s1"});
  }
  SECTION("automatic manyToMany, both sides") {
    CHECK(RequirePlan("Product", R"({"categories": {"name": "Tech"}})"_j,
                      "related Product.categories <- index Category(name) (1 keys)") == Ids{"p01", "p02", "p03"});
    CHECK(RequirePlan("Product", R"({"categories": "c2"})"_j, "related Product.categories <- ids Category (1)") ==
          Ids{"p03"});
    CHECK(RequirePlan("Category", R"({"products": {"sku": "K03"}})"_j,
                      "related Category.products <- index Product(sku) (1 keys)") == Ids{"c1", "c2"});
  }
  SECTION("manyToMany through a pivotEntity, both sides") {
    CHECK(RequirePlan("Product", R"({"orders": {"reference": "R1"}})"_j,
                      "related Product.orders <- index Order(reference) (1 keys)") == Ids{"p01", "p02"});
    CHECK(RequirePlan("Order", R"({"products": {"sku": "K03"}})"_j,
                      "related Order.products <- index Product(sku) (1 keys)") == Ids{"o2"});
  }
  SECTION("two levels") {
    CHECK(RequirePlan("Store", R"({"products": {"orders": {"reference": "R2"}}})"_j,
                      "related Store.products <- related Product.orders <- index Order(reference) (1 keys)") ==
          Ids{"s1"});
  }
}

TEST_CASE("$and is answered by its most selective input", "[plan]") {
  CHECK(RequirePlan("Product", R"({"status": "live", "sku": "K03"})"_j, "index Product(sku) (1 keys)") == Ids{"p03"});
  CHECK(RequirePlan("Product", R"({"$and": [{"store_id": "s3"}, {"sku": "K20"}]})"_j, "index Product(sku) (1 keys)") ==
        Ids{"p20"});
  CHECK(RequirePlan("Product", R"({"store_id": "s1", "orders": {"reference": "R2"}})"_j,
                    "related Product.orders <- index Order(reference) (1 keys)") == Ids{"p03"});
}

TEST_CASE("$or is the union of its planned branches", "[plan]") {
  CHECK(RequirePlan("Product", R"({"$or": [{"sku": "K03"}, {"store_id": "s1"}]})"_j,
                    "union(index Product(sku) (1 keys), children Product.store of 1 Store)") ==
        Ids{"p01", "p02", "p03", "p04", "p05"});
  CHECK(RequirePlan("Product", R"({"$or": [{"id": "p09"}, {"categories": "c2"}]})"_j,
                    "union(ids Product (1), related Product.categories <- ids Category (1))") == Ids{"p03", "p09"});
}

TEST_CASE("a filter no plan serves is one pass over the model, with the same rows", "[plan]") {
  CHECK(RequireScan("Product", R"({"title": {"$ne": "Product 01"}})"_j).size() == 60 + 1000 - 1);
  CHECK(RequireScan("Product", R"({"title": {"$like": "Product 1%"}})"_j).size() == 10);
  CHECK(RequireScan("Product", R"({"$not": {"sku": {"$ne": "K01"}}})"_j).size() == 1000 + 1);
  CHECK(RequireScan("Product", R"({"q": "product 05"})"_j) == Ids{"p05"});
}

TEST_CASE("$or with one branch no plan serves scans", "[plan]") {
  CHECK(RequireScan("Product", R"({"$or": [{"sku": "K03"}, {"title": {"$like": "%05"}}]})"_j) == Ids{"p03", "p05"});
}

// ---- the public report of a plan ------------------------------------------------------

TEST_CASE("ReadView::Explain reports the plan a list runs with what it read and found", "[plan]") {
  Database& db = *Shapes().large;
  const ModelId product = db.schema().FindModel("Product");
  const Json by_store = R"({"store_id": "s1"})"_j;
  const Planned planned = RunPlanned(db, "Product", by_store);
  auto report = db.Read().Explain(product, by_store);
  REQUIRE(report.ok());
  CHECK(report->plan == "children Product.store of 1 Store");
  CHECK(report->plan == planned.plan);
  CHECK(report->examined == planned.examined);
  CHECK(report->rows == 5);

  // With `count`, as listAndCount: every match counted, the page as asked.
  report = db.Read().Explain(product, R"({"price": {"$gte": 3}})"_j, R"({"order": {"price": "ASC"}, "take": 2})"_j,
                             true);
  REQUIRE(report.ok());
  CHECK(report->plan == "index range Product(price)");
  CHECK(report->rows == 2);
  CHECK(report->count == db.Read().Count(product, R"({"price": {"$gte": 3}})"_j).value());

  report = db.Read().Explain(product, R"({"title": {"$like": "%05"}})"_j);
  REQUIRE(report.ok());
  CHECK(report->plan == "scan Product");
  CHECK(report->rows == 1);

  for (const Json& config : {R"({"take": 0})"_j, R"({"take": 0, "skip": 3})"_j}) {
    report = db.Read().Explain(product, Json::object(), config);
    REQUIRE(report.ok());
    CHECK(report->plan == "none");
    CHECK(report->examined == 0);
  }

  // A page read in order names the walk it reads, not the plan it passed over.
  report = db.Read().Explain(product, R"({"store_id": "s3"})"_j, R"({"take": 1})"_j);
  REQUIRE(report.ok());
  CHECK(report->plan == "scan Product (read in order)");
  report = db.Read().Explain(product, R"({"store_id": "s3"})"_j, R"({"order": {"price": "DESC"}, "take": 1})"_j);
  REQUIRE(report.ok());
  CHECK(report->plan == "index range Product(price) (read in order)");
  report = db.Read().Explain(product, R"({"store_id": "s3", "price": {"$lt": 3}})"_j,
                             R"({"order": {"price": "ASC"}, "take": 1})"_j);  // a few candidates, sorted
  REQUIRE(report.ok());
  CHECK(report->plan == "index range Product(store_id,price,title)");
  report = db.Read().Explain(product, R"({"id": {"$gte": "p50"}})"_j, R"({"take": 1})"_j);
  REQUIRE(report.ok());
  CHECK(report->plan == "id range Product (read in order)");

  // Bad input is refused as list refuses it.
  auto bad = db.Read().Explain(product, R"({"nope": 1})"_j);
  REQUIRE(!bad.ok());
  CHECK(bad.status().type() == ErrorType::kInvalidData);
  CHECK(bad.status().message() == db.Read().List(product, R"({"nope": 1})"_j).status().message());
  bad = db.Read().Explain(product, Json::object(), R"({"take": -1})"_j);
  REQUIRE(!bad.ok());
  CHECK(bad.status().type() == ErrorType::kInvalidArgument);
  CHECK(bad.status().message() == db.Read().List(product, Json::object(), R"({"take": -1})"_j).status().message());
}
