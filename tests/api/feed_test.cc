// The change feed (kin/feed.h, SPEC.md section 14): Database::Feed, FeedEntryToJson,
// ApplyFeedEntry, and `kin feed`.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/database_access.h"
#include "api/export.h"
#include "api/feed.h"
#include "api/schema_json.h"
#include "persistence/change_set_codec.h"
#include "tests/api/test_util.h"
#include "tests/persistence/fault_file_system.h"
#include "tests/persistence/persistence_test_util.h"
#include "tests/tools/kin_command.h"

namespace {

using namespace kin;
using namespace kin::testing;


std::unique_ptr<Database> OpenOnDisk(const std::string& dir, const std::string& fixture, Options options = {}) {
  options.sync = options.sync == SyncPolicy::kAlways ? SyncPolicy::kNone : options.sync;
  auto db = Database::Open(dir, SchemaText(fixture), options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

std::vector<FeedEntry> ReadAll(FeedCursor& cursor) {
  std::vector<FeedEntry> all;
  for (;;) {
    auto next = cursor.Next(7);  // a small page, so paging is exercised
    INFO(next.status().ToString());
    REQUIRE(next.ok());
    if (next->empty()) return all;
    for (auto& e : *next) all.push_back(std::move(e));
  }
}

// Every entry of `db`'s feed after `after_seq`.
std::vector<FeedEntry> FeedOf(Database& db, uint64_t after_seq = 0) {
  auto cursor = db.Feed(after_seq);
  INFO(cursor.status().ToString());
  REQUIRE(cursor.ok());
  return ReadAll(*cursor);
}

// Each entry's JSON, one line each: what a test compares.
std::vector<Json> AsJson(const Schema& schema, const std::vector<FeedEntry>& entries) {
  std::vector<Json> out;
  for (const auto& e : entries) out.push_back(FeedEntryToJson(schema, e));
  return out;
}

// The seed fixture's calls the oracle was asked about (Medusa 2.21.2's events for
// each are in the comments).
void SeedCalls(Database& db) {
  Ok(db, "createStores", R"([[{"id": "s1", "name": "A"}]])"_j);  // seed.store.created s1
  Ok(db, "createProducts", R"([[{"id": "p1", "title": "a", "store_id": "s1"}, {"id": "p2", "title": "b"}]])"_j);
  Ok(db, "updateProducts", R"([{"id": "p1", "title": "z"}])"_j);  // seed.product.updated p1
  Ok(db, "softDeleteProducts", R"([["p1"]])"_j);                  // seed.product.deleted p1
  Ok(db, "restoreProducts", R"([["p1"]])"_j);                     // none
  Ok(db, "deleteProducts", R"([["p2"]])"_j);                      // seed.product.deleted p2
  Ok(db, "createOrders", R"([[{"id": "o1"}]])"_j);                // seed.order.created o1
  Ok(db, "updateProducts", R"([{"id": "p1", "orders": ["o1"]}])"_j);  // none: only a link changed
  Ok(db, "updateProducts", R"([{"id": "p1", "title": "z"}])"_j);      // none: the same value
}

}  // namespace

TEST_CASE("the feed describes each call: what it created, updated, soft-deleted, restored, deleted and linked",
          "[feed]") {
  TempDir dir;
  auto db = OpenOnDisk(dir.Sub("db"), "seed");
  SeedCalls(*db);
  auto cursor = db->Feed(0);
  REQUIRE(cursor.ok());
  const auto entries = ReadAll(*cursor);
  REQUIRE(entries.size() == 9);
  CHECK(cursor->position() == 9);
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].seq == i + 1);
    CHECK(entries[i].time_us > 0);
    if (i > 0) CHECK(entries[i].time_us >= entries[i - 1].time_us);
  }
  CHECK(entries[0].method == "createStores");
  REQUIRE(entries[1].changes.size() == 2);
  CHECK(entries[1].changes[0].kind == FeedChange::Kind::kCreated);
  CHECK(entries[1].changes[1].id == "p2");
  REQUIRE(entries[2].changes.size() == 1);
  CHECK(entries[2].changes[0].kind == FeedChange::Kind::kUpdated);
  CHECK(entries[2].changes[0].properties.front() == "title");
  CHECK(entries[3].changes[0].kind == FeedChange::Kind::kSoftDeleted);
  CHECK(entries[4].changes[0].kind == FeedChange::Kind::kRestored);
  CHECK(entries[5].changes[0].kind == FeedChange::Kind::kDeleted);
  CHECK(entries[5].changes[0].values.empty());
  const auto& link = entries[7].changes.back();
  CHECK(link.kind == FeedChange::Kind::kLinked);
  CHECK(db->schema().relation(link.relation).name == "orders");
  CHECK(link.from == "p1");
  CHECK(link.to == "o1");

  // Medusa's events, as Medusa 2.21.2 emitted them for the same calls (without its
  // module prefix), and restored, which Medusa leaves out.
  std::vector<std::string> events;
  for (const Json& j : AsJson(db->schema(), entries))
    for (const Json& e : j["events"]) events.push_back(e["name"].get<std::string>() + " " + e["data"]["id"].get<std::string>());
  CHECK(events == std::vector<std::string>{"store.created s1", "product.created p1", "product.created p2",
                                           "product.updated p1", "product.deleted p1", "product.restored p1",
                                           "product.deleted p2", "order.created o1"});
  const Json updated = FeedEntryToJson(db->schema(), entries[2]);
  CHECK(updated["changes"][0]["record"]["title"] == "z");
  CHECK(updated["events"][0]["metadata"] == R"({"object": "product", "action": "updated"})"_j);
}

TEST_CASE("a pivot model's records are feed records, its events named in kebab case", "[feed]") {
  TempDir dir;
  auto db = OpenOnDisk(dir.Sub("db"), "pivot");
  Ok(*db, "createOrders", R"([[{"id": "o1"}]])"_j);
  Ok(*db, "createProducts", R"([[{"id": "p1", "title": "a"}]])"_j);
  Ok(*db, "createOrderProducts", R"([[{"id": "op1", "order_id": "o1", "product_id": "p1"}]])"_j);
  Ok(*db, "updateOrderProducts", R"([{"id": "op1", "quantity": 3}])"_j);
  const auto json = AsJson(db->schema(), FeedOf(*db, 2));
  REQUIRE(json.size() == 2);
  // Medusa 2.21.2: pivot.order-product.created / updated, object "order_product".
  CHECK(json[0]["events"][0]["name"] == "order-product.created");
  CHECK(json[0]["events"][0]["metadata"]["object"] == "order_product");
  CHECK(json[1]["events"][0]["name"] == "order-product.updated");
  CHECK(json[1]["changes"][0]["properties"][0] == "quantity");
}

TEST_CASE("replaying the feed from its first entry onto an empty database rebuilds the same export", "[feed]") {
  TempDir dir;
  auto source = OpenOnDisk(dir.Sub("db"), "seed");
  SeedCalls(*source);
  Ok(*source, "createUsers", R"([[{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Alan"}]])"_j);
  Ok(*source, "createEmails", R"([{"id": "e1", "address": "ada@example.com", "user_id": "u1"}])"_j);
  REQUIRE(source->Transaction({CallRequest("createOrders", R"([[{"id": "o2"}, {"id": "o3"}]])"_j),
                               CallRequest("updateProducts", R"([{"id": "p1", "orders": ["o2", "o3"]}])"_j),
                               CallRequest("softDeleteOrders", R"([["o3"]])"_j)})
              .ok());
  Ok(*source, "deleteUsers", R"([["u2"]])"_j);
  const auto entries = FeedOf(*source);

  auto target = OpenFixture("seed");  // in memory: applying needs no journal
  for (const auto& e : entries) {
    Status applied = target->ApplyFeedEntry(e);
    INFO("entry " << e.seq << ": " << applied.ToString());
    REQUIRE(applied.ok());
  }
  auto a = api::ExportJson(*source), b = api::ExportJson(*target);
  REQUIRE((a.ok() && b.ok()));
  CHECK(*a == *b);

  // And onto a database on disk, which journals each entry as one record of its method.
  TempDir copy;
  auto on_disk = OpenOnDisk(copy.Sub("db"), "seed");
  for (const auto& e : entries) REQUIRE(on_disk->ApplyFeedEntry(e).ok());
  const auto replayed = FeedOf(*on_disk);
  REQUIRE(replayed.size() == entries.size());
  for (size_t i = 0; i < entries.size(); ++i) CHECK(replayed[i].method == entries[i].method);
  CHECK(*api::ExportJson(*on_disk) == *a);
}

TEST_CASE("an entry that does not fit the database is an error and changes nothing", "[feed]") {
  TempDir dir;
  auto source = OpenOnDisk(dir.Sub("db"), "seed");
  SeedCalls(*source);
  const auto entries = FeedOf(*source);
  auto target = OpenFixture("seed");
  const std::string empty = Dump(*target);

  FeedEntry unknown = entries[1];
  unknown.changes[1].model = ModelId(99);
  CHECK(target->ApplyFeedEntry(unknown).type() == ErrorType::kInvalidArgument);
  FeedEntry narrow = entries[1];
  narrow.changes[0].values.pop_back();
  CHECK(target->ApplyFeedEntry(narrow).type() == ErrorType::kInvalidArgument);
  // An update of a record this database does not have, after a create that applied.
  FeedEntry out_of_order = entries[1];
  out_of_order.changes.push_back(entries[5].changes[0]);  // delete p2...
  out_of_order.changes.push_back(entries[5].changes[0]);  // ...twice
  CHECK_FALSE(target->ApplyFeedEntry(out_of_order).ok());
  CHECK(Dump(*target) == empty);
  // An update of a record it does not have, or a create of one it has: the entry
  // does not follow this database's state.
  Status update = target->ApplyFeedEntry(entries[2]);
  CHECK(update.type() == ErrorType::kDatabaseError);
  CHECK_THAT(update.message(), Catch::Contains("which this database does not have"));
  CHECK(Dump(*target) == empty);
  REQUIRE(target->ApplyFeedEntry(entries[0]).ok());
  const std::string one = Dump(*target);
  CHECK_THAT(target->ApplyFeedEntry(entries[0]).message(), Catch::Contains("which this database already has"));
  CHECK(Dump(*target) == one);
}

TEST_CASE("a journal record is described step by step in its order, and a put without a text id is a "
          "database_error", "[feed]") {
  api::SchemaTimeline timeline(api::SchemaFromText(SchemaText("seed")).value());
  const Schema& schema = timeline.schema();
  const ModelId product = schema.FindModel("Product");
  const RelationId orders = schema.model(product).FindRelation("orders");
  std::vector<Value> p1(schema.model(product).properties.size());
  p1[0] = Value::Text("p1");
  ChangeSet steps;
  steps.steps.push_back(LinkStep{orders, "p1", "o1"});
  steps.steps.push_back(PutStep{product, p1});
  steps.steps.push_back(UnlinkStep{orders, "p1", "o2"});
  steps.steps.push_back(DeleteStep{product, "p2"});
  const std::string bytes = persistence::EncodeChangeSet(steps);
  FeedEntry entry;
  REQUIRE(api::DescribeRecord(timeline, {7, 1000, "transaction", bytes}, &entry).ok());
  CHECK(entry.seq == 7);
  CHECK(entry.time_us == 1000);
  CHECK(entry.method == "transaction");
  REQUIRE(entry.changes.size() == 4);
  CHECK(entry.changes[0].kind == FeedChange::Kind::kLinked);
  CHECK((entry.changes[0].from == "p1" && entry.changes[0].to == "o1" && entry.changes[0].relation == orders));
  CHECK(entry.changes[1].kind == FeedChange::Kind::kWritten);  // a put that does not say how it came about
  CHECK(entry.changes[1].id == "p1");
  CHECK(entry.changes[1].values == p1);
  CHECK(entry.changes[2].kind == FeedChange::Kind::kUnlinked);
  CHECK(entry.changes[2].to == "o2");
  CHECK(entry.changes[3].kind == FeedChange::Kind::kDeleted);
  CHECK(entry.changes[3].id == "p2");

  std::vector<Value> no_id = p1;
  no_id[0] = Value();
  steps.steps[1] = PutStep{product, no_id};
  const std::string bad = persistence::EncodeChangeSet(steps);
  FeedEntry refused;
  Status status = api::DescribeRecord(timeline, {8, 0, "", bad}, &refused);
  CHECK(status.type() == ErrorType::kDatabaseError);
  CHECK(status.message() == "record 8 writes a Product record without an id");
  // A change set that does not decode is refused for that, before anything else.
  FeedEntry cut;
  CHECK_THAT(api::DescribeRecord(timeline, {9, 0, "", std::string_view(bad).substr(0, bad.size() - 1)}, &cut).message(),
             Catch::StartsWith("undecodable change set"));
}

TEST_CASE("a cursor resumes after its position, and a slow one holds nothing back", "[feed]") {
  TempDir dir;
  auto db = OpenOnDisk(dir.Sub("db"), "seed");
  auto cursor = db->Feed(0);
  REQUIRE(cursor.ok());
  CHECK(cursor->Next()->empty());  // nothing yet
  for (int i = 0; i < 300; ++i)
    Ok(*db, "createStores", Json::array({{{"id", "s" + std::to_string(i)}, {"name", "n"}}}));
  auto first = cursor->Next(100);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 100);
  CHECK(first->back().seq == 100);
  // A subscriber that restarts opens a cursor after the last sequence number it saw.
  const auto rest = FeedOf(*db, cursor->position());
  REQUIRE(rest.size() == 200);
  CHECK(rest.front().seq == 101);
  CHECK(rest.back().seq == 300);
  CHECK(rest.back().changes[0].id == "s299");
}

TEST_CASE("a cursor follows the journal across segments and snapshots, and a dropped position is a gap", "[feed]") {
  TempDir dir;
  Options options;
  options.segment_bytes = 4096;
  options.keep_snapshots = 1;
  auto db = OpenOnDisk(dir.Sub("db"), "seed", options);
  auto cursor = db->Feed(0);
  REQUIRE(cursor.ok());
  size_t seen = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 60; ++i)
      Ok(*db, "createStores", Json::array({{{"id", "s" + std::to_string(round * 100 + i)}, {"name", "n"}}}));
    auto page = cursor->Next(1000);  // read between snapshots: nothing is lost to it
    REQUIRE(page.ok());
    for (const auto& e : *page) CHECK(e.seq == ++seen);
    REQUIRE(db->Snapshot().ok());
  }
  CHECK(seen == 180);
  // The first snapshots' segments are gone: a position before them is a gap naming
  // the first record the journal still holds.
  auto early = db->Feed(0);
  REQUIRE_FALSE(early.ok());
  CHECK(early.status().type() == ErrorType::kGap);
  CHECK_THAT(early.status().message(), Catch::Contains("the first record it holds is"));
  CHECK(db->Feed(180).ok());
  CHECK(OpenFixture("seed")->Feed(0).status().type() == ErrorType::kInvalidArgument);
}

TEST_CASE("under sync=always a cursor returns a call only once it is durable", "[feed][fault]") {
  TempDir dir;
  FaultFileSystem fs;
  const std::string schema = SchemaText("seed");
  Options options;
  options.sync = SyncPolicy::kAlways;
  auto opened = api::DatabaseAccess::Open(dir.Sub("db"), &schema, options, fs);
  REQUIRE(opened.ok());
  auto& db = **opened;
  Ok(db, "createStores", R"([[{"id": "s1", "name": "A"}]])"_j);
  auto cursor = db.Feed(1);
  REQUIRE(cursor.ok());
  fs.HoldSyncs();
  std::thread writer([&] { (void)db.Call("createStores", R"([[{"id": "s2", "name": "B"}]])"_j); });
  while (fs.syncs_held() == 0) std::this_thread::yield();  // its record is in the journal, not yet durable
  CHECK(cursor->Next()->empty());
  fs.ReleaseSyncs();
  writer.join();
  auto after = cursor->Next();
  REQUIRE(after.ok());
  REQUIRE(after->size() == 1);
  CHECK(after->front().changes[0].id == "s2");
}

// ---- kin feed --------------------------------------------------------------------

TEST_CASE("kin feed prints each call's changes and events, from a sequence number, as text or JSON", "[feed][tools]") {
  TempDir dir;
  { SeedCalls(*OpenOnDisk(dir.Sub("db"), "seed")); }
  Run text = Kin("feed --db " + dir.Sub("db") + " --from 3");
  CHECK(text.status == 0);
  CHECK(text.out.rfind("#3 ", 0) == 0);
  CHECK_THAT(text.out, Catch::Contains("updateProducts\n  updated Product p1 (title") &&
                           Catch::Contains("  soft_deleted Product p1 (deleted_at") &&
                           Catch::Contains("  event product.deleted p1\n") &&
                           Catch::Contains("  linked Product.orders p1 -> o1\n"));
  CHECK(text.out.find("#2 ") == std::string::npos);
  Run json = Kin("feed --db " + dir.Sub("db") + " --json");
  CHECK(json.status == 0);
  std::istringstream lines(json.out);
  std::string line;
  uint64_t seq = 0;
  while (std::getline(lines, line)) CHECK(Json::parse(line)["seq"] == ++seq);
  CHECK(seq == 9);
  // Bad input: a usage error or a clear failure, and nothing changes.
  CHECK(Kin("feed --db " + dir.Sub("db") + " --from x").status == 2);
  CHECK(Kin("feed --db " + dir.Sub("db") + " --bogus").status == 2);
  Run missing = Kin("feed --db " + dir.path() + "/nothing");
  CHECK(missing.status == 1);
  CHECK(Kin("feed --db " + dir.Sub("db") + " --from 10").out.empty());
}

TEST_CASE("kin feed --follow prints calls another process commits, resumes after kill -9, and stops on SIGTERM",
          "[feed][tools]") {
  TempDir dir;
  auto db = OpenOnDisk(dir.Sub("db"), "seed");
  Ok(*db, "createStores", R"([[{"id": "s0", "name": "A"}]])"_j);
  const std::string out = dir.path() + "/out", rc = dir.path() + "/rc";
  const std::string pid_file = dir.path() + "/pid";
  // Starts a follower in the background: its pid goes to pid_file, its exit status to rc.
  auto follow = [&](uint64_t from) {
    std::filesystem::remove(pid_file);
    Run started = RunCommand("(sh -c \"'" + std::string(KIN_BINARY) + "' feed --db " + dir.Sub("db") + " --from " +
                             std::to_string(from) + " --follow --json >> " + out + " & echo \\$! > " + pid_file +
                             "; wait \\$!; echo \\$? > " + rc + "\" > /dev/null 2>&1 &)");
    REQUIRE(started.status == 0);
  };
  auto lines = [&] {
    std::ifstream in(out);
    std::vector<Json> got;
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && line.back() == '}') got.push_back(Json::parse(line));
    return got;
  };
  auto wait_lines = [&](size_t n) {
    while (lines().size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  auto follower_pid = [&] {
    std::string text;
    while ((text = std::filesystem::exists(pid_file) ? ReadFile(pid_file) : "").empty() || text.back() != '\n')
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return std::atoi(text.c_str());
  };
  follow(1);
  wait_lines(1);
  for (int i = 1; i <= 5; ++i)
    Ok(*db, "createStores", Json::array({{{"id", "s" + std::to_string(i)}, {"name", "n"}}}));
  wait_lines(6);
  // Killed without warning: it resumes from the last sequence number it printed.
  int pid = follower_pid();
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  while (!std::filesystem::exists(rc)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::filesystem::remove(rc);
  const uint64_t last = lines().back()["seq"].get<uint64_t>();
  for (int i = 6; i <= 8; ++i)
    Ok(*db, "createStores", Json::array({{{"id", "s" + std::to_string(i)}, {"name", "n"}}}));
  follow(last + 1);
  wait_lines(9);
  pid = follower_pid();
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGTERM) == 0);
  // The shell creates the file before it writes the status: wait for the whole line.
  std::string status;
  while ((status = std::filesystem::exists(rc) ? ReadFile(rc) : "").empty() || status.back() != '\n')
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(status == "0\n");  // a clean stop
  const auto got = lines();
  REQUIRE(got.size() == 9);
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i]["seq"] == i + 1);  // each once, in order
}
