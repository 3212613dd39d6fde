// SPEC.md section 3: managing relationships from either side (belongsTo, hasOne,
// hasMany, manyToMany, pivotEntity), unknown ids and one-to-one uniqueness.
// Fixtures: seed (User-Email one-to-one, Store-Product one-to-many, Product-Order
// manyToMany), blog (Author-Profile with a required foreign key), pivot
// (Order-Product through OrderProduct).

#include <algorithm>
#include <string>
#include <vector>

#include "tests/api/test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;


using Strings = std::vector<std::string>;

// Calls `method` with one argument given as JSON text.
Json Call(Database& db, const std::string& method, const std::string& arg) {
  return Ok(db, method, Json::array({Json::parse(arg)}));
}

// The error of a call that must fail; checks that it changed nothing.
Status CallFails(Database& db, const std::string& method, const std::string& arg) {
  auto before = Dump(db);
  Status s = Fails(db, method, Json::array({Json::parse(arg)}));
  CHECK(Dump(db) == before);
  return s;
}

// retrieve<Model>(id, {relations: [relation]}).
Json With(Database& db, const std::string& model, const std::string& id, const std::string& relation) {
  return Ok(db, "retrieve" + model, Json::array({id, {{"relations", Json::array({relation})}}}));
}

// The sorted ids of a relation loaded on a record.
Strings Linked(Database& db, const std::string& model, const std::string& id, const std::string& relation) {
  Strings ids;
  const Json record = With(db, model, id, relation);
  for (const auto& r : record[relation]) ids.push_back(r["id"]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Json Get(Database& db, const std::string& model, const std::string& id) {
  return Ok(db, "retrieve" + model, Json::array({id}));
}

// seed: stores s1, s2; products p1, p2, p3 (no store); orders o1, o2, o3;
// users u1, u2; emails e1, e2, e3 (no user).
std::unique_ptr<Database> Seed() {
  auto db = OpenFixture("seed");
  Call(*db, "createStores", R"([{"id": "s1"}, {"id": "s2"}])");
  Call(*db, "createProducts", R"([{"id": "p1"}, {"id": "p2"}, {"id": "p3"}])");
  Call(*db, "createOrders", R"([{"id": "o1"}, {"id": "o2"}, {"id": "o3"}])");
  Call(*db, "createUsers", R"([{"id": "u1"}, {"id": "u2"}])");
  Call(*db, "createEmails", R"([{"id": "e1"}, {"id": "e2"}, {"id": "e3"}])");
  return db;
}

// pivot: orders o1, o2; products p1, p2, p3; no links.
std::unique_ptr<Database> Pivot() {
  auto db = OpenFixture("pivot");
  Call(*db, "createOrders", R"([{"id": "o1"}, {"id": "o2"}])");
  Call(*db, "createProducts", R"([{"id": "p1"}, {"id": "p2"}, {"id": "p3"}])");
  return db;
}

}  // namespace

// ---- belongsTo side -------------------------------------------------------------

TEST_CASE("belongsTo is set on create through {relation}_id", "[relations]") {
  auto db = Seed();
  CHECK(Call(*db, "createProducts", R"({"id": "p9", "store_id": "s1"})")["store_id"] == "s1");
  CHECK(Linked(*db, "Store", "s1", "products") == Strings{"p9"});
  CHECK(With(*db, "Product", "p9", "store")["store"]["id"] == "s1");
}

TEST_CASE("belongsTo is set on create through the relation name with an id", "[relations]") {
  auto db = Seed();
  CHECK(Call(*db, "createProducts", R"({"id": "p9", "store": "s2"})")["store_id"] == "s2");
  CHECK(Linked(*db, "Store", "s2", "products") == Strings{"p9"});
}

TEST_CASE("belongsTo is changed on update through {relation}_id or the relation name", "[relations]") {
  auto db = Seed();
  Call(*db, "updateProducts", R"({"id": "p1", "store_id": "s1"})");
  CHECK(Call(*db, "updateProducts", R"({"id": "p1", "store": "s2"})")["store_id"] == "s2");
  CHECK(Linked(*db, "Store", "s1", "products").empty());
  CHECK(Linked(*db, "Store", "s2", "products") == Strings{"p1"});
  CHECK(Call(*db, "updateProducts", R"({"id": "p1", "store_id": "s1"})")["store_id"] == "s1");
  CHECK(Linked(*db, "Store", "s1", "products") == Strings{"p1"});
}

TEST_CASE("null unsets a nullable belongsTo", "[relations]") {
  auto db = Seed();
  Call(*db, "updateProducts", R"([{"id": "p1", "store_id": "s1"}, {"id": "p2", "store_id": "s1"}])");
  CHECK(Call(*db, "updateProducts", R"({"id": "p1", "store_id": null})")["store_id"].is_null());
  CHECK(Call(*db, "updateProducts", R"({"id": "p2", "store": null})")["store_id"].is_null());
  CHECK(Linked(*db, "Store", "s1", "products").empty());
  CHECK(With(*db, "Product", "p1", "store")["store"].is_null());
}

TEST_CASE("a required belongsTo cannot be left out or set to null", "[relations]") {
  auto db = OpenFixture("blog");
  Call(*db, "createAuthors", R"({"id": "a1", "name": "Ann"})");
  Call(*db, "createPosts", R"({"id": "post1", "title": "T", "author_id": "a1"})");
  Status missing = CallFails(*db, "createPosts", R"({"title": "T"})");
  CHECK(missing.type() == ErrorType::kInvalidData);
  CHECK(missing.message() == "Value for Post.author_id is required, 'undefined' found");
  Status null = CallFails(*db, "updatePosts", R"({"id": "post1", "author_id": null})");
  CHECK(null.type() == ErrorType::kInvalidData);
  CHECK_THAT(null.message(), Catch::Contains("Post") && Catch::Contains("author_id"));
}

TEST_CASE("an unknown parent id is not_found naming the foreign key", "[relations]") {
  auto db = Seed();
  Status s = CallFails(*db, "createProducts", R"([{"id": "p8", "store_id": "s1"}, {"id": "p9", "store_id": "s9"}])");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "You tried to set relationship store_id: s9, but such entity does not exist");
  Status u = CallFails(*db, "updateProducts", R"({"id": "p1", "store": "s9"})");
  CHECK(u.type() == ErrorType::kNotFound);
  CHECK(u.message() == "You tried to set relationship store_id: s9, but such entity does not exist");
}

TEST_CASE("a soft-deleted parent cannot be pointed at", "[relations]") {
  auto db = Seed();
  Ok(*db, "softDeleteStores", R"(["s2"])"_j);
  Status s = CallFails(*db, "createProducts", R"({"store_id": "s2"})");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "You tried to set relationship store_id: s2, but such entity does not exist");
}

// ---- hasOne side ----------------------------------------------------------------

TEST_CASE("hasOne on create points the child's foreign key at the new record", "[relations]") {
  auto db = Seed();
  Call(*db, "createUsers", R"({"id": "u9", "email": "e1"})");
  CHECK(Get(*db, "Email", "e1")["user_id"] == "u9");
  CHECK(With(*db, "User", "u9", "email")["email"]["id"] == "e1");
}

TEST_CASE("hasOne on update points the child's foreign key at the record", "[relations]") {
  auto db = Seed();
  Call(*db, "updateUsers", R"({"id": "u1", "email": "e2"})");
  CHECK(Get(*db, "Email", "e2")["user_id"] == "u1");
}

TEST_CASE("hasOne moves a child that belonged to another parent", "[relations]") {
  auto db = Seed();
  Call(*db, "updateEmails", R"({"id": "e1", "user_id": "u1"})");
  Call(*db, "updateUsers", R"({"id": "u2", "email": "e1"})");
  CHECK(Get(*db, "Email", "e1")["user_id"] == "u2");
  CHECK(With(*db, "User", "u1", "email")["email"].is_null());
  CHECK(With(*db, "User", "u2", "email")["email"]["id"] == "e1");
}

TEST_CASE("hasOne with a new child nulls the previous child's nullable foreign key", "[relations]") {
  auto db = Seed();
  Call(*db, "updateEmails", R"({"id": "e1", "user_id": "u1"})");
  Call(*db, "updateUsers", R"({"id": "u1", "email": "e2"})");
  CHECK(Get(*db, "Email", "e1")["user_id"].is_null());
  CHECK(Get(*db, "Email", "e2")["user_id"] == "u1");
  CHECK(With(*db, "User", "u1", "email")["email"]["id"] == "e2");
}

TEST_CASE("hasOne with a new child fails when the previous child's foreign key is required", "[relations]") {
  auto db = OpenFixture("blog");
  Call(*db, "createAuthors", R"([{"id": "a1", "name": "Ann"}, {"id": "a2", "name": "Bob"}])");
  Call(*db, "createProfiles", R"([{"id": "pr1", "author_id": "a1"}, {"id": "pr2", "author_id": "a2"}])");
  Status s = CallFails(*db, "updateAuthors", R"({"id": "a1", "profile": "pr2"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("author_id") && Catch::Contains("a1"));
  CHECK(Get(*db, "Profile", "pr1")["author_id"] == "a1");
  CHECK(Get(*db, "Profile", "pr2")["author_id"] == "a2");
}

TEST_CASE("hasOne moves a child whose foreign key is required", "[relations]") {
  auto db = OpenFixture("blog");
  Call(*db, "createAuthors", R"([{"id": "a1", "name": "Ann"}, {"id": "a2", "name": "Bob"}])");
  Call(*db, "createProfiles", R"({"id": "pr1", "author_id": "a1"})");
  Call(*db, "updateAuthors", R"({"id": "a2", "profile": "pr1"})");
  CHECK(Get(*db, "Profile", "pr1")["author_id"] == "a2");
  CHECK(With(*db, "Author", "a1", "profile")["profile"].is_null());
}

TEST_CASE("a soft-deleted previous child does not block a new hasOne child", "[relations]") {
  // Soft-deleted records are invisible (SPEC.md section 6), so they hold no one-to-one slot.
  auto db = OpenFixture("blog");
  Call(*db, "createAuthors", R"({"id": "a1", "name": "Ann"})");
  Call(*db, "createProfiles", R"({"id": "pr1", "author_id": "a1"})");
  Ok(*db, "softDeleteProfiles", R"(["pr1"])"_j);
  Call(*db, "createAuthors", R"({"id": "a2", "name": "Bob"})");
  Call(*db, "createProfiles", R"({"id": "pr2", "author_id": "a2"})");
  Call(*db, "updateAuthors", R"({"id": "a1", "profile": "pr2"})");
  CHECK(Get(*db, "Profile", "pr2")["author_id"] == "a1");
  CHECK(With(*db, "Author", "a1", "profile")["profile"]["id"] == "pr2");
}

TEST_CASE("hasOne set to null lets go of the child", "[relations]") {
  // SPEC.md says null unsets a nullable relation on the belongsTo side; the hasOne
  // side does what a Medusa user expects of the same input: the child is let go.
  auto db = Seed();
  Call(*db, "updateEmails", R"({"id": "e1", "user_id": "u1"})");
  Call(*db, "updateUsers", R"({"id": "u1", "email": null})");
  CHECK(Get(*db, "Email", "e1")["user_id"].is_null());
}

TEST_CASE("hasOne with an unknown child id is not_found", "[relations]") {
  auto db = Seed();
  Status s = CallFails(*db, "createUsers", R"({"id": "u9", "email": "e9"})");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK_THAT(s.message(), Catch::StartsWith("You tried to set relationship ") &&
                              Catch::EndsWith(": e9, but such entity does not exist"));
}

TEST_CASE("two children of one one-to-one parent are invalid_data", "[relations]") {
  auto db = Seed();
  Call(*db, "updateEmails", R"({"id": "e1", "user_id": "u1"})");
  Status s = CallFails(*db, "createEmails", R"({"user_id": "u1"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Email with user_id: u1, already exists.");
  Status u = CallFails(*db, "updateEmails", R"({"id": "e2", "user": "u1"})");
  CHECK(u.type() == ErrorType::kInvalidData);
  CHECK(u.message() == "Email with user_id: u1, already exists.");
}

TEST_CASE("a soft-deleted child does not count for one-to-one uniqueness", "[relations]") {
  auto db = Seed();
  Call(*db, "updateEmails", R"({"id": "e1", "user_id": "u1"})");
  Ok(*db, "softDeleteEmails", R"(["e1"])"_j);
  CHECK(Call(*db, "createEmails", R"({"id": "e9", "user_id": "u1"})")["user_id"] == "u1");
  CHECK(With(*db, "User", "u1", "email")["email"]["id"] == "e9");
}

// ---- one-to-many ----------------------------------------------------------------

TEST_CASE("ids in a hasMany property are invalid_data naming the belongsTo property", "[relations]") {
  auto db = Seed();
  Status c = CallFails(*db, "createStores", R"({"id": "s9", "products": ["p1"]})");
  CHECK(c.type() == ErrorType::kInvalidData);
  CHECK_THAT(c.message(), Catch::Contains("store_id"));
  Status u = CallFails(*db, "updateStores", R"({"id": "s1", "products": ["p1", "p2"]})");
  CHECK(u.type() == ErrorType::kInvalidData);
  CHECK_THAT(u.message(), Catch::Contains("store_id"));
}

// ---- manyToMany ------------------------------------------------------------------

TEST_CASE("manyToMany ids on create link the records, from either side", "[relations]") {
  auto db = Seed();
  Call(*db, "createProducts", R"({"id": "p9", "orders": ["o1", "o2"]})");
  Call(*db, "createOrders", R"({"id": "o9", "products": ["p1", "p9"]})");
  CHECK(Linked(*db, "Product", "p9", "orders") == Strings{"o1", "o2", "o9"});
  CHECK(Linked(*db, "Order", "o9", "products") == Strings{"p1", "p9"});
  CHECK(Linked(*db, "Order", "o1", "products") == Strings{"p9"});
  CHECK(Linked(*db, "Product", "p1", "orders") == Strings{"o9"});
}

TEST_CASE("manyToMany ids on update replace the linked set", "[relations]") {
  auto db = Seed();
  Call(*db, "updateProducts", R"({"id": "p1", "orders": ["o1", "o2"]})");
  Call(*db, "updateProducts", R"({"id": "p1", "orders": ["o2", "o3"]})");
  CHECK(Linked(*db, "Product", "p1", "orders") == Strings{"o2", "o3"});
  CHECK(Linked(*db, "Order", "o1", "products").empty());
  Call(*db, "updateOrders", R"({"id": "o2", "products": ["p2"]})");
  CHECK(Linked(*db, "Order", "o2", "products") == Strings{"p2"});
  CHECK(Linked(*db, "Product", "p1", "orders") == Strings{"o3"});
}

TEST_CASE("manyToMany update with an empty array unlinks all", "[relations]") {
  auto db = Seed();
  Call(*db, "updateProducts", R"({"id": "p1", "orders": ["o1", "o2"]})");
  Call(*db, "updateProducts", R"({"id": "p1", "orders": []})");
  CHECK(Linked(*db, "Product", "p1", "orders").empty());
  CHECK(Linked(*db, "Order", "o1", "products").empty());
}

TEST_CASE("manyToMany update without the property keeps the links", "[relations]") {
  auto db = Seed();
  Call(*db, "updateProducts", R"({"id": "p1", "orders": ["o1"]})");
  Call(*db, "updateProducts", R"({"id": "p1", "title": "t"})");
  CHECK(Linked(*db, "Product", "p1", "orders") == Strings{"o1"});
}

TEST_CASE("manyToMany $add links without replacing", "[relations]") {
  auto db = Seed();
  Call(*db, "updateProducts", R"({"id": "p1", "orders": ["o1"]})");
  Call(*db, "updateProducts", R"({"id": "p1", "orders": {"$add": ["o2", "o1"]}})");
  CHECK(Linked(*db, "Product", "p1", "orders") == Strings{"o1", "o2"});
}

TEST_CASE("manyToMany $remove unlinks only the ids given", "[relations]") {
  auto db = Seed();
  Call(*db, "updateOrders", R"({"id": "o1", "products": ["p1", "p2", "p3"]})");
  Call(*db, "updateOrders", R"({"id": "o1", "products": {"$remove": ["p2", "p3"]}})");
  CHECK(Linked(*db, "Order", "o1", "products") == Strings{"p1"});
  CHECK(Linked(*db, "Product", "p2", "orders").empty());
}

TEST_CASE("manyToMany ids given twice link once", "[relations]") {
  auto db = Seed();
  Call(*db, "createProducts", R"({"id": "p9", "orders": ["o1", "o1"]})");
  CHECK(Linked(*db, "Product", "p9", "orders") == Strings{"o1"});
}

TEST_CASE("manyToMany with an operator other than $add and $remove is invalid_data", "[relations]") {
  auto db = Seed();
  Status s = CallFails(*db, "updateProducts", R"({"id": "p1", "orders": {"$set": ["o1"]}})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("orders") && Catch::Contains("$set"));
}

TEST_CASE("manyToMany with an unknown id is not_found naming the target's id column", "[relations]") {
  auto db = Seed();
  Call(*db, "updateProducts", R"({"id": "p1", "orders": ["o1"]})");
  Status c = CallFails(*db, "createProducts", R"({"id": "p9", "orders": ["o1", "o9"]})");
  CHECK(c.type() == ErrorType::kNotFound);
  CHECK(c.message() == "You tried to set relationship order_id: o9, but such entity does not exist");
  Status u = CallFails(*db, "updateOrders", R"({"id": "o1", "products": {"$add": ["p9"]}})");
  CHECK(u.type() == ErrorType::kNotFound);
  CHECK(u.message() == "You tried to set relationship product_id: p9, but such entity does not exist");
  Status r = CallFails(*db, "updateProducts", R"({"id": "p1", "orders": ["o9"]})");
  CHECK(r.type() == ErrorType::kNotFound);
  CHECK(r.message() == "You tried to set relationship order_id: o9, but such entity does not exist");
}

TEST_CASE("manyToMany with a value that is not a list of ids is invalid_data", "[relations]") {
  auto db = Seed();
  Status s = CallFails(*db, "updateProducts", R"({"id": "p1", "orders": "o1"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("orders"));
}

// ---- pivotEntity -----------------------------------------------------------------

TEST_CASE("a pivotEntity has its own create, update and delete", "[relations]") {
  auto db = Pivot();
  Json link = Call(*db, "createOrderProducts",
                   R"({"id": "op1", "order_id": "o1", "product_id": "p1", "quantity": 3, "metadata": {"gift": true}})");
  CHECK(link["quantity"] == 3);
  CHECK(Linked(*db, "Order", "o1", "products") == Strings{"p1"});
  CHECK(Linked(*db, "Product", "p1", "orders") == Strings{"o1"});
  CHECK(Call(*db, "updateOrderProducts", R"({"id": "op1", "quantity": 5})")["quantity"] == 5);
  Ok(*db, "deleteOrderProducts", R"(["op1"])"_j);
  CHECK(Linked(*db, "Order", "o1", "products").empty());
  CHECK(Linked(*db, "Product", "p1", "orders").empty());
}

TEST_CASE("a pivotEntity record with an unknown side is not_found", "[relations]") {
  auto db = Pivot();
  Status s = CallFails(*db, "createOrderProducts", R"({"order_id": "o1", "product_id": "p9"})");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "You tried to set relationship product_id: p9, but such entity does not exist");
}

TEST_CASE("links made through either side create pivot records with default columns", "[relations]") {
  auto db = Pivot();
  Call(*db, "updateOrders", R"({"id": "o1", "products": ["p1"]})");
  Call(*db, "createProducts", R"({"id": "p9", "orders": ["o2"]})");
  Json pivots = Ok(*db, "listOrderProducts", R"([{}, {"order": {"product_id": "ASC"}}])"_j);
  REQUIRE(pivots.size() == 2);
  CHECK(pivots[0]["order_id"] == "o1");
  CHECK(pivots[0]["product_id"] == "p1");
  CHECK(pivots[1]["order_id"] == "o2");
  CHECK(pivots[1]["product_id"] == "p9");
  CHECK(With(*db, "Order", "o1", "products")["products"][0]["$pivot"]["quantity"] == 1);
  for (const auto& p : pivots) {
    CHECK(p["quantity"] == 1);
    CHECK(p["metadata"].is_null());
    CHECK(p["id"].get<std::string>().size() == 26);
  }
}

TEST_CASE("manyToMany through a pivotEntity replaces, adds and removes pivot records", "[relations]") {
  auto db = Pivot();
  Call(*db, "updateOrders", R"({"id": "o1", "products": ["p1", "p2"]})");
  Call(*db, "updateOrders", R"({"id": "o1", "products": ["p2", "p3"]})");
  CHECK(Linked(*db, "Order", "o1", "products") == Strings{"p2", "p3"});
  CHECK(Ok(*db, "listOrderProducts", Json::array()).size() == 2);
  Call(*db, "updateProducts", R"({"id": "p1", "orders": {"$add": ["o1"]}})");
  CHECK(Linked(*db, "Order", "o1", "products") == Strings{"p1", "p2", "p3"});
  Call(*db, "updateOrders", R"({"id": "o1", "products": {"$remove": ["p2"]}})");
  CHECK(Linked(*db, "Order", "o1", "products") == Strings{"p1", "p3"});
  Call(*db, "updateOrders", R"({"id": "o1", "products": []})");
  CHECK(Linked(*db, "Order", "o1", "products").empty());
  CHECK(Ok(*db, "listOrderProducts", Json::array()).empty());
}

TEST_CASE("relations loaded through a pivotEntity carry the pivot columns under $pivot", "[relations]") {
  auto db = Pivot();
  Call(*db, "createOrderProducts", R"({"id": "op1", "order_id": "o1", "product_id": "p1", "quantity": 3,
                                       "metadata": {"gift": true}})");
  Json order = With(*db, "Order", "o1", "products");
  REQUIRE(order["products"].size() == 1);
  const Json& product = order["products"][0];
  CHECK(product["id"] == "p1");
  CHECK(product["$pivot"]["id"] == "op1");
  CHECK(product["$pivot"]["quantity"] == 3);
  CHECK(product["$pivot"]["metadata"] == R"({"gift": true})"_j);
  CHECK(product["$pivot"]["order_id"] == "o1");
  CHECK(product["$pivot"]["product_id"] == "p1");
  Json from_product = With(*db, "Product", "p1", "orders");
  REQUIRE(from_product["orders"].size() == 1);
  CHECK(from_product["orders"][0]["id"] == "o1");
  CHECK(from_product["orders"][0]["$pivot"]["quantity"] == 3);
}

TEST_CASE("manyToMany through a pivotEntity with an unknown id is not_found", "[relations]") {
  auto db = Pivot();
  Status s = CallFails(*db, "updateOrders", R"({"id": "o1", "products": ["p1", "p9"]})");
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "You tried to set relationship product_id: p9, but such entity does not exist");
  Status c = CallFails(*db, "createProducts", R"({"orders": ["o9"]})");
  CHECK(c.type() == ErrorType::kNotFound);
  CHECK(c.message() == "You tried to set relationship order_id: o9, but such entity does not exist");
}

// ---- a record linked to itself ------------------------------------------------------

namespace {

// People a and b, who can befriend each other (a manyToMany that is its own inverse)
// and follow each other (a manyToMany and its inverse on one model).
std::unique_ptr<Database> People() {
  auto db = OpenJson(R"({"models": {"Person": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "friends": {"type": "manyToMany", "model": "Person", "mappedBy": "friends"},
      "follows": {"type": "manyToMany", "model": "Person", "mappedBy": "followers"},
      "followers": {"type": "manyToMany", "model": "Person", "mappedBy": "follows"}}}}})");
  Call(*db, "createPeople", R"([{"id": "a"}, {"id": "b"}])");
  return db;
}

// The ids of the people matching `filter` (a loaded relation leaves out the record
// it is loaded under, so links to oneself are seen through filters).
Strings People(Database& db, const std::string& filter) {
  Strings ids;
  for (const auto& r : Call(db, "listPeople", filter)) ids.push_back(r["id"]);
  return ids;
}

}  // namespace

TEST_CASE("manyToMany of a model with itself replaces a record's link to itself", "[relations]") {
  auto db = People();
  Call(*db, "updatePeople", R"({"id": "a", "friends": ["a", "b"], "follows": ["a", "b"]})");
  CHECK(People(*db, R"({"friends": "a"})") == Strings{"a", "b"});
  CHECK(People(*db, R"({"followers": "a"})") == Strings{"a", "b"});
  Call(*db, "updatePeople", R"({"id": "a", "friends": ["b"], "follows": ["b"]})");
  CHECK(People(*db, R"({"friends": "a"})") == Strings{"b"});
  CHECK(People(*db, R"({"followers": "a"})") == Strings{"b"});
}

TEST_CASE("a failed call puts back the links of a deleted record to itself", "[relations]") {
  auto db = People();
  Call(*db, "updatePeople", R"({"id": "a", "friends": ["a", "b"], "follows": ["a", "b"]})");
  auto r = db->Transaction({CallRequest{"deletePeople", R"(["a"])"_j}, CallRequest{"retrievePerson", R"(["nope"])"_j}});
  REQUIRE_FALSE(r.ok());
  CHECK(People(*db, R"({"friends": "a"})") == Strings{"a", "b"});
  CHECK(People(*db, R"({"followers": "a"})") == Strings{"a", "b"});
  CHECK(People(*db, R"({"follows": "a"})") == Strings{"a"});
  Call(*db, "deletePeople", R"(["a"])");
  CHECK(People(*db, R"({"friends": "b"})").empty());
}
