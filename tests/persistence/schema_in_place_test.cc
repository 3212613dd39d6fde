// A schema change that only adds nullable properties is taken in place
// (docs/schema-evolution.md, "Cost"): the records stay as they are and read null in
// the new properties, and a record moves to its model's new size on its first
// write. Files hold values in declared order whatever the layout in memory, so the
// journal, snapshots, the feed and a follower of the other layout read the same
// records by name.

#include "api/database_access.h"
#include "api/export.h"
#include "core/store.h"
#include "kin/feed.h"
#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;

// The blog fixture with nullable properties added: one declared between two
// others, one indexed, one on a model with a manyToMany.
std::string NullableAdded() {
  Json s = Json::parse(SchemaText("blog"));
  Json& author = s["models"]["Author"]["properties"];
  Json reordered = Json::object();
  for (auto it = author.begin(); it != author.end(); ++it) {
    reordered[it.key()] = it.value();
    if (it.key() == "name") reordered["nickname"] = {{"type", "text"}, {"nullable", true}};
  }
  author = reordered;
  s["models"]["Post"]["properties"]["subtitle"] = {{"type", "text"}, {"nullable", true}, {"index", true}};
  s["models"]["Category"]["properties"]["color"] = {{"type", "text"}, {"nullable", true}};
  return s.dump();
}

// The width of a stored record and its model's slot count.
std::pair<size_t, size_t> Widths(const Database& db, const std::string& model, const std::string& id) {
  const ReadView view = db.Read();
  const Store& store = api::ViewAccess::StoreOf(view);
  const ModelDef& m = db.schema().model(db.schema().FindModel(model));
  const Record* r = store.Find(m.id, id);
  REQUIRE(r != nullptr);
  return {r->width(), m.properties.size()};
}

// Writes that touch records from before the change: parents, children, linked
// records, a delete, a soft delete.
void WriteAfterChange(Database& db) {
  Ok(db, "updateAuthors", R"([{"id": "a1", "name": "Johnny", "nickname": "Jo"}])"_j);
  Ok(db, "updatePosts", R"([{"id": "p1", "subtitle": "first", "views": 11, "categories": ["cat_2"]}])"_j);
  Ok(db, "updateCategories", R"([{"id": "cat_1", "color": "red"}])"_j);
  Ok(db, "createAuthors", R"([{"id": "a4", "name": "Ann", "nickname": "Annie"}])"_j);
  Ok(db, "createPosts", R"([{"id": "p4", "title": "New", "author_id": "a2", "subtitle": "first",
                             "categories": ["cat_1"]}])"_j);
  Ok(db, "deletePosts", R"(["p2"])"_j);
  Ok(db, "softDeletePosts", R"(["p3"])"_j);
}

TEST_CASE("adding nullable properties changes a database in place: its records are not rebuilt",
          "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  {
    auto db = Database::Open(db_dir, SchemaText("blog")).value();
    SeedBlog(*db);
  }
  auto db = Database::Open(db_dir, NullableAdded()).value();
  const auto [narrow, slots] = Widths(*db, "Author", "a1");
  CHECK(narrow < slots);  // the record as it was written, not a copy of the new size
  CHECK(Ok(*db, "retrieveAuthor", R"(["a1"])"_j)["nickname"].is_null());
  CHECK(Ok(*db, "listPosts", R"([{"subtitle": null}])"_j).size() == 3);
  // Output lists properties in declared order, not in the order of the slots.
  Json a1 = Ok(*db, "retrieveAuthor", R"(["a1"])"_j);
  std::vector<std::string> keys;
  for (auto it = a1.begin(); it != a1.end(); ++it) keys.push_back(it.key());
  REQUIRE(keys.size() >= 3);
  CHECK(std::find(keys.begin(), keys.end(), "nickname") < std::find(keys.begin(), keys.end(), "created_at"));

  Ok(*db, "updateAuthors", R"([{"id": "a1", "nickname": "Jo"}])"_j);
  CHECK(Widths(*db, "Author", "a1").first == slots);  // moved on its first write
  CHECK(Widths(*db, "Author", "a2").first == narrow);
  CHECK(Ok(*db, "listAuthors", R"([{"nickname": "Jo"}])"_j)[0]["id"] == "a1");
  // A feed entry reads the same with the database's schema as with its own.
  auto entries = db->Feed(0).value().Next(100);
  REQUIRE(entries.ok());
  REQUIRE_FALSE(entries->empty());
  const Json own = FeedEntryToJson(entries->back());
  CHECK(own["changes"][0]["record"]["nickname"] == "Jo");
  CHECK(FeedEntryToJson(db->schema(), entries->back()) == own);
}

TEST_CASE("writes after an in-place change read back by name from the journal, a snapshot, the feed and a follower",
          "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  std::string old_export;
  {
    auto db = Database::Open(db_dir, SchemaText("blog")).value();
    SeedBlog(*db);
    old_export = api::ExportJson(*db).value();
  }
  std::string expected;
  {
    auto db = Database::Open(db_dir, NullableAdded()).value();
    WriteAfterChange(*db);
    expected = Dump(*db);
  }
  {
    auto replayed = Database::Open(db_dir).value();  // the change replayed in place, then the writes
    CHECK(Dump(*replayed) == expected);
    CHECK(Widths(*replayed, "Author", "a2").first < Widths(*replayed, "Author", "a2").second);
    REQUIRE(replayed->Snapshot().ok());
  }
  {
    auto from_snapshot = Database::Open(db_dir).value();  // records of the new schema's own layout
    CHECK(Dump(*from_snapshot) == expected);
    CHECK(Widths(*from_snapshot, "Author", "a2").first == Widths(*from_snapshot, "Author", "a2").second);
  }
  auto db = Database::Open(db_dir).value();
  auto entries = db->Feed(0).value().Next(100);
  REQUIRE(entries.ok());
  size_t change = 0;
  while (change < entries->size() && (*entries)[change].method != "migrate") ++change;
  REQUIRE(change < entries->size());
  const Json update = FeedEntryToJson((*entries)[change + 1]);
  CHECK(update["changes"][0]["record"]["nickname"] == "Jo");
  CHECK(update["changes"][0]["record"]["name"] == "Johnny");
  CHECK(update["changes"][0]["properties"] == Json::array({"name", "nickname", "updated_at"}));

  SECTION("a follower that changes its schema in place too") {
    auto copy = Database::Open(dir.Sub("copy"), SchemaText("blog")).value();
    for (size_t i = 0; i < change; ++i) REQUIRE(copy->ApplyFeedEntry((*entries)[i]).ok());
    copy.reset();
    copy = Database::Open(dir.Sub("copy"), NullableAdded()).value();
    for (size_t i = change; i < entries->size(); ++i) REQUIRE(copy->ApplyFeedEntry((*entries)[i]).ok());
    CHECK(Dump(*copy) == expected);
  }
  SECTION("a follower whose records were carried into the new schema") {
    const std::string schema = NullableAdded();
    REQUIRE(api::ImportJson(dir.Sub("imported"), old_export, {}, {}, &schema).ok());
    auto copy = Database::Open(dir.Sub("imported")).value();
    CHECK(Widths(*copy, "Author", "a2").first == Widths(*copy, "Author", "a2").second);
    for (size_t i = change + 1; i < entries->size(); ++i) REQUIRE(copy->ApplyFeedEntry((*entries)[i]).ok());
    CHECK(Dump(*copy) == expected);
  }
}

}  // namespace
