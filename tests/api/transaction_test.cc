// Transactions (SPEC.md sections 2 and 9): several calls applied as one atomic unit,
// all or none, with results in call order and later calls seeing earlier ones.

#include <string>
#include <vector>

#include "tests/api/test_util.h"

namespace {

using kin::CallRequest;
using kin::ErrorType;
using kin::Json;
using kin::testing::operator""_j;
using kin::testing::Dump;
using kin::testing::Ok;
using kin::testing::OpenFixture;

// Runs a transaction that must succeed; returns its results.
Json TxOk(kin::Database& db, const std::vector<CallRequest>& calls) {
  auto r = db.Transaction(calls);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return r.value();
}

// Runs a transaction that must fail and change nothing; returns the error.
kin::Status TxFails(kin::Database& db, const std::vector<CallRequest>& calls) {
  auto before = Dump(db);
  auto r = db.Transaction(calls);
  INFO((r.ok() ? r.value().dump() : r.status().ToString()));
  REQUIRE_FALSE(r.ok());
  CHECK(Dump(db) == before);
  return r.status();
}

std::unique_ptr<kin::Database> Seed() {
  auto db = OpenFixture("seed");
  Ok(*db, "createStores", R"([{"id": "s1", "name": "Main"}])"_j);
  Ok(*db, "createProducts", R"([[{"id": "p1", "title": "Shirt", "store_id": "s1"}]])"_j);
  return db;
}

}  // namespace

TEST_CASE("a transaction returns the results of its calls in call order", "[transaction]") {
  auto db = Seed();
  Json r = TxOk(*db, {CallRequest{"createStores", R"([{"id": "s2", "name": "Second"}])"_j},
                      CallRequest{"listStores", R"([])"_j},
                      CallRequest{"deleteProducts", R"(["p1"])"_j},
                      CallRequest{"softDeleteStores", R"(["s2"])"_j}});
  REQUIRE(r.is_array());
  REQUIRE(r.size() == 4);
  CHECK(r[0]["id"] == "s2");
  CHECK(r[0]["name"] == "Second");
  REQUIRE(r[1].size() == 2);
  CHECK(r[1][1]["id"] == "s2");
  CHECK(r[2].is_null());
  CHECK(r[3] == R"({"store_id": ["s2"]})"_j);
}

TEST_CASE("an empty transaction returns an empty array", "[transaction]") {
  auto db = Seed();
  auto before = Dump(*db);
  CHECK(TxOk(*db, {}) == Json::array());
  CHECK(Dump(*db) == before);
}

TEST_CASE("later calls of a transaction see the writes of earlier ones", "[transaction]") {
  auto db = Seed();
  Json r = TxOk(*db, {CallRequest{"createStores", R"([{"id": "s2", "name": "Second"}])"_j},
                      CallRequest{"createProducts", R"([{"id": "p2", "title": "Hat", "store_id": "s2"}])"_j},
                      CallRequest{"retrieveStore", R"(["s2", {"relations": ["products"]}])"_j},
                      CallRequest{"updateProducts", R"([{"id": "p2", "title": "Cap"}])"_j},
                      CallRequest{"listProducts", R"([{"store_id": "s2"}])"_j}});
  CHECK(r[1]["store_id"] == "s2");
  REQUIRE(r[2]["products"].size() == 1);
  CHECK(r[2]["products"][0]["id"] == "p2");
  CHECK(r[3]["title"] == "Cap");
  REQUIRE(r[4].size() == 1);
  CHECK(r[4][0]["title"] == "Cap");

  Json product = Ok(*db, "retrieveProduct", R"(["p2", {"relations": ["store"]}])"_j);
  CHECK(product["title"] == "Cap");
  CHECK(product["store"]["name"] == "Second");
}

TEST_CASE("a transaction whose later call fails applies none of its calls", "[transaction]") {
  auto db = Seed();
  auto s = TxFails(*db, {CallRequest{"createStores", R"([{"id": "s2", "name": "Second"}])"_j},
                         CallRequest{"updateProducts", R"([{"id": "p1", "title": "Changed"}])"_j},
                         CallRequest{"deleteStores", R"(["s1"])"_j},
                         CallRequest{"createProducts", R"([{"title": "Hat", "store_id": "s9"}])"_j}});
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "You tried to set relationship store_id: s9, but such entity does not exist");
  CHECK(Ok(*db, "retrieveProduct", R"(["p1"])"_j)["title"] == "Shirt");
  CHECK(Ok(*db, "listStores", R"([])"_j).size() == 1);
}

TEST_CASE("a failing transaction reports the failing call's error", "[transaction]") {
  auto db = Seed();
  auto s = TxFails(*db, {CallRequest{"createStores", R"([{"id": "s2"}])"_j},
                         CallRequest{"retrieveStore", R"(["s9"])"_j}});
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Store with id: s9 was not found");

  s = TxFails(*db, {CallRequest{"createStores", R"([{"id": "s2"}])"_j},
                    CallRequest{"updateProducts", R"([{"id": "p9", "title": "X"}])"_j}});
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Product with id \"p9\" not found");

  s = TxFails(*db, {CallRequest{"createStores", R"([{"id": "s2"}])"_j},
                    CallRequest{"createStores", R"([{"id": "s2"}])"_j}});
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Store with id: s2, already exists.");
}

TEST_CASE("a transaction naming an unknown method is invalid_argument and applies nothing", "[transaction]") {
  auto db = Seed();
  auto s = TxFails(*db, {CallRequest{"createStores", R"([{"id": "s2"}])"_j},
                         CallRequest{"createWidgets", R"([{"id": "w1"}])"_j}});
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("createWidgets"));
}

TEST_CASE("a transaction with malformed arguments is invalid_argument and applies nothing", "[transaction]") {
  auto db = Seed();
  auto s = TxFails(*db, {CallRequest{"createStores", R"([{"id": "s2"}])"_j},
                         CallRequest{"createStores", R"({"id": "s3"})"_j}});
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("args"));
}

TEST_CASE("a transaction undoes cascades, links and soft deletes of its calls when it fails", "[transaction]") {
  auto db = Seed();
  Ok(*db, "createOrders", R"([{"id": "o1", "products": ["p1"]}])"_j);
  auto s = TxFails(*db, {CallRequest{"deleteStores", R"(["s1"])"_j},
                         CallRequest{"updateOrders", R"([{"id": "o1", "products": []}])"_j},
                         CallRequest{"softDeleteProducts", R"(["p1"])"_j},
                         CallRequest{"deleteOrders", R"(["o1"])"_j},
                         CallRequest{"retrieveOrder", R"(["o1"])"_j}});
  CHECK(s.type() == ErrorType::kNotFound);
  Json order = Ok(*db, "retrieveOrder", R"(["o1", {"relations": ["products"]}])"_j);
  REQUIRE(order["products"].size() == 1);
  CHECK(order["products"][0]["store_id"] == "s1");
}

TEST_CASE("the database stays usable after a failed transaction", "[transaction]") {
  auto db = Seed();
  (void)TxFails(*db, {CallRequest{"createStores", R"([{"id": "s2"}])"_j},
                      CallRequest{"createProducts", R"([{"store_id": "s9"}])"_j}});
  Json r = TxOk(*db, {CallRequest{"createStores", R"([{"id": "s2"}])"_j},
                      CallRequest{"createProducts", R"([{"id": "p2", "store_id": "s2"}])"_j}});
  CHECK(r[1]["store_id"] == "s2");
  CHECK(Ok(*db, "listStores", R"([])"_j).size() == 2);
}
