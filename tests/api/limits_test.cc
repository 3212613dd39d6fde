// The input limits of api/limits.h (docs/limits.md): each one, exceeded, is an
// invalid_argument error with its message, and the database is left as it was.
// The tests use the real sizes (tens of MiB), not smaller test-only limits.

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/json_lines.h"
#include "api/limits.h"
#include "api/query.h"
#include "kin/schema_builder.h"
#include "test_util.h"
#include "tests/tools/kin_command.h"

namespace kin::testing {
namespace {

// A document of `levels` nested arrays, `[[...[]...]]`, built without recursion.
Json Nested(size_t levels) {
  Json root = Json::array();
  Json* inner = &root;
  for (size_t i = 1; i < levels; ++i) {
    inner->push_back(Json::array());
    inner = &inner->back();
  }
  return root;
}

// The same as text.
std::string NestedText(size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

// "a.b.a.b..." with `relations` relations, alternating between `a` and `b`.
std::string Path(const std::string& a, const std::string& b, size_t relations) {
  std::string path;
  for (size_t i = 0; i < relations; ++i) path += (i ? "." : "") + (i % 2 ? b : a);
  return path;
}

// `levels` nested {"$not": ...} around `inner`.
Json Nots(size_t levels, Json inner) {
  Json root = std::move(inner);
  for (size_t i = 0; i < levels; ++i) root = Json{{"$not", std::move(root)}};
  return root;
}

// The error of a call that must fail. Unlike Fails(), does not print the
// arguments: they are large or deep here, and printing them would be slow or
// recurse.
Status Refused(Database& db, const std::string& method, const Json& args) {
  auto r = db.CallText(method, args);
  REQUIRE_FALSE(r.ok());
  return r.status();
}

// Every value of one record, read without building JSON.
std::vector<Value> Values(Database& db, const std::string& model, const std::string& id) {
  ReadView view = db.Read();
  const ModelDef& m = db.schema().model(db.schema().FindModel(model));
  auto ref = view.Find(m.id, id);
  REQUIRE(ref.has_value());
  std::vector<Value> out;
  for (const auto& p : m.properties) out.push_back(*ref->Get(p.name));
  return out;
}

void RequireInvalidArgument(const Status& s, const std::string& message) {
  INFO(s.ToString());
  REQUIRE(s.type() == ErrorType::kInvalidArgument);
  CHECK(s.message() == message);
}

// The error of a response line of the JSON-lines protocol.
void RequireErrorLine(const std::string& response, const std::string& message) {
  INFO(response.substr(0, 300));
  Json r = Json::parse(response);
  REQUIRE(r["ok"] == false);
  CHECK(r["error"]["type"] == "invalid_argument");
  CHECK(r["error"]["message"] == message);
}

// A model with room for large records: four text properties and an array.
const char* kDocSchema = R"({"models": {"Doc": {"properties": {
    "id": {"type": "id", "primaryKey": true},
    "a": {"type": "text", "nullable": true}, "b": {"type": "text", "nullable": true},
    "c": {"type": "text", "nullable": true}, "d": {"type": "text", "nullable": true},
    "tags": {"type": "array", "nullable": true}}}}})";

const std::string kLineTooLong = "The request line is longer than 67108864 bytes";
const std::string kTooDeep = "The JSON is nested deeper than 64 levels";
const std::string kFilterTooDeep = "The filter is nested deeper than 32 levels";

}  // namespace

TEST_CASE("a request line longer than the limit is invalid_argument and changes nothing", "[limits]") {
  auto db = SeededBlog();
  const std::string before = Dump(*db);
  const std::string create = R"({"call": "createAuthors", "args": [{"id": "big", "name": ")";
  std::string line = create + std::string(kMaxRequestLineBytes - create.size(), 'x') + R"("}]})";
  REQUIRE(line.size() > kMaxRequestLineBytes);
  RequireErrorLine(HandleRequestLine(*db, line), kLineTooLong);
  CHECK(Dump(*db) == before);
  // A line of exactly the limit is within it (not parsed here: 64 MiB through a
  // debug build's parser is slow).
  CHECK(api::CheckRequestLineSize(kMaxRequestLineBytes).ok());
}


TEST_CASE("kin exec answers a request line longer than the limit with invalid_argument and goes on", "[limits]") {
  char tmpl[] = "/tmp/kin-limits-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  const std::string script = dir + "/script.jsonl";
  {
    std::ofstream out(script, std::ios::binary);
    out << R"({"call": "createAuthors", "args": [{"id": "big", "name": ")"
        << std::string(kMaxRequestLineBytes, 'x') << "\"}]}\n";
    out << R"({"call": "createAuthors", "args": [{"id": "a1", "name": "Ann"}]})" << "\n";
    out << R"({"id": 3, "call": "listAuthors", "args": []})" << "\n";
    REQUIRE(out.good());
  }
  Run r = Kin("exec --sync none --db '" + dir + "/db' --schema '" + KIN_SOURCE_DIR +
              "/tests/data/schemas/blog.json' '" + script + "'");
  std::filesystem::remove_all(dir);
  INFO(r.out.substr(0, 2000));
  REQUIRE(r.status == 1);  // one request failed
  std::istringstream lines(r.out);
  std::string first, second, third, rest;
  REQUIRE(std::getline(lines, first));
  REQUIRE(std::getline(lines, second));
  REQUIRE(std::getline(lines, third));
  CHECK_FALSE(std::getline(lines, rest));
  RequireErrorLine(first, kLineTooLong);
  CHECK(Json::parse(second)["ok"] == true);
  Json listed = Json::parse(third);
  REQUIRE(listed["ok"] == true);
  REQUIRE(listed["result"].size() == 1);  // the long line created nothing
  CHECK(listed["result"][0]["id"] == "a1");
}

TEST_CASE("a value longer than the limit is invalid_argument and changes nothing", "[limits]") {
  auto db = SeededBlog();
  const std::string before = Dump(*db);
  const std::string huge(kMaxValueBytes + 1, 'x');

  RequireInvalidArgument(Refused(*db, "createAuthors", Json::array({{{"id", "big"}, {"name", huge}}})),
                         "The value of Author.name is longer than 16777216 bytes");
  RequireInvalidArgument(Refused(*db, "updateAuthors", Json::array({{{"id", "a1"}, {"name", huge}}})),
                         "The value of Author.name is longer than 16777216 bytes");
  // A json property counts its compact JSON text.
  RequireInvalidArgument(Refused(*db, "updateAuthors", Json::array({{{"id", "a1"}, {"metadata", {{"k", huge}}}}})),
                         "The value of Author.metadata is longer than 16777216 bytes");
  // A filter value is a value too.
  RequireInvalidArgument(Refused(*db, "deleteAuthors", Json::array({{{"name", huge}}})),
                         "The value of Author.name is longer than 16777216 bytes");
  CHECK(Dump(*db) == before);

  // An array property counts its strings together.
  auto docs = OpenJson(kDocSchema);
  const std::string half(kMaxValueBytes / 2, 'x');
  RequireInvalidArgument(Refused(*docs, "createDocs", Json::array({{{"id", "d1"}, {"tags", {half, half, "x"}}}})),
                         "The value of Doc.tags is longer than 16777216 bytes");
  CHECK(Ok(*docs, "listDocs", Json::array()).empty());

  // A value of exactly the limit is stored.
  REQUIRE(db->CallText("createAuthors", Json::array({{{"id", "big"}, {"name", std::string(kMaxValueBytes, 'x')}}})).ok());
  CHECK(Values(*db, "Author", "big")[db->schema().model(db->schema().FindModel("Author")).FindProperty("name")->slot.value]
            .as_text()
            .size() == kMaxValueBytes);
}

TEST_CASE("a record larger than the limit is invalid_argument and changes nothing", "[limits]") {
  auto db = OpenJson(kDocSchema);
  const std::string full(kMaxValueBytes, 'x');  // four of these and the id are over kMaxRecordBytes
  static_assert(4 * kMaxValueBytes == kMaxRecordBytes);

  RequireInvalidArgument(
      Refused(*db, "createDocs", Json::array({{{"id", "d1"}, {"a", full}, {"b", full}, {"c", full}, {"d", full}}})),
      "The Doc record \"d1\" is larger than 67108864 bytes");
  CHECK(Ok(*db, "listDocs", Json::array({nullptr, {{"select", {"id"}}}})).empty());

  // Grown by an update: three full values fit, the fourth does not.
  REQUIRE(db->CallText("createDocs", Json::array({{{"id", "d2"}, {"a", full}, {"b", full}, {"c", full}}})).ok());
  const std::vector<Value> before = Values(*db, "Doc", "d2");
  RequireInvalidArgument(Refused(*db, "updateDocs", Json::array({{{"id", "d2"}, {"d", full}}})),
                         "The Doc record \"d2\" is larger than 67108864 bytes");
  CHECK(Values(*db, "Doc", "d2") == before);
  CHECK(Ok(*db, "listDocs", Json::array({nullptr, {{"select", {"id"}}}})) == R"([{"id": "d2"}])"_j);
}

TEST_CASE("JSON nested deeper than the limit is invalid_argument, rejected without recursing", "[limits]") {
  auto db = SeededBlog();
  const std::string before = Dump(*db);
  constexpr size_t kDeep = 100000;

  // A request line: scanned before it is parsed.
  RequireErrorLine(HandleRequestLine(*db, NestedText(kDeep)), kTooDeep);
  RequireErrorLine(HandleRequestLine(*db, R"({"call": "createAuthors", "args": [{"id": "x", "name": "n", "metadata": )" +
                                              NestedText(kDeep) + "}]}"),
                   kTooDeep);
  // Brackets inside strings are text, not nesting.
  Json ok = Json::parse(HandleRequestLine(
      *db, R"({"call": "createAuthors", "args": [{"id": "b", "name": ")" + NestedText(kDeep) + R"("}]})"));
  CHECK(ok["ok"] == true);
  Ok(*db, "deleteAuthors", Json::array({"b"}));

  // Arguments built in C++, through every entry point. (Not through Fails(): it
  // prints the arguments, and nlohmann's dump recurses.)
  Json author = {{"id", "x"}, {"name", "n"}};
  author["metadata"] = Nested(kDeep);
  Json deep = Json::array();
  deep.push_back(std::move(author));
  RequireInvalidArgument(db->Call("createAuthors", deep).status(), kTooDeep);
  RequireInvalidArgument(db->CallText("createAuthors", deep).status(), kTooDeep);
  RequireInvalidArgument(db->Model("Author").value().Create(deep[0]).status(), kTooDeep);
  RequireInvalidArgument(db->Model("Author").value().List(Nested(kDeep)).status(), kTooDeep);
  std::vector<CallRequest> calls;
  calls.push_back(CallRequest{"createAuthors", std::move(deep)});  // moved: a copy would recurse
  RequireInvalidArgument(db->Transaction(calls).status(), kTooDeep);
  CHECK(Dump(*db) == before);

  // The arguments may nest exactly the limit: [ {metadata: 62 levels} ] is 64 deep.
  const Json at_limit = Json::array({{{"id", "x"}, {"name", "n"}, {"metadata", Nested(kMaxJsonDepth - 2)}}});
  Ok(*db, "createAuthors", at_limit);
  const Json over = Json::array({{{"id", "y"}, {"name", "n"}, {"metadata", Nested(kMaxJsonDepth - 1)}}});
  RequireInvalidArgument(Fails(*db, "createAuthors", over), kTooDeep);
}

TEST_CASE("a relation path deeper than the limit is invalid_argument", "[limits]") {
  auto db = SeededBlog();
  const std::string before = Dump(*db);
  const std::string message =
      "The relation path \"posts.author.posts.author.posts.author.posts.author.posts...\" is deeper than 16 relations";

  // posts.author.posts... is a valid path of any length; 16 relations are loaded.
  Ok(*db, "retrieveAuthor", Json::array({"a1", {{"relations", {Path("posts", "author", kMaxRelationDepth)}}}}));
  RequireInvalidArgument(
      Fails(*db, "retrieveAuthor", Json::array({"a1", {{"relations", {Path("posts", "author", kMaxRelationDepth + 1)}}}})),
      message);
  RequireInvalidArgument(
      Fails(*db, "listAuthors", Json::array({nullptr, {{"relations", {Path("posts", "author", kMaxRelationDepth + 1)}}}})),
      message);
  // A select path: the relations before the field, or ending in a relation.
  Ok(*db, "listAuthors", Json::array({nullptr, {{"select", {Path("posts", "author", kMaxRelationDepth) + ".name"}}}}));
  RequireInvalidArgument(
      Fails(*db, "listAuthors",
            Json::array({nullptr, {{"select", {Path("posts", "author", kMaxRelationDepth + 1) + ".name"}}}})),
      message);
  RequireInvalidArgument(
      Fails(*db, "listAuthors", Json::array({nullptr, {{"select", {Path("posts", "author", kMaxRelationDepth + 1)}}}})),
      message);
  // A million dots are refused without splitting the path.
  RequireInvalidArgument(
      Fails(*db, "listAuthors", Json::array({nullptr, {{"relations", {"posts" + std::string(1000000, '.')}}}})),
      "The relation path \"posts" + std::string(55, '.') + "\" is deeper than 16 relations");  // cut to 60
  CHECK(Dump(*db) == before);
}

TEST_CASE("a filter nested deeper than the limit is invalid_argument and changes nothing", "[limits]") {
  auto db = SeededBlog();
  const std::string before = Dump(*db);

  // $not at the filter's top level and inside a condition.
  Json rows = Ok(*db, "listPosts", Json::array({Nots(kMaxFilterDepth, {{"title", "Hello World"}})}));
  CHECK(rows.size() == 1);  // an even number of $not
  RequireInvalidArgument(Fails(*db, "listPosts", Json::array({Nots(kMaxFilterDepth + 1, {{"title", "Hello World"}})})),
                         kFilterTooDeep);
  RequireInvalidArgument(
      Fails(*db, "listPosts", Json::array({Json{{"title", Nots(kMaxFilterDepth + 1, "Hello World")}}})), kFilterTooDeep);

  // $and / $or nest too. Each of their levels is two JSON levels, so in a call
  // the JSON limit comes first; the parser checks its own bound all the same.
  Json ands = {{"title", "Hello World"}};
  for (size_t i = 0; i <= kMaxFilterDepth; ++i) ands = Json{{i % 2 ? "$or" : "$and", Json::array({ands})}};
  RequireInvalidArgument(Fails(*db, "listPosts", Json::array({ands})), kTooDeep);
  const Schema& schema = db->schema();
  RequireInvalidArgument(api::ParseFilter(schema, schema.model(schema.FindModel("Post")), ands).status(),
                         kFilterTooDeep);
  // Relation filters: {"author": {"posts": {...}}}.
  Json related = {{"name", "John"}};
  for (size_t i = 0; i <= kMaxFilterDepth; ++i) related = Json{{i % 2 ? "posts" : "author", related}};
  RequireInvalidArgument(Fails(*db, "listPosts", Json::array({related})), kFilterTooDeep);

  // A write whose selector is too deep deletes nothing.
  RequireInvalidArgument(Fails(*db, "deletePosts", Json::array({Nots(kMaxFilterDepth + 2, {{"title", "Hello World"}})})),
                         kFilterTooDeep);
  RequireInvalidArgument(Fails(*db, "softDeletePosts", Json::array({related})), kFilterTooDeep);
  CHECK(Dump(*db) == before);
}

// A model of id, `properties` nullable numbers and the three timestamps.
SchemaBuilder WideModel(size_t properties) {
  SchemaBuilder b;
  auto& wide = b.Model("Wide");
  wide.Id("id");
  for (size_t i = 0; i < properties; ++i) wide.Number("n" + std::to_string(i)).Nullable();
  return b;
}

// A model Hub and two models whose belongsTo relations point at it: `a` and `b`
// of them. Each belongsTo gives Hub a list, declared or not.
SchemaBuilder HubWithParents(size_t a, size_t b) {
  SchemaBuilder s;
  s.Model("Hub").Id("id");
  for (auto [name, count] : {std::pair{"Left", a}, std::pair{"Right", b}}) {
    auto& m = s.Model(name);
    m.Id("id");
    for (size_t i = 0; i < count; ++i) m.BelongsTo("hub" + std::to_string(i), "Hub").Nullable();
  }
  return s;
}

TEST_CASE("a model with more values than a record holds is a schema error", "[limits][schema]") {
  // 1 id + 65,531 numbers + 3 timestamps = 65,535 values: the most a record holds.
  auto at_limit = WideModel(65531).Build();
  INFO(at_limit.status().ToString());
  REQUIRE(at_limit.ok());
  auto db = std::move(Database::OpenInMemory(at_limit.value())).value();
  Ok(*db, "createWides", Json::array({{{"id", "w1"}, {"n65530", 7}}}));
  CHECK(Ok(*db, "retrieveWide", Json::array({"w1", {{"select", {"n65530"}}}})) == R"({"id": "w1", "n65530": 7})"_j);

  auto over = WideModel(65532).Build();
  RequireInvalidArgument(over.status(),
                         "The model Wide has 65536 values (properties, foreign keys and timestamps); "
                         "a model holds at most 65535");
}

TEST_CASE("a model with more relations than a record holds is a schema error", "[limits][schema]") {
  auto at_limit = HubWithParents(32768, 32767).Build();
  INFO(at_limit.status().ToString());
  REQUIRE(at_limit.ok());

  auto over = HubWithParents(32768, 32768).Build();
  RequireInvalidArgument(over.status(),
                         "The model Hub has 65536 relations (with one for each belongsTo pointing at it); "
                         "a model holds at most 65535");
}

}  // namespace kin::testing
