// A program that uses kin as an installed library: a small shop in memory and on
// disk, through the public headers only.
//
//   cmake -S examples/cpp -B build-shop -DCMAKE_PREFIX_PATH=/where/kin/is/installed
//   cmake --build build-shop && build-shop/shop /tmp/shop-db

#include <iostream>

#include <kin/json.h>
#include <kin/kin.h>

int main(int argc, char** argv) {
  kin::SchemaBuilder schema;
  auto& product = schema.Model("Product");
  product.Id("id").Prefix("prod");
  product.Text("title").Index();
  product.Number("price");
  product.BelongsTo("store", "Store").Nullable();
  auto& store = schema.Model("Store");
  store.Id("id").Prefix("sto");
  store.Text("name");
  store.HasMany("products", "Product").MappedBy("store");

  kin::Options options;
  options.sync = kin::SyncPolicy::kNone;
  auto opened = argc > 1 ? kin::Database::Open(argv[1], schema, options) : kin::Database::OpenInMemory(schema);
  if (!opened.ok()) {
    std::cerr << opened.status().ToString() << "\n";
    return 1;
  }
  auto& db = opened.value();
  auto stores = db->Model("Store").value();
  auto products = db->Model("Product").value();

  kin::Json corner = stores.Create({{"name", "Corner"}}).value();
  products.Create(kin::Json::array({{{"title", "Shirt"}, {"price", 20}, {"store_id", corner["id"]}},
                                    {{"title", "Hat"}, {"price", 12}, {"store_id", corner["id"]}}}))
      .value();

  // The records of a store, through the JSON form and through a ReadView.
  kin::Json cheap = products.List({{"price", {{"$lt", 15}}}}, {{"select", {"title"}}}).value();
  std::cout << "cheap: " << cheap.dump() << "\n";
  kin::ReadView view = db->Read();
  const kin::ModelDef& store_model = db->schema().model(stores.id());
  auto found = view.Find(stores.id(), corner["id"].get<std::string>());
  std::cout << found->Get("name")->as_text() << " sells "
            << found->CountRelated(store_model.FindRelation("products")) << " products\n";

  // Errors are values with a type and a message.
  auto missing = products.Retrieve("prod_nope");
  std::cout << "retrieve prod_nope: " << missing.status().ToString() << "\n";
  return missing.status().type() == kin::ErrorType::kNotFound ? 0 : 1;
}
