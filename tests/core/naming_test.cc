// Tests for core/naming: plurals follow the npm `pluralize` package (v8.0.0), plus
// snake_case and word splitting of model keys.

#include "core/naming.h"

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using kin::naming::Pluralize;
using kin::naming::SnakeCase;
using kin::naming::Words;

using Pairs = std::vector<std::pair<std::string, std::string>>;

void CheckPlurals(const Pairs& pairs) {
  for (const auto& [single, plural] : pairs) {
    INFO("singular: " << single);
    CHECK(Pluralize(single) == plural);
  }
}

}  // namespace

TEST_CASE("pluralize follows the npm package for the spec's examples") {
  CheckPlurals({
      {"Category", "Categories"}, {"Currency", "Currencies"}, {"Address", "Addresses"},
      {"Box", "Boxes"},           {"Knife", "Knives"},        {"Person", "People"},
      {"OrderProduct", "OrderProducts"},
  });
}

TEST_CASE("pluralize keeps Info unchanged as the spec requires") {
  // The package itself answers "Infos"; SPEC.md section 2 says "Info".
  CHECK(Pluralize("Info") == "Info");
  CHECK(Pluralize("ProductInfo") == "ProductInfo");
}

TEST_CASE("pluralize follows the npm package for common model keys") {
  CheckPlurals({
      {"Product", "Products"},   {"Order", "Orders"},     {"Store", "Stores"},
      {"User", "Users"},         {"Email", "Emails"},     {"Author", "Authors"},
      {"Post", "Posts"},         {"Profile", "Profiles"}, {"Status", "Statuses"},
      {"Photo", "Photos"},       {"Bus", "Buses"},        {"Hero", "Heroes"},
      {"ShippingAddress", "ShippingAddresses"},           {"TaxRate", "TaxRates"},
      {"ProductCategory", "ProductCategories"},           {"Invoice", "Invoices"},
      {"Variant", "Variants"},   {"Tax", "Taxes"},        {"Query", "Queries"},
      {"Key", "Keys"},           {"Day", "Days"},         {"Church", "Churches"},
      {"Dish", "Dishes"},        {"Buzz", "Buzzes"},      {"Video", "Videos"},
      {"Zombie", "Zombies"},     {"Movie", "Movies"},     {"Menu", "Menus"},
  });
}

TEST_CASE("pluralize follows the npm package for irregular words") {
  CheckPlurals({
      {"Child", "Children"}, {"Ox", "Oxen"},         {"Mouse", "Mice"},
      {"Goose", "Geese"},    {"Tooth", "Teeth"},     {"Foot", "Feet"},
      {"Quiz", "Quizzes"},   {"Man", "Men"},         {"Woman", "Women"},
      {"Human", "Humans"},   {"Thief", "Thieves"},   {"Echo", "Echoes"},
      {"Schema", "Schemata"}, {"Genus", "Genera"},   {"Passerby", "Passersby"},
  });
}

TEST_CASE("pluralize follows the npm package for latin and greek endings") {
  CheckPlurals({
      {"Index", "Indices"},         {"Matrix", "Matrices"},     {"Vertex", "Vertices"},
      {"Appendix", "Appendices"},   {"Analysis", "Analyses"},   {"Axis", "Axes"},
      {"Cactus", "Cacti"},          {"Radius", "Radii"},        {"Focus", "Foci"},
      {"Criterion", "Criteria"},    {"Phenomenon", "Phenomena"}, {"Datum", "Data"},
      {"Stratum", "Strata"},        {"Alga", "Algae"},          {"Seraph", "Seraphim"},
      // The package's table has no rule for these two, so they take "-es".
      {"Octopus", "Octopuses"},     {"Campus", "Campuses"},
  });
}

TEST_CASE("pluralize follows the npm package for f and fe endings") {
  CheckPlurals({
      {"Knife", "Knives"}, {"Wife", "Wives"}, {"Life", "Lives"},  {"Leaf", "Leaves"},
      {"Half", "Halves"},  {"Wolf", "Wolves"}, {"Shelf", "Shelves"}, {"Roof", "Roofs"},
      {"Chief", "Chiefs"}, {"Cliff", "Cliffs"},
  });
}

TEST_CASE("pluralize follows the npm package for uncountable words") {
  CheckPlurals({
      {"Fish", "Fish"},         {"Sheep", "Sheep"},     {"Series", "Series"},
      {"Species", "Species"},   {"Information", "Information"}, {"Equipment", "Equipment"},
      {"Software", "Software"}, {"Media", "Media"},     {"Deer", "Deer"},
      {"Staff", "Staff"},       {"Chinese", "Chinese"}, {"Pokemon", "Pokemon"},
      {"Data", "Data"},         {"Metadata", "Metadata"},
  });
}

TEST_CASE("pluralize follows the npm package where English usage differs") {
  CheckPlurals({
      {"Money", "Monies"},  // "money" is not uncountable in the package
      {"Honey", "Honeys"},
      {"Bias", "Bias"},     // "-ias" is kept as already plural
      {"Canvas", "Canvas"},  // a trailing "s" is kept
      {"Virus", "Viri"},
      {"Zero", "Zeros"},
  });
}

TEST_CASE("pluralize decides by the last word of a PascalCase key") {
  // Fed the whole key, the package would say "UserInformations" and "ProductMouses":
  // its word lists and "\b" see one word. Here the last word alone decides.
  CheckPlurals({
      {"ProductPerson", "ProductPeople"},
      {"OrderChild", "OrderChildren"},
      {"UserInformation", "UserInformation"},
      {"StockSheep", "StockSheep"},
      {"CartLineItem", "CartLineItems"},
      {"ProductMouse", "ProductMice"},
  });
}

TEST_CASE("pluralize restores the case of the last word") {
  CheckPlurals({
      {"person", "people"}, {"PERSON", "PEOPLE"}, {"box", "boxes"}, {"BOX", "BOXES"},
      {"category", "categories"}, {"sheep", "sheep"}, {"Thou", "You"}, {"I", "WE"},
  });
}

TEST_CASE("pluralize of an empty key is empty") { CHECK(Pluralize("").empty()); }

TEST_CASE("pluralize is safe to call from many threads") {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 200; ++i) {
        if (Pluralize("ProductCategory") != "ProductCategories") ++failures[t];
        if (Pluralize("Person") != "People") ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == std::vector<int>(4, 0));
}

TEST_CASE("snake case puts an underscore between words") {
  CHECK(SnakeCase("parentStore") == "parent_store");
  CHECK(SnakeCase("OrderProduct") == "order_product");
  CHECK(SnakeCase("store") == "store");
  CHECK(SnakeCase("ProductCategoryLink") == "product_category_link");
  CHECK(SnakeCase("address2Line") == "address2_line");
  CHECK(SnakeCase("already_snake") == "already_snake");
  CHECK(SnakeCase("").empty());
}

TEST_CASE("snake case keeps an acronym as one word") {
  CHECK(SnakeCase("HTTPServer") == "http_server");
  CHECK(SnakeCase("ProductID") == "product_id");
  CHECK(SnakeCase("URL") == "url");
}

TEST_CASE("words split a PascalCase key for messages") {
  CHECK(Words("OrderProduct") == "Order product");
  CHECK(Words("User") == "User");
  CHECK(Words("ProductCategoryLink") == "Product category link");
  CHECK(Words("HTTPServer") == "HTTP server");
  CHECK(Words("").empty());
}
