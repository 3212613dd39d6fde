// Tests for `kin shell`: the built binary reads commands from a pipe (and, in one
// test, from a pseudo-terminal made by `script`), and each test checks one
// behaviour through its output, its errors and its exit status.

#include <stdlib.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/tools/tool_test_util.h"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

using kin::testing::TempDir;
using kin::testing::ReadFile;

struct Shell {
  int status = -1;
  std::string out, err;
};

// Runs `command` through /bin/sh with `input` on its standard input.
Shell RunCommand(const TempDir& tmp, const std::string& command, const std::string& input) {
  {
    std::ofstream in(tmp / "input", std::ios::binary);
    in << input;
  }
  kin::testing::Run run =
      kin::testing::RunCommand(command + " < '" + (tmp / "input") + "' 2> '" + (tmp / "stderr") + "'");
  Shell r;
  r.status = run.status;
  r.out = std::move(run.out);
  r.err = ReadFile(tmp / "stderr");
  return r;
}

std::string Seed() { return std::string(KIN_SOURCE_DIR) + "/tests/data/schemas/seed.json"; }

// `kin shell` on the database tmp/db (made from the seed schema), commands piped in.
Shell KinShell(const TempDir& tmp, const std::string& input, const std::string& flags = "") {
  return RunCommand(tmp, "'" KIN_BINARY "' shell --db '" + (tmp / "db") + "' --schema '" + Seed() + "' " + flags, input);
}

const char* const kStoreAndProducts =
    "createStores {\"id\": \"s1\", \"name\": \"Main\"}\n"
    "createProducts [{\"id\": \"p1\", \"title\": \"Shirt\", \"store_id\": \"s1\"},"
    " {\"id\": \"p2\", \"title\": \"Mug\", \"store_id\": \"s1\"}]\n";

}  // namespace

TEST_CASE("kin shell runs calls written as a method and JSON arguments, read from a pipe", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, std::string(kStoreAndProducts) + ".mode json\nlistProducts {\"title\": \"Shirt\"} {\"take\": 5}\n");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Contains("[{\"id\":\"p1\",\"title\":\"Shirt\",\"store_id\":\"s1\""));
  CHECK(r.out.find("kin>") == std::string::npos);  // no prompt without a terminal
}

TEST_CASE("kin shell shows results as pretty JSON, one-line JSON or a table", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, std::string(kStoreAndProducts) +
                              "listStores {} {\"select\": [\"name\"]}\n"
                              ".mode json\nlistStores {} {\"select\": [\"name\"]}\n"
                              ".mode table\nlistProducts {} {\"select\": [\"title\"]}\n"
                              "listAndCountProducts {\"title\": \"Mug\"} {\"select\": [\"title\"]}\n"
                              "retrieveStore \"s1\" {\"select\": [\"name\"]}\n.mode\n");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Contains("[\n  {\n    \"id\": \"s1\",\n    \"name\": \"Main\"\n  }\n]\n"));
  CHECK_THAT(r.out, Contains("[{\"id\":\"s1\",\"name\":\"Main\"}]\n"));
  CHECK_THAT(r.out, Contains("id | title\n---+------\np1 | Shirt\np2 | Mug\n(2 rows)\n"));
  CHECK_THAT(r.out, Contains("id | title\n---+------\np2 | Mug\n(1 row)\ncount: 1\n"));
  CHECK_THAT(r.out, Contains("field | value\n------+------\nid    | s1\nname  | Main\n"));
  CHECK_THAT(r.out, Contains("\ntable\n"));
}

TEST_CASE("kin shell errors keep the database's types and are plain text off a terminal", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, std::string(kStoreAndProducts) +
                              "retrieveProduct \"nope\"\n"
                              "createProducts {\"colour\": \"red\"}\n"
                              "listProducts {\"title\": Shirt}\n"
                              "listProducts {\"title\": \"Shirt\"}\n");
  INFO(r.out << r.err);
  CHECK(r.status == 1);  // a script with a failed command
  CHECK_THAT(r.err, Contains("error: not_found: Product with id: nope was not found\n"));
  CHECK_THAT(r.err, Contains("error: invalid_data: Unknown property \"colour\" on model Product\n"));
  CHECK_THAT(r.err, Contains("error: invalid_argument: Argument 1 of listProducts is not valid JSON at column 24: "));
  CHECK_THAT(r.err, Contains("  listProducts {\"title\": Shirt}\n                         ^\n"));
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK_THAT(r.out, Contains("\"title\": \"Shirt\""));  // the script went on after its errors
}

TEST_CASE("kin shell names the nearest method, model, dot command and mode to a mistyped one", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, "listProduct {}\nlistAndCountStors\n.schema Prodct\n.shema\n.mode tabel\n.frobnicate\n");
  INFO(r.out << r.err);
  CHECK_THAT(r.err, Contains("error: invalid_argument: Unknown method \"listProduct\". Did you mean \"listProducts\"?"));
  CHECK_THAT(r.err, Contains("Did you mean \"listAndCountStores\"?"));
  CHECK_THAT(r.err, Contains("error: invalid_argument: Unknown model \"Prodct\". Did you mean \"Product\"?"));
  CHECK_THAT(r.err, Contains("Unknown command \".shema\". Did you mean \".schema\"?"));
  CHECK_THAT(r.err, Contains("Unknown mode \"tabel\"; .mode takes pretty, json or table. Did you mean \"table\"?"));
  CHECK_THAT(r.err, Contains("Unknown command \".frobnicate\". Type .help for the list."));
}

TEST_CASE("kin shell answers JSON-lines requests and names a failing transaction call", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, "{\"transaction\": [{\"call\": \"createStores\", \"args\": [{\"id\": \"s1\"}]},\n"
                          "  {\"call\": \"createProducts\", \"args\": [{\"store_id\": \"s9\"}]}]}\n"
                          ".mode json\n{\"call\": \"listStores\"}\n");
  INFO(r.out << r.err);
  CHECK_THAT(r.err, Contains("error: transaction call 1 (createProducts): not_found: You tried to set relationship "
                             "store_id: s9, but such entity does not exist\n"));
  CHECK(r.out == "[]\n");  // the transaction applied nothing
}

TEST_CASE("kin shell reads on while a JSON object or array is open", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, "createStores [\n  {\"id\": \"s1\",\n   \"name\": \"Main\"},\n  {\"id\": \"s2\"}\n]\n# a comment\n"
                          ".mode json\nlistStores {} {\"select\": [\"name\"]}\n");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Contains("[{\"id\":\"s1\",\"name\":\"Main\"},{\"id\":\"s2\",\"name\":null}]"));
  Shell bad = KinShell(tmp, "createStores {\n  \"id\": s3}\n");
  CHECK(bad.status == 1);
  CHECK_THAT(bad.err, Contains("error: invalid_argument: Argument 1 of createStores is not valid JSON at line 2, column 9: "));
}

TEST_CASE("kin shell --bail stops a script at the first failed command", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, "retrieveStore \"nope\"\ncreateStores {\"id\": \"s1\"}\n", "--bail --mode json");
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  Shell after = KinShell(tmp, "listStores\n", "--mode json");
  CHECK(after.out == "[]\n");
}

TEST_CASE("kin shell's dot commands describe the schema, the models and the database", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, std::string(kStoreAndProducts) +
                              "softDeleteProducts \"p2\"\n.help\n.models\n.schema Store\n.stats\n.snapshot\n"
                              ".mode json\n.quit\nlistStores {} {\"select\": [\"id\"]}\n");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Contains(".mode [pretty|json|table]"));
  CHECK_THAT(r.out, Contains("Product (1 record): retrieveProduct listProducts listAndCountProducts createProducts "
                             "updateProducts deleteProducts softDeleteProducts restoreProducts\n"));
  CHECK_THAT(r.out, Contains("{\n  \"Store\": {\n    \"properties\": {\n      \"id\": {"));
  CHECK_THAT(r.out, Contains("methods: retrieveStore listStores"));
  CHECK_THAT(r.out, Contains("Product  live 1  soft-deleted 1\n"));
  CHECK_THAT(r.out, Contains("; 3 records written"));
  CHECK_THAT(r.out, Contains("snapshot written\n"));
  CHECK(fs::exists(tmp / "db/snapshots"));
  CHECK(!fs::is_empty(tmp / "db/snapshots"));
  CHECK(r.out.find("[{\"id\":\"s1\"}]") == std::string::npos);  // nothing ran after .quit
}

TEST_CASE("kin shell with only --schema works on a database in memory", "[shell]") {
  TempDir tmp;
  Shell r = RunCommand(tmp, "'" KIN_BINARY "' shell --mode json --schema '" + Seed() + "'",
                       "createStores {\"id\": \"s1\"}\nlistStores {} {\"select\": [\"id\"]}\n.snapshot\n");
  INFO(r.out << r.err);
  CHECK_THAT(r.out, Contains("[{\"id\":\"s1\"}]\n"));
  CHECK_THAT(r.err, Contains("error: invalid_argument: An in-memory database has no snapshots"));
  Shell none = RunCommand(tmp, "'" KIN_BINARY "' shell", "");
  CHECK(none.status == 2);
  CHECK_THAT(none.err, Contains("give --db DIR"));
}

TEST_CASE("under a terminal, kin shell edits lines, completes names, keeps history and colours errors", "[shell]") {
  TempDir tmp;
  // `script` runs the shell on a pseudo-terminal fed from the input file. The input
  // uses Tab (complete "listSt" to "listStores") and the up arrow (run the last
  // command again).
  const std::string shell = "'" KIN_BINARY "' shell --mode json --db '" + (tmp / "db") + "' --schema '" + Seed() + "'";
  Shell r = RunCommand(tmp, "TERM=xterm KIN_HISTORY='" + (tmp / "history") + "' script -qec \"" + shell + "\" /dev/null",
                       "createStores {\"id\": \"s1\"}\nretrieveStore \"nope\"\nlistSt\t{} {\"select\": [\"id\"]}\n"
                       "\x1b[A\n.quit\n");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Contains("kin> "));
  CHECK_THAT(r.out, Contains("\x1b[1;31merror:\x1b[0m not_found: Store with id: nope was not found"));
  size_t first = r.out.find("[{\"id\":\"s1\"}]");
  REQUIRE(first != std::string::npos);
  CHECK(r.out.find("[{\"id\":\"s1\"}]", first + 1) != std::string::npos);  // the up arrow ran it again
  std::string history = ReadFile(tmp / "history");
  CHECK_THAT(history, Contains("listStores"));
  CHECK_THAT(history, Contains("retrieveStore"));
}

TEST_CASE("kin shell's .explain prints how a list call finds its records instead of the records", "[shell]") {
  TempDir tmp;
  Shell r = KinShell(tmp, std::string(kStoreAndProducts) +
                              "createProducts {\"id\": \"p3\", \"title\": \"Cap\"}\n"
                              ".explain listProducts {\"store_id\": \"s1\"}\n"
                              ".explain listAndCountProducts {\"title\": \"Mug\"}\n"
                              ".mode json\n.explain listProducts {\"id\": [\"p2\", \"p9\"]}\n"
                              ".explain retrieveProduct \"p1\"\n.explain listProdcts\n.explain\n"
                              ".explain listProducts {\"nope\": 1}\n.explain listProducts {} {} {}\n"
                              ".explain listProducts {\n  \"title\": \"Cap\"\n}\n.explain listProducts {\"id\" 1}\n"
                              ".mode pretty\n.explain listProducts {\"id\": \"p9\"}\n"
                              ".explain listProducts {} {\"take\": 1}\n");
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK_THAT(r.out, Contains("plan: children Product.store of 1 Store\nread: 4 records and index entries\nrows: 2\n"));
  CHECK_THAT(r.out, Contains("plan: scan Product\nread: 3 records and index entries\nrows: 1 of 1 matching\n"));
  CHECK_THAT(r.out, Contains("{\"plan\":\"ids Product (2)\",\"examined\":2,\"rows\":1}\n"));
  CHECK_THAT(r.err, Contains("error: invalid_argument: .explain takes a list or listAndCount call, not "
                             "\"retrieveProduct\""));
  CHECK_THAT(r.err, Contains("not \"listProdcts\". Did you mean \"listProducts\"?"));
  CHECK_THAT(r.err, Contains("Usage: .explain listMODELS|listAndCountMODELS [FILTERS] [CONFIG]"));
  CHECK_THAT(r.err, Contains("error: invalid_data: Cannot filter by \"nope\": Product has no such property"));
  CHECK_THAT(r.err, Contains("error: invalid_argument: Too many arguments: the method takes at most 2"));
  CHECK_THAT(r.out, Contains("{\"plan\":\"scan Product\",\"examined\":3,\"rows\":1}\n"));  // read on over lines
  CHECK_THAT(r.out, Contains("plan: ids Product (1)\nread: 0 records and index entries\nrows: 0\n"));
  CHECK_THAT(r.out, Contains("plan: scan Product (read in order)\nread: 1 record or index entry\nrows: 1\n"));
  CHECK_THAT(r.err, Contains("  .explain listProducts {\"id\" 1}\n                              ^\n"));
  CHECK_THAT(r.err, Contains("column 29: syntax error while parsing object separator"));
}
