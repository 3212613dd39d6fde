// SPEC.md section 2 (create), section 1.1 (values of every property type, defaults,
// unique, autoincrement), section 7 (create errors) and section 8 (output).

#include <regex>
#include <set>
#include <string>
#include <utility>

#include "tests/api/test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;


// The same JSON with key order ignored, for comparing object contents.
nlohmann::json Unordered(const Json& j) { return nlohmann::json::parse(j.dump()); }

const char* kCatalog = R"({"models": {
  "Product": {"properties": {
    "id": {"type": "id", "prefix": "prod", "primaryKey": true},
    "title": {"type": "text"},
    "subtitle": {"type": "text", "nullable": true},
    "quantity": {"type": "number", "default": 0},
    "weight": {"type": "float", "nullable": true},
    "price": {"type": "bigNumber", "nullable": true},
    "active": {"type": "boolean", "default": true},
    "available_at": {"type": "dateTime", "nullable": true},
    "metadata": {"type": "json", "nullable": true},
    "status": {"type": "enum", "values": ["draft", "published"], "default": "draft"},
    "tags": {"type": "array", "nullable": true},
    "store": {"type": "belongsTo", "model": "Store", "mappedBy": "products", "nullable": true}}},
  "Store": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "name": {"type": "text", "nullable": true},
    "products": {"type": "hasMany", "model": "Product", "mappedBy": "store"}}},
  "Email": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "address": {"type": "text", "unique": true}}},
  "OrderProduct": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "sku": {"type": "text", "unique": true}}},
  "Ticket": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "number": {"type": "autoincrement"}}}
}})";

std::unique_ptr<Database> Catalog() { return OpenJson(kCatalog); }

// createProducts with one argument given as JSON text.
Json Create(Database& db, const std::string& method, const std::string& data) {
  return Ok(db, method, Json::array({Json::parse(data)}));
}

// The error of a create that must fail; checks that it changed nothing.
Status CreateFails(Database& db, const std::string& method, const std::string& data) {
  auto before = Dump(db);
  Status s = Fails(db, method, Json::array({Json::parse(data)}));
  CHECK(Dump(db) == before);
  return s;
}

std::set<std::string> Keys(const Json& record) {
  std::set<std::string> keys;
  for (const auto& [k, v] : record.items()) keys.insert(k);
  return keys;
}

const std::regex kIso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");

}  // namespace

TEST_CASE("create with an object returns the created object", "[create]") {
  auto db = Catalog();
  Json p = Create(*db, "createProducts", R"({"title": "Shirt"})");
  REQUIRE(p.is_object());
  CHECK(p["title"] == "Shirt");
  CHECK(Ok(*db, "retrieveProduct", Json::array({p["id"]})) == p);
}

TEST_CASE("create with an array returns an array in input order", "[create]") {
  auto db = Catalog();
  Json rows = Create(*db, "createProducts", R"([{"id": "p3", "title": "c"}, {"id": "p1", "title": "a"},
                                                {"id": "p2", "title": "b"}])");
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["id"] == "p3");
  CHECK(rows[1]["id"] == "p1");
  CHECK(rows[2]["id"] == "p2");
  CHECK(Ok(*db, "listProducts", Json::array()).size() == 3);
}

TEST_CASE("create with an empty array returns an empty array", "[create]") {
  auto db = Catalog();
  Json rows = Create(*db, "createProducts", "[]");
  CHECK(rows == Json::array());
  CHECK(Ok(*db, "listProducts", Json::array()).empty());
}

TEST_CASE("create with a scalar argument is invalid_argument", "[create]") {
  auto db = Catalog();
  Status s = CreateFails(*db, "createProducts", R"("Shirt")");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("createProducts"));
}

TEST_CASE("create applies defaults to absent properties", "[create]") {
  auto db = Catalog();
  Json p = Create(*db, "createProducts", R"({"title": "Shirt"})");
  CHECK(p["quantity"] == 0);
  CHECK(p["active"] == true);
  CHECK(p["status"] == "draft");
  Json given = Create(*db, "createProducts", R"({"title": "Hat", "quantity": 5, "active": false,
                                                  "status": "published"})");
  CHECK(given["quantity"] == 5);
  CHECK(given["active"] == false);
  CHECK(given["status"] == "published");
}

TEST_CASE("create leaves absent nullable properties without default null", "[create]") {
  auto db = Catalog();
  Json p = Create(*db, "createProducts", R"({"title": "Shirt", "subtitle": null})");
  for (const char* k : {"subtitle", "weight", "price", "raw_price", "available_at", "metadata", "tags", "store_id"}) {
    INFO(k);
    REQUIRE(p.contains(k));
    CHECK(p[k].is_null());
  }
}

TEST_CASE("create without a required property is invalid_data", "[create]") {
  auto db = Catalog();
  Status s = CreateFails(*db, "createProducts", R"({"subtitle": "no title"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Value for Product.title is required, 'undefined' found");
}

TEST_CASE("a required belongsTo missing on create names the relation of a one-to-one, the foreign key of a many-to-one",
          "[create]") {
  auto db = OpenFixture("blog");
  Ok(*db, "createAuthors", R"([{"id": "a1", "name": "John"}])"_j);
  auto before = Dump(*db);
  Status s = Fails(*db, "createProfiles", R"([{"id": "pr1", "bio": "b"}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Value for Profile.author is required, 'undefined' found");
  s = Fails(*db, "createPosts", R"([{"id": "p1", "title": "T"}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Value for Post.author_id is required, 'undefined' found");
  CHECK(Dump(*db) == before);
}

TEST_CASE("create with null for a required property is invalid_data", "[create]") {
  // Medusa reports the JavaScript value it found: 'null'.
  auto db = Catalog();
  Status s = CreateFails(*db, "createProducts", R"({"title": null})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Value for Product.title is required, 'null' found");
}

TEST_CASE("create with a value of the wrong type is invalid_data naming model and property", "[create]") {
  auto db = Catalog();
  const std::pair<const char*, const char*> cases[] = {
      {"title", R"({"title": 5})"},
      {"quantity", R"({"title": "T", "quantity": "five"})"},
      {"quantity", R"({"title": "T", "quantity": 1.5})"},
      {"weight", R"({"title": "T", "weight": "heavy"})"},
      {"price", R"({"title": "T", "price": "ten"})"},
      {"active", R"({"title": "T", "active": "yes"})"},
      {"available_at", R"({"title": "T", "available_at": "tomorrow"})"},
      {"metadata", R"({"title": "T", "metadata": "text"})"},
      {"tags", R"({"title": "T", "tags": [1, 2]})"},
      {"tags", R"({"title": "T", "tags": "a"})"},
  };
  for (const auto& [property, data] : cases) {
    INFO(data);
    Status s = CreateFails(*db, "createProducts", data);
    CHECK(s.type() == ErrorType::kInvalidData);
    CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains(property));
  }
}

TEST_CASE("create with a value outside an enum is invalid_data naming the allowed values", "[create]") {
  auto db = Catalog();
  Status s = CreateFails(*db, "createProducts", R"({"title": "T", "status": "archived"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("status") && Catch::Contains("draft") &&
                              Catch::Contains("published"));
}

TEST_CASE("create with an unknown property is invalid_data naming model and property", "[create]") {
  auto db = Catalog();
  Status s = CreateFails(*db, "createProducts", R"({"title": "T", "colour": "red"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("colour"));
}

TEST_CASE("create of a batch with one bad record creates nothing", "[create]") {
  auto db = Catalog();
  Status s = CreateFails(*db, "createProducts", R"([{"title": "ok"}, {"title": "ok too"}, {"quantity": 1}])");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Value for Product.title is required, 'undefined' found");
  CHECK(Ok(*db, "listProducts", Json::array()).empty());
}

TEST_CASE("create with a repeated unique value is invalid_data", "[create]") {
  auto db = Catalog();
  Create(*db, "createEmails", R"({"address": "a@b.c"})");
  Status s = CreateFails(*db, "createEmails", R"({"address": "a@b.c"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Email with address: a@b.c, already exists.");
}

TEST_CASE("create with a unique value repeated inside one batch is invalid_data", "[create]") {
  auto db = Catalog();
  Status s = CreateFails(*db, "createEmails", R"([{"address": "a@b.c"}, {"address": "a@b.c"}])");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Email with address: a@b.c, already exists.");
  CHECK(Ok(*db, "listEmails", Json::array()).empty());
}

TEST_CASE("a unique clash message splits a multi-word model name into words", "[create]") {
  auto db = Catalog();
  Create(*db, "createOrderProducts", R"({"sku": "X1"})");
  Status s = CreateFails(*db, "createOrderProducts", R"({"sku": "X1"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Order product with sku: X1, already exists.");
}

TEST_CASE("a soft-deleted record does not block its unique value", "[create]") {
  auto db = Catalog();
  Json first = Create(*db, "createEmails", R"({"address": "a@b.c"})");
  CHECK(Ok(*db, "softDeleteEmails", Json::array({first["id"]})) == Json{{"email_id", Json::array({first["id"]})}});
  Json second = Create(*db, "createEmails", R"({"address": "a@b.c"})");
  CHECK(second["id"] != first["id"]);
  CHECK(Ok(*db, "listEmails", R"([{"address": "a@b.c"}, {"withDeleted": true}])"_j).size() == 2);
}

TEST_CASE("create with an existing primary key is invalid_data", "[create]") {
  auto db = Catalog();
  Create(*db, "createProducts", R"({"id": "p1", "title": "Shirt"})");
  Status s = CreateFails(*db, "createProducts", R"({"id": "p1", "title": "Hat"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Product with id: p1, already exists.");
  // Below the greatest id, and soft-deleted: the key is still taken.
  Create(*db, "createProducts", R"({"id": "p2", "title": "Coat"})");
  CHECK(CreateFails(*db, "createProducts", R"({"id": "p1", "title": "Cap"})").message() == "Product with id: p1, already exists.");
  Ok(*db, "softDeleteProducts", Json::array({"p2"}));
  CHECK(CreateFails(*db, "createProducts", R"({"id": "p2", "title": "Cap"})").message() == "Product with id: p2, already exists.");
  CHECK(Ok(*db, "listProducts", R"([{}, {"withDeleted": true}])"_j).size() == 2);
}

TEST_CASE("autoincrement assigns 1, 2, 3 in creation order", "[create]") {
  auto db = Catalog();
  Json rows = Create(*db, "createTickets", "[{}, {}]");
  CHECK(rows[0]["number"] == 1);
  CHECK(rows[1]["number"] == 2);
  CHECK(Create(*db, "createTickets", "{}")["number"] == 3);
}

TEST_CASE("autoincrement never reuses a number, even after a delete", "[create]") {
  auto db = Catalog();
  Create(*db, "createTickets", R"([{"id": "t1"}, {"id": "t2"}, {"id": "t3"}])");
  Ok(*db, "deleteTickets", R"([["t3"]])"_j);
  CHECK(Create(*db, "createTickets", "{}")["number"] == 4);
  Ok(*db, "deleteTickets", R"([{}])"_j);
  CHECK(Create(*db, "createTickets", "{}")["number"] == 5);
}

TEST_CASE("a bigNumber is output as a number with its raw_ decimal string", "[create]") {
  auto db = Catalog();
  Json p = Create(*db, "createProducts", R"({"title": "T", "price": 12.5})");
  CHECK(p["price"] == 12.5);
  CHECK(Unordered(p["raw_price"]) == Unordered(R"({"value": "12.5", "precision": 20})"_j));
  Json q = Create(*db, "createProducts", R"({"title": "T", "price": "1999.90"})");
  CHECK(q["price"].get<double>() == Approx(1999.9));
  CHECK(q["raw_price"]["value"] == "1999.9");
  CHECK(q["raw_price"]["precision"] == 20);
  Json r = Create(*db, "createProducts", R"({"title": "T", "price": 10})");
  CHECK(r["price"] == 10);
  CHECK(r["raw_price"]["value"] == "10");
}

TEST_CASE("a bigNumber's raw_ value is rounded to 20 significant digits, as Medusa stores it", "[create]") {
  auto db = Catalog();
  // Medusa's answers (bignumber.js toPrecision(20), trailing zeros trimmed).
  const std::pair<const char*, const char*> cases[] = {
      {"12345678901234567890.123", "12345678901234567890"},
      {"123456789.123456789123456789", "123456789.12345678912"},
      {"0.1234567890123456789012345", "0.1234567890123456789"},
      {"0.123456789012345678905", "0.12345678901234567891"},
      {"-0.123456789012345678905", "-0.12345678901234567891"},
      {"123456789012345678901234.5", "1.234567890123456789e+23"},
      {"99999999999999999999.5", "1e+20"},
      {"100000000000000000000", "1e+20"},
      {"0.0000001234", "1.234e-7"},
      {"0.000001", "0.000001"},
      {"-2.5", "-2.5"},
      {"0", "0"},
  };
  for (const auto& [given, raw] : cases) {
    INFO(given);
    Json p = Create(*db, "createProducts", std::string(R"({"title": "T", "price": ")") + given + "\"}");
    CHECK(p["raw_price"]["value"] == raw);
    CHECK(p["raw_price"]["precision"] == 20);
    CHECK(p["price"].get<double>() == Approx(std::stod(given)));
  }
}

TEST_CASE("a dateTime is output as ISO-8601 UTC with milliseconds", "[create]") {
  auto db = Catalog();
  CHECK(Create(*db, "createProducts", R"({"title": "T", "available_at": "2026-11-24T10:00:00.000Z"})")
            ["available_at"] == "2026-11-24T10:00:00.000Z");
  CHECK(Create(*db, "createProducts", R"({"title": "T", "available_at": "2026-11-24T10:00:00Z"})")
            ["available_at"] == "2026-11-24T10:00:00.000Z");
  CHECK(Create(*db, "createProducts", R"({"title": "T", "available_at": "2026-01-02T03:04:05.678Z"})")
            ["available_at"] == "2026-01-02T03:04:05.678Z");
  CHECK(Create(*db, "createProducts", R"({"title": "T", "available_at": "2026-11-24T10:00:00+00:00"})")
            ["available_at"] == "2026-11-24T10:00:00.000Z");
}

TEST_CASE("a json property keeps an object or an array as given", "[create]") {
  auto db = Catalog();
  Json obj = R"({"a": 1, "nested": {"b": [true, null, "x"]}})"_j;
  CHECK(Create(*db, "createProducts", R"({"title": "T", "metadata": )" + obj.dump() + "}")["metadata"] == obj);
  CHECK(Create(*db, "createProducts", R"({"title": "T", "metadata": [1, "two", {"three": 3}]})")["metadata"] ==
        R"([1, "two", {"three": 3}])"_j);
}

TEST_CASE("an array property keeps its strings in order", "[create]") {
  auto db = Catalog();
  CHECK(Create(*db, "createProducts", R"({"title": "T", "tags": ["b", "a", "b"]})")["tags"] ==
        R"(["b", "a", "b"])"_j);
  CHECK(Create(*db, "createProducts", R"({"title": "T", "tags": []})")["tags"] == Json::array());
}

TEST_CASE("numbers, floats and booleans are output as JSON scalars", "[create]") {
  auto db = Catalog();
  Json p = Create(*db, "createProducts", R"({"title": "T", "quantity": 9007199254740993, "weight": 0.25,
                                             "active": false})");
  CHECK(p["quantity"].get<int64_t>() == 9007199254740993LL);
  CHECK(p["weight"] == 0.25);
  CHECK(p["active"] == false);
}

TEST_CASE("a created record has every scalar and no relation unless asked", "[create]") {
  auto db = Catalog();
  Create(*db, "createStores", R"({"id": "s1"})");
  Json p = Create(*db, "createProducts", R"({"title": "T", "store_id": "s1"})");
  CHECK(Keys(p) == std::set<std::string>{"id", "title", "subtitle", "quantity", "weight", "price", "raw_price",
                                         "active", "available_at", "metadata", "status", "tags", "store_id",
                                         "created_at", "updated_at", "deleted_at"});
  CHECK(p["store_id"] == "s1");
  CHECK_FALSE(p.contains("store"));
  CHECK(Keys(Ok(*db, "retrieveProduct", Json::array({p["id"]}))) == Keys(p));
  Json with = Ok(*db, "retrieveProduct", Json::array({p["id"], R"({"relations": ["store"]})"_j}));
  CHECK(with["store"]["id"] == "s1");
  CHECK(with["store_id"] == "s1");
  CHECK_FALSE(Ok(*db, "retrieveStore", R"(["s1"])"_j).contains("products"));
}

TEST_CASE("a created record carries created_at and updated_at in ISO form and a null deleted_at", "[create]") {
  auto db = Catalog();
  Json p = Create(*db, "createProducts", R"({"title": "T"})");
  CHECK(std::regex_match(p["created_at"].get<std::string>(), kIso));
  CHECK(p["updated_at"] == p["created_at"]);
  CHECK(p["deleted_at"].is_null());
}

TEST_CASE("create cannot set an implicit timestamp", "[create]") {
  // SPEC.md is silent; Medusa manages these columns itself, so setting one is refused.
  auto db = Catalog();
  Status s = CreateFails(*db, "createProducts", R"({"title": "T", "deleted_at": "2026-11-24T10:00:00.000Z"})");
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Product") && Catch::Contains("deleted_at"));
}

TEST_CASE("the typed model handle creates like the named method", "[create]") {
  auto db = Catalog();
  auto products = db->Model("Product");
  REQUIRE(products.ok());
  auto one = products->Create(R"({"title": "Shirt"})"_j);
  REQUIRE(one.ok());
  CHECK(one.value()["title"] == "Shirt");
  auto many = products->Create(R"([{"title": "a"}, {"title": "b"}])"_j);
  REQUIRE(many.ok());
  CHECK(many.value().size() == 2);
  auto before = Dump(*db);
  auto bad = products->Create(R"({"subtitle": "x"})"_j);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().type() == ErrorType::kInvalidData);
  CHECK(Dump(*db) == before);
  CHECK(bad.status().message() == "Value for Product.title is required, 'undefined' found");
}

TEST_CASE("a bigNumber beyond 100 digits is invalid data, so output stays readable JSON", "[create]") {
  auto db = OpenFixture("blog");
  Ok(*db, "createAuthors", R"([{"id": "a1", "name": "A"}])"_j);
  const std::string before = Dump(*db);
  Status s = Fails(*db, "createPosts", R"([{"title": "T", "author_id": "a1", "price": "1e400"}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK_THAT(s.message(), Catch::Contains("Post.price"));
  CHECK(Dump(*db) == before);
  Json post = Ok(*db, "createPosts", R"([{"title": "T", "author_id": "a1", "price": "1e50"}])"_j);
  CHECK(post["price"].get<double>() == Approx(1e50));
  CHECK(post["raw_price"]["value"] == "1e+50");
}

namespace {
// A record as retrieve returns it, without the fields a create sets by itself.
Json WithoutGenerated(Json record) {
  for (const char* key : {"id", "created_at", "updated_at"}) record.erase(key);
  return record;
}
}  // namespace

TEST_CASE("a typed insert creates the record create makes from the equivalent object", "[create]") {
  auto db = SeededBlog();
  auto posts = db->Model("Post").value();
  auto typed = posts.Insert({{"title", Value::Text("Typed")},
                             {"rating", Value::Int(4)},
                             {"price", Value::Dec(Decimal{"12.50"})},
                             {"status", Value::Text("published")},
                             {"published_at", Value::Time(ParseTimestamp("2026-01-02T03:04:05.678Z").value())},
                             {"metadata", Value::Json(JsonText{R"({ "a" : [1, {"b": null}] })"})},
                             {"author", Value::Text("a2")}});
  REQUIRE(typed.ok());
  CHECK(typed.value().rfind("post_", 0) == 0);
  Json from_json = Ok(*db, "createPosts", R"([{"title": "Typed", "rating": 4, "price": "12.50", "status": "published",
                                              "published_at": "2026-01-02T03:04:05.678Z",
                                              "metadata": {"a": [1, {"b": null}]}, "author_id": "a2"}])"_j);
  Json inserted = Ok(*db, "retrievePost", Json::array({typed.value()}));
  CHECK(WithoutGenerated(inserted) == WithoutGenerated(from_json));
  CHECK(inserted["views"] == 0);  // defaults apply as in create
  CHECK(Ok(*db, "retrieveAuthor", R"(["a2", {"relations": ["posts"]}])"_j)["posts"].size() == 3);
}

TEST_CASE("a typed insert refuses what create refuses and changes nothing", "[create]") {
  auto db = SeededBlog();
  auto posts = db->Model("Post").value();
  const std::string before = Dump(*db);
  auto fails = [&](std::initializer_list<FieldValue> fields) {
    auto r = posts.Insert(fields);
    REQUIRE_FALSE(r.ok());
    CHECK(Dump(*db) == before);
    return r.status();
  };
  Status s = fails({{"title", Value::Int(5)}, {"author_id", Value::Text("a1")}});
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Invalid value for Post.title: expected text, got an integer 5");
  CHECK(fails({{"title", Value::Text("x")}, {"status", Value::Text("gone")}, {"author_id", Value::Text("a1")}})
            .message() == "Invalid value for Post.status: expected one of draft, published, got text gone");
  CHECK(fails({{"title", Value::Text("x")}, {"metadata", Value::Json(JsonText{"[1,"})}, {"author_id", Value::Text("a1")}})
            .type() == ErrorType::kInvalidData);
  CHECK(fails({{"title", Value::Text("x")}, {"metadata", Value::Json(JsonText{"7"})}, {"author_id", Value::Text("a1")}})
            .type() == ErrorType::kInvalidData);
  CHECK(fails({{"title", Value::Text("x")}}).message() == "Value for Post.author_id is required, 'undefined' found");
  CHECK(fails({{"title", Value()}, {"author_id", Value::Text("a1")}}).message() ==
        "Value for Post.title is required, 'null' found");
  CHECK(fails({{"title", Value::Text("x")}, {"author", Value::Text("nobody")}}).message() ==
        "You tried to set relationship author_id: nobody, but such entity does not exist");
  CHECK(fails({{"title", Value::Text("x")}, {"author_id", Value::Text("a1")}, {"nothing", Value::Int(1)}}).message() ==
        "Unknown property \"nothing\" on model Post");
  CHECK(fails({{"title", Value::Text("x")}, {"author_id", Value::Text("a1")}, {"created_at", Value::Int(1)}})
            .type() == ErrorType::kInvalidData);
  Status relation = fails({{"title", Value::Text("x")}, {"author_id", Value::Text("a1")}, {"categories", Value()}});
  CHECK(relation.type() == ErrorType::kInvalidArgument);
  CHECK(relation.message() == "The relation Post.categories is set through the JSON form of createPosts");
  CHECK(fails({{"id", Value::Text("p1")}, {"title", Value::Text("x")}, {"author_id", Value::Text("a1")}}).message() ==
        "Post with id: p1, already exists.");
}
