// Tests for the database directory tools (verify, journal, export/import, compact,
// stats, restore): the built `kin` binary runs against temporary databases made
// with `kin exec`, and each test checks one behaviour through exit codes, output
// and the files left behind.

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/schema_json.h"
#include "core/change_set.h"
#include "core/commit_time.h"
#include "persistence/change_set_codec.h"
#include "persistence/journal_format.h"
#include "tests/tools/tool_test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace kin::testing;

std::string OnlySegment(const std::string& db) {
  std::vector<std::string> segments;
  for (const auto& e : fs::directory_iterator(db + "/journal"))
    if (e.path().extension() == ".log") segments.push_back(e.path().string());
  REQUIRE(segments.size() == 1);
  return segments[0];
}

uint64_t JournalBytes(const std::string& db) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(db + "/journal")) n += fs::file_size(e.path());
  return n;
}

}  // namespace

TEST_CASE("kin verify reports a clean database as ok with its record and link counts", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  Run r = Kin("verify --db " + Quote(db));
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK(r.out == "ok: 6 records, 5 links\n");
}

TEST_CASE("kin verify fails naming the segment when a byte in the middle of the journal is flipped", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  const std::string segment = OnlySegment(db);
  std::string bytes = ReadFile(segment);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0xff);
  WriteFile(segment, bytes);
  Run r = Kin("verify --db " + Quote(db));
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Matchers::Contains(segment + " at offset "));
  CHECK_THAT(r.out, Catch::Matchers::Contains("corruption"));
  CHECK(ReadFile(segment) == bytes);  // verify changes nothing
}

TEST_CASE("kin verify, export, stats and backup report a journal that lost its newest segment", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  REQUIRE(Kin("snapshot --db " + Quote(db)).status == 0);
  Exec(tmp, db, Fixture("seed"), {R"({"call": "createStores", "args": [{"id": "s9"}]})"});
  REQUIRE(Kin("verify --db " + Quote(db)).status == 0);
  fs::remove(db + "/journal/00000000000000000009.log");  // record 9, after the snapshot
  Run r = Kin("verify --db " + Quote(db));
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Matchers::Contains("00000000000000000009.log") && Catch::Matchers::Contains("journal-end"));
  // The other reading tools refuse it too, rather than show a shorter history.
  for (const std::string& tool : std::vector<std::string>{"export", "stats", "backup --out " + Quote(tmp / "copy")}) {
    Run read = Kin(tool + " --db " + Quote(db));
    INFO(tool << ": " << read.out);
    CHECK(read.status == 1);
    CHECK_THAT(read.out, Catch::Matchers::Contains("00000000000000000009.log"));
  }
  CHECK_FALSE(fs::exists(tmp / "copy"));
}

TEST_CASE("kin verify reports live records that share a unique key", "[tools]") {
  // The services refuse such records, so the journal is written by hand.
  TempDir tmp;
  const std::string db = tmp / "db";
  Exec(tmp, db, Fixture("blog"), {});
  auto schema = kin::api::SchemaFromText(ReadFile(db + "/schema.json"));
  REQUIRE(schema.ok());
  const kin::ModelDef& author = (*schema)->model((*schema)->FindModel("Author"));
  std::string journal = kin::persistence::SegmentHeader(1);
  for (const char* id : {"a1", "a2"}) {
    std::vector<kin::Value> values(author.properties.size());
    values[0] = kin::Value::Text(id);
    values[author.FindProperty("name")->slot.value] = kin::Value::Text("Ann");
    values[author.FindProperty("email")->slot.value] = kin::Value::Text("same@example.com");
    values[author.created_at.value] = values[author.updated_at.value] = kin::Value::Time(kin::Timestamp{1000});
    kin::ChangeSet cs;
    cs.steps.push_back(kin::PutStep{author.id, values});
    journal += kin::persistence::EncodeFrame(
        id[1] == '1' ? 1 : 2, kin::persistence::EncodeRecord(1000, "createAuthors", kin::persistence::EncodeChangeSet(cs)));
  }
  fs::remove_all(db + "/journal");
  fs::create_directories(db + "/journal");
  WriteFile(db + "/journal/" + kin::persistence::SegmentFileName(1), journal);
  Run r = Kin("verify --db " + Quote(db));
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Matchers::Contains("Author a1 and a2 share the unique key (email)"));
}

TEST_CASE("kin journal list shows each segment's first sequence number, records and bytes", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  const std::string segment = OnlySegment(db);
  Run r = Kin("journal list --db " + Quote(db));
  INFO(r.out);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::Matchers::StartsWith("00000000000000000001.log  first_seq 1  records 8  bytes " +
                                                std::to_string(fs::file_size(segment)) + "\n"));
  Run verbose = Kin("journal list -v --db " + Quote(db));
  INFO(verbose.out);
  CHECK(verbose.status == 0);
  CHECK_THAT(verbose.out, Catch::Matchers::Contains("  #1  offset 24  payload "));
  CHECK_THAT(verbose.out, Catch::Matchers::Contains("steps 3\n"));  // #4: the order and its two links
}

TEST_CASE("kin journal dump shows each record's steps, as text or JSON lines", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  Run r = Kin("journal dump --db " + Quote(db));
  INFO(r.out);
  CHECK(r.status == 0);
  using Catch::Matchers::Contains;
  CHECK_THAT(r.out, Contains(R"(#3 put Product p1 {title: "Shirt", store_id: "s1", created_at: ")"));
  CHECK_THAT(r.out, Contains("#4 link Product.orders p1 -> o1\n#4 link Product.orders p2 -> o1\n"));
  CHECK_THAT(r.out, Contains("#8 delete Store s2\n"));

  Run range = Kin("journal dump --db " + Quote(db) + " --from 7 --to 8 --json");
  INFO(range.out);
  CHECK(range.status == 0);
  std::istringstream lines(range.out);
  std::string first, second, extra;
  REQUIRE(std::getline(lines, first));
  REQUIRE(std::getline(lines, second));
  CHECK_FALSE(std::getline(lines, extra));
  auto put = nlohmann::json::parse(first), del = nlohmann::json::parse(second);
  CHECK(put["seq"] == 7);
  CHECK(put["steps"][0]["op"] == "put");
  CHECK(put["steps"][0]["values"]["id"] == "p2");
  CHECK(put["steps"][0]["values"]["deleted_at"].is_string());
  // Each record names its method and commit time.
  CHECK(put["method"] == "softDeleteProducts");
  CHECK(del["method"] == "deleteStores");
  const auto put_time = kin::ParseCommitTime(put["time"].get<std::string>());
  const auto del_time = kin::ParseCommitTime(del["time"].get<std::string>());
  REQUIRE(put_time);
  REQUIRE(del_time);
  CHECK(*put_time <= *del_time);
  CHECK(kin::FormatCommitTime(*del_time) == del["time"]);
  del.erase("time");
  del.erase("method");
  CHECK(del == nlohmann::json::parse(R"({"seq":8,"file":"00000000000000000001.log","offset":)" +
                                     std::to_string(del["offset"].get<int>()) +
                                     R"(,"steps":[{"op":"delete","model":"Store","id":"s2"}]})"));
  // In text, a line with the time and the method comes before the record's steps.
  CHECK_THAT(r.out, Contains("Z deleteStores\n#8 delete Store s2\n"));
  CHECK_THAT(r.out, Catch::Matchers::StartsWith("#1 " + kin::FormatCommitTime(*kin::ParseCommitTime(
                                                            r.out.substr(3, r.out.find(' ', 3) - 3))) +
                                                " createStores\n#1 put Store s1 "));
}

TEST_CASE("kin export, import and export again give byte-identical documents", "[tools]") {
  TempDir tmp;
  // Every property type, an autoincrement whose highest value was deleted, links.
  const std::string schema = tmp / "all.json";
  WriteFile(schema, R"({"models": {
    "Tag": {"properties": {"id": {"type": "id", "primaryKey": true}, "label": {"type": "text", "unique": true},
            "items": {"type": "manyToMany", "model": "Item", "mappedBy": "tags"}}},
    "Item": {"properties": {"id": {"type": "id", "primaryKey": true}, "number": {"type": "autoincrement"},
            "count": {"type": "number", "default": 0}, "ratio": {"type": "float", "nullable": true},
            "price": {"type": "bigNumber", "nullable": true}, "flag": {"type": "boolean", "default": false},
            "when": {"type": "dateTime", "nullable": true}, "meta": {"type": "json", "nullable": true},
            "kind": {"type": "enum", "values": ["a", "b"], "default": "a"}, "names": {"type": "array", "nullable": true},
            "tags": {"type": "manyToMany", "model": "Tag", "mappedBy": "items"}}}}})");
  const std::string db = tmp / "db";
  Exec(tmp, db, schema,
       {R"({"call": "createTags", "args": [[{"id": "t1", "label": "red"}, {"id": "t2", "label": "blue"}]]})",
        R"({"call": "createItems", "args": [{"id": "i1", "ratio": 0.1, "price": "12345678901234567890.125", "flag": true, "when": "2024-02-29T12:34:56.789Z", "meta": {"z": 1, "a": [1.5, "x"]}, "kind": "b", "names": ["x", "y"], "tags": ["t1", "t2"]}]})",
        R"({"call": "createItems", "args": [{"id": "i2", "ratio": 3.0, "count": -7, "tags": ["t2"]}]})",
        R"({"call": "createItems", "args": [{"id": "i3"}]})",
        R"({"call": "deleteItems", "args": ["i3"]})",
        R"({"call": "softDeleteTags", "args": ["t1"]})"});
  const std::string first = Export(tmp, db);
  CHECK_THAT(first, Catch::Matchers::Contains(R"("price":"12345678901234567890.125")"));
  CHECK_THAT(first, Catch::Matchers::Contains(R"("autoincrement":{"number":3})"));
  WriteFile(tmp / "first.json", first);

  const std::string copy = tmp / "copy";
  Run r = Kin("import --db " + Quote(copy) + " --in " + Quote(tmp / "first.json"));
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK(Export(tmp, copy) == first);
  // The copy is a working database that keeps the counter: the next number is 4.
  Exec(tmp, copy, schema, {R"({"call": "createItems", "args": [{"id": "i4"}]})"});
  CHECK_THAT(Kin("journal dump --db " + Quote(copy)).out, Catch::Matchers::Contains("put Item i4 {number: 4,"));
}

TEST_CASE("kin import refuses a directory that already holds a database", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  WriteFile(tmp / "export.json", Export(tmp, db));
  const std::string before = ReadFile(OnlySegment(db));
  Run r = Kin("import --db " + Quote(db) + " --in " + Quote(tmp / "export.json"));
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Catch::Matchers::Contains("already holds a database"));
  CHECK(ReadFile(OnlySegment(db)) == before);
}

TEST_CASE("kin import builds aside: a failed import leaves no directory, and an empty one is used", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  WriteFile(tmp / "export.json", Export(tmp, db));
  WriteFile(tmp / "bad.json", R"({"format": "kin-export", "version": 1, "schema": {"models": {}}, "models": 3})");
  Run bad = Kin("import --db " + Quote(tmp / "new") + " --in " + Quote(tmp / "bad.json"));
  CHECK(bad.status == 1);
  CHECK_FALSE(fs::exists(tmp / "new"));
  fs::create_directories(tmp / "full");
  WriteFile(tmp / "full/notes.txt", "mine");
  Run full = Kin("import --db " + Quote(tmp / "full") + " --in " + Quote(tmp / "export.json"));
  CHECK(full.status == 1);
  CHECK_THAT(full.out, Catch::Matchers::Contains("is not an empty directory"));
  CHECK(ReadFile(tmp / "full/notes.txt") == "mine");
  fs::create_directories(tmp / "empty");
  Run empty = Kin("import --db " + Quote(tmp / "empty") + " --in " + Quote(tmp / "export.json"));
  INFO(empty.out);
  REQUIRE(empty.status == 0);
  CHECK(Export(tmp, tmp / "empty") == ReadFile(tmp / "export.json"));
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    INFO(e.path());
    CHECK(e.path().filename().string().find(".partial-") == std::string::npos);  // nothing left aside
  }
}

TEST_CASE("kin export --out writes through to devices and FIFOs and replaces only regular files", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  const std::string expected = Export(tmp, db);
  // A FIFO: written straight through to its reader, and still a FIFO after.
  REQUIRE(::mkfifo((tmp / "fifo").c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] { received = ReadFile(tmp / "fifo"); });
  Run to_fifo = Kin("export --db " + Quote(db) + " --out " + Quote(tmp / "fifo"));
  reader.join();
  INFO(to_fifo.out);
  CHECK(to_fifo.status == 0);
  CHECK(received == expected);
  CHECK(fs::is_fifo(tmp / "fifo"));
  // A character device made with mknod (root only): still a device after.
  if (::mknod((tmp / "null").c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0) {
    Run to_device = Kin("export --db " + Quote(db) + " --out " + Quote(tmp / "null"));
    CHECK(to_device.status == 0);
    CHECK(fs::is_character_file(tmp / "null"));
  }
  // A symbolic link to a regular file: the file is replaced, the link stays.
  WriteFile(tmp / "target.json", "old");
  fs::create_symlink(tmp / "target.json", tmp / "link.json");
  REQUIRE(Kin("export --db " + Quote(db) + " --out " + Quote(tmp / "link.json")).status == 0);
  CHECK(fs::is_symlink(tmp / "link.json"));
  CHECK(ReadFile(tmp / "target.json") == expected);
  // A directory is refused.
  Run to_dir = Kin("export --db " + Quote(db) + " --out " + Quote(tmp.path()));
  CHECK(to_dir.status == 1);
  CHECK_THAT(to_dir.out, Catch::Matchers::Contains("is a directory"));
}

TEST_CASE("kin compact shrinks the journal and keeps the data", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  const std::string before = Export(tmp, db);
  const uint64_t journal_before = JournalBytes(db);
  Run r = Kin("compact --db " + Quote(db));
  INFO(r.out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Matchers::Contains("journal:   1 segment, " + std::to_string(journal_before) +
                                              " bytes -> 1 segment, 24 bytes\n"));
  CHECK(JournalBytes(db) < journal_before);
  CHECK(fs::exists(db + "/snapshots/snapshot-00000000000000000008.snap"));
  CHECK(Export(tmp, db) == before);
  CHECK(Kin("verify --db " + Quote(db)).status == 0);
}

TEST_CASE("kin stats reports records per model, links per relation and file sizes", "[tools]") {
  TempDir tmp;
  const std::string db = SeedDatabase(tmp);
  Run r = Kin("stats --db " + Quote(db) + " --json");
  INFO(r.out);
  REQUIRE(r.status == 0);
  auto stats = nlohmann::json::parse(r.out);
  CHECK(stats["models"]["Product"] == nlohmann::json::parse(R"({"live": 1, "deleted": 1})"));
  CHECK(stats["models"]["Store"] == nlohmann::json::parse(R"({"live": 1, "deleted": 0})"));
  CHECK(stats["relations"]["Product.orders"] == 2);
  CHECK(stats["relations"]["Store.products"] == 2);
  CHECK(stats["relations"]["User.email"] == 1);
  CHECK(stats["journal"]["segments"] == 1);
  CHECK(stats["journal"]["bytes"] == fs::file_size(OnlySegment(db)));
  CHECK(stats["journal"]["last_seq"] == 8);
  CHECK(stats["snapshots"]["files"] == 0);
  CHECK(stats["memory"]["total"].get<uint64_t>() > 0);
  Run text = Kin("stats --db " + Quote(db));
  CHECK(text.status == 0);
  CHECK_THAT(text.out, Catch::Matchers::Contains("Product         live 1  soft-deleted 1\n"));
  CHECK_THAT(text.out, Catch::Matchers::Contains("Product.orders  2 links\n"));
}

TEST_CASE("every directory tool answers --help with exit status 0", "[tools]") {
  for (const char* cmd : {"verify", "journal", "journal list", "journal dump", "export", "import", "compact", "stats",
                          "restore", "snapshot", "exec", "migrate", "feed"}) {
    Run r = Kin(std::string(cmd) + " --help");
    INFO(cmd << ": " << r.out);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Matchers::Contains("Usage:"));
  }
  CHECK_THAT(Kin("journal dump --help").out, Catch::Matchers::Contains("--json"));
  CHECK_THAT(Kin("restore --help").out, Catch::Matchers::Contains("--from-db"));
}

TEST_CASE("a usage error exits with status 2", "[tools]") {
  TempDir tmp;
  CHECK(Kin("verify").status == 2);                       // --db missing
  CHECK(Kin("journal").status == 2);                      // list or dump missing
  CHECK(Kin("stats --db x --bogus").status == 2);         // unknown option
  CHECK(Kin("import --db " + Quote(tmp / "n") + " --sync sometimes").status == 2);
  const std::string db = SeedDatabase(tmp);
  CHECK(Kin("journal dump --db " + Quote(db) + " --from 5 --to 2").status == 2);
}

// ---- kin exec's exit status and messages, --version, --help -------------------------

// Runs `kin exec` on a new seed database with these request lines.
Run ExecLines(const TempDir& tmp, const std::string& flags, const std::vector<std::string>& lines) {
  std::string script;
  for (const auto& l : lines) script += l + "\n";
  WriteFile(tmp / "requests.jsonl", script);
  return Kin("exec --db " + Quote(tmp / "db") + " --schema " + Quote(Fixture("seed")) + " " + flags + " " +
             Quote(tmp / "requests.jsonl"));
}

size_t LineCount(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST_CASE("kin exec exits 1 when any request failed and answers every line", "[tools][exec]") {
  TempDir tmp;
  Run r = ExecLines(tmp, "", {R"({"call": "retrieveStore", "args": ["nope"]})",
                              R"({"call": "createStores", "args": [{"id": "s1"}]})"});
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(LineCount(r.out) == 2);
  CHECK_THAT(r.out, Catch::Matchers::Contains(R"("id":"s1")"));
  TempDir clean;
  CHECK(ExecLines(clean, "", {R"({"call": "createStores", "args": [{"id": "s1"}]})"}).status == 0);
}

TEST_CASE("kin exec --bail stops at the first failed request", "[tools][exec]") {
  TempDir tmp;
  Run r = ExecLines(tmp, "--bail", {R"({"call": "createStores", "args": [{"id": "s1"}]})", "not json",
                                    R"({"call": "createStores", "args": [{"id": "s2"}]})"});
  INFO(r.out);
  CHECK(r.status == 1);
  CHECK(LineCount(r.out) == 2);
  CHECK(r.out.find("s2") == std::string::npos);
}

TEST_CASE("a request that is not JSON is answered with where the parser stopped", "[tools][exec]") {
  TempDir tmp;
  Run r = ExecLines(tmp, "", {R"({"call": "listStores", "args": [{"name": Main}]})"});
  INFO(r.out);
  auto response = nlohmann::json::parse(r.out);
  CHECK(response["error"]["type"] == "invalid_argument");
  CHECK_THAT(response["error"]["message"].get<std::string>(),
             Catch::Matchers::StartsWith("The request is not valid JSON at column 42: syntax error"));
}

TEST_CASE("a failing transaction names the failing call by its index", "[tools][exec]") {
  TempDir tmp;
  Run r = ExecLines(tmp, "", {R"({"transaction": [{"call": "createStores", "args": [{"id": "s1"}]},)"
                              R"( {"call": "createProducts", "args": [{"store_id": "s9"}]}]})",
                              R"({"transaction": [{"call": "listStores"}, {"call": "listStorez"}]})",
                              R"({"transaction": [{"call": "listStores"}, {"args": []}]})"});
  INFO(r.out);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> responses;
  while (std::getline(lines, line)) responses.push_back(nlohmann::json::parse(line));
  REQUIRE(responses.size() == 3);
  CHECK(responses[0]["error"]["type"] == "not_found");
  CHECK(responses[0]["error"]["message"] == "You tried to set relationship store_id: s9, but such entity does not exist");
  CHECK(responses[0]["error"]["call"] == 1);
  CHECK(responses[1]["error"]["type"] == "invalid_argument");
  CHECK(responses[1]["error"]["call"] == 1);
  CHECK(responses[2]["error"]["type"] == "invalid_argument");
  CHECK(responses[2]["error"]["call"] == 1);
  CHECK(ExecLines(tmp, "", {R"({"call": "listStores"})"}).out == "{\"ok\":true,\"result\":[]}\n");
}

TEST_CASE("kin --version prints the version", "[tools]") {
  Run r = Kin("--version");
  CHECK(r.status == 0);
  CHECK(r.out == "kin " KIN_VERSION "\n");
}

TEST_CASE("every subcommand's --help shows an example", "[tools]") {
  for (const char* cmd : {"", "exec", "shell", "demo", "snapshot", "verify", "journal", "journal list", "journal dump",
                          "export", "import", "compact", "stats", "restore"}) {
    Run r = Kin(std::string(cmd) + " --help");
    INFO(cmd << ": " << r.out);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Matchers::Contains("\nExample:\n"));
    CHECK_THAT(r.out, Catch::Matchers::Contains("\n  kin " + std::string(cmd)));
  }
}

TEST_CASE("a mistyped subcommand is a usage error that names the nearest one", "[tools]") {
  Run r = Kin("shel --db x");
  CHECK(r.status == 2);
  CHECK_THAT(r.out, Catch::Matchers::Contains("unknown command \"shel\". Did you mean \"shell\"?"));
  Run nested = Kin("journal dumb --db x");
  CHECK(nested.status == 2);
  CHECK_THAT(nested.out, Catch::Matchers::Contains("kin journal: unknown command \"dumb\". Did you mean \"dump\"?"));
  CHECK_THAT(Kin("frobnicate").out, Catch::Matchers::Contains("unknown command \"frobnicate\". Run kin --help"));
}

// ---- kin migrate ------------------------------------------------------------------

namespace {

// The blog fixture's schema with Author.nickname added and, when `drop_bio`,
// Profile.bio removed, in a file of `tmp`.
std::string ChangedBlog(const TempDir& tmp, bool drop_bio) {
  nlohmann::json schema = nlohmann::json::parse(ReadFile(Fixture("blog")));
  schema["models"]["Author"]["properties"]["nickname"] = {{"type", "text"}, {"nullable", true}};
  if (drop_bio) schema["models"]["Profile"]["properties"].erase("bio");
  const std::string path = tmp / (drop_bio ? "narrower.json" : "wider.json");
  WriteFile(path, schema.dump());
  return path;
}

std::string BlogDatabase(const TempDir& tmp) {
  const std::string db = tmp / "blog";
  Exec(tmp, db, Fixture("blog"),
       {R"({"call":"createAuthors","args":[[{"id":"a1","name":"John"},{"id":"a2","name":"Jane"}]]})",
        R"({"call":"createProfiles","args":[{"id":"pr1","bio":"hi","author_id":"a1"}]})"});
  return db;
}

}  // namespace

TEST_CASE("kin migrate prints the plan, applies safe steps, and destructive ones only when allowed", "[tools]") {
  TempDir tmp;
  const std::string db = BlogDatabase(tmp);
  const std::string narrower = ChangedBlog(tmp, true);
  const std::string schema_before = ReadFile(db + "/schema.json");

  Run dry = Kin("migrate --db " + Quote(db) + " --schema " + Quote(narrower) + " --dry-run");
  INFO(dry.out);
  CHECK(dry.status == 1);  // it would be refused
  CHECK_THAT(dry.out, Catch::Matchers::Contains("add property Author.nickname (text, nullable)\n"
                                                "remove property Profile.bio (destructive: drops the value from "
                                                "every record)\n2 steps: 1 safe, 1 destructive, 0 impossible\n"));
  CHECK_THAT(dry.out, Catch::Matchers::Contains("would be refused: The schema change is refused"));
  Run refused = Kin("migrate --db " + Quote(db) + " --schema " + Quote(narrower));
  CHECK(refused.status == 1);
  CHECK(ReadFile(db + "/schema.json") == schema_before);
  CHECK_FALSE(fs::exists(db + "/schemas"));

  Run applied = Kin("migrate --db " + Quote(db) + " --schema " + Quote(narrower) + " --allow-destructive");
  INFO(applied.out);
  CHECK(applied.status == 0);
  CHECK_THAT(applied.out, Catch::Matchers::Contains("applied as record 3"));
  CHECK(ReadFile(db + "/schema.json") != schema_before);
  Run again = Kin("migrate --db " + Quote(db) + " --schema " + Quote(narrower) + " --json");
  CHECK(again.status == 0);
  const auto plan = nlohmann::json::parse(again.out);
  CHECK(plan["steps"].empty());
  CHECK(plan["applied"] == false);
  // The change shows in the feed, the journal and a clean verify; the export has no bio.
  CHECK_THAT(Kin("feed --db " + Quote(db)).out, Catch::Matchers::Contains("#3 "));
  CHECK_THAT(Kin("journal dump --db " + Quote(db)).out, Catch::Matchers::Contains("#3 schema change"));
  Run verify = Kin("verify --db " + Quote(db));
  INFO(verify.out);
  CHECK(verify.status == 0);
  CHECK(Kin("export --db " + Quote(db)).out.find("\"bio\"") == std::string::npos);
  // A restore to before the change has the old schema and the old records.
  Run restored = Kin("restore --from-db " + Quote(db) + " --db " + Quote(tmp / "before") + " --to 2");
  INFO(restored.out);
  REQUIRE(restored.status == 0);
  CHECK(ReadFile(tmp / "before" + "/schema.json") == schema_before);
  CHECK_THAT(Kin("export --db " + Quote(tmp / "before")).out, Catch::Matchers::Contains("\"bio\":\"hi\""));
}

TEST_CASE("kin migrate refuses bad input with a clear error and changes nothing", "[tools]") {
  TempDir tmp;
  const std::string db = BlogDatabase(tmp);
  const std::string before = ReadFile(db + "/schema.json");
  WriteFile(tmp / "broken.json", "{\"models\": ");
  Run broken = Kin("migrate --db " + Quote(db) + " --schema " + Quote(tmp / "broken.json"));
  CHECK(broken.status != 0);
  CHECK_THAT(broken.out, Catch::Matchers::Contains("kin migrate:"));
  CHECK(Kin("migrate --db " + Quote(db) + " --schema " + Quote(tmp / "missing.json")).status == 2);
  CHECK(Kin("migrate --db " + Quote(db)).status == 2);  // --schema missing
  CHECK(Kin("migrate --db " + Quote(db) + " --schema " + Quote(ChangedBlog(tmp, false)) + " --bogus").status == 2);
  Run none = Kin("migrate --db " + Quote(tmp / "none") + " --schema " + Quote(ChangedBlog(tmp, false)));
  CHECK(none.status == 1);
  CHECK_THAT(none.out, Catch::Matchers::Contains("No database at"));
  CHECK(ReadFile(db + "/schema.json") == before);
  CHECK_FALSE(fs::exists(tmp / "none"));
}
