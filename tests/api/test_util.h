#pragma once
// Test helpers: one-line database setup from the schemas in tests/data/schemas,
// calls that must succeed or fail, and a dump of the whole state for
// "nothing changed" assertions.

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "api/kin.h"

namespace kin::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A JSON literal that keeps the key order it is written in (kin::Json is
// nlohmann::ordered_json, whose equality compares objects in order).
inline Json operator""_j(const char* text, size_t size) { return Json::parse(text, text + size); }

// The text of tests/data/schemas/<name>.json ("seed", "pivot", "blog").
inline std::string SchemaText(const std::string& name) {
  return ReadFile(std::string(KIN_SOURCE_DIR) + "/tests/data/schemas/" + name + ".json");
}

// An in-memory database from a schema's JSON text; fails the test if it does not load.
inline std::unique_ptr<Database> OpenJson(const std::string& schema_json) {
  auto schema = api::SchemaFromText(schema_json);
  INFO(schema.status().ToString());
  REQUIRE(schema.ok());
  return std::move(Database::OpenInMemory(schema.value())).value();
}

// An in-memory database with one of the fixture schemas.
inline std::unique_ptr<Database> OpenFixture(const std::string& name) { return OpenJson(SchemaText(name)); }

// Calls a method that must succeed; returns its result.
inline Json Ok(Database& db, const std::string& method, const Json& args) {
  auto r = db.Call(method, args);
  INFO(method << " " << args.dump() << " -> " << r.status().ToString());
  REQUIRE(r.ok());
  return r.value();
}

// Calls a method that must fail; returns the error.
inline Status Fails(Database& db, const std::string& method, const Json& args) {
  auto r = db.Call(method, args);
  INFO(method << " " << args.dump() << " -> " << (r.ok() ? r.value().dump() : r.status().ToString()));
  REQUIRE_FALSE(r.ok());
  return r.status();
}

// Every record of every model (soft-deleted included) with every relation's ids:
// equal dumps mean equal states.
inline std::string Dump(Database& db) {
  Json all = Json::object();
  for (const auto& m : db.schema().models()) {
    Json rels = Json::array();
    for (RelationId rid : m.relations)
      if (!db.schema().relation(rid).hidden) rels.push_back(db.schema().relation(rid).name);
    auto rows = db.Call("list" + m.plural, Json::array({nullptr, {{"withDeleted", true}, {"relations", rels}}}));
    REQUIRE(rows.ok());
    all[m.name] = rows.value();
  }
  return all.dump();
}

}  // namespace kin::testing
