#pragma once
// Test helpers: one-line database setup from the schemas in tests/data/schemas,
// calls that must succeed or fail, and a dump of the whole state for
// "nothing changed" assertions.

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "kin/kin.h"
#include "kin/json.h"
#include "api/schema_json.h"

// Defined when malloc is a sanitizer's (ASan or TSan; g++ defines __SANITIZE_*__,
// clang answers __has_feature). Those allocators, as shipped here, do not take
// their locks around fork(), so a child forked while another thread is inside
// malloc can hang in its first allocation: observed with g++ 12's ASan and TSan
// (TSan's fix is llvm/llvm-project#96600, LLVM 19). glibc's malloc is fork-safe.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KIN_TEST_SANITIZER_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define KIN_TEST_SANITIZER_MALLOC 1
#endif
#endif

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
  std::string path = KIN_SOURCE_DIR;
  path.append("/tests/data/schemas/").append(name).append(".json");
  return ReadFile(path);
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

// The blog fixture with data: authors a1 (John, profile pr1, posts p1 p2), a2
// (Jane, post p3), a3 (Bob, nothing); categories cat_1 (p1) and cat_2 (p1, p3).
// Author cascades delete to posts; a profile's author is required and not
// cascaded, so it restricts deleting a1.
inline void SeedBlog(Database& db) {
  Ok(db, "createAuthors", R"([[{"id": "a1", "name": "John", "email": "john@example.com"},
                                {"id": "a2", "name": "Jane"}, {"id": "a3", "name": "Bob"}]])"_j);
  Ok(db, "createProfiles", R"([{"id": "pr1", "bio": "Writes things", "author_id": "a1"}])"_j);
  Ok(db, "createCategories", R"([[{"id": "cat_1", "name": "Tech"}, {"id": "cat_2", "name": "Life"}]])"_j);
  Ok(db, "createPosts", R"([[
      {"id": "p1", "title": "Hello World", "views": 10, "author_id": "a1", "categories": ["cat_1", "cat_2"]},
      {"id": "p2", "title": "Second post", "views": 5, "author_id": "a1"},
      {"id": "p3", "title": "Hello again", "views": 20, "author_id": "a2", "categories": ["cat_2"]}]])"_j);
}

inline std::unique_ptr<Database> SeededBlog() {
  auto db = OpenFixture("blog");
  SeedBlog(*db);
  return db;
}

}  // namespace kin::testing
