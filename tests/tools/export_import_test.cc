// Tests for the export document as the functions behind `kin export` and `kin
// import` write and read it (api/export.h): the exact bytes of every value type,
// export -> import -> export, the documents import accepts and the error each bad
// document gets, and the pieces that write nlohmann's text without its DOM
// (api/value_json.h). The stores are built record by record, so every byte is
// fixed.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include <nlohmann/json.hpp>

#include "api/export.h"
#include "api/schema_json.h"
#include "api/value_json.h"

namespace {

using kin::Value;
using Row = std::vector<std::pair<std::string, Value>>;  // property name -> value
using OJson = nlohmann::ordered_json;

constexpr int64_t kCreated = 1700000000000;  // 2023-11-14T22:13:20.000Z

// Every property type; Empty has no records; Tag.items owns the links.
const char* const kAllTypesSchema = R"({"models": {
  "Empty": {"properties": {"id": {"type": "id", "primaryKey": true}}},
  "Tag": {"properties": {"id": {"type": "id", "primaryKey": true}, "label": {"type": "text", "unique": true},
          "items": {"type": "manyToMany", "model": "Item", "mappedBy": "tags"}}},
  "Item": {"properties": {"id": {"type": "id", "primaryKey": true}, "number": {"type": "autoincrement"},
          "title": {"type": "text", "nullable": true}, "count": {"type": "number", "nullable": true},
          "ratio": {"type": "float", "nullable": true}, "price": {"type": "bigNumber", "nullable": true},
          "flag": {"type": "boolean", "nullable": true}, "when": {"type": "dateTime", "nullable": true},
          "meta": {"type": "json", "nullable": true}, "kind": {"type": "enum", "values": ["a", "b"], "nullable": true},
          "names": {"type": "array", "nullable": true}, "tag": {"type": "belongsTo", "model": "Tag", "nullable": true},
          "tags": {"type": "manyToMany", "model": "Tag", "mappedBy": "items"}}}}})";

struct Link {
  std::string relation, from, to;  // "Tag.items"
};

// A store of `schema_json` holding `records` (model name, values by property name;
// created_at and updated_at default to kCreated) and `links`.
std::unique_ptr<kin::Store> StoreOf(const std::string& schema_json,
                                    const std::vector<std::pair<std::string, Row>>& records,
                                    const std::vector<Link>& links = {}) {
  auto schema = kin::api::SchemaFromText(schema_json);
  INFO(schema.status().ToString());
  REQUIRE(schema.ok());
  auto store = std::make_unique<kin::Store>(*schema);
  for (const auto& [model_name, row] : records) {
    const kin::ModelDef& m = (*schema)->model((*schema)->FindModel(model_name));
    std::vector<Value> values(m.properties.size());
    values[m.created_at.value] = values[m.updated_at.value] = Value::Time(kin::Timestamp{kCreated});
    for (const auto& [name, value] : row) {
      const kin::PropertyDef* p = m.FindProperty(name);
      REQUIRE(p != nullptr);
      values[p->slot.value] = value;
    }
    REQUIRE(store->LoadRecord(m.id, std::span<Value>(values)).ok());
  }
  REQUIRE(store->FinishLoad().ok());
  for (const auto& l : links) {
    const size_t dot = l.relation.find('.');
    const kin::ModelDef& m = (*schema)->model((*schema)->FindModel(l.relation.substr(0, dot)));
    REQUIRE(store->Apply(kin::LinkStep{m.FindRelation(l.relation.substr(dot + 1)), l.from, l.to}).ok());
  }
  return store;
}

Value Json(const std::string& text) { return Value::Json(kin::JsonText{OJson::parse(text).dump()}); }  // as stored
Value Dec(const std::string& text) { return Value::Dec(*kin::ParseDecimal(text)); }
Value Time(const std::string& iso) { return Value::Time(*kin::ParseTimestamp(iso)); }
Value Float(double d) { return Value::Float(d); }

// A store with every value type, the awkward ones included.
std::unique_ptr<kin::Store> AllTypesStore() {
  return StoreOf(
      kAllTypesSchema,
      {{"Tag", {{"id", Value::Text("t1")}, {"label", Value::Text("red")}}},
       {"Tag", {{"id", Value::Text("t2")},
                {"label", Value::Text(std::string("quote\" back\\ slash / ctl \x01\x0b\x1f del \x7f nl\n tab\t cr\r "
                                                  "bs\b ff\f nul ") + std::string(1, '\0') + "!")}}},
       {"Tag", {{"id", Value::Text("t3")}, {"label", Value::Text("Grüße, 日本, 😀")}}},
       {"Tag", {{"id", Value::Text("t4")}, {"label", Value::Text("")}, {"deleted_at", Time("2024-01-02T03:04:05.006Z")}}},
       {"Item", {{"id", Value::Text("i01")}, {"number", Value::Int(1)}, {"title", Value::Text("Shirt")},
                 {"count", Value::Int(INT64_MAX)}, {"ratio", Float(0.1)}, {"price", Dec("12345678901234567890.125")},
                 {"flag", Value::Bool(true)}, {"when", Time("2024-02-29T12:34:56.789Z")},
                 {"meta", Json(R"({"z": 1, "a": [1.5, "x\ny", null, true, -0.0, 1e20, 18446744073709551615, -9223372036854775808], "é": "日本\u0001\u001f"})")},
                 {"kind", Value::Text("b")}, {"names", Value::List({"x", "y\"z", "tab\t", "é😀", ""})},
                 {"tag_id", Value::Text("t1")}}},
       {"Item", {{"id", Value::Text("i02")}, {"number", Value::Int(2)}, {"count", Value::Int(INT64_MIN)},
                 {"ratio", Float(-0.0)}, {"price", Dec("-0.5")}, {"flag", Value::Bool(false)}, {"meta", Json("[]")},
                 {"kind", Value::Text("a")}, {"names", Value::List({})}}},
       {"Item", {{"id", Value::Text("i03")}, {"number", Value::Int(3)}, {"count", Value::Int(0)}, {"ratio", Float(1e20)},
                 {"price", Dec("0")}, {"meta", Json("{}")}, {"deleted_at", Time("2024-03-01T00:00:00.000Z")}}},
       {"Item", {{"id", Value::Text("i04")}, {"count", Value::Int(-1)}, {"ratio", Float(1.0)}}},
       {"Item", {{"id", Value::Text("i05")}, {"ratio", Float(5e-324)}}},
       {"Item", {{"id", Value::Text("i06")}, {"ratio", Float(1.7976931348623157e308)}}},
       {"Item", {{"id", Value::Text("i07")}, {"ratio", Float(1e-7)}}},
       {"Item", {{"id", Value::Text("i08")}, {"ratio", Float(123.456)}}},
       {"Item", {{"id", Value::Text("i09")}, {"ratio", Float(1e15)}}},
       {"Item", {{"id", Value::Text("i10")}, {"ratio", Float(1e16)}}},
       {"Item", {{"id", Value::Text("i11")}, {"ratio", Float(0.1 + 0.2)}}},
       {"Item", {{"id", Value::Text("i12")}, {"ratio", Float(-2.5e-5)}}},
       {"Item", {{"id", Value::Text("i13")}, {"ratio", Float(1e21)}, {"count", Value::Int(9007199254740993)}}},
       {"Item", {{"id", Value::Text("i14")}, {"ratio", Float(-1e22)}, {"price", Dec("1e-3")}}}},
      {{"Tag.items", "t1", "i01"}, {"Tag.items", "t1", "i02"}, {"Tag.items", "t2", "i01"}, {"Tag.items", "t3", "i14"}});
}

std::string Export(const kin::Store& store) {
  auto text = kin::api::ExportStoreJson(store);
  INFO(text.status().ToString());
  REQUIRE(text.ok());
  return *text;
}

// The export of the store a document describes.
std::string Reexport(const std::string& document) {
  auto store = kin::api::StoreFromExport(document);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return Export(**store);
}

// The error importing `document` gives ("type: message"), or "ok".
std::string ImportError(const std::string& document) {
  auto store = kin::api::StoreFromExport(document);
  return store.ok() ? "ok" : store.status().ToString();
}

// A small valid export to break in one place: Tag t1 t2, Item i1 (tag t1), i2;
// links t1-i1, t1-i2, t2-i2.
const char* const kSmallSchema = R"({"models": {
  "Tag": {"properties": {"id": {"type": "id", "primaryKey": true}, "label": {"type": "text", "unique": true},
          "items": {"type": "manyToMany", "model": "Item", "mappedBy": "tags"}}},
  "Item": {"properties": {"id": {"type": "id", "primaryKey": true}, "number": {"type": "autoincrement"},
          "n": {"type": "number", "nullable": true}, "tag": {"type": "belongsTo", "model": "Tag", "nullable": true},
          "tags": {"type": "manyToMany", "model": "Tag", "mappedBy": "items"}}}}})";

std::string SmallExport() {
  return Export(*StoreOf(kSmallSchema,
                         {{"Tag", {{"id", Value::Text("t1")}, {"label", Value::Text("red")}}},
                          {"Tag", {{"id", Value::Text("t2")}, {"label", Value::Text("blue")}}},
                          {"Item", {{"id", Value::Text("i1")}, {"number", Value::Int(1)}, {"tag_id", Value::Text("t1")}}},
                          {"Item", {{"id", Value::Text("i2")}, {"number", Value::Int(2)}, {"n", Value::Int(7)}}}},
                         {{"Tag.items", "t1", "i1"}, {"Tag.items", "t1", "i2"}, {"Tag.items", "t2", "i2"}}));
}

// The small export parsed, for changing one thing; models[0] is Tag, models[1] Item.
OJson SmallDocument() { return OJson::parse(SmallExport()); }

// The error of the small document after `change`.
template <typename Change>
std::string ErrorAfter(Change&& change) {
  OJson doc = SmallDocument();
  change(doc);
  return ImportError(doc.dump());
}

// `text` with its first `from` replaced by `to`.
std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the export document holds every value type in its exact text", "[export]") {
  // Floats as nlohmann's shortest round-trip form (1e+20, -0.0, 1.0), control
  // characters as \u00xx escapes in lower case, other text as its UTF-8 bytes,
  // bigNumber as the text of its exact decimal, json values as their compact text.
  const std::string expected = R"EXPECTED({"format":"kin-export","version":1,
"schema":{"models":{"Empty":{"properties":{"id":{"type":"id","primaryKey":true}}},"Tag":{"properties":{"id":{"type":"id","primaryKey":true},"label":{"type":"text","unique":true},"items":{"type":"manyToMany","model":"Item","mappedBy":"tags"}}},"Item":{"properties":{"id":{"type":"id","primaryKey":true},"number":{"type":"autoincrement"},"title":{"type":"text","nullable":true},"count":{"type":"number","nullable":true},"ratio":{"type":"float","nullable":true},"price":{"type":"bigNumber","nullable":true},"flag":{"type":"boolean","nullable":true},"when":{"type":"dateTime","nullable":true},"meta":{"type":"json","nullable":true},"kind":{"type":"enum","nullable":true,"values":["a","b"]},"names":{"type":"array","nullable":true},"tag":{"type":"belongsTo","nullable":true,"model":"Tag"},"tags":{"type":"manyToMany","model":"Tag","mappedBy":"items"}}}}},
"schema_version":0,
"models":[
{"name":"Empty","autoincrement":{},"records":[]},
{"name":"Tag","autoincrement":{},"records":[
{"id":"t1","label":"red","created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"t2","label":"quote\" back\\ slash / ctl \u0001\u000b\u001f del )EXPECTED" "\x7f" R"EXPECTED( nl\n tab\t cr\r bs\b ff\f nul \u0000!","created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"t3","label":"Grüße, 日本, 😀","created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"t4","label":"","created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":"2024-01-02T03:04:05.006Z"}
]},
{"name":"Item","autoincrement":{"number":3},"records":[
{"id":"i01","number":1,"title":"Shirt","count":9223372036854775807,"ratio":0.1,"price":"12345678901234567890.125","flag":true,"when":"2024-02-29T12:34:56.789Z","meta":{"z":1,"a":[1.5,"x\ny",null,true,-0.0,1e+20,18446744073709551615,-9223372036854775808],"é":"日本\u0001\u001f"},"kind":"b","names":["x","y\"z","tab\t","é😀",""],"tag_id":"t1","created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i02","number":2,"title":null,"count":-9223372036854775808,"ratio":-0.0,"price":"-0.5","flag":false,"when":null,"meta":[],"kind":"a","names":[],"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i03","number":3,"title":null,"count":0,"ratio":1e+20,"price":"0","flag":null,"when":null,"meta":{},"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":"2024-03-01T00:00:00.000Z"},
{"id":"i04","number":null,"title":null,"count":-1,"ratio":1.0,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i05","number":null,"title":null,"count":null,"ratio":5e-324,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i06","number":null,"title":null,"count":null,"ratio":1.7976931348623157e+308,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i07","number":null,"title":null,"count":null,"ratio":1e-07,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i08","number":null,"title":null,"count":null,"ratio":123.456,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i09","number":null,"title":null,"count":null,"ratio":1e+15,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i10","number":null,"title":null,"count":null,"ratio":1e+16,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i11","number":null,"title":null,"count":null,"ratio":0.30000000000000004,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i12","number":null,"title":null,"count":null,"ratio":-2.5e-05,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i13","number":null,"title":null,"count":9007199254740993,"ratio":1e+21,"price":null,"flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null},
{"id":"i14","number":null,"title":null,"count":null,"ratio":-1e+22,"price":"0.001","flag":null,"when":null,"meta":null,"kind":null,"names":null,"tag_id":null,"created_at":"2023-11-14T22:13:20.000Z","updated_at":"2023-11-14T22:13:20.000Z","deleted_at":null}
]}
],
"links":[
{"relation":"Tag.items","from":"t1","to":"i01"},
{"relation":"Tag.items","from":"t1","to":"i02"},
{"relation":"Tag.items","from":"t2","to":"i01"},
{"relation":"Tag.items","from":"t3","to":"i14"}
]}
)EXPECTED";
  CHECK(Export(*AllTypesStore()) == expected);
}

TEST_CASE("export, import and export again give the same bytes for every value type", "[export]") {
  const std::string first = Export(*AllTypesStore());
  CHECK(Reexport(first) == first);
}

TEST_CASE("a store with no records exports models with empty record lists and no links", "[export]") {
  const std::string text = Export(*StoreOf(kSmallSchema, {}));
  CHECK(text == R"EXPECTED({"format":"kin-export","version":1,
"schema":{"models":{"Tag":{"properties":{"id":{"type":"id","primaryKey":true},"label":{"type":"text","unique":true},"items":{"type":"manyToMany","model":"Item","mappedBy":"tags"}}},"Item":{"properties":{"id":{"type":"id","primaryKey":true},"number":{"type":"autoincrement"},"n":{"type":"number","nullable":true},"tag":{"type":"belongsTo","nullable":true,"model":"Tag"},"tags":{"type":"manyToMany","model":"Tag","mappedBy":"items"}}}}},
"schema_version":0,
"models":[
{"name":"Tag","autoincrement":{},"records":[]},
{"name":"Item","autoincrement":{"number":0},"records":[]}
],
"links":[]}
)EXPECTED");
  CHECK(Reexport(text) == text);
}

TEST_CASE("a float that is not finite is exported as null", "[export]") {
  auto store = StoreOf(kAllTypesSchema, {{"Item", {{"id", Value::Text("i1")}, {"ratio", Float(NAN)}}},
                                         {"Item", {{"id", Value::Text("i2")}, {"ratio", Float(-INFINITY)}}}});
  const std::string text = Export(*store);
  CHECK_THAT(text, Catch::Matchers::Contains(R"({"id":"i1","number":null,"title":null,"count":null,"ratio":null,)"));
  CHECK_THAT(text, Catch::Matchers::Contains(R"({"id":"i2","number":null,"title":null,"count":null,"ratio":null,)"));
}

TEST_CASE("exporting text that is not UTF-8 fails naming the byte", "[export]") {
  auto store = StoreOf(kAllTypesSchema, {{"Tag", {{"id", Value::Text("t1")}, {"label", Value::Text("ok")}}},
                                         {"Tag", {{"id", Value::Text("t2")}, {"label", Value::Text("a\xff")}}}});
  auto text = kin::api::ExportStoreJson(*store);
  REQUIRE_FALSE(text.ok());
  CHECK(text.status().ToString() ==
        "database_error: cannot write the export: [json.exception.type_error.316] invalid UTF-8 byte at index 1: 0xFF");
}

TEST_CASE("a manyToMany that is its own inverse exports each link from both sides", "[export]") {
  const char* const schema = R"({"models": {"Person": {"properties": {"id": {"type": "id", "primaryKey": true},
      "friends": {"type": "manyToMany", "model": "Person", "mappedBy": "friends"}}}}})";
  auto store = StoreOf(schema, {{"Person", {{"id", Value::Text("p1")}}}, {"Person", {{"id", Value::Text("p2")}}}},
                       {{"Person.friends", "p1", "p2"}});
  const std::string text = Export(*store);
  CHECK_THAT(text, Catch::Matchers::EndsWith("\"links\":[\n"
                                             R"({"relation":"Person.friends","from":"p1","to":"p2"},)" "\n"
                                             R"({"relation":"Person.friends","from":"p2","to":"p1"})" "\n]}\n"));
  // Import applies each link as a LinkStep, which links both sides: the second line
  // is then a duplicate. A known defect, kept as it was (the import reads what it
  // read before); loading such links in bulk, as snapshots do, would fix it.
  CHECK(ImportError(text) == "database_error: inconsistent change step: duplicate link through friends");
}

TEST_CASE("import accepts records and links in any order", "[import]") {
  const std::string ordered = SmallExport();
  OJson doc = OJson::parse(ordered);
  for (auto& model : doc["models"]) {
    auto& records = model["records"];
    std::reverse(records.begin(), records.end());
  }
  std::reverse(doc["links"].begin(), doc["links"].end());
  CHECK(Reexport(doc.dump()) == ordered);
  CHECK(Reexport(doc.dump(2)) == ordered);  // and any layout
}

TEST_CASE("import reads a byte order mark, escapes and repeated keys as a JSON parser does", "[import]") {
  const std::string ordered = SmallExport();
  CHECK(Reexport("\xEF\xBB\xBF" + ordered) == ordered);
  // An escaped id is the id; a repeated key: the last value counts.
  CHECK(Reexport(Replaced(ordered, R"({"id":"t2","label":"blue")", R"({"id":"\u0074\u0032","label":"x","label":"blue")")) ==
        ordered);
  CHECK(Reexport(Replaced(ordered, R"("from":"t2")", R"("from":"t9","from":"t2")")) == ordered);
  CHECK(Reexport(Replaced(ordered, R"("n":7)", R"("n":7.0)")) == ordered);
  CHECK(Reexport(Replaced(ordered, R"("version":1)", R"("version":1.0)")) == ordered);
  const std::string deep = std::string(300, '[') + std::string(300, ']');  // deeper than a reader recurses
  CHECK(Reexport(Replaced(ordered, R"({"format")", R"({"unread":)" + deep + R"(,"format")")) == ordered);
  const std::string escaped = Replaced(ordered, R"("label":"blue")", R"("label":"\ud83d\ude00 \/ \u00e9")");
  CHECK_THAT(Reexport(escaped), Catch::Matchers::Contains(R"("label":"😀 / é")"));
}

TEST_CASE("import gives a document that is not JSON the parser's error", "[import]") {
  const std::string good = SmallExport();
  CHECK(ImportError("") ==
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 1, "
        "column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal");
  CHECK(ImportError(good.substr(0, good.size() / 2)) ==
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 6, "
        "column 106: syntax error while parsing object key - unexpected end of input; expected string literal");
  CHECK(ImportError(good + "x") ==
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 19, "
        "column 1: syntax error while parsing value - invalid literal; last read: '\"i2\"}<U+000A>]}<U+000A>x'; "
        "expected end of input");
  CHECK(ImportError(Replaced(good, "blue", "bl\xffue")) ==  // not UTF-8
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 23: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"bl\377'");
  CHECK(ImportError(Replaced(good, "blue", "bl\xed\xa0\x80ue")) ==  // a surrogate in UTF-8
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 24: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: "
        "'\"bl\355\240'");
  CHECK(ImportError(Replaced(good, "blue", "bl\xc0\xafue")) ==  // an overlong form
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 23: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"bl\300'");
  CHECK(ImportError(Replaced(good, "blue", "bl\xf4\x90\x80\x80ue")) ==  // above U+10FFFF
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 24: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: "
        "'\"bl\364\220'");
  CHECK(ImportError(Replaced(good, "blue", "bl\xe6\x97ue")) ==  // a character cut short
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 25: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: "
        "'\"bl\346\227u'");
  CHECK(ImportError(Replaced(good, "blue", "bl\\udc00ue")) ==  // a lone low surrogate
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 28: syntax error while parsing value - invalid string: surrogate U+DC00..U+DFFF must follow "
        "U+D800..U+DBFF; last read: '\"bl\\udc00'");
  CHECK(ImportError(Replaced(good, "blue", "bl\\ud800ue")) ==  // a lone high surrogate
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 29: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by "
        "U+DC00..U+DFFF; last read: '\"bl\\ud800u'");
  CHECK(ImportError(Replaced(good, "blue", "bl\tue")) ==  // a raw control character
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 7, "
        "column 23: syntax error while parsing value - invalid string: control character U+0009 (HT) must be escaped "
        "to \\u0009 or \\t; last read: '\"bl<U+0009>'");
  CHECK(ImportError(good + std::string(1, '\0') + "x") == "ok");             // a NUL after the document
  CHECK(ImportError(Replaced(good, "\"n\":7", "\"n\":1e400")) ==  // a number too large
        "invalid_argument: not a kin export: invalid JSON: [json.exception.out_of_range.406] number overflow parsing "
        "'1e400'");
  CHECK(ImportError(Replaced(good, "\"n\":7", "\"n\":07")) ==
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 11, "
        "column 28: syntax error while parsing object - unexpected number literal; expected '}'");
  CHECK(ImportError(Replaced(good, "\"n\":7", "\"n\":NaN")) ==
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 11, "
        "column 27: syntax error while parsing value - invalid literal; last read: '\"n\":N'");
  CHECK(ImportError("// comment\n" + good) ==
        "invalid_argument: not a kin export: invalid JSON: [json.exception.parse_error.101] parse error at line 1, "
        "column 1: syntax error while parsing value - invalid literal; last read: '/'");
}

TEST_CASE("import refuses a document that is not a kin export", "[import]") {
  CHECK(ImportError("[]") == "invalid_argument: not a kin export: no \"format\": \"kin-export\"");
  CHECK(ImportError(R"({"format":"kin-export"})") == "invalid_argument: not a kin export: unsupported version (none)");
  CHECK(ImportError(R"({"format":1,"version":1})") ==
        "invalid_argument: not a kin export: [json.exception.type_error.302] type must be string, but is number");
  CHECK(ErrorAfter([](OJson& d) { d["format"] = "other"; }) ==
        "invalid_argument: not a kin export: no \"format\": \"kin-export\"");
  CHECK(ErrorAfter([](OJson& d) { d["version"] = 2; }) == "invalid_argument: not a kin export: unsupported version 2");
  CHECK(ErrorAfter([](OJson& d) { d["version"] = "1"; }) ==
        "invalid_argument: not a kin export: unsupported version \"1\"");
  CHECK(ErrorAfter([](OJson& d) { d["version"] = 1.0; }) == "ok");
  CHECK(ErrorAfter([](OJson& d) { d.erase("schema"); }) == "invalid_argument: not a kin export: no \"schema\"");
  CHECK(ErrorAfter([](OJson& d) { d["schema"] = OJson::parse(R"({"models": {"A": {"properties": {}}}})"); }) ==
        "invalid_argument: The model A has no primary key: declare an id property");
  CHECK(ErrorAfter([](OJson& d) { d.erase("models"); }) ==
        "invalid_argument: not a kin export: \"models\" is not an array");
  CHECK(ErrorAfter([](OJson& d) { d["models"] = OJson::object(); }) ==
        "invalid_argument: not a kin export: \"models\" is not an array");
  CHECK(ErrorAfter([](OJson& d) { d["models"][0]["name"] = "Nope"; }) ==
        "invalid_argument: not a kin export: a model entry names no model of the schema: "
        "{\"name\":\"Nope\",\"autoincrement\":{},\"records\":[{\"id\":\"t1\",\"label\":\"red\",\"created_a");
  CHECK(ErrorAfter([](OJson& d) { d["models"][0] = 5; }) ==
        "invalid_argument: not a kin export: a model entry names no model of the schema: 5");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["name"] = "Tag"; }) ==
        "invalid_argument: not a kin export: model Tag appears twice");
  CHECK(ErrorAfter([](OJson& d) { d["models"][0].erase("records"); }) ==
        "invalid_argument: not a kin export: model Tag has no \"records\" array");
  CHECK(ErrorAfter([](OJson& d) { d["models"][0]["records"] = OJson::object(); }) ==
        "invalid_argument: not a kin export: model Tag has no \"records\" array");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["autoincrement"] = 3; }) ==
        "invalid_argument: not a kin export: \"autoincrement\" of Item is not an object");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["autoincrement"] = {{"number", 1.5}}; }) ==
        "invalid_argument: not a kin export: bad autoincrement counter \"number\" of Item");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["autoincrement"] = {{"n", 3}}; }) ==
        "invalid_argument: not a kin export: bad autoincrement counter \"n\" of Item");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["autoincrement"] = {{"nope", 3}}; }) ==
        "invalid_argument: not a kin export: bad autoincrement counter \"nope\" of Item");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1].erase("autoincrement"); }) == "ok");
  CHECK(ErrorAfter([](OJson& d) { d["models"].erase(0); }) ==  // Item i1's tag_id names no record
        "database_error: inconsistent change step: Item i1 points at a missing parent t1");
}

TEST_CASE("import names the model and record of a record that does not fit the schema", "[import]") {
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1] = OJson::array(); }) ==
        "invalid_argument: not a kin export: Item record #2 is not an object");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1].erase("n"); }) ==
        "invalid_argument: not a kin export: Item record #2 has no \"n\"");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["extra"] = 1; }) ==
        "invalid_argument: not a kin export: Item record #2 has an unknown property \"extra\"");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["id"] = nullptr; }) ==
        "invalid_argument: not a kin export: Item record #2 has a null primary key");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["id"] = ""; }) ==
        "invalid_argument: not a kin export: Item record #2: Invalid value for Item.id: expected a non-empty id, got "
        "\"\"");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["id"] = 5; }) ==
        "invalid_argument: not a kin export: Item record #2: Invalid value for Item.id: expected a string, got 5");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["n"] = "7"; }) ==
        "invalid_argument: not a kin export: Item record #2: Invalid value for Item.n: expected an integer, got \"7\"");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["n"] = 1.5; }) ==
        "invalid_argument: not a kin export: Item record #2: Invalid value for Item.n: expected an integer, got 1.5");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["n"] = 18446744073709551615u; }) ==
        "invalid_argument: not a kin export: Item record #2: Invalid value for Item.n: expected a 64-bit integer, "
        "got 18446744073709551615");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["created_at"] = "yesterday"; }) ==
        "invalid_argument: not a kin export: Item record #2: Invalid value for Item.created_at: expected an ISO-8601 "
        "date-time string, got \"yesterday\"");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["created_at"] = nullptr; }) == "ok");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["tag_id"] = true; }) ==
        "invalid_argument: not a kin export: Item record #2: Invalid value for Item.tag_id: expected a string, got "
        "true");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["n"] = 7.0; }) == "ok");  // an integral float
}

TEST_CASE("import checks every property type by the rules of the service calls", "[import]") {
  // Each bad value of the all-types export; the first error of a document is reported.
  const std::string good = Export(*AllTypesStore());
  auto bad = [&](const std::string& from, const std::string& to) { return ImportError(Replaced(good, from, to)); };
  CHECK(bad(R"("ratio":0.1)", R"("ratio":"0.1")") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.ratio: expected a number, got "
        "\"0.1\"");
  CHECK(bad(R"("ratio":0.1)", R"("ratio":7)") == "ok");
  CHECK(bad(R"("price":"12345678901234567890.125")", R"("price":12.50)") == "ok");
  CHECK(bad(R"("price":"12345678901234567890.125")", R"("price":"12,5")") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.price: expected a number or a "
        "numeric string of at most 100 digits, got \"12,5\"");
  CHECK(bad(R"("price":"12345678901234567890.125")", R"("price":[1])") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.price: expected a number or a "
        "numeric string, got [1]");
  CHECK(bad(R"("flag":true)", R"("flag":1)") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.flag: expected a boolean, got 1");
  CHECK(bad(R"("when":"2024-02-29T12:34:56.789Z")", R"("when":1709210096789)") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.when: expected an ISO-8601 "
        "date-time string, got 1709210096789");
  CHECK(bad(R"("meta":{"z":1,)", R"("meta":"{}","x":{"z":1,)") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.meta: expected a JSON object or "
        "array, got \"{}\"");
  CHECK(bad(R"("kind":"b")", R"("kind":"c")") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.kind: expected one of a, b, got "
        "\"c\"");
  CHECK(bad(R"("names":["x",)", R"("names":[1,)") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.names: expected an array of "
        "strings, got [1,\"y\\\"z\",\"tab\\t\",\"é😀\",\"\"]");
  CHECK(bad(R"("names":["x",)", R"("names":"x","x":[)") ==
        "invalid_argument: not a kin export: Item record #1: Invalid value for Item.names: expected an array of "
        "strings, got \"x\"");
}

TEST_CASE("import refuses records that contradict each other", "[import]") {
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][1]["id"] = "i1"; }) ==
        "database_error: inconsistent change step: duplicate Item i1");
  CHECK(ErrorAfter([](OJson& d) { d["models"][1]["records"][0]["tag_id"] = "t9"; }) ==
        "database_error: inconsistent change step: Item i1 points at a missing parent t9");
  CHECK(ErrorAfter([](OJson& d) { d["models"][0]["records"][1]["label"] = "red"; }) ==
        "invalid_argument: not a consistent database: Tag t1 and t2 share a unique key");
  // A soft-deleted record may share a unique key.
  CHECK(ErrorAfter([](OJson& d) {
          d["models"][0]["records"][1]["label"] = "red";
          d["models"][0]["records"][1]["deleted_at"] = "2024-01-01T00:00:00.000Z";
        }) == "ok");
}

TEST_CASE("import refuses links that are not links of the schema's records", "[import]") {
  CHECK(ErrorAfter([](OJson& d) { d["links"] = OJson::object(); }) ==
        "invalid_argument: not a kin export: \"links\" is not an array");
  CHECK(ErrorAfter([](OJson& d) { d.erase("links"); }) == "ok");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1].erase("to"); }) ==
        "invalid_argument: not a kin export: a link needs \"relation\", \"from\" and \"to\" strings: "
        "{\"relation\":\"Tag.items\",\"from\":\"t1\"}");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1]["from"] = 1; }) ==
        "invalid_argument: not a kin export: a link needs \"relation\", \"from\" and \"to\" strings: "
        "{\"relation\":\"Tag.items\",\"from\":1,\"to\":\"i2\"}");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1] = "t1"; }) ==
        "invalid_argument: not a kin export: a link needs \"relation\", \"from\" and \"to\" strings: \"t1\"");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1]["relation"] = "Tag.nope"; }) ==
        "invalid_argument: not a kin export: \"Tag.nope\" is not an automatic manyToMany relation");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1]["relation"] = "Tagitems"; }) ==
        "invalid_argument: not a kin export: \"Tagitems\" is not an automatic manyToMany relation");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1]["relation"] = "Item.tag"; }) ==
        "invalid_argument: not a kin export: \"Item.tag\" is not an automatic manyToMany relation");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1]["relation"] = "Item.tags"; }) ==
        "database_error: inconsistent change step: link of a missing record through tags");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1]["to"] = "i9"; }) ==
        "database_error: inconsistent change step: link of a missing record through items");
  CHECK(ErrorAfter([](OJson& d) { d["links"][1]["from"] = "i1"; }) ==
        "database_error: inconsistent change step: link of a missing record through items");
  CHECK(ErrorAfter([](OJson& d) { d["links"][2] = d["links"][1]; }) ==
        "database_error: inconsistent change step: duplicate link through items");
  CHECK(ErrorAfter([](OJson& d) { d["links"].push_back(d["links"][0]); }) ==
        "database_error: inconsistent change step: duplicate link through items");
}

// ---- the pieces: nlohmann's text, written and read through RapidJSON -------------------

namespace {

std::string Dumped(const std::string& s) { return OJson(s).dump(); }  // throws on text that is not UTF-8

// A random string of bytes that are often special in JSON text.
std::string RandomText(std::mt19937_64& rng) {
  static const std::vector<std::string> kPieces = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f",
                                                   std::string(1, '\0'), "é", "日", "😀", "\xef\xbf\xbf", "\xff",
                                                   "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe6\x97"};
  std::string s;
  for (size_t n = rng() % 8; n > 0; --n) s += kPieces[rng() % kPieces.size()];
  return s;
}

rapidjson::Document Parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

}  // namespace

TEST_CASE("a string is written as nlohmann's dump writes it, and refused where dump refuses it", "[export]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const std::string s = RandomText(rng);
    std::string written;
    const bool ok = kin::api::AppendJsonString(s, &written);
    std::string dumped;
    bool dump_ok = true;
    try {
      dumped = Dumped(s);
    } catch (const nlohmann::json::exception&) {
      dump_ok = false;
    }
    INFO(OJson(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    REQUIRE(ok == dump_ok);
    if (ok) REQUIRE(written == dumped);
  }
}

TEST_CASE("a float is written as nlohmann's dump writes it and reads back the same through RapidJSON", "[export]") {
  std::mt19937_64 rng(11);
  std::vector<double> values = {0.0, -0.0, 1.0, 0.1, 1e20, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, NAN, INFINITY};
  for (int i = 0; i < 50000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    values.push_back(d);
    values.push_back(static_cast<double>(static_cast<int64_t>(rng()) >> (rng() % 64)) / static_cast<double>(1 + rng() % 1000));
  }
  for (double d : values) {
    char text[kin::api::kJsonFloatBufferSize];
    const std::string written(text, kin::api::FormatJsonFloat(d, text));
    INFO(written);
    REQUIRE(written == OJson(d).dump());
    if (!std::isfinite(d)) continue;
    rapidjson::Document doc = Parsed(written);
    REQUIRE(doc.IsDouble());
    const double back = doc.GetDouble();
    REQUIRE(std::memcmp(&back, &d, sizeof d) == 0);
  }
}
