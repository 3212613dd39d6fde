// The public API as a program uses it: only <kin/kin.h> and <kin/json.h>, the short
// common case, and what the API promises on misuse.

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <kin/json.h>
#include <kin/kin.h>

namespace {

using kin::Json;

kin::SchemaBuilder ShopSchema() {
  kin::SchemaBuilder b;
  auto& store = b.Model("Store");
  store.Id("id").Prefix("sto");
  store.Text("name");
  store.HasMany("products", "Product").MappedBy("store");
  auto& product = b.Model("Product");
  product.Id("id").Prefix("prod");
  product.Text("title").Index();
  product.Number("price").Nullable();
  product.BelongsTo("store", "Store").Nullable();
  product.ManyToMany("tags", "Tag");
  auto& tag = b.Model("Tag");
  tag.Id("id");
  tag.Text("name");
  tag.ManyToMany("products", "Product").MappedBy("tags");
  return b;
}

// A directory removed at the end of the test.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/kin-public-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("a program opens a database from a SchemaBuilder and calls it through a model handle", "[public]") {
  auto db = kin::Database::OpenInMemory(ShopSchema()).value();
  auto products = db->Model("Product").value();
  Json shirt = products.Create({{"title", "Shirt"}, {"price", 20}}).value();
  CHECK(shirt["title"] == "Shirt");
  CHECK(shirt["id"].get<std::string>().rfind("prod_", 0) == 0);
  CHECK(products.List().value().size() == 1);
  CHECK(products.List({{"title", "Shirt"}}).value()[0]["price"] == 20);
  CHECK(products.ListAndCount({{"price", {{"$gt", 30}}}}).value()[1] == 0);
  CHECK(products.Retrieve(shirt["id"].get<std::string>()).value()["title"] == "Shirt");
}

TEST_CASE("a call by name takes no argument array when it has no arguments", "[public]") {
  auto db = kin::Database::OpenInMemory(ShopSchema()).value();
  REQUIRE(db->Call("createStores", Json::array({{{"name", "Corner"}}})).ok());
  CHECK(db->Call("listStores").value().size() == 1);
  CHECK(db->Call("listStores", nullptr).value().size() == 1);  // null: no arguments
  CHECK(db->CallText("listStores").value().find("Corner") != std::string::npos);
  auto tx = db->Transaction({kin::CallRequest("listStores"), kin::CallRequest("listTags")});
  REQUIRE(tx.ok());
  CHECK(tx.value() == Json::array({Json::array({Json::object({{"id", tx.value()[0][0]["id"]}, {"name", "Corner"},
                                                              {"created_at", tx.value()[0][0]["created_at"]},
                                                              {"updated_at", tx.value()[0][0]["updated_at"]},
                                                              {"deleted_at", nullptr}})}),
                                   Json::array()}));
}

TEST_CASE("arguments that are not an array stay an invalid_argument error", "[public]") {
  auto db = kin::Database::OpenInMemory(ShopSchema()).value();
  auto r = db->Call("listStores", Json::object({{"name", "x"}}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().type() == kin::ErrorType::kInvalidArgument);
}

TEST_CASE("a ReadView gives records and their relations, not the storage", "[public]") {
  auto db = kin::Database::OpenInMemory(ShopSchema()).value();
  REQUIRE(db->Call("createStores", Json::array({{{"id", "s1"}, {"name", "Corner"}}})).ok());
  REQUIRE(db->Call("createTags", Json::array({Json::array({{{"id", "t1"}, {"name", "red"}}, {{"id", "t2"}, {"name", "new"}}})})).ok());
  REQUIRE(db->Call("createProducts", Json::array({{{"id", "p1"}, {"title", "Shirt"}, {"store_id", "s1"}, {"tags", {"t1", "t2"}}}})).ok());
  const kin::Schema& schema = db->schema();
  const kin::ModelId product = schema.FindModel("Product");
  const kin::ModelDef& pm = schema.model(product);
  kin::ReadView view = db->Read();
  auto p1 = view.Find(product, "p1");
  REQUIRE(p1);
  CHECK(p1->id() == "p1");
  CHECK(p1->Get("title")->as_text() == "Shirt");
  CHECK(p1->Get("nope") == nullptr);
  CHECK_FALSE(p1->deleted());
  std::vector<std::string> tags;
  p1->ForEachRelated(pm.FindRelation("tags"), [&](kin::RecordRef t) { tags.emplace_back(t.Get("name")->as_text()); });
  CHECK(tags == std::vector<std::string>{"red", "new"});
  CHECK(p1->CountRelated(pm.FindRelation("store")) == 1);
  size_t seen = 0;
  view.ForEach(product, [&](kin::RecordRef) { return ++seen < 10; });
  CHECK(seen == 1);
  CHECK(view.Count(product).value() == 1);
  CHECK(view.List(product, {{"store_id", "s1"}}).value().at(0).id() == "p1");
  CHECK_FALSE(view.Find(product, "p2"));
}

TEST_CASE("Result::value() on an error stops the program with kin's message", "[public]") {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGABRT, SIG_DFL);  // the test runner's handler would report and go on
    dup2(pipe_fds[1], STDERR_FILENO);
    auto db = kin::Database::OpenInMemory(ShopSchema()).value();
    auto r = db->Model("Nope");
    (void)r.value();  // aborts
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGABRT);
  CHECK(err.find("kin: Result::value() on an error: invalid_argument: Unknown model \"Nope\"") != std::string::npos);
}

TEST_CASE("Stats gives records per model, links, memory and the journal's figures", "[public]") {
  ScratchDir dir;
  std::vector<std::pair<kin::LogEvent, std::string>> log;
  kin::Options options;
  options.sync = kin::SyncPolicy::kNone;
  options.log = [&](kin::LogEvent e, std::string_view m) { log.emplace_back(e, std::string(m)); };
  auto db = kin::Database::Open(dir.path + "/db", ShopSchema(), options).value();
  REQUIRE(db->Call("createStores", Json::array({{{"id", "s1"}, {"name", "Corner"}}})).ok());
  REQUIRE(db->Call("createTags", Json::array({Json::array({{{"id", "t1"}, {"name", "red"}}, {{"id", "t2"}, {"name", "new"}}})})).ok());
  REQUIRE(db->Call("createProducts", Json::array({Json::array({{{"id", "p1"}, {"title", "Shirt"}, {"store_id", "s1"}, {"tags", {"t1", "t2"}}},
                                                               {{"id", "p2"}, {"title", "Hat"}}})})).ok());
  REQUIRE(db->Call("softDeleteProducts", Json::array({"p2"})).ok());

  kin::DatabaseStats stats = db->Stats();
  REQUIRE(stats.models.size() == 3);
  CHECK(stats.models[0].name == "Store");
  CHECK(stats.models[0].live == 1);
  CHECK(stats.models[1].name == "Product");
  CHECK(stats.models[1].live == 1);
  CHECK(stats.models[1].soft_deleted == 1);
  CHECK(stats.models[2].live == 2);
  CHECK(stats.links == 3);  // p1 -> s1, p1 - t1, p1 - t2
  CHECK(stats.memory_bytes > 0);
  CHECK(stats.journal_records == 4);
  CHECK(stats.journal_segments == 1);
  CHECK(stats.journal_bytes > 0);
  CHECK(stats.next_seq == 5);
  CHECK(stats.snapshot_seq == 0);

  REQUIRE(db->Snapshot().ok());
  CHECK(db->Stats().snapshot_seq == 5);
  REQUIRE(log.size() >= 2);
  CHECK(log.front().first == kin::LogEvent::kOpen);
  CHECK(log.back().first == kin::LogEvent::kSnapshot);
  CHECK(std::string(kin::LogEventName(log.back().first)) == "snapshot");
}

TEST_CASE("an in-memory database has stats without journal figures", "[public]") {
  auto db = kin::Database::OpenInMemory(ShopSchema()).value();
  kin::DatabaseStats stats = db->Stats();
  CHECK(stats.models.size() == 3);
  CHECK(stats.journal_records == 0);
  CHECK(stats.journal_segments == 0);
}

TEST_CASE("a database opened again with a SchemaBuilder that adds a nullable property changes to it", "[public]") {
  ScratchDir dir;
  {
    auto db = kin::Database::Open(dir.path + "/db", ShopSchema()).value();
    REQUIRE(db->Call("createStores", Json::array({{{"id", "s1"}, {"name", "Corner"}}})).ok());
  }
  kin::SchemaBuilder wider = ShopSchema();
  wider.Model("Store").Text("city").Nullable();
  {
    auto db = kin::Database::Open(dir.path + "/db", wider).value();
    CHECK(db->Call("retrieveStore", Json::array({"s1"})).value()["city"].is_null());
  }
  auto again = kin::Database::Open(dir.path + "/db").value();  // its stored schema is the new one
  CHECK(again->schema().model(again->schema().FindModel("Store")).FindProperty("city") != nullptr);
  CHECK(again->Call("listStores").value().size() == 1);
}

TEST_CASE("a database opened again with a SchemaBuilder that drops a property is refused and unchanged", "[public]") {
  ScratchDir dir;
  kin::SchemaBuilder wider = ShopSchema();
  wider.Model("Store").Text("city").Nullable();
  {
    auto db = kin::Database::Open(dir.path + "/db", wider).value();
    REQUIRE(db->Call("createStores", Json::array({{{"id", "s1"}, {"name", "Corner"}, {"city", "Oslo"}}})).ok());
  }
  auto refused = kin::Database::Open(dir.path + "/db", ShopSchema());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().type() == kin::ErrorType::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("remove property Store.city"));
  auto again = kin::Database::Open(dir.path + "/db").value();  // its stored schema
  CHECK(again->Call("retrieveStore", Json::array({"s1"})).value()["city"] == "Oslo");
}
