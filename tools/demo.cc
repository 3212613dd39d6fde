// `kin demo`: a step-by-step walkthrough of managing relationships (SPEC.md section 3).
// It opens a database with one model pair per kind of relationship, makes each kind
// of call once, and prints every call with what came back. Steps that should fail
// (the error examples) are marked as such; any step that does not behave as
// expected is reported and makes the command exit with 1.

#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "kin/database.h"
#include "kin/json.h"
#include "tools/commands.h"

namespace kin::tools {
namespace {

// User 1-1 Email, Store 1-n Product, Product n-n Order (automatic pivot), and
// Cart n-n Item through the CartItem model, which has columns of its own.
constexpr const char* kSchema = R"json({
  "models": {
    "User": { "properties": {
      "id":    { "type": "id", "primaryKey": true },
      "name":  { "type": "text" },
      "email": { "type": "hasOne", "model": "Email", "mappedBy": "user", "nullable": true } } },
    "Email": { "properties": {
      "id":      { "type": "id", "primaryKey": true },
      "address": { "type": "text", "unique": true },
      "user":    { "type": "belongsTo", "model": "User", "mappedBy": "email", "nullable": true } } },
    "Store": { "properties": {
      "id":       { "type": "id", "primaryKey": true },
      "name":     { "type": "text" },
      "products": { "type": "hasMany", "model": "Product", "mappedBy": "store" } } },
    "Product": { "properties": {
      "id":     { "type": "id", "primaryKey": true },
      "title":  { "type": "text" },
      "store":  { "type": "belongsTo", "model": "Store", "mappedBy": "products", "nullable": true },
      "orders": { "type": "manyToMany", "model": "Order", "mappedBy": "products" } } },
    "Order": { "properties": {
      "id":        { "type": "id", "primaryKey": true },
      "reference": { "type": "text" },
      "products":  { "type": "manyToMany", "model": "Product", "mappedBy": "orders" } } },
    "Cart": { "properties": {
      "id":    { "type": "id", "primaryKey": true },
      "owner": { "type": "text" },
      "items": { "type": "manyToMany", "model": "Item", "mappedBy": "carts", "pivotEntity": "CartItem" } } },
    "Item": { "properties": {
      "id":    { "type": "id", "primaryKey": true },
      "title": { "type": "text" },
      "carts": { "type": "manyToMany", "model": "Cart", "mappedBy": "items", "pivotEntity": "CartItem" } } },
    "CartItem": { "properties": {
      "id":       { "type": "id", "prefix": "citem", "primaryKey": true },
      "quantity": { "type": "number", "default": 1 },
      "metadata": { "type": "json", "nullable": true },
      "cart":     { "type": "belongsTo", "model": "Cart", "mappedBy": "items" },
      "item":     { "type": "belongsTo", "model": "Item", "mappedBy": "carts" } } }
  }
})json";

constexpr const char* kIntro = R"(kin demo: managing relationships, one call at a time (docs/reference.md, section 3).

The database has four pairs of models, one per kind of relationship:
  User 1-1 Email     Email.user belongsTo User (stored as Email.user_id); User.email hasOne Email
  Store 1-n Product  Product.store belongsTo Store (Product.store_id); Store.products hasMany Product
  Product n-n Order  Product.orders and Order.products; the pivot holds just the pairs
  Cart n-n Item      through the CartItem model, a pivot with columns: quantity (default 1), metadata (json)

Each step shows the service call and what came back. created_at, updated_at and
deleted_at are left out of the printed results so the relationship fields stand out.
)";

// JSON for display: keeps the order of the keys as written or as kin returned them.
using Shown = nlohmann::ordered_json;

// Removes the implicit timestamps at every depth (records, related records, $pivot).
void StripTimestamps(Shown& j) {
  if (j.is_object()) {
    for (const char* key : {"created_at", "updated_at", "deleted_at"}) j.erase(key);
    for (auto& [key, value] : j.items()) StripTimestamps(value);
  } else if (j.is_array()) {
    for (auto& value : j) StripTimestamps(value);
  }
}

class Walkthrough {
 public:
  explicit Walkthrough(Database& db) : db_(db) {}

  void Section(const std::string& title) { std::printf("\n=== %s ===\n", title.c_str()); }

  // A numbered heading and one sentence on what the step shows.
  void Step(const std::string& title, const std::string& explanation) {
    std::printf("\n%d. %s\n   %s\n", ++step_, title.c_str(), explanation.c_str());
  }

  // Calls `method` with `args`, the JSON text between the call's parentheses
  // (`"u1", {"relations": ["email"]}`), and prints the call and its result.
  // Ok() expects success, Fails() an error.
  void Ok(const std::string& method, const std::string& args) { Show(method, args, true); }
  void Fails(const std::string& method, const std::string& args) { Show(method, args, false); }

  int steps() const { return step_; }
  int failures() const { return failures_; }

 private:
  void Show(const std::string& method, const std::string& args_text, bool should_succeed) {
    Shown shown = Shown::parse("[" + args_text + "]", nullptr, false);
    if (shown.is_discarded()) return Unexpected(method + ": the demo's arguments are not valid JSON: " + args_text);
    std::string call = method + "(";
    for (size_t i = 0; i < shown.size(); ++i) call += (i ? ", " : "") + shown[i].dump();
    std::printf("   call:   %s)\n", call.c_str());

    auto result = db_.CallText(method, Json::parse(shown.dump()));
    if (result.ok()) {
      Shown value = Shown::parse(result.value(), nullptr, false);
      if (value.is_discarded()) return Unexpected("the result is not valid JSON: " + result.value());
      StripTimestamps(value);
      std::printf("   result: %s\n", value.dump().c_str());
      if (!should_succeed) Unexpected("this call should have failed");
    } else {
      std::printf("   error:  %s\n", result.status().ToString().c_str());
      if (should_succeed) Unexpected("this call should have succeeded");
    }
  }

  void Unexpected(const std::string& what) {
    std::printf("   UNEXPECTED (step %d): %s\n", step_, what.c_str());
    ++failures_;
  }

  Database& db_;
  int step_ = 0;
  int failures_ = 0;
};

void OneToOne(Walkthrough& w) {
  w.Section("One-to-one: User and Email");
  w.Step("Create two users", "Plain records; the emails below point at them.");
  w.Ok("createUsers", R"([{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Grace"}])");

  w.Step("Set the relation on create, from the belongsTo side",
         "An email names its user in the foreign key user_id.");
  w.Ok("createEmails", R"({"id": "e1", "address": "ada@example.com", "user_id": "u1"})");

  w.Step("Set the relation on create, from the hasOne side",
         "A user names its email in User.email; kin points that email's user_id at the new user.");
  w.Ok("createEmails", R"({"id": "e2", "address": "alan@example.com"})");
  w.Ok("createUsers", R"({"id": "u3", "name": "Alan", "email": "e2"})");
  w.Ok("retrieveEmail", R"("e2")");

  w.Step("Set the relation on update, from the belongsTo side", "Changing user_id moves email e2 from u3 to u2.");
  w.Ok("updateEmails", R"({"id": "e2", "user_id": "u2"})");

  w.Step("Set the relation on update, from the hasOne side",
         "u1 already has e1: giving it e2 moves e2 away from u2 and detaches e1 (user_id null, as it is nullable).");
  w.Ok("updateUsers", R"({"id": "u1", "email": "e2"})");
  w.Ok("listEmails", "");

  w.Step("Retrieve with the relation", "A one-to-one relation loads as a record, or null when nothing is linked.");
  w.Ok("retrieveUser", R"("u1", {"relations": ["email"]})");
  w.Ok("retrieveUser", R"("u3", {"relations": ["email"]})");

  w.Step("Error: a user has at most one email",
         "A second email pointing at u1 is invalid_data, and nothing is created.");
  w.Fails("createEmails", R"({"id": "e3", "address": "ada@work.example.com", "user_id": "u1"})");

  w.Step("Error: a relation id must name an existing record",
         "u9 does not exist, so the whole call fails with not_found.");
  w.Fails("createEmails", R"({"id": "e4", "address": "nobody@example.com", "user_id": "u9"})");
}

void OneToMany(Walkthrough& w) {
  w.Section("One-to-many: Store and Product");
  w.Step("Set the relation on create", "Each product names its store in store_id; p3 has no store yet.");
  w.Ok("createStores", R"([{"id": "s1", "name": "Main Street"}, {"id": "s2", "name": "Harbour"}])");
  w.Ok("createProducts", R"([{"id": "p1", "title": "Shirt", "store_id": "s1"},
                             {"id": "p2", "title": "Mug", "store_id": "s1"}, {"id": "p3", "title": "Poster"}])");

  w.Step("Set the relation on update", "store_id works on update too; the relation name `store` means the same.");
  w.Ok("updateProducts", R"({"id": "p3", "store_id": "s2"})");
  w.Ok("updateProducts", R"({"id": "p2", "store": "s2"})");

  w.Step("Retrieve with the relation", "From the store side, the products load as an array.");
  w.Ok("retrieveStore", R"("s2", {"relations": ["products"]})");

  w.Step("Error: one-to-many is managed from the belongsTo side",
         "Ids in the hasMany property Store.products are rejected; the message names the property to use.");
  w.Fails("updateStores", R"({"id": "s1", "products": ["p3"]})");
}

void ManyToMany(Walkthrough& w) {
  w.Section("Many-to-many: Product and Order (automatic pivot)");
  w.Step("Link on create, from either side", "An array of ids links them: o1 gets p1 and p2, then p4 joins o1.");
  w.Ok("createOrders", R"({"id": "o1", "reference": "#1001", "products": ["p1", "p2"]})");
  w.Ok("createProducts", R"({"id": "p4", "title": "Cap", "orders": ["o1"]})");
  w.Ok("retrieveOrder", R"("o1", {"relations": ["products"]})");

  w.Step("Replace on update", "On update the array replaces the set: p1 and p4 are unlinked, p3 is linked.");
  w.Ok("updateOrders", R"({"id": "o1", "products": ["p2", "p3"]})");
  w.Ok("retrieveOrder", R"("o1", {"relations": ["products"]})");

  w.Step("Add by resending the full list", "To add p1 with a plain array, send the current ids plus the new one.");
  w.Ok("updateOrders", R"({"id": "o1", "products": ["p2", "p3", "p1"]})");
  w.Ok("retrieveOrder", R"("o1", {"relations": ["products"]})");

  w.Step("Add and remove without resending", "{\"$add\": [...]} and {\"$remove\": [...]} change only the ids named.");
  w.Ok("createOrders", R"({"id": "o2", "reference": "#1002"})");
  w.Ok("updateOrders", R"({"id": "o2", "products": {"$add": ["p1", "p4"]}})");
  w.Ok("updateOrders", R"({"id": "o2", "products": {"$remove": ["p1"]}})");
  w.Ok("retrieveOrder", R"("o2", {"relations": ["products"]})");

  w.Step("Retrieve from the other side", "The same links, seen from a product.");
  w.Ok("retrieveProduct", R"("p1", {"relations": ["orders"]})");

  w.Step("Error: an unknown id fails the whole update",
         "p9 does not exist: not_found, and o1 keeps its products.");
  w.Fails("updateOrders", R"({"id": "o1", "products": ["p2", "p9"]})");
  w.Ok("retrieveOrder", R"("o1", {"relations": ["products"]})");
}

void ManyToManyThroughPivot(Walkthrough& w) {
  w.Section("Many-to-many through a pivot model: Cart and Item via CartItem");
  w.Step("Create a link through the pivot model's own service",
         "A CartItem record links cart c1 to item i1 and carries the link's own columns.");
  w.Ok("createCarts", R"({"id": "c1", "owner": "Ada"})");
  w.Ok("createItems", R"([{"id": "i1", "title": "Pen"}, {"id": "i2", "title": "Notebook"}, {"id": "i3", "title": "Ink"}])");
  w.Ok("createCartItems", R"({"id": "ci1", "cart_id": "c1", "item_id": "i1", "quantity": 3, "metadata": {"gift": true}})");

  w.Step("Link through the manyToMany property",
         "Ids in Cart.items create CartItem records with default columns (quantity 1, metadata null, a generated id).");
  w.Ok("updateCarts", R"({"id": "c1", "items": {"$add": ["i2"]}})");

  w.Step("Retrieve with the pivot columns", "Each linked item carries its CartItem record under \"$pivot\".");
  w.Ok("retrieveCart", R"("c1", {"relations": ["items"]})");

  w.Step("Update a link's columns",
         "The pivot is a model like any other; metadata merges one level deep. Seen here from the item side.");
  w.Ok("updateCartItems", R"({"id": "ci1", "quantity": 5, "metadata": {"note": "wrap it"}})");
  w.Ok("retrieveItem", R"("i1", {"relations": ["carts"]})");

  w.Step("Delete a link", "Deleting the CartItem record unlinks i1 from c1; the cart and the item stay.");
  w.Ok("deleteCartItems", R"("ci1")");
  w.Ok("retrieveCart", R"("c1", {"relations": ["items"]})");
}

}  // namespace

int RunDemo(const DemoOptions& options) {
  std::string dir = options.db;
  std::error_code ec;
  if (!dir.empty() && std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    // The walkthrough uses fixed ids: it needs a database of its own.
    std::fprintf(stderr, "kin demo: %s is not empty; give a new or empty directory\n", dir.c_str());
    return 1;
  }
  if (dir.empty()) {
    char path[] = "/tmp/kin-demo-XXXXXX";
    if (!mkdtemp(path)) {
      std::perror("kin demo: cannot create a temporary directory");
      return 1;
    }
    dir = path;
  }
  int failures = 0;
  {  // the database is closed before its temporary directory is removed
    const std::string schema = kSchema;
    auto db = Database::Open(dir, schema);
    if (!db.ok()) {
      std::fprintf(stderr, "kin demo: cannot open %s: %s\n", dir.c_str(), db.status().ToString().c_str());
      failures = 1;
    } else {
      std::printf("%s", kIntro);
      std::printf("\nDatabase directory: %s%s\n", dir.c_str(),
                  options.db.empty() ? " (temporary; `kin demo --db DIR` keeps one)" : "");
      Walkthrough w(**db);
      OneToOne(w);
      OneToMany(w);
      ManyToMany(w);
      ManyToManyThroughPivot(w);
      failures = w.failures();
      if (failures == 0) {
        std::printf("\nDone: all %d steps behaved as docs/reference.md section 3 describes.\n"
                    "Try calls of your own: kin shell --db DIR --schema FILE (docs/tutorial.md).\n",
                    w.steps());
      } else {
        std::printf("\n%d call(s) did not behave as expected; see UNEXPECTED above.\n", failures);
      }
    }
  }
  if (options.db.empty()) std::filesystem::remove_all(dir, ec);
  return failures == 0 ? 0 : 1;
}

}  // namespace kin::tools
