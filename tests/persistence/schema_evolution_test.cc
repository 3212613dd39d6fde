// Changing a database's schema (docs/schema-evolution.md, FORMAT.md "Schema
// history"): opening with a new schema applies every safe change as one journal
// record, refuses the rest and changes nothing, and every later read (reopen,
// replay, point in time, feed) sees each record under the schema it was written
// under.

#include <functional>

#include "api/export.h"
#include "api/schema_json.h"
#include "kin/feed.h"
#include "persistence/recovery.h"
#include "persistence/schema_history.h"
#include "tests/persistence/fault_file_system.h"
#include "tests/persistence/persistence_test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

// The blog fixture's schema, changed by `edit`.
std::string Blog(const std::function<void(Json&)>& edit = {}) {
  Json schema = Json::parse(SchemaText("blog"));
  if (edit) edit(schema);
  return schema.dump();
}

Json& Props(Json& schema, const char* model) { return schema["models"][model]["properties"]; }

// A blog database in `dir` holding the fixture's records, closed.
void SeededBlogAt(const std::string& dir, const Options& options = {}) {
  const std::string text = Blog();
  auto db = Database::Open(dir, text, options);
  REQUIRE(db.ok());
  SeedBlog(**db);
}

Result<std::unique_ptr<Database>> OpenWith(const std::string& dir, const std::string& schema) {
  return Database::Open(dir, schema);
}

std::unique_ptr<Database> MustOpenWith(const std::string& dir, const std::string& schema) {
  auto db = OpenWith(dir, schema);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

// What a refused change must leave: the same files, byte for byte.
std::string Files(const std::string& dir) {
  std::string out;
  for (const auto& e : stdfs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "LOCK") continue;
    out += e.path().string() + "\n" + FileBytes(e.path().string()) + "\n";
  }
  return out;
}

// Every safe change at once (docs/schema-evolution.md, the classification table).
std::string Wider() {
  return Blog([](Json& s) {
    s["models"]["Tag"] = {{"properties",
                           {{"id", {{"type", "id"}, {"primaryKey", true}}}, {"label", {{"type", "text"}}}}}};
    Props(s, "Author")["nickname"] = {{"type", "text"}, {"nullable", true}};
    Props(s, "Author")["rank"] = {{"type", "number"}, {"default", 3}};
    Props(s, "Post")["editor"] = {{"type", "belongsTo"}, {"model", "Author"}, {"nullable", true}};
    Props(s, "Author")["favorites"] = {{"type", "manyToMany"}, {"model", "Category"}, {"mappedBy", "fans"}};
    Props(s, "Category")["fans"] = {{"type", "manyToMany"}, {"model", "Author"}, {"mappedBy", "favorites"}};
    Props(s, "Post")["title"]["index"] = true;
    Props(s, "Category")["name"]["unique"] = true;
    Props(s, "Post")["status"]["values"].push_back("archived");
    Props(s, "Post")["views"]["default"] = 7;
    s["models"]["Category"]["cascades"] = {{"delete", {"posts"}}};
  });
}

TEST_CASE("opening with every kind of safe change applies it, and records get defaults or null", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  {
    auto db = MustOpenWith(db_dir, Wider());
    const Json a1 = Ok(*db, "retrieveAuthor", R"(["a1"])"_j);
    CHECK(a1["nickname"].is_null());  // a new nullable property: null
    CHECK(a1["rank"] == 3);           // a new defaulted property: the default
    CHECK(a1["name"] == "John");
    const Json p1 = Ok(*db, "retrievePost", R"(["p1", {"relations": ["categories"]}])"_j);
    CHECK(p1["editor_id"].is_null());  // a new belongsTo: null
    CHECK(p1["views"] == 10);          // a changed default changes no record
    CHECK(p1["categories"].size() == 2);
    // The new parts work.
    Ok(*db, "createTags", R"([{"id": "t1", "label": "new"}])"_j);
    Ok(*db, "updatePosts", R"([{"id": "p2", "status": "archived", "editor_id": "a3"}])"_j);
    CHECK(Ok(*db, "listPosts", R"([{"editor_id": "a3"}])"_j).size() == 1);
    Ok(*db, "updateAuthors", R"([{"id": "a2", "favorites": ["cat_1"]}])"_j);
    CHECK(Ok(*db, "retrieveCategory", R"(["cat_1", {"relations": ["fans", "posts"]}])"_j)["fans"].size() == 1);
    CHECK(Ok(*db, "createPosts", R"([{"title": "x", "author_id": "a3"}])"_j)["views"] == 7);
    CHECK(Fails(*db, "createCategories", R"([{"name": "Tech"}])"_j).type() == ErrorType::kInvalidData);
  }
  // The stored schema is the new one; reopening replays across the change.
  const std::string canonical = api::CanonicalSchemaText(*api::SchemaFromText(Wider()).value());
  CHECK(FileBytes(db_dir + "/schema.json") == canonical);
  auto db = Database::Open(db_dir).value();
  CHECK(Ok(*db, "retrieveTag", R"(["t1"])"_j)["label"] == "new");
  CHECK(Ok(*db, "retrievePost", R"(["p2"])"_j)["status"] == "archived");
  CHECK(Ok(*db, "retrieveAuthor", R"(["a2"])"_j)["rank"] == 3);
  CHECK(Ok(*db, "retrieveAuthor", R"(["a2", {"relations": ["favorites"]}])"_j)["favorites"].size() == 1);
  // Opening again with the same schema is no change.
  const uint64_t next = db->Stats().next_seq;
  db.reset();
  CHECK(MustOpenWith(db_dir, Wider())->Stats().next_seq == next);
}

TEST_CASE("a new unique index that live records violate is refused, naming them, and nothing changes",
          "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  {
    auto db = Database::Open(db_dir).value();
    Ok(*db, "createCategories", R"([{"id": "cat_3", "name": "Tech"}])"_j);
  }
  const std::string before = Files(db_dir);
  auto refused = OpenWith(db_dir, Blog([](Json& s) { Props(s, "Category")["name"]["unique"] = true; }));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().type() == ErrorType::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Contains("add unique index Category(name)"));
  CHECK_THAT(refused.status().message(), Contains("cat_1, cat_3 share \"Tech\""));
  CHECK(Files(db_dir) == before);
}

TEST_CASE("unsafe changes are refused as invalid_argument, each listed, and nothing changes", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  const std::string before = Files(db_dir);
  const std::string unsafe = Blog([](Json& s) {
    Props(s, "Author").erase("metadata");                                  // remove a property
    Props(s, "Post")["views"]["type"] = "text";                            // change a type
    Props(s, "Post")["views"].erase("default");
    Props(s, "Post")["rating"].erase("nullable");                          // nullable to required
    Props(s, "Post")["status"]["values"] = {"published"};                  // remove an enum value in use
    Props(s, "Post")["status"]["default"] = "published";
    Props(s, "Profile")["summary"] = Props(s, "Profile")["bio"];           // a rename: a drop and an add
    Props(s, "Profile").erase("bio");
    s["models"].erase("Category");                                         // remove a model
    Props(s, "Post").erase("categories");
  });
  auto refused = OpenWith(db_dir, unsafe);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().type() == ErrorType::kInvalidArgument);
  const std::string message = refused.status().message();
  INFO(message);
  CHECK_THAT(message, StartsWith("The schema change is refused: "));
  for (const char* step : {"remove property Author.metadata", "change type of Post.views from number to text",
                           "make Post.rating required", "remove value \"draft\" from Post.status",
                           "remove property Profile.bio", "remove model Category"})
    CHECK_THAT(message, Contains(step));
  CHECK_THAT(message, EndsWith("(destructive steps apply only when allowed)"));
  CHECK(Files(db_dir) == before);
  // Still the old schema, with every record.
  auto db = Database::Open(db_dir).value();
  CHECK(Ok(*db, "retrieveProfile", R"(["pr1"])"_j)["bio"] == "Writes things");
}

TEST_CASE("Migrate applies destructive steps only when allowed, and a dry run changes nothing", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  const std::string narrower = Blog([](Json& s) { Props(s, "Profile").erase("bio"); });
  const std::string before = Files(db_dir);
  MigrateOptions dry;
  dry.dry_run = true;
  auto plan = Database::Migrate(db_dir, narrower, dry);
  REQUIRE(plan.ok());
  CHECK(plan->plan ==
        "remove property Profile.bio (destructive: drops the value from every record)\n"
        "1 step: 0 safe, 1 destructive, 0 impossible\n");
  CHECK_THAT(plan->refusal, StartsWith("The schema change is refused: remove property Profile.bio"));
  CHECK_FALSE(plan->applied);
  CHECK(Json::parse(plan->plan_json)["destructive"] == 1);
  CHECK(Files(db_dir) == before);
  auto refused = Database::Migrate(db_dir, narrower);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().type() == ErrorType::kInvalidArgument);
  CHECK(Files(db_dir) == before);

  MigrateOptions allowed;
  allowed.allow_destructive = true;
  auto applied = Database::Migrate(db_dir, narrower, allowed);
  INFO(applied.status().ToString());
  REQUIRE(applied.ok());
  CHECK(applied->applied);
  CHECK(applied->seq > 0);
  auto db = Database::Open(db_dir).value();
  const Json pr1 = Ok(*db, "retrieveProfile", R"(["pr1"])"_j);
  CHECK_FALSE(pr1.contains("bio"));
  CHECK(pr1["author_id"] == "a1");
  // Every record lost it, and an export of the database has no trace of it.
  CHECK(Dump(*db).find("Writes things") == std::string::npos);
}

TEST_CASE("snapshots and journal records are read with the schema in force when they were written",
          "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  Options keep_all;
  keep_all.keep_snapshots = 10;
#ifdef KIN_TEST_SANITIZER_MALLOC
  keep_all.snapshot_in_child = false;  // see KIN_TEST_SANITIZER_MALLOC
#endif
  SeededBlogAt(db_dir, keep_all);
  {
    auto db = Database::Open(db_dir, keep_all).value();
    REQUIRE(db->Snapshot().ok());  // of the old schema
    Ok(*db, "updateAuthors", R"([{"id": "a3", "name": "Robert"}])"_j);  // a record of the old schema after it
  }
  std::string after_change;
  {
    auto db = MustOpenWith(db_dir, Wider());
    Ok(*db, "createTags", R"([{"id": "t1", "label": "new"}])"_j);
    Ok(*db, "updateAuthors", R"([{"id": "a3", "nickname": "Bob"}])"_j);
    after_change = Dump(*db);
  }
  // Old snapshot, then old records, the change, and new records.
  {
    auto db = Database::Open(db_dir, keep_all).value();
    CHECK(Dump(*db) == after_change);
    REQUIRE(db->Snapshot().ok());  // of the new schema
    Ok(*db, "updateAuthors", R"([{"id": "a2", "nickname": "J"}])"_j);
    after_change = Dump(*db);
  }
  const auto snapshots = Snapshots(db_dir);
  REQUIRE(snapshots.size() == 2);
  CHECK(persistence::ReadSnapshotHeader(snapshots.front().path)->schema_json == FileBytes(db_dir + "/schema.json"));
  CHECK(persistence::ReadSnapshotHeader(snapshots.back().path)->schema_json ==
        api::CanonicalSchemaText(*api::SchemaFromText(Blog()).value()));
  auto db = Database::Open(db_dir, keep_all).value();
  CHECK(Dump(*db) == after_change);
  db.reset();
  // Without the newest snapshot, the older one and the change replay to the same state.
  stdfs::remove(snapshots.front().path);
  CHECK(Dump(*Database::Open(db_dir, keep_all).value()) == after_change);
  // Without any, the journal from its first record with the creation schema.
  stdfs::remove(snapshots.back().path);
  CHECK(Dump(*Database::Open(db_dir, keep_all).value()) == after_change);
}

TEST_CASE("a point-in-time read before a schema change has the schema of that time", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  uint64_t change_seq = 0;
  {
    MigrateOptions safe;
    auto applied = Database::Migrate(db_dir, Wider(), safe);
    REQUIRE(applied.ok());
    change_seq = applied->seq;
    auto db = Database::Open(db_dir).value();
    Ok(*db, "createTags", R"([{"id": "t1", "label": "new"}])"_j);
  }
  persistence::RecoveryOptions before = ParsingRecovery();
  before.to_seq = change_seq - 1;
  auto old = persistence::ReadDatabase(db_dir, before);
  REQUIRE(old.ok());
  CHECK(old->schema_json == api::CanonicalSchemaText(*api::SchemaFromText(Blog()).value()));
  CHECK_FALSE(old->store->schema().FindModel("Tag").valid());
  const ModelId author = old->store->schema().FindModel("Author");
  CHECK(old->store->Count(author) == 3);
  CHECK(old->store->schema().model(author).FindProperty("nickname") == nullptr);

  persistence::RecoveryOptions at = ParsingRecovery();
  at.to_seq = change_seq;
  auto changed = persistence::ReadDatabase(db_dir, at);
  REQUIRE(changed.ok());
  CHECK(changed->store->schema().FindModel("Tag").valid());
  CHECK(changed->store->Count(changed->store->schema().FindModel("Tag")) == 0);
}

TEST_CASE("the feed has the schema change and reads each record with its own schema", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  {
    auto db = MustOpenWith(db_dir, Wider());
    Ok(*db, "updateAuthors", R"([{"id": "a3", "nickname": "Bob"}])"_j);
  }
  auto db = Database::Open(db_dir).value();
  auto entries = db->Feed(0).value().Next(100);
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 6);  // four seeding calls, the change, the update
  const FeedEntry& change = (*entries)[4];
  CHECK(change.method == "migrate");
  REQUIRE(change.changes.size() == 1);
  CHECK(change.changes[0].kind == FeedChange::Kind::kSchemaChanged);
  CHECK(change.changes[0].schema_json == FileBytes(db_dir + "/schema.json"));
  const Json j = FeedEntryToJson(change);
  CHECK(j["changes"][0]["change"] == "schema_changed");
  CHECK(j["changes"][0]["schema"]["models"].contains("Tag"));
  CHECK(j["events"].empty());
  // Before the change, records have the old shape; after it, the new one.
  const Json created = FeedEntryToJson((*entries)[0]);
  CHECK_FALSE(created["changes"][0]["record"].contains("nickname"));
  const Json updated = FeedEntryToJson((*entries)[5]);
  CHECK(updated["changes"][0]["properties"] == Json::array({"nickname", "updated_at"}));
  CHECK(updated["changes"][0]["record"]["rank"] == 3);
  // A cursor opened after the change starts with the new schema.
  auto late = db->Feed(change.seq).value().Next(10);
  REQUIRE(late.ok());
  REQUIRE(late->size() == 1);
  CHECK(FeedEntryToJson((*late)[0])["changes"][0]["record"]["nickname"] == "Bob");

  // A follower applies up to the change, changes its schema, and goes on.
  const std::string copy_dir = dir.Sub("copy");
  auto copy = Database::Open(copy_dir, Blog()).value();
  for (size_t i = 0; i < 4; ++i) REQUIRE(copy->ApplyFeedEntry((*entries)[i]).ok());
  Status refused = copy->ApplyFeedEntry(change);
  CHECK(refused.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(refused.message(), Contains("changes the schema"));
  CHECK(copy->ApplyFeedEntry((*entries)[5]).type() == ErrorType::kInvalidArgument);  // another schema's entry
  copy.reset();
  copy = Database::Open(copy_dir, change.changes[0].schema_json).value();
  REQUIRE(copy->ApplyFeedEntry(change).ok());  // now nothing to do
  REQUIRE(copy->ApplyFeedEntry((*entries)[5]).ok());
  CHECK(Dump(*copy) == Dump(*db));
}

TEST_CASE("a crash after a schema change's record and before schema.json is repaired on open", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  const std::string old_schema = FileBytes(db_dir + "/schema.json");
  uint64_t seq = 0;
  {
    auto applied = Database::Migrate(db_dir, Wider());
    REQUIRE(applied.ok());
    seq = applied->seq;
  }
  const std::string new_schema = FileBytes(db_dir + "/schema.json");
  // As if the process died right after the record was synced.
  WriteBytes(db_dir + "/schema.json", old_schema);
  stdfs::remove(db_dir + "/schemas/" + persistence::SchemaVersionFileName(seq));
  auto db = Database::Open(db_dir).value();
  CHECK(db->schema().FindModel("Tag").valid());
  CHECK(FileBytes(db_dir + "/schema.json") == new_schema);
  CHECK(FileBytes(db_dir + "/schemas/" + persistence::SchemaVersionFileName(seq)) == new_schema);
  CHECK(FileBytes(db_dir + "/schemas/" + persistence::SchemaVersionFileName(0)) == old_schema);
}

TEST_CASE("a schema that differs only in declaration order keeps every record and link", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  const std::string before = Dump(*Database::Open(db_dir).value());
  // Models in another order: other model ids, other record layouts, the same meaning.
  Json reordered = Json::object();
  reordered["models"] = Json::object();
  const Json blog = Json::parse(Blog());
  for (const char* m : {"Post", "Category", "Profile", "Author"}) reordered["models"][m] = blog["models"][m];
  MigrateOptions dry;
  dry.dry_run = true;
  CHECK(Database::Migrate(db_dir, reordered.dump(), dry)->plan == "no change\n");
  auto db = MustOpenWith(db_dir, reordered.dump());
  CHECK(nlohmann::json::parse(Dump(*db)) == nlohmann::json::parse(before));  // model order aside
}

TEST_CASE("bad schema changes get clear errors and change nothing", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  const std::string before = Files(db_dir);
  auto unparsable = OpenWith(db_dir, "{\"models\": ");
  CHECK(unparsable.status().type() == ErrorType::kInvalidArgument);
  auto invalid = OpenWith(db_dir, Blog([](Json& s) { Props(s, "Post")["author"]["model"] = "Nobody"; }));
  CHECK(invalid.status().type() == ErrorType::kInvalidArgument);
  CHECK(Database::Migrate(dir.Sub("none"), Blog()).status().type() == ErrorType::kInvalidArgument);
  CHECK(Files(db_dir) == before);
  CHECK_FALSE(stdfs::exists(dir.Sub("none")));
}

}  // namespace

namespace {

TEST_CASE("an export carries its schema version, and imports into a newer schema by the same rules",
          "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  std::string old_export;
  {
    auto db = Database::Open(db_dir).value();
    old_export = api::ExportJson(*db).value();
  }
  CHECK(Json::parse(old_export)["schema_version"] == 0);
  auto applied = Database::Migrate(db_dir, Wider());
  REQUIRE(applied.ok());
  {
    auto db = Database::Open(db_dir).value();
    CHECK(Json::parse(api::ExportJson(*db).value())["schema_version"] == applied->seq);
  }
  // The old export, into the newer schema: the same records, with defaults and nulls.
  const std::string wider = Wider();
  REQUIRE(api::ImportJson(dir.Sub("imported"), old_export, {}, {}, &wider).ok());
  {
    auto imported = Database::Open(dir.Sub("imported")).value();
    CHECK(Ok(*imported, "retrieveAuthor", R"(["a1"])"_j)["rank"] == 3);
    CHECK(Ok(*imported, "retrievePost", R"(["p1", {"relations": ["categories"]}])"_j)["categories"].size() == 2);
    CHECK(imported->schema().FindModel("Tag").valid());
  }
  // A destructive difference is refused unless allowed; nothing is written.
  const std::string narrower = Blog([](Json& s) { Props(s, "Profile").erase("bio"); });
  Status refused = api::ImportJson(dir.Sub("narrow"), old_export, {}, {}, &narrower);
  CHECK(refused.type() == ErrorType::kInvalidArgument);
  CHECK_THAT(refused.message(), Contains("remove property Profile.bio"));
  CHECK_FALSE(stdfs::exists(dir.Sub("narrow")));
  MigrateOptions allow;
  allow.allow_destructive = true;
  REQUIRE(api::ImportJson(dir.Sub("narrow"), old_export, {}, {}, &narrower, allow).ok());
  auto narrow = Database::Open(dir.Sub("narrow")).value();
  CHECK_FALSE(Ok(*narrow, "retrieveProfile", R"(["pr1"])"_j).contains("bio"));
}

}  // namespace

namespace {

TEST_CASE("the golden database of journal format 4 opens with its exact content, across its schema change",
          "[schema-evolution]") {
  const std::string golden = std::string(KIN_SOURCE_DIR) + "/tests/data/golden/v5";
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  CopyDir(golden + "/db", db_dir);
  const std::string first = FileBytes(db_dir + "/schemas/" + persistence::SchemaVersionFileName(0));
  const std::string second = FileBytes(db_dir + "/schemas/" + persistence::SchemaVersionFileName(15));
  CHECK(second == FileBytes(db_dir + "/schema.json"));
  CHECK(persistence::ReadSnapshotHeader(db_dir + "/snapshots/" + persistence::SnapshotFileName(6))->schema_json ==
        first);
  CHECK(FileBytes(db_dir + "/journal/" + persistence::SegmentFileName(7))[8] == 4);
  {
    auto db = Database::Open(db_dir);
    INFO(db.status().ToString());
    REQUIRE(db.ok());
    CHECK(db.value()->open_notice().empty());
    // Key order is not part of the format: compare as unordered JSON.
    CHECK(nlohmann::json::parse(api::ExportJson(**db).value()) ==
          nlohmann::json::parse(FileBytes(golden + "/expected-export.json")));
    // The feed reads each record with its own schema.
    auto entries = db.value()->Feed(0).value().Next(100);
    REQUIRE(entries.ok());
    REQUIRE(entries->size() == 18);  // the journal still holds records 1 to 18
    CHECK((*entries)[14].seq == 15);
    CHECK((*entries)[14].changes.at(0).kind == FeedChange::Kind::kSchemaChanged);
    CHECK((*entries)[14].changes.at(0).schema_json == second);
    CHECK(FeedEntryToJson((*entries)[15])["changes"][0]["properties"] ==
          Json::array({"status", "note", "updated_at"}));
  }
  // Before the change, the first schema.
  persistence::RecoveryOptions before = ParsingRecovery();
  before.to_seq = 14;
  auto old = persistence::ReadDatabase(db_dir, before);
  REQUIRE(old.ok());
  CHECK(old->schema_json == first);
  CHECK_FALSE(old->store->schema().FindModel("Tag").valid());
}

}  // namespace

namespace {

TEST_CASE("a schema change whose writes fail leaves the old state or the whole new one", "[schema-evolution]") {
  TempDir dir;
  const std::string db_dir = dir.Sub("db");
  SeededBlogAt(db_dir);
  const std::string old_dump = Dump(*Database::Open(db_dir).value());
  const std::string wider = Wider();
  {
    // The schema history cannot be written: nothing goes to the journal.
    FaultFileSystem fs;
    fs.FailWholeFileWrites(ENOSPC);
    auto failed = api::DatabaseAccess::Open(db_dir, &wider, {}, fs);
    REQUIRE_FALSE(failed.ok());
  }
  CHECK(Dump(*Database::Open(db_dir).value()) == old_dump);
  {
    // The change's record cannot be synced: it is cut off, and nothing changed.
    FaultFileSystem fs;
    fs.FailSyncs(EIO);
    auto failed = api::DatabaseAccess::Open(db_dir, &wider, {}, fs);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.status().type() == ErrorType::kDatabaseError);
  }
  {
    auto db = Database::Open(db_dir).value();
    CHECK(Dump(*db) == old_dump);
    CHECK_FALSE(db->schema().FindModel("Tag").valid());
  }
  {
    // The record is synced (version 0 is kept from the try before), then its
    // files cannot be written: the open fails after the change committed, as if it
    // had crashed there, and the next open finishes the change.
    REQUIRE(persistence::ListSchemaVersions(db_dir).value().size() == 1);
    FaultFileSystem fs;
    fs.FailWholeFileWrites(ENOSPC);
    auto failed = api::DatabaseAccess::Open(db_dir, &wider, {}, fs);
    REQUIRE_FALSE(failed.ok());
  }
  auto db = Database::Open(db_dir).value();
  CHECK(db->schema().FindModel("Tag").valid());
  CHECK(Ok(*db, "retrieveAuthor", R"(["a1"])"_j)["rank"] == 3);
  CHECK(FileBytes(db_dir + "/schema.json") == api::CanonicalSchemaText(db->schema()));
  CHECK(persistence::ListSchemaVersions(db_dir).value().size() == 2);
}

}  // namespace

namespace {

TEST_CASE("a feed entry without its schema is written without names, never refused", "[schema-evolution]") {
  FeedEntry entry;
  entry.seq = 9;
  FeedChange created;
  created.kind = FeedChange::Kind::kCreated;
  created.model = ModelId(3);
  created.id = "p1";
  FeedChange linked;
  linked.kind = FeedChange::Kind::kLinked;
  linked.relation = RelationId(0);
  linked.from = "p1";
  linked.to = "o1";
  entry.changes = {created, linked};
  const Json j = FeedEntryToJson(entry);
  CHECK(j["seq"] == 9);
  CHECK(j["changes"][0]["model"].is_null());
  CHECK(j["changes"][0]["id"] == "p1");
  CHECK(j["changes"][0]["record"].is_null());
  CHECK(j["changes"][1]["relation"].is_null());
  CHECK(j["events"].empty());
}

}  // namespace
