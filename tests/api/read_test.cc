// Reading records (SPEC.md sections 2, 4, 7): retrieve, list and listAndCount with
// their config (order, skip/take, select, relations, withDeleted).

#include <string>
#include <vector>

#include "api/json_lines.h"
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

// The ids of a list result, in order.
std::vector<std::string> Ids(const Json& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.at("id").get<std::string>());
  return out;
}

using Names = std::vector<std::string>;


// Products created out of primary-key order, with titles that repeat, in stores s1
// (p1 A, p3 B) and s2 (p2 C, p4 A).
std::unique_ptr<kin::Database> Products() {
  auto db = OpenFixture("seed");
  Ok(*db, "createStores", R"([[{"id": "s1"}, {"id": "s2"}]])"_j);
  Ok(*db, "createProducts", R"([[{"id": "p3", "title": "B", "store_id": "s1"},
                                 {"id": "p1", "title": "A", "store_id": "s1"},
                                 {"id": "p4", "title": "A", "store_id": "s2"},
                                 {"id": "p2", "title": "C", "store_id": "s2"}]])"_j);
  return db;
}

}  // namespace

// ---- retrieve ----------------------------------------------------------------------

TEST_CASE("retrieve returns the record with every scalar property", "[read]") {
  auto db = SeededBlog();
  Ok(*db, "updatePosts", R"([{"id": "p1", "price": "12.50", "published_at": "2026-11-24T10:00:00.000Z"}])"_j);
  Json post = Ok(*db, "retrievePost", R"(["p1"])"_j);
  CHECK(post["id"] == "p1");
  CHECK(post["title"] == "Hello World");
  CHECK(post["views"] == 10);
  CHECK(post["status"] == "draft");
  CHECK(post["rating"].is_null());
  CHECK(post["author_id"] == "a1");
  CHECK(post["published_at"] == "2026-11-24T10:00:00.000Z");
  CHECK(post["price"] == 12.5);
  CHECK(post["raw_price"] == R"({"value": "12.5", "precision": 20})"_j);
  CHECK(post["created_at"].is_string());
  CHECK(post["updated_at"].is_string());
  CHECK(post["deleted_at"].is_null());
}

TEST_CASE("retrieve of an unknown id is not_found naming the model and id", "[read]") {
  auto db = Products();
  auto before = Dump(*db);
  auto s = Fails(*db, "retrieveProduct", R"(["p9"])"_j);
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Product with id: p9 was not found");
  CHECK(Dump(*db) == before);
}

TEST_CASE("retrieve without a string id is not_found: id must be defined", "[read]") {
  auto db = Products();
  auto before = Dump(*db);
  for (const Json& args : {R"([])"_j, R"([null])"_j, R"([5])"_j, R"([{"id": "p1"}])"_j}) {
    INFO(args.dump());
    auto s = Fails(*db, "retrieveProduct", args);
    CHECK(s.type() == ErrorType::kNotFound);
    CHECK(s.message() == "product - id must be defined");
  }
  CHECK(Dump(*db) == before);
}

TEST_CASE("retrieve of an empty id is not_found: Product with id:  was not found", "[read]") {
  auto db = Products();
  auto before = Dump(*db);
  auto s = Fails(*db, "retrieveProduct", R"([""])"_j);
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Product with id:  was not found");
  CHECK(Dump(*db) == before);
}

TEST_CASE("retrieve hides a soft-deleted record unless withDeleted", "[read]") {
  auto db = Products();
  Ok(*db, "softDeleteProducts", R"(["p1"])"_j);
  auto before = Dump(*db);
  auto s = Fails(*db, "retrieveProduct", R"(["p1"])"_j);
  CHECK(s.type() == ErrorType::kNotFound);
  CHECK(s.message() == "Product with id: p1 was not found");
  CHECK(Dump(*db) == before);

  Json p = Ok(*db, "retrieveProduct", R"(["p1", {"withDeleted": true}])"_j);
  CHECK(p["id"] == "p1");
  CHECK(p["deleted_at"].is_string());
}

// ---- list, listAndCount, order, skip/take ----------------------------------------------

TEST_CASE("list defaults to primary key ascending", "[read]") {
  auto db = Products();
  CHECK(Ids(Ok(*db, "listProducts", R"([])"_j)) == Names{"p1", "p2", "p3", "p4"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}])"_j)) == Names{"p1", "p2", "p3", "p4"});
}

TEST_CASE("list has no default limit", "[read]") {
  auto db = OpenFixture("seed");
  Json many = Json::array();
  for (int i = 0; i < 150; ++i) many.push_back({{"title", "t" + std::to_string(i)}});
  Ok(*db, "createProducts", Json::array({many}));
  CHECK(Ok(*db, "listProducts", R"([])"_j).size() == 150);
  CHECK(Ok(*db, "listAndCountProducts", R"([])"_j)[1] == 150);
}

TEST_CASE("listAndCount returns rows and a count that ignores skip and take", "[read]") {
  auto db = Products();
  Json r = Ok(*db, "listAndCountProducts", R"([{"title": "A"}])"_j);
  REQUIRE(r.is_array());
  REQUIRE(r.size() == 2);
  CHECK(Ids(r[0]) == Names{"p1", "p4"});
  CHECK(r[1] == 2);

  r = Ok(*db, "listAndCountProducts", R"([{}, {"skip": 1, "take": 2}])"_j);
  CHECK(Ids(r[0]) == Names{"p2", "p3"});
  CHECK(r[1] == 4);
}

TEST_CASE("take 0 returns no rows", "[read]") {
  auto db = Products();
  CHECK(Ok(*db, "listProducts", R"([{}, {"take": 0}])"_j) == Json::array());
  Json r = Ok(*db, "listAndCountProducts", R"([{}, {"take": 0}])"_j);
  CHECK(r[0] == Json::array());
  CHECK(r[1] == 4);
}

TEST_CASE("skip and take page through the ordered rows", "[read]") {
  auto db = Products();
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"take": 2}])"_j)) == Names{"p1", "p2"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"skip": 2}])"_j)) == Names{"p3", "p4"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"skip": 1, "take": 2}])"_j)) == Names{"p2", "p3"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"skip": 10, "take": 2}])"_j)).empty());
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"order": {"id": "DESC"}, "skip": 1, "take": 2}])"_j)) ==
        Names{"p3", "p2"});
}

TEST_CASE("order sorts by several keys, each ASC or DESC, then by primary key", "[read]") {
  auto db = Products();
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"order": {"title": "DESC"}}])"_j)) == Names{"p2", "p3", "p1", "p4"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"order": {"title": "asc"}}])"_j)) == Names{"p1", "p4", "p3", "p2"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"order": {"store_id": "DESC", "title": "ASC"}}])"_j)) ==
        Names{"p4", "p2", "p1", "p3"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"order": {"store_id": "ASC", "title": "DESC"}}])"_j)) ==
        Names{"p3", "p1", "p2", "p4"});
}

TEST_CASE("order keys apply in the order the request gives them", "[read]") {
  // Through the JSON-lines protocol, where the caller's key order is in the text:
  // title first, then id descending among equal titles.
  auto db = Products();
  Json r = Json::parse(kin::HandleRequestLine(
      *db, R"({"call": "listProducts", "args": [{}, {"order": {"title": "ASC", "id": "DESC"}}]})"));
  INFO(r.dump());
  REQUIRE(r["ok"] == true);
  CHECK(Ids(r["result"]) == Names{"p4", "p1", "p3", "p2"});
}

TEST_CASE("null values sort last ascending and first descending", "[read]") {
  auto db = Products();
  Ok(*db, "createProducts", R"([{"id": "p0", "title": null}])"_j);
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"order": {"title": "ASC"}}])"_j)) ==
        Names{"p1", "p4", "p3", "p2", "p0"});
  CHECK(Ids(Ok(*db, "listProducts", R"([{}, {"order": {"title": "DESC"}}])"_j)) ==
        Names{"p0", "p2", "p3", "p1", "p4"});
}

TEST_CASE("order with a direction other than ASC or DESC is invalid_argument", "[read]") {
  auto db = Products();
  auto before = Dump(*db);
  auto s = Fails(*db, "listProducts", R"([{}, {"order": {"title": "UP"}}])"_j);
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("title"));
  CHECK(Dump(*db) == before);
}

TEST_CASE("order by an unknown property is invalid_data", "[read]") {
  auto db = Products();
  auto before = Dump(*db);
  auto s = Fails(*db, "listProducts", R"([{}, {"order": {"nope": "ASC"}}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("nope") && Catch::Contains("Product"));
  CHECK(Dump(*db) == before);
}

TEST_CASE("order through a to-one relation orders the listed records by the related record's value", "[read]") {
  auto db = SeededBlog();  // a1 John: p1 (10 views), p2 (5); a2 Jane: p3
  CHECK(Ids(Ok(*db, "listPosts", R"([{}, {"order": {"author": {"name": "ASC"}}}])"_j)) == Names{"p3", "p1", "p2"});
  CHECK(Ids(Ok(*db, "listPosts", R"([{}, {"order": {"author": {"name": "DESC"}, "views": "ASC"}}])"_j)) ==
        Names{"p2", "p1", "p3"});
  // Through hasOne; a missing profile orders as null: last ascending, first descending.
  CHECK(Ids(Ok(*db, "listAuthors", R"([{}, {"order": {"profile": {"bio": "ASC"}}}])"_j)) == Names{"a1", "a2", "a3"});
  CHECK(Ids(Ok(*db, "listAuthors", R"([{}, {"order": {"profile": {"bio": "DESC"}}}])"_j)) == Names{"a2", "a3", "a1"});
  // A soft-deleted profile orders as none unless withDeleted.
  Ok(*db, "createProfiles", R"([{"id": "pr3", "bio": "Bob's", "author_id": "a3"}])"_j);
  Ok(*db, "softDeleteProfiles", R"(["pr1"])"_j);
  CHECK(Ids(Ok(*db, "listAuthors", R"([{}, {"order": {"profile": {"bio": "DESC"}}}])"_j)) == Names{"a1", "a2", "a3"});
  CHECK(Ids(Ok(*db, "listAuthors", R"([{}, {"order": {"profile": {"bio": "DESC"}}, "withDeleted": true}])"_j)) ==
        Names{"a2", "a1", "a3"});
}

TEST_CASE("order on a loaded to-many relation orders that relation's records", "[read]") {
  auto db = SeededBlog();
  Json a1 = Ok(*db, "retrieveAuthor", R"(["a1", {"relations": ["posts"], "order": {"posts": {"title": "DESC"}}}])"_j);
  CHECK(Ids(a1["posts"]) == Names{"p2", "p1"});  // "Second post", "Hello World"
  Json asc = Ok(*db, "retrieveAuthor", R"(["a1", {"relations": ["posts"], "order": {"posts": {"views": "ASC"}}}])"_j);
  CHECK(Ids(asc["posts"]) == Names{"p2", "p1"});  // 5, 10
  // Nested, and with the listed records ordered too.
  Json authors = Ok(*db, "listAuthors", R"([{}, {"relations": ["posts.categories"],
      "order": {"name": "DESC", "posts": {"views": "DESC", "categories": {"name": "ASC"}}}}])"_j);
  CHECK(Ids(authors) == Names{"a1", "a2", "a3"});  // John, Jane, Bob
  CHECK(Ids(authors[0]["posts"]) == Names{"p1", "p2"});
  CHECK(Ids(authors[0]["posts"][0]["categories"]) == Names{"cat_2", "cat_1"});  // Life, Tech
}

TEST_CASE("order through a to-many relation orders the listed records by their first related value", "[read]") {
  // As Medusa's SQL join sorts them: ascending by the smallest value, descending by
  // the largest, and a record with no related one as null (last ascending, first
  // descending). a1's posts have 10 and 5 views, a2's 20, a3 has none.
  auto db = SeededBlog();
  CHECK(Ids(Ok(*db, "listAuthors", R"([{}, {"order": {"posts": {"views": "ASC"}}}])"_j)) == Names{"a1", "a2", "a3"});
  CHECK(Ids(Ok(*db, "listAuthors", R"([{}, {"order": {"posts": {"views": "DESC"}}}])"_j)) == Names{"a3", "a2", "a1"});
  CHECK(Ids(Ok(*db, "listAuthors", R"([{}, {"order": {"posts": {"title": "DESC"}}}])"_j)) == Names{"a3", "a1", "a2"});
  Json page = Ok(*db, "listAndCountAuthors", R"([{}, {"order": {"posts": {"views": "DESC"}}, "skip": 1, "take": 2}])"_j);
  CHECK(Ids(page[0]) == Names{"a2", "a1"});
  CHECK(page[1] == 3);
  // Through a manyToMany: cat_1 (p1: 10), cat_2 (p1: 10, p3: 20).
  CHECK(Ids(Ok(*db, "listCategories", R"([{}, {"order": {"posts": {"views": "ASC"}}}])"_j)) == Names{"cat_1", "cat_2"});
  CHECK(Ids(Ok(*db, "listCategories", R"([{}, {"order": {"posts": {"views": "DESC"}}}])"_j)) == Names{"cat_2", "cat_1"});
  // Loaded, the same keys order the parents and the loaded records.
  Json authors = Ok(*db, "listAuthors", R"([{}, {"relations": ["posts"], "order": {"posts": {"title": "DESC"}}}])"_j);
  CHECK(Ids(authors) == Names{"a3", "a1", "a2"});
  CHECK(Ids(authors[1]["posts"]) == Names{"p2", "p1"});
}

TEST_CASE("order through a relation with an unknown property is invalid_data", "[read]") {
  auto db = SeededBlog();
  auto s = Fails(*db, "listPosts", R"([{}, {"order": {"author": {"nope": "ASC"}}}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("nope") && Catch::Contains("Author"));
  CHECK(Fails(*db, "listPosts", R"([{}, {"order": {"author": "ASC"}}])"_j).type() == ErrorType::kInvalidArgument);
}

// ---- select ----------------------------------------------------------------------------

TEST_CASE("select outputs only the named fields and the primary key", "[read]") {
  auto db = SeededBlog();
  Json posts = Ok(*db, "listPosts", R"([{}, {"select": ["title", "views"]}])"_j);
  REQUIRE(posts.size() == 3);
  CHECK(posts[0] == R"({"id": "p1", "title": "Hello World", "views": 10})"_j);
  Json one = Ok(*db, "retrievePost", R"(["p2", {"select": ["title"]}])"_j);
  CHECK(one == R"({"id": "p2", "title": "Second post"})"_j);
  // A relation asked for next to a select comes with all its fields, and the
  // foreign key that joins it stays (as in Medusa).
  one = Ok(*db, "retrievePost", R"(["p2", {"select": ["title"], "relations": ["author"]}])"_j);
  CHECK(one.size() == 4);
  CHECK(one["author_id"] == "a1");
  CHECK(one["author"]["name"] == "John");
  CHECK(one["author"]["email"] == "john@example.com");
}

TEST_CASE("select with dotted paths selects fields inside relations and keeps the joining foreign key", "[read]") {
  auto db = SeededBlog();
  Json post = Ok(*db, "retrievePost", R"(["p1", {"select": ["title", "author.name"]}])"_j);
  CHECK(post == R"({"id": "p1", "title": "Hello World", "author_id": "a1", "author": {"id": "a1", "name": "John"}})"_j);

  Json author = Ok(*db, "retrieveAuthor", R"(["a1", {"select": ["name", "posts.title"]}])"_j);
  CHECK(author == R"({"id": "a1", "name": "John", "posts": [{"id": "p1", "title": "Hello World", "author_id": "a1"},
                                                            {"id": "p2", "title": "Second post", "author_id": "a1"}]})"_j);
}

TEST_CASE("a select of only dotted paths returns the id, the joining foreign keys and the relations", "[read]") {
  auto db = SeededBlog();
  Json posts = Ok(*db, "listPosts", R"([{"id": "p3"}, {"select": ["author.name", "categories.name"]}])"_j);
  CHECK(posts == R"([{"id": "p3", "author_id": "a2", "author": {"id": "a2", "name": "Jane"},
                      "categories": [{"id": "cat_2", "name": "Life"}]}])"_j);
  // A middle level of a deeper path shows its id and joining keys only.
  Json author = Ok(*db, "retrieveAuthor", R"(["a2", {"select": ["posts.categories.name"]}])"_j);
  CHECK(author == R"({"id": "a2", "posts": [{"id": "p3", "author_id": "a2",
                                            "categories": [{"id": "cat_2", "name": "Life"}]}]})"_j);
}

TEST_CASE("a hasOne record selected inside its parent carries no foreign key, a hasMany one does", "[read]") {
  auto db = SeededBlog();
  CHECK(Ok(*db, "retrieveAuthor", R"(["a1", {"select": ["profile.bio", "posts.title"]}])"_j) ==
        R"({"id": "a1", "profile": {"id": "pr1", "bio": "Writes things"},
            "posts": [{"id": "p1", "title": "Hello World", "author_id": "a1"},
                      {"id": "p2", "title": "Second post", "author_id": "a1"}]})"_j);
  CHECK(Ok(*db, "retrieveProfile", R"(["pr1", {"select": ["bio", "author.name"]}])"_j) ==
        R"({"id": "pr1", "bio": "Writes things", "author_id": "a1", "author": {"id": "a1", "name": "John"}})"_j);
}

TEST_CASE("select can name raw_ of a bigNumber", "[read]") {
  auto db = SeededBlog();
  Ok(*db, "updatePosts", R"([{"id": "p1", "price": "12.50"}])"_j);
  // Either name selects both, as in Medusa.
  CHECK(Ok(*db, "retrievePost", R"(["p1", {"select": ["raw_price"]}])"_j) ==
        R"({"id": "p1", "price": 12.5, "raw_price": {"value": "12.5", "precision": 20}})"_j);
  CHECK(Ok(*db, "retrievePost", R"(["p1", {"select": ["price"]}])"_j) ==
        R"({"id": "p1", "price": 12.5, "raw_price": {"value": "12.5", "precision": 20}})"_j);
  CHECK(Ok(*db, "retrievePost", R"(["p1", {"select": ["price", "raw_price"]}])"_j) ==
        R"({"id": "p1", "price": 12.5, "raw_price": {"value": "12.5", "precision": 20}})"_j);
  CHECK(Fails(*db, "retrievePost", R"(["p1", {"select": ["raw_title"]}])"_j).type() == ErrorType::kInvalidData);
}

// ---- relations -------------------------------------------------------------------------

TEST_CASE("a relation not asked for is absent while its foreign key is present", "[read]") {
  auto db = SeededBlog();
  Json post = Ok(*db, "retrievePost", R"(["p1"])"_j);
  CHECK(post["author_id"] == "a1");
  CHECK_FALSE(post.contains("author"));
  CHECK_FALSE(post.contains("categories"));
  Json author = Ok(*db, "retrieveAuthor", R"(["a1"])"_j);
  CHECK_FALSE(author.contains("posts"));
  CHECK_FALSE(author.contains("profile"));
}

TEST_CASE("belongsTo and hasOne relations load as a record or null", "[read]") {
  auto db = SeededBlog();
  Json post = Ok(*db, "retrievePost", R"(["p3", {"relations": ["author"]}])"_j);
  REQUIRE(post["author"].is_object());
  CHECK(post["author"]["id"] == "a2");
  CHECK(post["author"]["name"] == "Jane");

  Json authors = Ok(*db, "listAuthors", R"([{}, {"relations": ["profile"]}])"_j);
  REQUIRE(authors.size() == 3);
  REQUIRE(authors[0]["profile"].is_object());
  CHECK(authors[0]["profile"]["id"] == "pr1");
  CHECK(authors[0]["profile"]["bio"] == "Writes things");
  CHECK(authors[1].contains("profile"));
  CHECK(authors[1]["profile"].is_null());
}

TEST_CASE("hasMany and manyToMany relations load as arrays", "[read]") {
  auto db = SeededBlog();
  Json authors = Ok(*db, "listAuthors", R"([{}, {"relations": ["posts"]}])"_j);
  CHECK(Ids(authors[0]["posts"]) == Names{"p1", "p2"});
  CHECK(Ids(authors[1]["posts"]) == Names{"p3"});
  CHECK(authors[2]["posts"] == Json::array());

  Json post = Ok(*db, "retrievePost", R"(["p1", {"relations": ["categories"]}])"_j);
  CHECK(Ids(post["categories"]) == Names{"cat_1", "cat_2"});
  CHECK(post["categories"][0]["name"] == "Tech");
  Json cat = Ok(*db, "retrieveCategory", R"(["cat_2", {"relations": ["posts"]}])"_j);
  CHECK(Ids(cat["posts"]) == Names{"p1", "p3"});
  CHECK(Ok(*db, "retrievePost", R"(["p2", {"relations": ["categories"]}])"_j)["categories"] == Json::array());
}

TEST_CASE("dotted relation paths load nested relations level by level", "[read]") {
  auto db = SeededBlog();
  Json author = Ok(*db, "retrieveAuthor", R"(["a1", {"relations": ["posts.categories", "profile"]}])"_j);
  REQUIRE(author["posts"].size() == 2);
  CHECK(Ids(author["posts"][0]["categories"]) == Names{"cat_1", "cat_2"});
  CHECK(author["posts"][1]["categories"] == Json::array());
  CHECK(author["profile"]["id"] == "pr1");

  Json cat = Ok(*db, "retrieveCategory", R"(["cat_1", {"relations": ["posts.author.profile"]}])"_j);
  CHECK(cat["posts"][0]["author"]["profile"]["id"] == "pr1");
}

TEST_CASE("a back-reference to a record already on the path is left out", "[read]") {
  auto db = SeededBlog();
  Json author = Ok(*db, "retrieveAuthor", R"(["a1", {"relations": ["posts.author"]}])"_j);
  REQUIRE(author["posts"].size() == 2);
  for (const auto& post : author["posts"]) {
    CHECK(post["author_id"] == "a1");
    CHECK_FALSE(post.contains("author"));
  }
  // Through a manyToMany: cat_1's post lists its other category, not cat_1 again.
  Json cat = Ok(*db, "retrieveCategory", R"(["cat_1", {"relations": ["posts.categories"]}])"_j);
  CHECK(Ids(cat["posts"][0]["categories"]) == Names{"cat_2"});
}

TEST_CASE("soft-deleted related records are hidden unless withDeleted", "[read]") {
  auto db = SeededBlog();
  Ok(*db, "softDeletePosts", R"(["p2"])"_j);
  Ok(*db, "softDeleteProfiles", R"(["pr1"])"_j);

  Json author = Ok(*db, "retrieveAuthor", R"(["a1", {"relations": ["posts", "profile"]}])"_j);
  CHECK(Ids(author["posts"]) == Names{"p1"});
  CHECK(author["profile"].is_null());

  author = Ok(*db, "retrieveAuthor", R"(["a1", {"relations": ["posts", "profile"], "withDeleted": true}])"_j);
  CHECK(Ids(author["posts"]) == Names{"p1", "p2"});
  CHECK(author["profile"]["id"] == "pr1");
}

TEST_CASE("relations naming an unknown relation is invalid_data", "[read]") {
  auto db = SeededBlog();
  auto before = Dump(*db);
  auto s = Fails(*db, "retrieveAuthor", R"(["a1", {"relations": ["posts.nope"]}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("nope") && Catch::Contains("Post"));
  CHECK(Dump(*db) == before);
}

TEST_CASE("relations through a pivotEntity carry the pivot columns under $pivot", "[read]") {
  auto db = OpenFixture("pivot");
  Ok(*db, "createOrders", R"([[{"id": "o1", "reference": "R1"}, {"id": "o2"}]])"_j);
  Ok(*db, "createProducts", R"([[{"id": "pr1", "title": "Shirt"}, {"id": "pr2", "title": "Hat"}]])"_j);
  Ok(*db, "createOrderProducts",
     R"([{"id": "op1", "order_id": "o1", "product_id": "pr1", "quantity": 3, "metadata": {"gift": true}}])"_j);
  Ok(*db, "updateOrders", R"([{"id": "o2", "products": ["pr1", "pr2"]}])"_j);

  Json order = Ok(*db, "retrieveOrder", R"(["o1", {"relations": ["products"]}])"_j);
  REQUIRE(order["products"].size() == 1);
  const Json& line = order["products"][0];
  CHECK(line["id"] == "pr1");
  CHECK(line["title"] == "Shirt");
  CHECK(line["$pivot"]["id"] == "op1");
  CHECK(line["$pivot"]["quantity"] == 3);
  CHECK(line["$pivot"]["metadata"] == R"({"gift": true})"_j);
  CHECK(line["$pivot"]["order_id"] == "o1");
  CHECK(line["$pivot"]["product_id"] == "pr1");

  // From the other side, and for links made through the manyToMany (default columns).
  Json product = Ok(*db, "retrieveProduct", R"(["pr1", {"relations": ["orders"]}])"_j);
  REQUIRE(product["orders"].size() == 2);
  for (const auto& o : product["orders"]) {
    CHECK(o["$pivot"]["product_id"] == "pr1");
    CHECK(o["$pivot"]["order_id"] == o["id"]);
    CHECK(o["$pivot"]["quantity"] == (o["id"] == "o1" ? 3 : 1));
  }
}

TEST_CASE("a relation through a pivotEntity lists each linked record once, with the smallest pivot", "[read]") {
  auto db = OpenFixture("pivot");
  Ok(*db, "createOrders", R"([{"id": "o1"}])"_j);
  Ok(*db, "createProducts", R"([{"id": "pr1", "title": "Shirt"}])"_j);
  Ok(*db, "createOrderProducts", R"([[{"id": "op2", "order_id": "o1", "product_id": "pr1", "quantity": 2},
                                      {"id": "op1", "order_id": "o1", "product_id": "pr1", "quantity": 1}]])"_j);
  Json order = Ok(*db, "retrieveOrder", R"(["o1", {"relations": ["products"]}])"_j);
  REQUIRE(order["products"].size() == 1);
  CHECK(order["products"][0]["$pivot"]["id"] == "op1");
  Json product = Ok(*db, "retrieveProduct", R"(["pr1", {"relations": ["orders"]}])"_j);
  REQUIRE(product["orders"].size() == 1);
  CHECK(product["orders"][0]["$pivot"]["quantity"] == 1);
}

namespace {
// The value with every ISO-8601 date-time string replaced by "<time>": two
// databases given the same calls differ only in their timestamps.
Json WithoutTimes(Json j) {
  if (j.is_string() && j.get_ref<const std::string&>().size() == 24 && j.get_ref<const std::string&>()[10] == 'T')
    return "<time>";
  if (j.is_array() || j.is_object())
    for (auto& e : j) e = WithoutTimes(e);
  return j;
}
}  // namespace

TEST_CASE("Call builds the same value that CallText writes as text for every method", "[read]") {
  auto as_values = SeededBlog();
  auto as_text = SeededBlog();
  const std::vector<std::pair<std::string, Json>> calls = {
      {"createPosts", R"([{"id": "p9", "title": "Priced", "price": "12.50", "rating": 4.5,
                           "published_at": "2026-01-02T03:04:05.678Z", "metadata": {"a": [1, {"b": null}]},
                           "status": "published", "author_id": "a3", "categories": ["cat_1"]}])"_j},
      {"createCategories", R"([[{"id": "cat_3", "name": "Art"}, {"id": "cat_4", "name": "Food"}]])"_j},
      {"retrieveAuthor", R"(["a1", {"relations": ["posts", "posts.categories", "profile"]}])"_j},
      {"retrievePost", R"(["p9", {"select": ["title", "price", "author.name"], "relations": ["author"]}])"_j},
      {"listPosts", R"([{"title": {"$like": "Hello%"}}, {"order": {"views": "DESC"}}])"_j},
      {"listAndCountPosts", R"([{}, {"skip": 1, "take": 2, "relations": ["categories"]}])"_j},
      {"listCategories", R"([{"id": "nothing"}])"_j},
      {"updatePosts", R"([{"id": "p2", "views": 6, "categories": {"$add": ["cat_3"]}}])"_j},
      {"updatePosts", R"([{"selector": {"author_id": "a1"}, "data": {"rating": 1.25}}])"_j},
      {"softDeleteAuthors", R"([["a2"], {"returnLinkableKeys": ["post_id"]}])"_j},
      {"softDeleteAuthors", R"(["a3"])"_j},
      {"restoreAuthors", R"(["a3"])"_j},
      {"retrieveAuthor", R"(["a2", {"withDeleted": true, "relations": ["posts"]}])"_j},
      {"deleteCategories", R"(["cat_4"])"_j},
  };
  for (const auto& [method, args] : calls) {
    CAPTURE(method, args.dump());
    kin::Result<Json> value = as_values->Call(method, args);
    kin::Result<std::string> text = as_text->CallText(method, args);
    REQUIRE(value.ok());
    REQUIRE(text.ok());
    CHECK(WithoutTimes(value.value()) == WithoutTimes(Json::parse(text.value())));
  }
  kin::Result<Json> tx = as_values->Transaction({{"createCategories", R"([{"id": "cat_5", "name": "X"}])"_j},
                                             {"deletePosts", R"(["p3"])"_j},
                                             {"listCategories", R"([{"id": "cat_5"}])"_j}});
  kin::Result<std::string> tx_text = as_text->TransactionText({{"createCategories", R"([{"id": "cat_5", "name": "X"}])"_j},
                                                          {"deletePosts", R"(["p3"])"_j},
                                                          {"listCategories", R"([{"id": "cat_5"}])"_j}});
  REQUIRE(tx.ok());
  REQUIRE(tx_text.ok());
  CHECK(WithoutTimes(tx.value()) == WithoutTimes(Json::parse(tx_text.value())));
  CHECK(tx.value()[1].is_null());
}

TEST_CASE("a prepared retrieve writes the same text as retrieve with that config", "[read]") {
  auto db = SeededBlog();
  const Json config = R"({"relations": ["posts", "posts.categories"], "select": ["name", "posts.title"]})"_j;
  auto prepared = db->Model("Author").value().PrepareRetrieve(config);
  REQUIRE(prepared.ok());
  for (const char* id : {"a1", "a2", "a3"}) {
    CAPTURE(id);
    std::string text = "prefix:";
    REQUIRE(prepared.value().Text(id, &text).ok());
    CHECK(text == "prefix:" + db->CallText("retrieveAuthor", Json::array({id, config})).value());
  }
}

TEST_CASE("a prepared retrieve reports what retrieve reports and leaves the text alone", "[read]") {
  auto db = SeededBlog();
  auto prepared = db->Model("Author").value().PrepareRetrieve();
  REQUIRE(prepared.ok());
  std::string text = "kept";
  kin::Status missing = prepared.value().Text("nobody", &text);
  CHECK(missing.type() == kin::ErrorType::kNotFound);
  CHECK(missing.message() == db->Call("retrieveAuthor", R"(["nobody"])"_j).status().message());
  CHECK(prepared.value().Text("", &text).message() == "Author with id:  was not found");
  CHECK(text == "kept");

  Ok(*db, "softDeleteAuthors", R"(["a3"])"_j);
  CHECK(prepared.value().Text("a3", &text).type() == kin::ErrorType::kNotFound);
  auto with_deleted = db->Model("Author").value().PrepareRetrieve(R"({"withDeleted": true})"_j);
  REQUIRE(with_deleted.ok());
  CHECK(with_deleted.value().Text("a3", &text).ok());

  auto bad = db->Model("Author").value().PrepareRetrieve(R"({"relations": ["nothing"]})"_j);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == db->Call("retrieveAuthor", R"(["a1", {"relations": ["nothing"]}])"_j).status().message());
}
