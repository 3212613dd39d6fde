// Storage failures (SPEC.md section 10, issue: durability): a fault-injecting file
// system fails writes and syncs and drops unsynced data; kin reports
// database_error, changes nothing it reported as failed, keeps serving reads,
// and reopening recovers a prefix of the acknowledged calls.

#include <cstdlib>
#include <filesystem>

#include "api/database_access.h"
#include "tests/api/test_util.h"
#include "tests/persistence/fault_file_system.h"

namespace {

using namespace kin;
using namespace kin::testing;

// A fresh database directory under /tmp, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/kin-fault-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::unique_ptr<Database> OpenOn(const std::string& dir, FaultFileSystem* fs, SyncPolicy sync = SyncPolicy::kAlways) {
  const std::string schema = SchemaText("seed");
  Options options;
  options.sync = sync;
  auto db = api::DatabaseAccess::Open(dir, &schema, options, *fs);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

void CreateStore(Database& db, int n) {
  Ok(db, "createStores", Json::array({{{"id", "s" + std::to_string(n)}, {"name", "Store " + std::to_string(n)}}}));
}

}  // namespace

TEST_CASE("a failed journal write is a database_error and changes nothing", "[persistence][fault]") {
  TempDir dir;
  FaultFileSystem fs;
  auto db = OpenOn(dir.path, &fs);
  CreateStore(*db, 1);
  const std::string before = Dump(*db);
  fs.FailWrites(ENOSPC);
  Status s = Fails(*db, "createStores", Json::array({{{"id", "s2"}}}));
  CHECK(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Catch::Contains("No space left on device"));
  CHECK(Dump(*db) == before);
  CHECK(Ok(*db, "retrieveStore", Json::array({"s1"}))["name"] == "Store 1");  // reads go on
}

TEST_CASE("after a failed write the database refuses writes until reopened", "[persistence][fault]") {
  TempDir dir;
  FaultFileSystem fs;
  {
    auto db = OpenOn(dir.path, &fs);
    CreateStore(*db, 1);
    fs.FailWrites(EIO, /*partial=*/true);  // half a frame reaches the file
    CHECK(Fails(*db, "createStores", Json::array({{{"id", "s2"}}})).type() == ErrorType::kDatabaseError);
    fs.Heal();
    CHECK(Fails(*db, "createStores", Json::array({{{"id", "s3"}}})).type() == ErrorType::kDatabaseError);
    CHECK(Ok(*db, "listStores", Json::array()).size() == 1);
  }
  auto reopened = OpenOn(dir.path, &fs);
  CHECK_THAT(reopened->open_notice(), Catch::Contains("torn tail"));
  CHECK(Ok(*reopened, "listStores", Json::array()).size() == 1);
  CreateStore(*reopened, 4);  // writable again after recovery
  CHECK(Ok(*reopened, "listStores", Json::array()).size() == 2);
}

TEST_CASE("a failed fsync under sync=always is reported and never ignored", "[persistence][fault]") {
  TempDir dir;
  FaultFileSystem fs;
  std::string acknowledged;
  {
    auto db = OpenOn(dir.path, &fs);
    CreateStore(*db, 1);
    acknowledged = Dump(*db);
    fs.FailSyncs(EIO);
    Status s = Fails(*db, "createStores", Json::array({{{"id", "s2"}}}));
    CHECK(s.type() == ErrorType::kDatabaseError);
    CHECK_THAT(s.message(), Catch::Contains("Input/output error"));
    fs.Heal();  // a later sync could succeed, but the lost pages are not retried
    CHECK(Fails(*db, "createStores", Json::array({{{"id", "s3"}}})).type() == ErrorType::kDatabaseError);
    CHECK(Ok(*db, "retrieveStore", Json::array({"s1"}))["id"] == "s1");
    fs.DropUnsyncedData();  // the failed flush lost its data
  }
  auto reopened = OpenOn(dir.path, &fs);
  CHECK(Dump(*reopened) == acknowledged);
}

TEST_CASE("power loss under sync=always keeps every acknowledged call", "[persistence][fault]") {
  TempDir dir;
  FaultFileSystem fs;
  std::string acknowledged;
  {
    auto db = OpenOn(dir.path, &fs);
    for (int i = 0; i < 20; ++i) CreateStore(*db, i);
    Ok(*db, "createProducts", Json::array({{{"id", "p1"}, {"store_id", "s3"}}}));
    acknowledged = Dump(*db);
    fs.DropUnsyncedData();
  }
  auto reopened = OpenOn(dir.path, &fs);
  CHECK(Dump(*reopened) == acknowledged);
}

TEST_CASE("power loss under sync=none recovers a prefix of the calls, never part of one", "[persistence][fault]") {
  TempDir dir;
  FaultFileSystem fs;
  std::vector<std::string> prefixes;
  {
    auto db = OpenOn(dir.path, &fs, SyncPolicy::kNone);
    prefixes.push_back(Dump(*db));
    for (int i = 0; i < 10; ++i) {
      // One transaction: a store and two products, all or nothing.
      std::string s = "s" + std::to_string(i);
      Ok(*db, "createStores", Json::array({{{"id", s}}}));
      prefixes.push_back(Dump(*db));
      auto r = db->Transaction({CallRequest{"createProducts", Json::array({Json::array(
                                                                   {{{"id", s + "a"}, {"store_id", s}},
                                                                    {{"id", s + "b"}, {"store_id", s}}})})}});
      REQUIRE(r.ok());
      prefixes.push_back(Dump(*db));
    }
    fs.DropUnsyncedData();
  }
  auto reopened = OpenOn(dir.path, &fs, SyncPolicy::kNone);
  const std::string recovered = Dump(*reopened);
  bool is_prefix = std::find(prefixes.begin(), prefixes.end(), recovered) != prefixes.end();
  // A store without its products would be a state between two dumps: never allowed.
  CHECK(is_prefix);
}
