// SPEC.md section 2 (update: input forms, untouched properties, updated_at, metadata
// merge) and section 7 (update errors). Relationship updates are in relationship_test.cc.

#include <chrono>
#include <string>
#include <thread>

#include "tests/api/test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;


const char* kCatalog = R"({"models": {
  "Product": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "title": {"type": "text"},
    "description": {"type": "text", "nullable": true},
    "handle": {"type": "text", "unique": true, "nullable": true},
    "quantity": {"type": "number", "default": 0},
    "status": {"type": "enum", "values": ["draft", "published"], "default": "draft"},
    "metadata": {"type": "json", "nullable": true},
    "attributes": {"type": "json", "nullable": true},
    "tags": {"type": "array", "nullable": true}}}
}})";

// A catalog with p1, p2, p3 (titles "one", "two", "three").
std::unique_ptr<Database> Catalog() {
  auto db = OpenJson(kCatalog);
  Ok(*db, "createProducts", R"([[{"id": "p1", "title": "one", "description": "first", "quantity": 1},
                                  {"id": "p2", "title": "two", "description": "second", "quantity": 2},
                                  {"id": "p3", "title": "three", "description": "third", "quantity": 3}]])"_j);
  return db;
}

Json Update(Database& db, const std::string& data) { return Ok(db, "updateProducts", Json::array({Json::parse(data)})); }

Json Get(Database& db, const std::string& id) { return Ok(db, "retrieveProduct", Json::array({id})); }

// The error of an update that must fail; checks that it changed nothing.
Status UpdateFails(Database& db, const std::string& data) {
  auto before = Dump(db);
  Status s = Fails(db, "updateProducts", Json::array({Json::parse(data)}));
  CHECK(Dump(db) == before);
  return s;
}

std::vector<std::string> Ids(const Json& rows) {
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r["id"]);
  return ids;
}

// Timestamps have millisecond resolution: let the clock move before an update.
void Tick() { std::this_thread::sleep_for(std::chrono::milliseconds(5)); }

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("update with {id, ...} returns the updated object", "[update]") {
  auto db = Catalog();
  Json p = Update(*db, R"({"id": "p1", "title": "uno"})");
  REQUIRE(p.is_object());
  CHECK(p["id"] == "p1");
  CHECK(p["title"] == "uno");
  CHECK(Get(*db, "p1") == p);
}

TEST_CASE("update with an array returns an array ordered by primary key", "[update]") {
  auto db = Catalog();
  Json rows = Update(*db, R"([{"id": "p3", "title": "tres"}, {"id": "p1", "title": "uno"}])");
  REQUIRE(rows.is_array());
  CHECK(Ids(rows) == Strings{"p1", "p3"});
  CHECK(rows[0]["title"] == "uno");
  CHECK(rows[1]["title"] == "tres");
  CHECK(Get(*db, "p2")["title"] == "two");
}

TEST_CASE("update with an empty array returns an empty array", "[update]") {
  auto db = Catalog();
  auto before = Dump(*db);
  CHECK(Update(*db, "[]") == Json::array());
  CHECK(Dump(*db) == before);
}

TEST_CASE("update with {selector, data} updates every match and returns them ordered by primary key", "[update]") {
  auto db = Catalog();
  Json rows = Update(*db, R"({"selector": {"quantity": {"$gte": 2}}, "data": {"status": "published"}})");
  REQUIRE(rows.is_array());
  CHECK(Ids(rows) == Strings{"p2", "p3"});
  for (const auto& r : rows) CHECK(r["status"] == "published");
  CHECK(Get(*db, "p1")["status"] == "draft");
}

TEST_CASE("update with a selector that matches nothing returns an empty array", "[update]") {
  auto db = Catalog();
  auto before = Dump(*db);
  CHECK(Update(*db, R"({"selector": {"title": "none"}, "data": {"title": "x"}})") == Json::array());
  CHECK(Dump(*db) == before);
}

TEST_CASE("update with an array mixing {id, ...} and {selector, data} items returns the selector results first",
          "[update]") {
  auto db = Catalog();
  Json r = Update(*db, R"([{"id": "p1", "description": "a"}, {"selector": {"quantity": {"$gte": 2}}, "data": {"title": "b"}}])");
  CHECK(Ids(r) == Strings{"p2", "p3", "p1"});
  CHECK(r[0]["title"] == "b");
  CHECK(r[2]["description"] == "a");
  r = Update(*db, R"([{"id": "p3", "quantity": 7}, {"id": "p1", "quantity": 8},
                      {"selector": {"id": "p2"}, "data": {"quantity": 9}}, {"selector": {"id": "p3"}, "data": {"title": "c"}}])");
  CHECK(Ids(r) == Strings{"p2", "p3", "p1"});
  CHECK(Get(*db, "p3")["quantity"] == 7);
  CHECK(Get(*db, "p3")["title"] == "c");
  CHECK(Get(*db, "p2")["quantity"] == 9);
}

TEST_CASE("update with a mixed array and an unknown id is not_found and changes nothing", "[update]") {
  auto db = Catalog();
  Status s = UpdateFails(*db, R"([{"selector": {"id": "p1"}, "data": {"title": "x"}}, {"id": "p9", "title": "y"}])");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Product with id \"p9\" not found");
  s = UpdateFails(*db, R"([{"selector": {"id": "p1"}, "data": "x"}, {"id": "p2"}])");
  CHECK(s.type() == ErrorType::kInvalidArgument);
}

TEST_CASE("update with a selector leaves soft-deleted records alone", "[update]") {
  auto db = Catalog();
  Ok(*db, "softDeleteProducts", R"(["p2"])"_j);
  Json rows = Update(*db, R"({"selector": {}, "data": {"description": "all"}})");
  CHECK(Ids(rows) == Strings{"p1", "p3"});
  Json p2 = Ok(*db, "retrieveProduct", R"(["p2", {"withDeleted": true}])"_j);
  CHECK(p2["description"] == "second");
}

TEST_CASE("update leaves properties that are not given untouched", "[update]") {
  auto db = Catalog();
  Ok(*db, "updateProducts", R"([{"id": "p1", "tags": ["a"], "metadata": {"k": "v"}, "handle": "h1"}])"_j);
  Json before = Get(*db, "p1");
  Json after = Update(*db, R"({"id": "p1", "title": "uno"})");
  for (const char* k : {"description", "handle", "quantity", "status", "metadata", "attributes", "tags",
                        "created_at", "deleted_at"}) {
    INFO(k);
    CHECK(after[k] == before[k]);
  }
}

TEST_CASE("update moves updated_at and keeps created_at", "[update]") {
  auto db = Catalog();
  Json before = Get(*db, "p1");
  Tick();
  Json after = Update(*db, R"({"id": "p1", "title": "uno"})");
  CHECK(after["created_at"] == before["created_at"]);
  CHECK(after["updated_at"].get<std::string>() > before["updated_at"].get<std::string>());
  CHECK(Get(*db, "p2")["updated_at"] == before["updated_at"]);
}

TEST_CASE("update with a selector moves updated_at of every match", "[update]") {
  auto db = Catalog();
  Json before = Get(*db, "p1");
  Tick();
  Json rows = Update(*db, R"({"selector": {"id": ["p1", "p2"]}, "data": {"quantity": 9}})");
  REQUIRE(rows.size() == 2);
  for (const auto& r : rows) CHECK(r["updated_at"].get<std::string>() > before["updated_at"].get<std::string>());
}

TEST_CASE("update sets a nullable property to null", "[update]") {
  auto db = Catalog();
  CHECK(Update(*db, R"({"id": "p1", "description": null})")["description"].is_null());
}

TEST_CASE("update merges metadata one level deep and removes keys set to an empty string", "[update]") {
  auto db = Catalog();
  Update(*db, R"({"id": "p1", "metadata": {"key1": "v1"}})");
  CHECK(Update(*db, R"({"id": "p1", "metadata": {"key1": "", "key2": "k2"}})")["metadata"] ==
        R"({"key2": "k2"})"_j);
  CHECK(Update(*db, R"({"id": "p1", "metadata": {"key3": 3}})")["metadata"] ==
        R"({"key2": "k2", "key3": 3})"_j);
}

TEST_CASE("update replaces nested objects inside metadata instead of merging them", "[update]") {
  auto db = Catalog();
  Update(*db, R"({"id": "p1", "metadata": {"nested": {"a": 1, "b": 2}, "keep": true}})");
  CHECK(Update(*db, R"({"id": "p1", "metadata": {"nested": {"c": 3}}})")["metadata"] ==
        R"({"nested": {"c": 3}, "keep": true})"_j);
}

TEST_CASE("update merges metadata into a record that had none", "[update]") {
  auto db = Catalog();
  CHECK(Update(*db, R"({"id": "p1", "metadata": {"a": "1", "b": ""}})")["metadata"] == R"({"a": "1"})"_j);
}

TEST_CASE("update sets metadata to null", "[update]") {
  auto db = Catalog();
  Update(*db, R"({"id": "p1", "metadata": {"a": 1}})");
  CHECK(Update(*db, R"({"id": "p1", "metadata": null})")["metadata"].is_null());
}

TEST_CASE("update replaces json properties other than metadata", "[update]") {
  auto db = Catalog();
  Update(*db, R"({"id": "p1", "attributes": {"key1": "v1", "size": "L"}})");
  CHECK(Update(*db, R"({"id": "p1", "attributes": {"key1": "", "key2": "k2"}})")["attributes"] ==
        R"({"key1": "", "key2": "k2"})"_j);
}

TEST_CASE("update replaces an array property", "[update]") {
  auto db = Catalog();
  Update(*db, R"({"id": "p1", "tags": ["a", "b"]})");
  CHECK(Update(*db, R"({"id": "p1", "tags": ["c"]})")["tags"] == R"(["c"])"_j);
}

TEST_CASE("update of unknown ids is not_found listing them", "[update]") {
  auto db = Catalog();
  Status s = UpdateFails(*db, R"([{"id": "p1", "title": "uno"}, {"id": "x1"}, {"id": "x2"}])");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == R"(Product with id "x1, x2" not found)");
  CHECK(Get(*db, "p1")["title"] == "one");
}

TEST_CASE("update of one unknown id is not_found", "[update]") {
  auto db = OpenJson(kCatalog);
  Status s = UpdateFails(*db, R"({"id": "p1", "title": "uno"})");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == R"(Product with id "p1" not found)");
}

TEST_CASE("update of a soft-deleted record is not_found", "[update]") {
  auto db = Catalog();
  Ok(*db, "softDeleteProducts", R"(["p2"])"_j);
  Status s = UpdateFails(*db, R"({"id": "p2", "title": "dos"})");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == R"(Product with id "p2" not found)");
}

TEST_CASE("update without an id is invalid_argument", "[update]") {
  auto db = Catalog();
  Status s = UpdateFails(*db, R"({"title": "no id"})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("updateProducts"));
}

TEST_CASE("update with a value of the wrong type is invalid_data and changes nothing", "[update]") {
  auto db = Catalog();
  Status s = UpdateFails(*db, R"([{"id": "p1", "title": "uno"}, {"id": "p2", "quantity": "many"}])");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("quantity"));
}

TEST_CASE("update with a value outside an enum is invalid_data", "[update]") {
  auto db = Catalog();
  Status s = UpdateFails(*db, R"({"id": "p1", "status": "archived"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("status") && Catch::Contains("draft"));
}

TEST_CASE("update with an unknown property is invalid_data", "[update]") {
  auto db = Catalog();
  Status s = UpdateFails(*db, R"({"id": "p1", "colour": "red"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("colour"));
}

TEST_CASE("update setting a required property to null is invalid_data: You must pass a non-null value", "[update]") {
  auto db = Catalog();
  Status s = UpdateFails(*db, R"({"id": "p1", "title": null})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "You must pass a non-null value to the property title of entity Product.");
  s = UpdateFails(*db, R"({"selector": {"id": "p1"}, "data": {"title": null}})");
  CHECK(s.message() == "You must pass a non-null value to the property title of entity Product.");
}

TEST_CASE("update to a unique value another record holds is invalid_data", "[update]") {
  auto db = Catalog();
  Update(*db, R"({"id": "p1", "handle": "shirt"})");
  Status s = UpdateFails(*db, R"({"id": "p2", "handle": "shirt"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Product with handle: shirt, already exists.");
  CHECK(Update(*db, R"({"id": "p1", "handle": "shirt"})")["handle"] == "shirt");  // its own value is no clash
}

TEST_CASE("update with a selector that fails on one match changes nothing", "[update]") {
  auto db = Catalog();
  Update(*db, R"({"id": "p3", "handle": "taken"})");
  Status s = UpdateFails(*db, R"({"selector": {"id": ["p1", "p2"]}, "data": {"handle": "taken"}})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Product with handle: taken, already exists.");
}

TEST_CASE("update cannot change the primary key", "[update]") {
  // SPEC.md is silent; Medusa identifies the record by id and never rewrites it.
  auto db = Catalog();
  Status s = UpdateFails(*db, R"({"selector": {"id": "p1"}, "data": {"id": "p9"}})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("id"));
}

TEST_CASE("the typed model handle updates like the named method", "[update]") {
  auto db = Catalog();
  auto products = db->Model("Product");
  REQUIRE(products.ok());
  auto one = products->Update(R"({"id": "p2", "title": "dos"})"_j);
  REQUIRE(one.ok());
  CHECK(one.value()["title"] == "dos");
  auto before = Dump(*db);
  auto missing = products->Update(R"([{"id": "p8"}, {"id": "p9"}])"_j);
  REQUIRE_FALSE(missing.ok());
  CHECK(Dump(*db) == before);
  CHECK(missing.status().type() == ErrorType::kNotFound);
  CHECK(missing.status().message() == R"(Product with id "p8, p9" not found)");
}
