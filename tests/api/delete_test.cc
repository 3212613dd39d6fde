// Deleting (SPEC.md section 6): permanent delete with cascade, set-null and restrict;
// softDelete and restore with their cascades and the maps of affected ids; what
// soft-deleted records are invisible to.

#include <string>
#include <vector>

#include "tests/api/test_util.h"

namespace {

using kin::ErrorType;
using kin::Json;
using kin::testing::operator""_j;
using kin::testing::Dump;
using kin::testing::Fails;
using kin::testing::Ok;
using kin::testing::SeededBlog;
using kin::testing::OpenFixture;
using kin::testing::OpenJson;

using Names = std::vector<std::string>;


// Store -cascade-> Product -cascade-> Variant; Review.product is required and not
// cascaded (restricts); Note.product is nullable (set to null).
const char* kShopSchema = R"({"models": {
  "Store": {"cascades": {"delete": ["products"]}, "properties": {
    "id": {"type": "id", "primaryKey": true},
    "products": {"type": "hasMany", "model": "Product", "mappedBy": "store"}}},
  "Product": {"cascades": {"delete": ["variants"]}, "properties": {
    "id": {"type": "id", "primaryKey": true},
    "store": {"type": "belongsTo", "model": "Store", "mappedBy": "products"},
    "variants": {"type": "hasMany", "model": "Variant", "mappedBy": "product"},
    "reviews": {"type": "hasMany", "model": "Review", "mappedBy": "product"},
    "notes": {"type": "hasMany", "model": "Note", "mappedBy": "product"}}},
  "Variant": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "product": {"type": "belongsTo", "model": "Product", "mappedBy": "variants"}}},
  "Review": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "product": {"type": "belongsTo", "model": "Product", "mappedBy": "reviews"}}},
  "Note": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "product": {"type": "belongsTo", "model": "Product", "mappedBy": "notes", "nullable": true}}}}})";

// Stores s1 (products pr1 [variants v1 v2], pr2 [v3]) and s2 (pr3 [v4]); note n1 on pr2.
std::unique_ptr<kin::Database> Shop() {
  auto db = OpenJson(kShopSchema);
  Ok(*db, "createStores", R"([[{"id": "s1"}, {"id": "s2"}]])"_j);
  Ok(*db, "createProducts", R"([[{"id": "pr1", "store_id": "s1"}, {"id": "pr2", "store_id": "s1"},
                                 {"id": "pr3", "store_id": "s2"}]])"_j);
  Ok(*db, "createVariants", R"([[{"id": "v1", "product_id": "pr1"}, {"id": "v2", "product_id": "pr1"},
                                 {"id": "v3", "product_id": "pr2"}, {"id": "v4", "product_id": "pr3"}]])"_j);
  Ok(*db, "createNotes", R"([{"id": "n1", "product_id": "pr2"}])"_j);
  return db;
}

// The ids of a list of records, in order.
Names Ids(const Json& rows) {
  Names out;
  for (const auto& r : rows) out.push_back(r.at("id").get<std::string>());
  return out;
}

// The ids of every record of a model (soft-deleted ones only `with_deleted`).
Names All(kin::Database& db, const std::string& plural, bool with_deleted = false) {
  return Ids(Ok(db, "list" + plural, Json::array({nullptr, {{"withDeleted", with_deleted}}})));
}

Json Retrieve(kin::Database& db, const std::string& model, const std::string& id) {
  return Ok(db, "retrieve" + model, Json::array({id, {{"withDeleted", true}}}));
}

bool SoftDeleted(kin::Database& db, const std::string& model, const std::string& id) {
  return Retrieve(db, model, id)["deleted_at"].is_string();
}

}  // namespace

// ---- delete ----------------------------------------------------------------------

TEST_CASE("delete by id removes the record permanently and returns null", "[delete]") {
  auto db = SeededBlog();
  CHECK(Ok(*db, "deletePosts", R"(["p2"])"_j).is_null());
  CHECK(All(*db, "Posts", true) == Names{"p1", "p3"});
  auto s = Fails(*db, "retrievePost", R"(["p2", {"withDeleted": true}])"_j);
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Post with id: p2 was not found");
}

TEST_CASE("delete takes an array of ids", "[delete]") {
  auto db = SeededBlog();
  CHECK(Ok(*db, "deletePosts", R"([["p1", "p3"]])"_j).is_null());
  CHECK(All(*db, "Posts", true) == Names{"p2"});
}

TEST_CASE("delete takes a filter object", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "deletePosts", R"([{"views": {"$lt": 15}}])"_j);
  CHECK(All(*db, "Posts", true) == Names{"p3"});
}

TEST_CASE("delete takes an array of ids and filter objects", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "deletePosts", R"([[{"title": "Hello World"}, "p3"]])"_j);
  CHECK(All(*db, "Posts", true) == Names{"p2"});
}

TEST_CASE("delete of ids that match nothing changes nothing", "[delete]") {
  auto db = SeededBlog();
  auto before = Dump(*db);
  CHECK(Ok(*db, "deletePosts", R"(["nope"])"_j).is_null());
  CHECK(Ok(*db, "deletePosts", R"([[]])"_j).is_null());
  CHECK(Ok(*db, "deletePosts", R"([{"views": 1000}])"_j).is_null());
  CHECK(Dump(*db) == before);
}

TEST_CASE("delete removes a soft-deleted record too", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "softDeletePosts", R"(["p2"])"_j);
  Ok(*db, "deletePosts", R"(["p2"])"_j);
  CHECK(All(*db, "Posts", true) == Names{"p1", "p3"});
}

TEST_CASE("delete cascades to the children of cascading relations", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "deleteAuthors", R"(["a2"])"_j);
  CHECK(All(*db, "Authors", true) == Names{"a1", "a3"});
  CHECK(All(*db, "Posts", true) == Names{"p1", "p2"});
}

TEST_CASE("delete cascades recursively", "[delete]") {
  auto db = Shop();
  Ok(*db, "deleteStores", R"(["s1"])"_j);
  CHECK(All(*db, "Stores", true) == Names{"s2"});
  CHECK(All(*db, "Products", true) == Names{"pr3"});
  CHECK(All(*db, "Variants", true) == Names{"v4"});
  // The nullable note of the cascaded pr2 survives, let go.
  CHECK(Retrieve(*db, "Note", "n1")["product_id"].is_null());
}

TEST_CASE("delete sets a nullable belongsTo that points at the record to null", "[delete]") {
  auto db = OpenFixture("seed");
  Ok(*db, "createStores", R"([{"id": "s1"}])"_j);
  Ok(*db, "createProducts", R"([[{"id": "p1", "store_id": "s1"}, {"id": "p2", "store_id": "s1"}]])"_j);
  Ok(*db, "createUsers", R"([{"id": "u1"}])"_j);
  Ok(*db, "createEmails", R"([{"id": "e1", "user_id": "u1"}])"_j);

  Ok(*db, "deleteStores", R"(["s1"])"_j);
  Ok(*db, "deleteUsers", R"(["u1"])"_j);
  CHECK(All(*db, "Products", true) == Names{"p1", "p2"});
  CHECK(Retrieve(*db, "Product", "p1")["store_id"].is_null());
  CHECK(Retrieve(*db, "Product", "p2")["store_id"].is_null());
  CHECK(Retrieve(*db, "Email", "e1")["user_id"].is_null());
}

TEST_CASE("restricted delete is not_allowed, names model, id and relation, and deletes nothing", "[delete]") {
  auto db = SeededBlog();
  auto before = Dump(*db);
  auto s = Fails(*db, "deleteAuthors", R"(["a1"])"_j);
  CHECK(s.type() == ErrorType::kNotAllowed);
  CHECK_THAT(s.message(), Catch::Contains("Author") && Catch::Contains("a1") &&
                              (Catch::Contains("Profile.author") || Catch::Contains("profile")));
  CHECK(Dump(*db) == before);

  // One restricted record in a batch stops the whole batch.
  s = Fails(*db, "deleteAuthors", R"([["a3", "a2", "a1"]])"_j);
  CHECK(s.type() == ErrorType::kNotAllowed);
  CHECK(Dump(*db) == before);
}

TEST_CASE("a restriction deep in a cascade stops the whole delete", "[delete]") {
  auto db = Shop();
  Ok(*db, "createReviews", R"([{"id": "r1", "product_id": "pr2"}])"_j);
  auto before = Dump(*db);
  auto s = Fails(*db, "deleteStores", R"(["s1"])"_j);
  CHECK(s.type() == ErrorType::kNotAllowed);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("pr2") &&
                              (Catch::Contains("Review.product") || Catch::Contains("reviews")));
  CHECK(Dump(*db) == before);
}

TEST_CASE("delete removes the record's automatic manyToMany links", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "deletePosts", R"(["p1"])"_j);
  Json cats = Ok(*db, "listCategories", R"([{}, {"relations": ["posts"]}])"_j);
  CHECK(cats[0]["posts"] == Json::array());
  REQUIRE(cats[1]["posts"].size() == 1);
  CHECK(cats[1]["posts"][0]["id"] == "p3");

  Ok(*db, "deleteCategories", R"(["cat_2"])"_j);
  CHECK(Ok(*db, "retrievePost", R"(["p3", {"relations": ["categories"]}])"_j)["categories"] == Json::array());
  CHECK(All(*db, "Categories", true) == Names{"cat_1"});
}

TEST_CASE("delete removes the pivotEntity records that point at the record", "[delete]") {
  auto db = OpenFixture("pivot");
  Ok(*db, "createOrders", R"([[{"id": "o1"}, {"id": "o2"}]])"_j);
  Ok(*db, "createProducts", R"([[{"id": "pr1"}, {"id": "pr2"}]])"_j);
  Ok(*db, "createOrderProducts", R"([[{"id": "op1", "order_id": "o1", "product_id": "pr1", "quantity": 2},
                                      {"id": "op2", "order_id": "o1", "product_id": "pr2"},
                                      {"id": "op3", "order_id": "o2", "product_id": "pr1"}]])"_j);
  Ok(*db, "deleteProducts", R"(["pr1"])"_j);
  CHECK(All(*db, "OrderProducts", true) == Names{"op2"});
  CHECK(All(*db, "Orders", true) == Names{"o1", "o2"});
  Json o1 = Ok(*db, "retrieveOrder", R"(["o1", {"relations": ["products"]}])"_j);
  REQUIRE(o1["products"].size() == 1);
  CHECK(o1["products"][0]["id"] == "pr2");

  Ok(*db, "deleteOrders", R"(["o1"])"_j);
  CHECK(All(*db, "OrderProducts", true).empty());
  CHECK(All(*db, "Products", true) == Names{"pr2"});
}

TEST_CASE("delete with a selector of the wrong shape is invalid_argument", "[delete]") {
  auto db = SeededBlog();
  auto before = Dump(*db);
  for (const Json& args : {R"([5])"_j, R"([true])"_j, R"([])"_j}) {
    INFO(args.dump());
    auto s = Fails(*db, "deletePosts", args);
    CHECK(s.type() == ErrorType::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("deletePosts") && Catch::Contains("id"));
  }
  CHECK(Dump(*db) == before);
}

// ---- softDelete ------------------------------------------------------------------------

TEST_CASE("softDelete cascades to children and returns linkable keys", "[delete]") {
  auto db = SeededBlog();
  Json r = Ok(*db, "softDeleteAuthors", R"(["a1"])"_j);
  CHECK(r == R"({"author_id": ["a1"], "post_id": ["p1", "p2"]})"_j);
  CHECK(SoftDeleted(*db, "Author", "a1"));
  CHECK(SoftDeleted(*db, "Post", "p1"));
  CHECK(SoftDeleted(*db, "Post", "p2"));
  CHECK_FALSE(SoftDeleted(*db, "Post", "p3"));
  CHECK_FALSE(SoftDeleted(*db, "Profile", "pr1"));  // not a cascading relation
  CHECK_FALSE(SoftDeleted(*db, "Category", "cat_1"));
}

TEST_CASE("softDelete cascades recursively", "[delete]") {
  auto db = Shop();
  Json r = Ok(*db, "softDeleteStores", R"(["s1"])"_j);
  CHECK(r == R"({"store_id": ["s1"], "product_id": ["pr1", "pr2"], "variant_id": ["v1", "v2", "v3"]})"_j);
  CHECK(All(*db, "Variants") == Names{"v4"});
  CHECK_FALSE(SoftDeleted(*db, "Note", "n1"));
}

TEST_CASE("softDelete takes ids, arrays and filter objects", "[delete]") {
  auto db = SeededBlog();
  CHECK(Ok(*db, "softDeletePosts", R"([["p1", "p3"]])"_j) == R"({"post_id": ["p1", "p3"]})"_j);
  CHECK(Ok(*db, "softDeletePosts", R"([{"views": 5}])"_j) == R"({"post_id": ["p2"]})"_j);
  CHECK(All(*db, "Posts").empty());
}

TEST_CASE("softDelete with returnLinkableKeys keeps only the listed keys", "[delete]") {
  auto db = SeededBlog();
  Json r = Ok(*db, "softDeleteAuthors", R"(["a1", {"returnLinkableKeys": ["post_id"]}])"_j);
  CHECK(r == R"({"post_id": ["p1", "p2"]})"_j);
  CHECK(SoftDeleted(*db, "Author", "a1"));  // the call still soft-deletes everything
  r = Ok(*db, "softDeleteAuthors", R"(["a2", {"returnLinkableKeys": ["nope_id"]}])"_j);
  CHECK(r == Json::object());
  CHECK(SoftDeleted(*db, "Post", "p3"));
}

TEST_CASE("softDelete that matches nothing returns an empty map", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "softDeletePosts", R"(["p2"])"_j);
  auto before = Dump(*db);
  CHECK(Ok(*db, "softDeletePosts", R"(["nope"])"_j) == Json::object());
  CHECK(Ok(*db, "softDeletePosts", R"([{"views": 1000}])"_j) == Json::object());
  CHECK(Ok(*db, "softDeletePosts", R"(["p2"])"_j) == Json::object());  // already soft-deleted
  CHECK(Dump(*db) == before);
}

TEST_CASE("softDelete through a cascade cycle is an error naming the cycle", "[delete]") {
  auto db = OpenJson(R"({"models": {
    "Team": {"cascades": {"delete": ["members"]}, "properties": {
      "id": {"type": "id", "primaryKey": true},
      "members": {"type": "hasMany", "model": "Member", "mappedBy": "team"},
      "leader": {"type": "belongsTo", "model": "Member", "mappedBy": "led_teams", "nullable": true}}},
    "Member": {"cascades": {"delete": ["led_teams"]}, "properties": {
      "id": {"type": "id", "primaryKey": true},
      "team": {"type": "belongsTo", "model": "Team", "mappedBy": "members", "nullable": true},
      "led_teams": {"type": "hasMany", "model": "Team", "mappedBy": "leader"}}}}})");
  Ok(*db, "createTeams", R"([{"id": "t1"}])"_j);
  Ok(*db, "createMembers", R"([{"id": "m1", "team_id": "t1"}])"_j);
  auto before = Dump(*db);
  auto s = Fails(*db, "softDeleteTeams", R"(["t1"])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Unable to soft delete the led_teams. Circular dependency detected: Team -> Member -> Team");
  CHECK(Dump(*db) == before);
}

// ---- restore ---------------------------------------------------------------------------

TEST_CASE("restore clears deleted_at on records and cascaded children and returns their ids", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "softDeleteAuthors", R"(["a1"])"_j);
  Json r = Ok(*db, "restoreAuthors", R"(["a1"])"_j);
  CHECK(r == R"({"author_id": ["a1"], "post_id": ["p1", "p2"]})"_j);
  for (const char* p : {"p1", "p2"}) CHECK_FALSE(SoftDeleted(*db, "Post", p));
  CHECK_FALSE(SoftDeleted(*db, "Author", "a1"));
  CHECK(All(*db, "Posts") == Names{"p1", "p2", "p3"});
  CHECK(Ids(Ok(*db, "retrieveCategory", R"(["cat_1", {"relations": ["posts"]}])"_j)["posts"]) == Names{"p1"});
}

TEST_CASE("restore with returnLinkableKeys keeps only the listed keys", "[delete]") {
  auto db = Shop();
  Ok(*db, "softDeleteStores", R"(["s1"])"_j);
  Json r = Ok(*db, "restoreStores", R"(["s1", {"returnLinkableKeys": ["store_id", "variant_id"]}])"_j);
  CHECK(r == R"({"store_id": ["s1"], "variant_id": ["v1", "v2", "v3"]})"_j);
  CHECK(All(*db, "Variants") == Names{"v1", "v2", "v3", "v4"});
}

TEST_CASE("restore reports matched records and their cascaded children that were already live, and changes nothing",
          "[delete]") {
  auto db = SeededBlog();
  auto before = Dump(*db);
  CHECK(Ok(*db, "restoreAuthors", R"(["a1"])"_j) == R"({"author_id": ["a1"], "post_id": ["p1", "p2"]})"_j);
  CHECK(Ok(*db, "restoreAuthors", R"(["a3"])"_j) == R"({"author_id": ["a3"]})"_j);
  CHECK(Ok(*db, "restorePosts", R"([{"author_id": "a2"}])"_j) == R"({"post_id": ["p3"]})"_j);
  CHECK(Ok(*db, "restoreAuthors", R"(["nope"])"_j) == Json::object());
  CHECK(Dump(*db) == before);
}

TEST_CASE("restore of a live record reports its soft-deleted children with it and restores them", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "softDeletePosts", R"(["p1"])"_j);
  CHECK(Ok(*db, "restoreAuthors", R"([["a1", "a1"]])"_j) == R"({"author_id": ["a1"], "post_id": ["p1", "p2"]})"_j);
  CHECK_FALSE(SoftDeleted(*db, "Post", "p1"));
}

TEST_CASE("returnLinkableKeys: [] keeps every key, for softDelete and restore", "[delete]") {
  auto db = SeededBlog();
  CHECK(Ok(*db, "softDeleteAuthors", R"([["a1"], {"returnLinkableKeys": []}])"_j) ==
        R"({"author_id": ["a1"], "post_id": ["p1", "p2"]})"_j);
  CHECK(Ok(*db, "restoreAuthors", R"([["a1"], {"returnLinkableKeys": []}])"_j) ==
        R"({"author_id": ["a1"], "post_id": ["p1", "p2"]})"_j);
}

TEST_CASE("restore fails with invalid_data when a live record took the unique value", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "softDeleteAuthors", R"(["a1"])"_j);
  Ok(*db, "createAuthors", R"([{"id": "a4", "name": "Johnny", "email": "john@example.com"}])"_j);
  auto before = Dump(*db);
  auto s = Fails(*db, "restoreAuthors", R"(["a1"])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Author with email: john@example.com, already exists.");
  CHECK(Dump(*db) == before);
}

// ---- what soft-deleted records are invisible to ---------------------------------------

TEST_CASE("soft-deleted records are invisible to retrieve and list unless withDeleted", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "softDeleteAuthors", R"(["a1"])"_j);
  auto s = Fails(*db, "retrieveAuthor", R"(["a1"])"_j);
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Author with id: a1 was not found");
  CHECK(All(*db, "Authors") == Names{"a2", "a3"});
  CHECK(All(*db, "Posts") == Names{"p3"});
  CHECK(Ok(*db, "listAndCountPosts", R"([])"_j)[1] == 1);
  CHECK(All(*db, "Authors", true) == Names{"a1", "a2", "a3"});
  CHECK(All(*db, "Posts", true) == Names{"p1", "p2", "p3"});
  CHECK(Retrieve(*db, "Author", "a1")["id"] == "a1");
}

TEST_CASE("soft-deleted records are invisible to relation loading and relation filters", "[delete]") {
  auto db = SeededBlog();
  Ok(*db, "softDeletePosts", R"(["p1"])"_j);
  Json cat = Ok(*db, "retrieveCategory", R"(["cat_2", {"relations": ["posts"]}])"_j);
  CHECK(Ids(cat["posts"]) == Names{"p3"});
  cat = Ok(*db, "retrieveCategory", R"(["cat_2", {"relations": ["posts"], "withDeleted": true}])"_j);
  CHECK(Ids(cat["posts"]) == Names{"p1", "p3"});

  CHECK(Ok(*db, "listAuthors", R"([{"posts": {"title": "Hello World"}}])"_j) == Json::array());
  CHECK(Ok(*db, "listCategories", R"([{"posts": "p1"}])"_j) == Json::array());
  CHECK(Ok(*db, "listAuthors", R"([{"posts": {"title": "Hello World"}}, {"withDeleted": true}])"_j).size() == 1);
}

TEST_CASE("a soft-deleted record's unique value can be reused", "[delete]") {
  auto db = SeededBlog();
  auto before = Dump(*db);
  auto s = Fails(*db, "createAuthors", R"([{"name": "Johnny", "email": "john@example.com"}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Author with email: john@example.com, already exists.");
  CHECK(Dump(*db) == before);

  Ok(*db, "softDeleteAuthors", R"(["a1"])"_j);
  Json a = Ok(*db, "createAuthors", R"([{"id": "a4", "name": "Johnny", "email": "john@example.com"}])"_j);
  CHECK(a["email"] == "john@example.com");
}

TEST_CASE("a parent referenced only through a one-directional belongsTo is protected like any other", "[delete]") {
  // Audit.user has no mappedBy: User declares nothing, yet its audits still count.
  auto db = OpenJson(R"({"models": {
    "User": {"properties": {"id": {"type": "id", "primaryKey": true}}},
    "Audit": {"properties": {"id": {"type": "id", "primaryKey": true},
                             "user": {"type": "belongsTo", "model": "User"}}},
    "Note": {"properties": {"id": {"type": "id", "primaryKey": true},
                            "user": {"type": "belongsTo", "model": "User", "nullable": true}}}}})");
  Ok(*db, "createUsers", R"([{"id": "u1"}])"_j);
  Ok(*db, "createAudits", R"([{"id": "a1", "user_id": "u1"}])"_j);
  Ok(*db, "createNotes", R"([{"id": "n1", "user_id": "u1"}])"_j);
  const std::string before = Dump(*db);
  auto s = Fails(*db, "deleteUsers", R"(["u1"])"_j);
  CHECK(s.type() == ErrorType::kNotAllowed);
  CHECK_THAT(s.message(), Catch::Contains("Audit.user"));
  CHECK(Dump(*db) == before);
  Ok(*db, "deleteAudits", R"(["a1"])"_j);
  Ok(*db, "deleteUsers", R"(["u1"])"_j);
  CHECK(Ok(*db, "retrieveNote", R"(["n1"])"_j)["user_id"].is_null());
}

namespace {

// Category.parent is a nullable belongsTo Category.
const char* kTreeSchema = R"({"models": {
  "Category": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "parent": {"type": "belongsTo", "model": "Category", "mappedBy": "children", "nullable": true},
    "children": {"type": "hasMany", "model": "Category", "mappedBy": "parent"}}}}})";

}  // namespace

TEST_CASE("delete removes a parent and its child together when both are selected", "[delete]") {
  auto db = OpenJson(kTreeSchema);
  Ok(*db, "createCategories", R"([[{"id": "c1"}, {"id": "c2", "parent_id": "c1"}, {"id": "c3", "parent_id": "c2"}]])"_j);
  Ok(*db, "deleteCategories", R"([["c1", "c2"]])"_j);
  CHECK(All(*db, "Categories", true) == Names{"c3"});
  CHECK(Retrieve(*db, "Category", "c3")["parent_id"].is_null());
}

TEST_CASE("delete removes records that reference each other", "[delete]") {
  auto db = OpenJson(kTreeSchema);
  Ok(*db, "createCategories", R"([[{"id": "c1"}, {"id": "c2", "parent_id": "c1"}, {"id": "c3"}]])"_j);
  Ok(*db, "updateCategories", R"([{"id": "c1", "parent_id": "c2"}])"_j);
  SECTION("selected in either order") {
    Ok(*db, "deleteCategories", R"([["c2", "c1"]])"_j);
    CHECK(All(*db, "Categories", true) == Names{"c3"});
  }
  SECTION("by a filter") {
    Ok(*db, "deleteCategories", R"([{"id": ["c1", "c2"]}])"_j);
    CHECK(All(*db, "Categories", true) == Names{"c3"});
  }
}

TEST_CASE("delete removes a record that references itself", "[delete]") {
  auto db = OpenJson(kTreeSchema);
  Ok(*db, "createCategories", R"([[{"id": "c1"}, {"id": "c2"}]])"_j);
  Ok(*db, "updateCategories", R"([{"id": "c1", "parent_id": "c1"}])"_j);
  Ok(*db, "deleteCategories", R"(["c1"])"_j);
  CHECK(All(*db, "Categories", true) == Names{"c2"});
}
