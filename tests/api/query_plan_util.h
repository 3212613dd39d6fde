#pragma once
// Shared by the query plan tests: a shop schema with every relationship and index
// kind, and a list run through RunQuery as the service runs it.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "api/database_access.h"
#include "api/query.h"
#include "core/query.h"
#include "tests/persistence/persistence_test_util.h"

namespace kin::testing::plan {

using kin::testing::operator""_j;

// Every relationship kind (belongsTo/hasMany, belongsTo/hasOne, both self-referencing;
// a one-directional belongsTo; an automatic manyToMany; one through the pivotEntity
// OrderLine; a self-referencing manyToMany, symmetric and as a pair) and every index kind (unique, index, composite
// of two and three properties, unique composite), over properties of every type.
inline constexpr const char* kShopSchema = R"({"models": {
  "Store": {
    "cascades": {"delete": ["products"]},
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "unique": true, "searchable": true},
      "region": {"type": "enum", "values": ["north", "south", "east", "west"], "index": true},
      "rank": {"type": "number", "nullable": true},
      "opened_at": {"type": "dateTime", "nullable": true},
      "parent": {"type": "belongsTo", "model": "Store", "mappedBy": "branches", "nullable": true},
      "branches": {"type": "hasMany", "model": "Store", "mappedBy": "parent"},
      "products": {"type": "hasMany", "model": "Product", "mappedBy": "store"},
      "manager": {"type": "hasOne", "model": "Manager", "mappedBy": "store", "nullable": true}}},
  "Manager": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "searchable": true},
      "level": {"type": "number", "index": true},
      "store": {"type": "belongsTo", "model": "Store", "mappedBy": "manager"}}},
  "Product": {
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "title": {"type": "text", "searchable": true},
      "sku": {"type": "text", "unique": true, "nullable": true},
      "code": {"type": "text", "nullable": true},
      "price": {"type": "float", "nullable": true, "index": true},
      "score": {"type": "float", "nullable": true},
      "stock": {"type": "number", "default": 0, "index": true},
      "rating": {"type": "number", "nullable": true},
      "weight": {"type": "bigNumber", "nullable": true, "index": true},
      "active": {"type": "boolean", "default": true, "index": true},
      "released_at": {"type": "dateTime", "nullable": true, "index": true},
      "status": {"type": "enum", "values": ["draft", "live", "retired"], "default": "draft"},
      "attrs": {"type": "json", "nullable": true},
      "tags": {"type": "array", "nullable": true},
      "note": {"type": "text", "nullable": true, "searchable": true},
      "store": {"type": "belongsTo", "model": "Store", "mappedBy": "products", "nullable": true},
      "categories": {"type": "manyToMany", "model": "Category", "mappedBy": "products"},
      "orders": {"type": "manyToMany", "model": "Order", "mappedBy": "products", "pivotEntity": "OrderLine"}},
    "indexes": [{"on": ["status", "stock"]}, {"on": ["store_id", "price", "title"]},
                {"on": ["code", "store_id"], "unique": true}]},
  "Category": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "index": true},
      "depth": {"type": "number", "nullable": true},
      "parent": {"type": "belongsTo", "model": "Category", "mappedBy": "children", "nullable": true},
      "children": {"type": "hasMany", "model": "Category", "mappedBy": "parent"},
      "products": {"type": "manyToMany", "model": "Product", "mappedBy": "categories"}}},
  "Order": {
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "reference": {"type": "text", "unique": true, "nullable": true},
      "total": {"type": "float", "default": 0},
      "placed_at": {"type": "dateTime", "nullable": true},
      "priority": {"type": "number", "nullable": true},
      "products": {"type": "manyToMany", "model": "Product", "mappedBy": "orders", "pivotEntity": "OrderLine"}},
    "indexes": [{"on": ["priority", "placed_at", "total"]}]},
  "OrderLine": {
    "properties": {
      "id": {"type": "id", "primaryKey": true},
      "quantity": {"type": "number", "default": 1, "index": true},
      "discount": {"type": "float", "nullable": true},
      "gift": {"type": "boolean", "nullable": true},
      "order": {"type": "belongsTo", "model": "Order", "mappedBy": "products"},
      "product": {"type": "belongsTo", "model": "Product", "mappedBy": "orders"}},
    "indexes": [{"on": ["order_id", "quantity"]}]},
  "Person": {"properties": {
      "id": {"type": "id", "primaryKey": true},
      "name": {"type": "text", "index": true},
      "age": {"type": "number", "nullable": true},
      "mentor": {"type": "belongsTo", "model": "Person", "nullable": true},
      "friends": {"type": "manyToMany", "model": "Person", "mappedBy": "friends"},
      "follows": {"type": "manyToMany", "model": "Person", "mappedBy": "followers"},
      "followers": {"type": "manyToMany", "model": "Person", "mappedBy": "follows"}}}
}})";

inline const ModelDef& ModelNamed(const Schema& schema, const std::string& name) {
  return schema.model(schema.FindModel(name));
}

// How RunQuery answered a list, what it read and the ids it found.
struct Planned {
  std::string plan;
  size_t examined = 0;
  std::vector<std::string> ids;
};

// Runs list<model>(filter, config) through RunQuery, as the service does.
inline Planned RunPlanned(Database& db, const std::string& model, const Json& filter, const Json& config = nullptr) {
  ReadView view = db.Read();
  const ModelDef& m = ModelNamed(view.schema(), model);
  auto f = api::ParseFilter(view.schema(), m, filter);
  auto c = api::ParseReadConfig(view.schema(), m, config);
  INFO(filter.dump() << " " << config.dump());
  REQUIRE(f.ok());
  REQUIRE(c.ok());
  QueryRequest q;
  q.filter = &f.value();
  q.with_deleted = c.value().with_deleted;
  q.order = c.value().order;
  q.skip = c.value().skip;
  q.take = c.value().take;
  q.explain = true;
  QueryResult r = RunQuery(api::ViewAccess::StoreOf(view), m, q);
  Planned out{r.plan, r.examined, {}};
  for (const Record* rec : r.rows) out.ids.emplace_back(rec->id());
  return out;
}

}  // namespace kin::testing::plan
