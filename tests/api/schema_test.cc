// SPEC.md section 1 (schema: property types, modifiers, implicit timestamps, ids,
// schema errors) and section 2 (the generated method names).

#include <regex>
#include <set>
#include <string>
#include <thread>

#include "api/database_access.h"
#include "api/schema_json.h"
#include "core/schema_diff.h"
#include "core/store_migration_data.h"
#include "tests/api/test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;


// The error of a schema that must not load.
Status SchemaError(const std::string& json) {
  auto schema = api::SchemaFromText(json);
  REQUIRE_FALSE(schema.ok());
  return schema.status();
}

// A schema of one model named `name` with an id and the given extra property JSON.
std::string OneModel(const std::string& name, const std::string& extra_properties = "") {
  return R"({"models": {")" + name + R"(": {"properties": {"id": {"type": "id", "primaryKey": true})" +
         (extra_properties.empty() ? "" : ", " + extra_properties) + "}}}}";
}

const std::regex kUlid("[0-7][0-9A-HJKMNP-TV-Z]{25}");

// Every property type and modifier, as JSON.
const char* kAllTypesJson = R"({"models": {
  "Store": {"properties": {
    "id": {"type": "id", "prefix": "sto", "primaryKey": true},
    "name": {"type": "text", "searchable": true},
    "code": {"type": "text", "unique": true, "nullable": true},
    "region": {"type": "text", "index": true, "nullable": true},
    "stock": {"type": "number", "default": 0},
    "rating": {"type": "float", "nullable": true},
    "revenue": {"type": "bigNumber", "nullable": true},
    "open": {"type": "boolean", "default": true},
    "opened_at": {"type": "dateTime", "nullable": true},
    "metadata": {"type": "json", "nullable": true},
    "status": {"type": "enum", "values": ["active", "closed"], "default": "active"},
    "tags": {"type": "array", "nullable": true},
    "seq": {"type": "autoincrement"},
    "products": {"type": "hasMany", "model": "Product", "mappedBy": "store"}}},
  "Product": {
    "cascades": {"delete": ["variants"]},
    "indexes": [{"on": ["title", "store_id"], "unique": true}],
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "title": {"type": "text"},
      "store": {"type": "belongsTo", "model": "Store", "mappedBy": "products", "nullable": true},
      "variants": {"type": "hasMany", "model": "Variant", "mappedBy": "product"}}},
  "Variant": {"singular": "Variation", "plural": "Variations", "properties": {
    "id": {"type": "id", "primaryKey": true},
    "product": {"type": "belongsTo", "model": "Product", "mappedBy": "variants"}}}
}})";

// The same schema through the C++ builder.
SchemaBuilder AllTypesBuilder() {
  SchemaBuilder b;
  auto& store = b.Model("Store");
  store.Id("id").Prefix("sto").PrimaryKey();
  store.Text("name").Searchable();
  store.Text("code").Unique().Nullable();
  store.Text("region").Index().Nullable();
  store.Number("stock").Default(Value::Int(0));
  store.Float("rating").Nullable();
  store.BigNumber("revenue").Nullable();
  store.Boolean("open").Default(Value::Bool(true));
  store.DateTime("opened_at").Nullable();
  store.Json("metadata").Nullable();
  store.Enum("status", {"active", "closed"}).Default(Value::Text("active"));
  store.Array("tags").Nullable();
  store.Autoincrement("seq");
  store.HasMany("products", "Product").MappedBy("store");
  auto& product = b.Model("Product");
  product.Id("id").PrimaryKey();
  product.Text("title");
  product.BelongsTo("store", "Store").MappedBy("products").Nullable();
  product.HasMany("variants", "Variant").MappedBy("product");
  product.CascadeDelete({"variants"});
  product.AddIndex({"title", "store_id"}, true);
  auto& variant = b.Model("Variant");
  variant.Names("Variation", "Variations");
  variant.Id("id").PrimaryKey();
  variant.BelongsTo("product", "Product").MappedBy("variants");
  return b;
}

// A record's output without the values that differ from run to run.
Json Stable(Json record) {
  for (const char* k : {"id", "created_at", "updated_at"}) record.erase(k);
  return record;
}

}  // namespace

TEST_CASE("a JSON schema declares every property type", "[schema]") {
  auto db = OpenJson(kAllTypesJson);
  const ModelDef& store = db->schema().model(db->schema().FindModel("Store"));
  const std::pair<const char*, PropertyType> expected[] = {
      {"id", PropertyType::kId},           {"name", PropertyType::kText},
      {"stock", PropertyType::kNumber},    {"rating", PropertyType::kFloat},
      {"revenue", PropertyType::kBigNumber}, {"open", PropertyType::kBoolean},
      {"opened_at", PropertyType::kDateTime}, {"metadata", PropertyType::kJson},
      {"status", PropertyType::kEnum},     {"tags", PropertyType::kArray},
      {"seq", PropertyType::kAutoincrement}};
  for (const auto& [name, type] : expected) {
    INFO(name);
    REQUIRE(store.FindProperty(name) != nullptr);
    CHECK(store.FindProperty(name)->type == type);
  }
  CHECK(store.primary_key().name == "id");
  CHECK(store.FindProperty("code")->unique);
  CHECK(store.FindProperty("region")->index);
  CHECK(store.FindProperty("name")->searchable);
  CHECK(store.FindProperty("rating")->nullable);
  CHECK_FALSE(store.FindProperty("name")->nullable);
}

TEST_CASE("the C++ SchemaBuilder declares the same schema as the JSON form", "[schema]") {
  auto from_json = api::SchemaDraftFromText(kAllTypesJson);
  REQUIRE(from_json.ok());
  CHECK(api::SchemaDraftToJson(AllTypesBuilder().draft()) == api::SchemaDraftToJson(from_json.value()));
}

TEST_CASE("a database from the C++ SchemaBuilder behaves like one from the JSON form", "[schema]") {
  auto built = AllTypesBuilder().Build();
  INFO(built.status().ToString());
  REQUIRE(built.ok());
  auto from_builder = Database::OpenInMemory(built.value()).value();
  auto from_json = OpenJson(kAllTypesJson);
  const Json input = R"({"name": "Main", "revenue": "10.50", "opened_at": "2026-11-24T10:00:00Z",
                         "metadata": {"a": 1}, "tags": ["x"], "rating": 4.5})"_j;
  Json a = Ok(*from_builder, "createStores", Json::array({input}));
  Json b = Ok(*from_json, "createStores", Json::array({input}));
  CHECK(Stable(a) == Stable(b));
  CHECK(Stable(a)["stock"] == 0);
  CHECK(Stable(a)["status"] == "active");
  CHECK(Fails(*from_builder, "createProducts", R"([{"title": "T", "store_id": "nope"}])"_j).message() ==
        Fails(*from_json, "createProducts", R"([{"title": "T", "store_id": "nope"}])"_j).message());
}

TEST_CASE("the C++ SchemaBuilder reports the same schema errors as the JSON form", "[schema]") {
  SchemaBuilder b;
  auto& user = b.Model("User");
  user.Id("id").PrimaryKey();
  user.DateTime("created_at");
  auto built = b.Build();
  REQUIRE_FALSE(built.ok());
  CHECK(built.status().type() == ErrorType::kInvalidArgument);
  CHECK(built.status().message() ==
        SchemaError(OneModel("User", R"("created_at": {"type": "dateTime"})")).message());
}

TEST_CASE("every model has implicit created_at, updated_at and deleted_at", "[schema]") {
  auto db = OpenJson(OneModel("Tag"));
  Json tag = Ok(*db, "createTags", R"([{}])"_j);
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  REQUIRE(tag["created_at"].is_string());
  CHECK(std::regex_match(tag["created_at"].get<std::string>(), iso));
  CHECK(tag["updated_at"] == tag["created_at"]);
  CHECK(tag.contains("deleted_at"));
  CHECK(tag["deleted_at"].is_null());
}

TEST_CASE("declaring an implicit timestamp is a schema error", "[schema]") {
  Status s = SchemaError(OneModel("User", R"("created_at": {"type": "dateTime"}, "name": {"type": "text"},
                                             "updated_at": {"type": "dateTime"})"));
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() ==
        R"(Cannot define field(s) "created_at,updated_at" as they are implicitly defined on every model)");
  CHECK(SchemaError(OneModel("User", R"("deleted_at": {"type": "dateTime", "nullable": true})")).message() ==
        R"(Cannot define field(s) "deleted_at" as they are implicitly defined on every model)");
}

TEST_CASE("a second id property is a schema error", "[schema]") {
  Status s = SchemaError(OneModel("User", R"("other": {"type": "id"})"));
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() == "The model User can only have one usage of the id() property");
}

TEST_CASE("a generated id is the prefix, an underscore and a 26-character ULID", "[schema]") {
  auto db = OpenFixture("blog");
  Json author = Ok(*db, "createAuthors", R"([{"name": "Ann"}])"_j);
  std::string id = author["id"];
  REQUIRE(id.rfind("auth_", 0) == 0);
  CHECK(id.size() == 5 + 26);
  CHECK(std::regex_match(id.substr(5), kUlid));
}

TEST_CASE("a generated id without a prefix is a bare ULID", "[schema]") {
  auto db = OpenFixture("seed");
  std::string id = Ok(*db, "createStores", R"([{"name": "Main"}])"_j)["id"];
  CHECK(id.size() == 26);
  CHECK(std::regex_match(id, kUlid));
}

TEST_CASE("generated ids are distinct and sort in creation order", "[schema]") {
  auto db = OpenFixture("seed");
  Json stores = Ok(*db, "createStores", R"([[{}, {}, {}, {}, {}]])"_j);
  std::set<std::string> ids;
  for (size_t i = 0; i < stores.size(); ++i) {
    ids.insert(stores[i]["id"].get<std::string>());
    if (i > 0) CHECK(stores[i - 1]["id"].get<std::string>() < stores[i]["id"].get<std::string>());
  }
  CHECK(ids.size() == 5);
}

TEST_CASE("a caller-supplied id is kept", "[schema]") {
  auto db = OpenFixture("blog");
  CHECK(Ok(*db, "createAuthors", R"([{"id": "my-author", "name": "Ann"}])"_j)["id"] == "my-author");
  CHECK(Ok(*db, "retrieveAuthor", R"(["my-author"])"_j)["name"] == "Ann");
}

TEST_CASE("a text primary key must be given on create", "[schema]") {
  auto db = OpenJson(R"({"models": {"Country": {"properties": {
      "iso": {"type": "text", "primaryKey": true}, "name": {"type": "text"}}}}})");
  CHECK(Ok(*db, "createCountries", R"([{"iso": "fr", "name": "France"}])"_j)["iso"] == "fr");
  CHECK(Ok(*db, "retrieveCountry", R"(["fr"])"_j)["name"] == "France");
  auto before = Dump(*db);
  Status s = Fails(*db, "createCountries", R"([{"name": "Spain"}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Value for Country.iso is required, 'undefined' found");
  CHECK(Dump(*db) == before);
}

TEST_CASE("a belongsTo stores its foreign key as the snake_case relation name plus _id", "[schema]") {
  auto db = OpenJson(R"({"models": {"Store": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "parentStore": {"type": "belongsTo", "model": "Store", "nullable": true}}}}})");
  Json parent = Ok(*db, "createStores", R"([{"id": "s1"}])"_j);
  CHECK(parent.contains("parent_store_id"));
  CHECK(parent["parent_store_id"].is_null());
  Json child = Ok(*db, "createStores", R"([{"id": "s2", "parent_store_id": "s1"}])"_j);
  CHECK(child["parent_store_id"] == "s1");
  CHECK(Ok(*db, "listStores", R"([{"parent_store_id": "s1"}])"_j).size() == 1);
}

TEST_CASE("hasOne and hasMany default mappedBy to the snake_case model name", "[schema]") {
  auto db = OpenJson(R"({"models": {
    "ShopOwner": {"properties": {"id": {"type": "id", "primaryKey": true},
                                 "stores": {"type": "hasMany", "model": "Store"}}},
    "Store": {"properties": {"id": {"type": "id", "primaryKey": true},
                             "shop_owner": {"type": "belongsTo", "model": "ShopOwner", "mappedBy": "stores"}}}}})");
  Ok(*db, "createShopOwners", R"([{"id": "o1"}])"_j);
  Ok(*db, "createStores", R"([{"id": "s1", "shop_owner_id": "o1"}])"_j);
  Json owner = Ok(*db, "retrieveShopOwner", R"(["o1", {"relations": ["stores"]}])"_j);
  REQUIRE(owner["stores"].size() == 1);
  CHECK(owner["stores"][0]["id"] == "s1");
}

TEST_CASE("an index modifier allows repeated values", "[schema]") {
  auto db = OpenJson(kAllTypesJson);
  Ok(*db, "createStores", R"([[{"name": "A", "region": "eu"}, {"name": "B", "region": "eu"}]])"_j);
  CHECK(Ok(*db, "listStores", R"([{"region": "eu"}])"_j).size() == 2);
}

TEST_CASE("a declared unique index rejects a repeated combination", "[schema]") {
  auto db = OpenJson(kAllTypesJson);
  Ok(*db, "createStores", R"([[{"id": "s1", "name": "A"}, {"id": "s2", "name": "B"}]])"_j);
  Ok(*db, "createProducts", R"([[{"title": "Shirt", "store_id": "s1"}, {"title": "Shirt", "store_id": "s2"}]])"_j);
  auto before = Dump(*db);
  Status s = Fails(*db, "createProducts", R"([{"title": "Shirt", "store_id": "s1"}])"_j);
  CHECK(s.type() == ErrorType::kInvalidData);
  CHECK(s.message() == "Product with title, store_id: Shirt, s1, already exists.");
  CHECK(Dump(*db) == before);
}

TEST_CASE("searchable properties are matched by the q search", "[schema]") {
  auto db = OpenJson(kAllTypesJson);
  Ok(*db, "createStores", R"([[{"name": "Berlin Main", "code": "berlin"}, {"name": "Paris", "code": "x"}]])"_j);
  Json rows = Ok(*db, "listStores", R"([{"q": "BERLIN"}])"_j);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["name"] == "Berlin Main");
  CHECK(Ok(*db, "listStores", R"([{"q": "x"}])"_j).empty());  // code is not searchable
}

TEST_CASE("a mappedBy naming a relation that is not hasOne or hasMany is a schema error", "[schema]") {
  Status s = SchemaError(R"({"models": {
    "Email": {"properties": {"id": {"type": "id"},
                             "user": {"type": "belongsTo", "model": "User", "mappedBy": "email"}}},
    "User": {"properties": {"id": {"type": "id"},
                            "email": {"type": "belongsTo", "model": "Email", "mappedBy": "user"}}}}})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() == R"(Invalid relationship reference for "email" on "User" entity. )"
                       "Make sure to define a hasOne or hasMany relationship");
}

TEST_CASE("a mappedBy naming a missing property is a schema error", "[schema]") {
  Status s = SchemaError(R"({"models": {
    "User": {"properties": {"id": {"type": "id"},
                            "teams": {"type": "manyToMany", "model": "Team", "mappedBy": "users"}}},
    "Team": {"properties": {"id": {"type": "id"}}}}})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() ==
        R"(Missing property "users" on "Team" entity. Make sure to define it as a relationship)");
}

TEST_CASE("a manyToMany mappedBy naming another kind of relation is a schema error", "[schema]") {
  Status s = SchemaError(R"({"models": {
    "User": {"properties": {"id": {"type": "id"},
                            "teams": {"type": "manyToMany", "model": "Team", "mappedBy": "users"}}},
    "Team": {"properties": {"id": {"type": "id"},
                            "users": {"type": "belongsTo", "model": "User"}}}}})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() == R"(Invalid relationship reference for "users" on "Team" entity. )"
                       "Make sure to define a manyToMany relationship");
}

TEST_CASE("a manyToMany without mappedBy on either side is a schema error", "[schema]") {
  Status s = SchemaError(R"({"models": {
    "Team": {"properties": {"id": {"type": "id"}, "users": {"type": "manyToMany", "model": "User"}}},
    "User": {"properties": {"id": {"type": "id"}, "teams": {"type": "manyToMany", "model": "Team"}}}}})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() ==
        R"(Invalid relationship reference for "Team.users". "mappedBy" should be defined on one side or the other.)");
}

TEST_CASE("a cascade from child to parent is a schema error", "[schema]") {
  Status s = SchemaError(R"({"models": {
    "User": {"properties": {"id": {"type": "id"},
                            "email": {"type": "hasOne", "model": "Email", "mappedBy": "user"}}},
    "Email": {"cascades": {"delete": ["user"]}, "properties": {"id": {"type": "id"},
                            "user": {"type": "belongsTo", "model": "User", "mappedBy": "email"}}}}})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() ==
        R"(Cannot cascade delete "user" relationship(s) from "Email" entity. Child to parent cascades are not allowed)");
}

TEST_CASE("an index on an unknown field is a schema error", "[schema]") {
  Status s = SchemaError(R"({"models": {"User": {"indexes": [{"on": ["doesnotexist"]}],
      "properties": {"id": {"type": "id"}, "name": {"type": "text"}}}}})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() == "Cannot apply indexes on fields (doesnotexist) for model User");
}

TEST_CASE("an unknown property type is a schema error naming model, property and type", "[schema]") {
  Status s = SchemaError(OneModel("User", R"("name": {"type": "strng"})"));
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("User") && Catch::Contains("name") && Catch::Contains("strng"));
}

TEST_CASE("an unknown property option is a schema error naming model, property and option", "[schema]") {
  Status s = SchemaError(OneModel("User", R"("name": {"type": "text", "colour": "red"})"));
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("User") && Catch::Contains("name") && Catch::Contains("colour"));
}

TEST_CASE("an unknown related model is a schema error naming model, property and target", "[schema]") {
  Status s = SchemaError(OneModel("Email", R"("user": {"type": "belongsTo", "model": "Nobody"})"));
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("Email") && Catch::Contains("user") && Catch::Contains("Nobody"));
}

TEST_CASE("an unknown model option is a schema error naming model and option", "[schema]") {
  Status s = SchemaError(R"({"models": {"User": {"colour": "red", "properties": {"id": {"type": "id"}}}}})");
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("User") && Catch::Contains("colour"));
}

TEST_CASE("method names use the English plural of the whole model key", "[schema]") {
  std::string models;
  for (const char* m : {"Category", "Currency", "Address", "Box", "Knife", "Person", "OrderProduct", "Info"})
    models += std::string(models.empty() ? "" : ",") + "\"" + m + R"(": {"properties": {"id": {"type": "id"}}})";
  auto db = OpenJson(R"({"models": {)" + models + "}}");
  const std::pair<const char*, const char*> names[] = {
      {"Category", "Categories"}, {"Currency", "Currencies"}, {"Address", "Addresses"},
      {"Box", "Boxes"},           {"Knife", "Knives"},        {"Person", "People"},
      {"OrderProduct", "OrderProducts"}, {"Info", "Info"}};
  for (const auto& [single, plural] : names) {
    INFO(single);
    std::string p = plural;
    Ok(*db, "create" + p, R"([{"id": "x1"}])"_j);
    CHECK(Ok(*db, "retrieve" + std::string(single), R"(["x1"])"_j)["id"] == "x1");
    CHECK(Ok(*db, "list" + p, Json::array()).size() == 1);
    CHECK(Ok(*db, "listAndCount" + p, Json::array())[1] == 1);
    Ok(*db, "update" + p, R"([{"id": "x1"}])"_j);
    Ok(*db, "softDelete" + p, R"(["x1"])"_j);
    Ok(*db, "restore" + p, R"(["x1"])"_j);
    Ok(*db, "delete" + p, R"(["x1"])"_j);
  }
  auto before = Dump(*db);
  Status s = Fails(*db, "listPersons", Json::array());
  CHECK(s.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("listPersons"));
  CHECK(Fails(*db, "createInfos", R"([{"id": "x2"}])"_j).type() == ErrorType::kInvalidArgument);
  CHECK(Dump(*db) == before);
}

TEST_CASE("a model may override its singular and plural method names", "[schema]") {
  auto db = OpenJson(kAllTypesJson);
  Ok(*db, "createProducts", R"([{"id": "p1", "title": "Shirt"}])"_j);
  Ok(*db, "createVariations", R"([{"id": "v1", "product_id": "p1"}])"_j);
  CHECK(Ok(*db, "retrieveVariation", R"(["v1"])"_j)["product_id"] == "p1");
  CHECK(Ok(*db, "listVariations", Json::array()).size() == 1);
  auto before = Dump(*db);
  for (const char* gone : {"createVariants", "retrieveVariant", "listVariants"}) {
    Status s = Fails(*db, gone, R"([{"id": "v2", "product_id": "p1"}])"_j);
    CHECK(s.type() == ErrorType::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(gone));
  }
  CHECK(Dump(*db) == before);
}

TEST_CASE("an unknown model handle is invalid_argument naming it", "[schema]") {
  auto db = OpenFixture("seed");
  auto handle = db->Model("Nobody");
  REQUIRE_FALSE(handle.ok());
  CHECK(handle.status().type() == ErrorType::kInvalidArgument);
  CHECK_THAT(handle.status().message(), Catch::Contains("Nobody"));
}

// ---- the records a migration plan asks about (core/store_migration_data.h) ----------

TEST_CASE("a store answers a migration plan's questions about its records, by the stored names", "[migration]") {
  auto db = OpenFixture("seed");
  Ok(*db, "createStores",
     R"([[{"id": "s1", "name": "Main"}, {"id": "s2", "name": "Main"}, {"id": "s3", "name": "Side"},
          {"id": "s4"}, {"id": "s5", "name": "Side"}]])"_j);
  Ok(*db, "softDeleteStores", R"(["s5"])"_j);
  ReadView view = db->Read();
  StoreMigrationData data(api::ViewAccess::StoreOf(view));
  CHECK(*data.HasRecords("Store"));
  CHECK_FALSE(*data.HasRecords("User"));
  // Soft-deleted records hold their values too.
  CHECK(*data.HoldsValue("Store", "name", Value::Text("Side")));
  CHECK_FALSE(*data.HoldsValue("Store", "name", Value::Text("Other")));
  // Live records that share a value clash; a null never does, nor a soft-deleted record.
  auto clashes = data.FindClashes("Store", {"name"}, 3);
  REQUIRE(clashes.ok());
  REQUIRE(clashes->size() == 1);
  CHECK((*clashes)[0].ids == std::vector<std::string>{"s1", "s2"});
  CHECK((*clashes)[0].values == std::vector<Value>{Value::Text("Main")});
  // With no properties, every live record agrees: one group, named up to the limit.
  auto all = data.FindClashes("Store", {}, 2);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].ids == std::vector<std::string>{"s1", "s2"});
  // Names the stored schema does not have are invalid_argument.
  CHECK(data.HasRecords("Nope").status().type() == ErrorType::kInvalidArgument);
  CHECK(data.HoldsValue("Store", "nope", Value()).status().type() == ErrorType::kInvalidArgument);
  CHECK(data.FindClashes("Store", {"nope"}, 3).status().type() == ErrorType::kInvalidArgument);
}

TEST_CASE("a plan to make a property unique is refused, naming the records that share a value", "[migration]") {
  auto db = OpenFixture("seed");
  Ok(*db, "createStores", R"([[{"id": "s1", "name": "Main"}, {"id": "s2", "name": "Main"}, {"id": "s3"}]])"_j);
  auto changed = Json::parse(SchemaText("seed"));
  changed["models"]["Store"]["properties"]["name"]["unique"] = true;
  auto to = api::SchemaFromText(changed.dump());
  REQUIRE(to.ok());
  {
    ReadView view = db->Read();
    auto plan = PlanMigration(db->schema(), **to, StoreMigrationData(api::ViewAccess::StoreOf(view)));
    REQUIRE(plan.ok());
    Status refused = PlanRefusal(*plan, true);
    CHECK(refused.type() == ErrorType::kInvalidArgument);
    CHECK_THAT(refused.message(), Catch::Matchers::Contains("s1") && Catch::Matchers::Contains("s2"));
  }
  // Without the clash, the same change is safe.
  Ok(*db, "updateStores", R"([{"id": "s2", "name": "Second"}])"_j);
  ReadView after = db->Read();
  auto safe = PlanMigration(db->schema(), **to, StoreMigrationData(api::ViewAccess::StoreOf(after)));
  REQUIRE(safe.ok());
  CHECK(PlanRefusal(*safe, false).ok());
}
