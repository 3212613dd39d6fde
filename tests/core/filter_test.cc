// Tests for core/filter: property comparisons, boolean combinations, conditions on
// related records, the `q` search, SQL LIKE matching and the RE2 patterns of $re.

#include "core/filter.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "core/query.h"
#include "core/regex.h"
#include "core/store.h"
#include "tests/core/core_test_util.h"

namespace {

using namespace kin;
using namespace kin::coretest;

// s1 "North" has p1 (Anvil, 10) and p2 (Bolt, 25); s2 "South" is soft-deleted and
// has p3 (Chain, no price); p4 has no store. o1 holds p1 and p2, o2 holds p3.
struct Shop {
  std::shared_ptr<const Schema> schema = CommerceSchema();
  Store store{schema};
  const Schema& s = *schema;

  Shop() {
    Put(store, "Store", "s1", {{"name", T("North")}});
    Put(store, "Store", "s2", {{"name", T("South")}, {"deleted_at", Value::Time(Timestamp{1})}});
    Put(store, "Product", "p1",
        {{"title", T("Heavy Anvil")}, {"description", T("forged IRON")}, {"price", Value::Int(10)},
         {"store_id", T("s1")}});
    Put(store, "Product", "p2", {{"title", T("Bolt")}, {"price", Value::Int(25)}, {"store_id", T("s1")}});
    Put(store, "Product", "p3", {{"title", T("Chain")}, {"store_id", T("s2")}});
    Put(store, "Product", "p4", {{"title", T("Iron Dust")}, {"price", Value::Int(10)}});
    Put(store, "Order", "o1", {{"status", T("open")}});
    Put(store, "Order", "o2", {{"status", T("closed")}});
    Link(store, "Order", "products", "o1", "p1");
    Link(store, "Order", "products", "o1", "p2");
    Link(store, "Order", "products", "o2", "p3");
  }

  // The ids of `model`'s records that match, in key order.
  Ids Match(std::string_view model, const Filter& f, bool with_deleted = false) const {
    const ModelDef& m = s.model(M(s, model));
    Ids out;
    store.Scan(m.id, [&](const Record& r) {
      if (f.Matches(store, m, r, with_deleted)) out.emplace_back(r.id());
      return true;
    });
    return out;
  }

  SlotId Slot(std::string_view model, std::string_view prop) const { return S(s, model, prop); }
  RelationId Rel(std::string_view model, std::string_view rel) const { return R(s, model, rel); }

  Filter Price(CompareOp op, Value v, std::vector<Value> values = {}) const {
    return Filter::Compare(Slot("Product", "price"), op, std::move(v), std::move(values));
  }
  Filter Title(CompareOp op, Value v) const { return Filter::Compare(Slot("Product", "title"), op, std::move(v)); }
};

}  // namespace

// ---- comparisons ------------------------------------------------------------------

TEST_CASE("compare eq matches equal values, numbers across types", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Price(CompareOp::kEq, Value::Int(10))) == Ids{"p1", "p4"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kEq, Value::Float(25.0))) == Ids{"p2"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kEq, Value())) == Ids{"p3"});
  CHECK(shop.Match("Product", shop.Title(CompareOp::kEq, T("Bolt"))) == Ids{"p2"});
  CHECK(shop.Match("Product", shop.Title(CompareOp::kEq, T("bolt"))).empty());
}

TEST_CASE("compare ne of a value skips nulls as in SQL, ne of null means not null", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Price(CompareOp::kNe, Value::Int(10))) == Ids{"p2"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kNe, Value::Float(10.0))) == Ids{"p2"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kNe, Value())) == Ids{"p1", "p2", "p4"});
}

TEST_CASE("compare in tests membership in a list and never matches null, as in SQL", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Price(CompareOp::kIn, Value(), {Value::Int(25), Value::Int(99)})) == Ids{"p2"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kIn, Value(), {Value(), Value::Int(10)})) == Ids{"p1", "p4"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kIn, Value(), {Value()})).empty());
  CHECK(shop.Match("Product", shop.Price(CompareOp::kIn, Value(), {})).empty());
}

TEST_CASE("compare nin keeps non-null values outside the list; a null in the list matches nothing", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Price(CompareOp::kNin, Value(), {Value::Int(10)})) == Ids{"p2"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kNin, Value(), {Value(), Value::Int(25)})).empty());
  CHECK(shop.Match("Product", shop.Price(CompareOp::kNin, Value(), {Value()})).empty());
}

TEST_CASE("compare nin of an empty list matches everything, nulls too", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Price(CompareOp::kNin, Value(), {})) == Ids{"p1", "p2", "p3", "p4"});
}

TEST_CASE("compare gt gte lt lte order values and never match null", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Price(CompareOp::kGt, Value::Int(10))) == Ids{"p2"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kGte, Value::Int(10))) == Ids{"p1", "p2", "p4"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kLt, Value::Int(25))) == Ids{"p1", "p4"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kLte, Value::Float(25.0))) == Ids{"p1", "p2", "p4"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kLt, Value::Float(10.5))) == Ids{"p1", "p4"});
  CHECK(shop.Match("Product", shop.Title(CompareOp::kGte, T("C"))) == Ids{"p1", "p3", "p4"});
}

TEST_CASE("compare like and ilike match text patterns", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Title(CompareOp::kLike, T("%Anvil"))) == Ids{"p1"});
  CHECK(shop.Match("Product", shop.Title(CompareOp::kLike, T("%iron%"))).empty());
  CHECK(shop.Match("Product", shop.Title(CompareOp::kILike, T("%iron%"))) == Ids{"p4"});
  CHECK(shop.Match("Product", shop.Title(CompareOp::kILike, T("_o%"))) == Ids{"p2"});
  // Non-text values never match a pattern.
  CHECK(shop.Match("Product", shop.Price(CompareOp::kLike, T("1%"))).empty());
}

// A pattern that must compile (with the default budget of api/limits.h, 2 MiB).
std::shared_ptr<const Regex> Re(std::string_view pattern) {
  auto re = Regex::Compile(pattern, size_t{2} << 20);
  INFO(pattern << ": " << re.status().ToString());
  REQUIRE(re.ok());
  return re.value();
}

TEST_CASE("compare re matches a regular expression anywhere in text", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", Filter::Regex(shop.Slot("Product", "title"), Re("^[BC]"))) == Ids{"p2", "p3"});
  auto dust = Re("Du");
  CHECK(shop.Match("Product", Filter::Regex(shop.Slot("Product", "title"), dust)) == Ids{"p4"});
  CHECK(shop.Match("Product", Filter::Regex(shop.Slot("Product", "price"), dust)).empty());
}

TEST_CASE("compare exists tests for null", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", shop.Price(CompareOp::kExists, Value::Bool(true))) == Ids{"p1", "p2", "p4"});
  CHECK(shop.Match("Product", shop.Price(CompareOp::kExists, Value::Bool(false))) == Ids{"p3"});
  const SlotId store_id = shop.Slot("Product", "store_id");
  CHECK(shop.Match("Product", Filter::Compare(store_id, CompareOp::kExists, Value::Bool(false))) == Ids{"p4"});
}

TEST_CASE("compare eq of text matches the same bytes only, short or long, never null", "[core]") {
  Shop shop;
  const std::string long_title(Value::kInlineText + 9, 'L');  // kept on the heap
  Put(shop.store, "Product", "p5", {{"title", T(long_title)}});
  CHECK(shop.Match("Product", shop.Title(CompareOp::kEq, T(long_title))) == Ids{"p5"});
  CHECK(shop.Match("Product", shop.Title(CompareOp::kEq, T(long_title + "!"))).empty());
  CHECK(shop.Match("Product", shop.Title(CompareOp::kEq, T("Bol"))).empty());  // a prefix
  CHECK(shop.Match("Product", shop.Title(CompareOp::kEq, T(""))).empty());
  // p3 has no price: a text value compared with a number property matches nothing.
  CHECK(shop.Match("Product", shop.Price(CompareOp::kEq, T("10"))).empty());
  Filter bolt = shop.Title(CompareOp::kEq, T("Bolt"));
  Filter moved = std::move(bolt);  // the text it compares with moved along
  CHECK(shop.Match("Product", moved) == Ids{"p2"});
}

TEST_CASE("a relation filter of text equality finds members of a string list and equal text", "[core]") {
  auto schema = Schema::Build([] {
    SchemaDraft d;
    ModelDraft box, item;
    box.name = "Box";
    box.properties = {Prop("id", "id"), Prop("name", "text"), Prop("labels", "array"),
                      Rel("items", "hasMany", "Item")};
    item.name = "Item";
    item.properties = {Prop("id", "id"), Rel("box", "belongsTo", "Box")};
    d.models = {box, item};
    return d;
  }());
  REQUIRE(schema.ok());
  Store store(schema.value());
  const Schema& s = store.schema();
  Put(store, "Box", "b1", {{"name", T("red")}, {"labels", Value::List({"red", "blue"})}});
  Put(store, "Box", "b2", {{"name", T("blue")}, {"labels", Value::List({"blue"})}});
  Put(store, "Item", "i1", {{"box_id", T("b1")}});
  Put(store, "Item", "i2", {{"box_id", T("b2")}});
  const ModelDef& item = s.model(M(s, "Item"));
  auto planned = [&](const char* prop, const char* text) {
    Filter f = Filter::Related(R(s, "Item", "box"), Filter::Compare(S(s, "Box", prop), CompareOp::kEq, T(text)));
    Ids out;
    for (const Record* r : MatchAll(store, item, f, false)) out.emplace_back(r->id());
    return out;
  };
  CHECK(planned("labels", "red") == Ids{"i1"});
  CHECK(planned("labels", "blue") == Ids{"i1", "i2"});
  CHECK(planned("name", "blue") == Ids{"i2"});
  CHECK(planned("name", "gre").empty());
}

TEST_CASE("compare eq on a string list matches a member", "[core]") {
  auto schema = Schema::Build([] {
    SchemaDraft d;
    ModelDraft tag;
    tag.name = "Tag";
    tag.properties = {Prop("id", "id"), Prop("labels", "array")};
    d.models = {tag};
    return d;
  }());
  REQUIRE(schema.ok());
  Store store(schema.value());
  const Schema& s = store.schema();
  Put(store, "Tag", "t1", {{"labels", Value::List({"red", "blue"})}});
  Put(store, "Tag", "t2", {{"labels", Value::List({})}});
  const ModelDef& m = s.model(M(s, "Tag"));
  Filter red = Filter::Compare(S(s, "Tag", "labels"), CompareOp::kEq, T("red"));
  CHECK(red.Matches(store, m, *store.Find(m.id, "t1"), false));
  CHECK_FALSE(red.Matches(store, m, *store.Find(m.id, "t2"), false));
}

TEST_CASE("a filter on the primary key with eq matches that id only", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", Filter::Compare(SlotId(0), CompareOp::kEq, T("p2"))) == Ids{"p2"});
}

TEST_CASE("a json condition is asked about the property's value, null included", "[core]") {
  auto schema = Schema::Build([] {
    SchemaDraft d;
    ModelDraft doc;
    doc.name = "Doc";
    doc.properties = {Prop("id", "id"), Prop("meta", "json")};
    d.models = {doc};
    return d;
  }());
  REQUIRE(schema.ok());
  Store store(schema.value());
  const Schema& s = store.schema();
  Put(store, "Doc", "d1", {{"meta", Value::Json(JsonText{R"({"tag":"a"})"})}});
  Put(store, "Doc", "d2", {});
  // Matches JSON text that mentions "a", and null.
  struct MentionsA final : JsonCondition {
    bool Matches(const Value& v) const override {
      return v.is_null() || v.as_json().find("\"a\"") != std::string_view::npos;
    }
  };
  const ModelDef& m = s.model(M(s, "Doc"));
  Filter f = Filter::JsonMatch(S(s, "Doc", "meta"), std::make_shared<MentionsA>());
  CHECK(f.kind() == Filter::Kind::kJson);
  CHECK(f.slot() == S(s, "Doc", "meta"));
  CHECK(f.Matches(store, m, *store.Find(m.id, "d1"), false));
  CHECK(f.Matches(store, m, *store.Find(m.id, "d2"), false));
  CHECK_FALSE(Filter::Not(f).Matches(store, m, *store.Find(m.id, "d1"), false));
}

// ---- combinations -----------------------------------------------------------------

TEST_CASE("and requires every part, or any part, not inverts", "[core]") {
  Shop shop;
  Filter cheap = shop.Price(CompareOp::kLte, Value::Int(10));
  Filter in_s1 = Filter::Compare(shop.Slot("Product", "store_id"), CompareOp::kEq, T("s1"));
  CHECK(shop.Match("Product", Filter::And({cheap, in_s1})) == Ids{"p1"});
  CHECK(shop.Match("Product", Filter::Or({cheap, in_s1})) == Ids{"p1", "p2", "p4"});
  CHECK(shop.Match("Product", Filter::Not(Filter::Or({cheap, in_s1}))) == Ids{"p3"});
  CHECK(shop.Match("Product", Filter::Not(cheap)) == Ids{"p2", "p3"});
  CHECK(shop.Match("Product", Filter::And({Filter::Not(cheap), Filter::Or({in_s1, Filter::False()})})) == Ids{"p2"});
}

TEST_CASE("empty and matches everything, empty or nothing", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", Filter::And({})) == Ids{"p1", "p2", "p3", "p4"});
  CHECK(shop.Match("Product", Filter::Or({})).empty());
  CHECK(shop.Match("Product", Filter::True()) == Ids{"p1", "p2", "p3", "p4"});
  CHECK(shop.Match("Product", Filter::False()).empty());
  CHECK(shop.Match("Product", Filter::Not(Filter::False())) == Ids{"p1", "p2", "p3", "p4"});
}

// ---- related records ----------------------------------------------------------------

TEST_CASE("related through a belongsTo tests the parent", "[core]") {
  Shop shop;
  Filter north = Filter::Compare(shop.Slot("Store", "name"), CompareOp::kEq, T("North"));
  CHECK(shop.Match("Product", Filter::Related(shop.Rel("Product", "store"), north)) == Ids{"p1", "p2"});
  CHECK(shop.Match("Product", Filter::Related(shop.Rel("Product", "store"), Filter::True())) == Ids{"p1", "p2"});
  CHECK(shop.Match("Product", Filter::Not(Filter::Related(shop.Rel("Product", "store"), Filter::True()))) ==
        Ids{"p3", "p4"});
}

TEST_CASE("related through a hasMany tests any child", "[core]") {
  Shop shop;
  Filter bolt = shop.Title(CompareOp::kEq, T("Bolt"));
  CHECK(shop.Match("Store", Filter::Related(shop.Rel("Store", "products"), bolt)) == Ids{"s1"});
  Filter chain = shop.Title(CompareOp::kEq, T("Chain"));
  CHECK(shop.Match("Store", Filter::Related(shop.Rel("Store", "products"), chain)) == Ids{"s2"});
  CHECK(shop.Match("Store", Filter::Related(shop.Rel("Store", "products"), Filter::False())).empty());
}

TEST_CASE("related through a manyToMany tests any linked record from either side", "[core]") {
  Shop shop;
  Filter bolt = shop.Title(CompareOp::kEq, T("Bolt"));
  CHECK(shop.Match("Order", Filter::Related(shop.Rel("Order", "products"), bolt)) == Ids{"o1"});
  Filter open = Filter::Compare(shop.Slot("Order", "status"), CompareOp::kEq, T("open"));
  CHECK(shop.Match("Product", Filter::Related(shop.Rel("Product", "orders"), open)) == Ids{"p1", "p2"});
  CHECK(shop.Match("Product", Filter::Related(shop.Rel("Product", "orders"), Filter::True())) == Ids{"p1", "p2", "p3"});
}

TEST_CASE("related conditions skip soft-deleted records unless with deleted", "[core]") {
  Shop shop;
  Filter south = Filter::Compare(shop.Slot("Store", "name"), CompareOp::kEq, T("South"));
  CHECK(shop.Match("Product", Filter::Related(shop.Rel("Product", "store"), south)).empty());
  CHECK(shop.Match("Product", Filter::Related(shop.Rel("Product", "store"), south), true) == Ids{"p3"});

  Put(shop.store, "Product", "p2",
      {{"title", T("Bolt")}, {"store_id", T("s1")}, {"deleted_at", Value::Time(Timestamp{2})}});
  Filter bolt = shop.Title(CompareOp::kEq, T("Bolt"));
  CHECK(shop.Match("Store", Filter::Related(shop.Rel("Store", "products"), bolt)).empty());
  CHECK(shop.Match("Store", Filter::Related(shop.Rel("Store", "products"), bolt), true) == Ids{"s1"});
  CHECK(shop.Match("Order", Filter::Related(shop.Rel("Order", "products"), bolt)).empty());
  CHECK(shop.Match("Order", Filter::Related(shop.Rel("Order", "products"), bolt), true) == Ids{"o1"});
}

TEST_CASE("related conditions nest across relations", "[core]") {
  Shop shop;
  // Orders holding a product of a store named North.
  Filter north = Filter::Compare(shop.Slot("Store", "name"), CompareOp::kEq, T("North"));
  Filter f = Filter::Related(shop.Rel("Order", "products"), Filter::Related(shop.Rel("Product", "store"), north));
  CHECK(shop.Match("Order", f) == Ids{"o1"});
}

// ---- search -------------------------------------------------------------------------

TEST_CASE("search finds text in searchable properties case-insensitively", "[core]") {
  Shop shop;
  CHECK(shop.Match("Product", Filter::Search("IRON")) == Ids{"p4"});
  CHECK(shop.Match("Product", Filter::Search("anv")) == Ids{"p1"});
  CHECK(shop.Match("Product", Filter::Search("n")) == Ids{"p1", "p3", "p4"});
  CHECK(shop.Match("Product", Filter::Search("")) == Ids{"p1", "p2", "p3", "p4"});
  CHECK(shop.Match("Product", Filter::Search("zzz")).empty());
}

TEST_CASE("search ignores properties that are not searchable", "[core]") {
  Shop shop;
  // p1's description says "forged IRON", but description is not searchable.
  CHECK(shop.Match("Product", Filter::Search("forged")).empty());
  CHECK(shop.Match("Product", Filter::Search("iron")) == Ids{"p4"});
  CHECK(shop.Match("Order", Filter::Search("open")) == Ids{"o1", "o2"});  // no searchable: ignored
}

// ---- LIKE ---------------------------------------------------------------------------

TEST_CASE("like percent matches any run of characters", "[core]") {
  CHECK(LikeMatch("hello", "h%", false));
  CHECK(LikeMatch("hello", "%o", false));
  CHECK(LikeMatch("hello", "%ll%", false));
  CHECK(LikeMatch("hello", "h%l%o", false));
  CHECK(LikeMatch("hello", "hello%", false));  // a trailing % matches nothing too
  CHECK(LikeMatch("hello", "%hello", false));
  CHECK_FALSE(LikeMatch("hello", "%x%", false));
  CHECK_FALSE(LikeMatch("hello", "h%x", false));
  CHECK(LikeMatch("aab", "%ab", false));  // needs backtracking
  CHECK(LikeMatch("abcabd", "%abd", false));
  CHECK(LikeMatch("a.b.c", "a%b%c", false));
  CHECK_FALSE(LikeMatch("acb", "a%b%c", false));
}

TEST_CASE("like underscore matches exactly one character", "[core]") {
  CHECK(LikeMatch("cat", "c_t", false));
  CHECK(LikeMatch("cat", "___", false));
  CHECK_FALSE(LikeMatch("cat", "__", false));
  CHECK_FALSE(LikeMatch("cat", "____", false));
  CHECK_FALSE(LikeMatch("", "_", false));
  CHECK(LikeMatch("cart", "c_%t", false));
  CHECK_FALSE(LikeMatch("ct", "c_%t", false));
}

TEST_CASE("like without wildcards matches the whole text only", "[core]") {
  CHECK(LikeMatch("abc", "abc", false));
  CHECK_FALSE(LikeMatch("abc", "ab", false));
  CHECK_FALSE(LikeMatch("abc", "abcd", false));
  CHECK_FALSE(LikeMatch("abc", "bc", false));
}

TEST_CASE("like folds case only when asked", "[core]") {
  CHECK_FALSE(LikeMatch("Hello", "hello", false));
  CHECK(LikeMatch("Hello", "hello", true));
  CHECK(LikeMatch("HELLO", "h%O", true));
  CHECK(LikeMatch("hello", "H_LL%", true));
  CHECK_FALSE(LikeMatch("HELLO", "h%", false));
}

TEST_CASE("like edge cases: empty pattern, lone and doubled percent", "[core]") {
  CHECK(LikeMatch("", "", false));
  CHECK_FALSE(LikeMatch("a", "", false));
  CHECK(LikeMatch("", "%", false));
  CHECK(LikeMatch("anything", "%", false));
  CHECK(LikeMatch("", "%%", false));
  CHECK(LikeMatch("anything", "%%", false));
  CHECK(LikeMatch("abc", "a%%c", false));
  CHECK(LikeMatch("ac", "a%%c", false));
  CHECK_FALSE(LikeMatch("", "a%", false));
  CHECK(LikeMatch("%", "%", false));
  CHECK(LikeMatch("50%", "50%", false));
}

TEST_CASE("like backslash escapes percent, underscore and itself", "[core]") {
  CHECK(LikeMatch("100% sure", "%\\%%", false));
  CHECK_FALSE(LikeMatch("100 percent", "%\\%%", false));
  CHECK(LikeMatch("50%", "50\\%", false));
  CHECK_FALSE(LikeMatch("500", "50\\%", false));
  CHECK(LikeMatch("a_b", "a\\_b", false));
  CHECK_FALSE(LikeMatch("axb", "a\\_b", false));
  CHECK(LikeMatch("back\\slash", "back\\\\slash", false));
  CHECK(LikeMatch("back\\slash", "%\\\\%", false));
  CHECK_FALSE(LikeMatch("backslash", "%\\\\%", false));
  // Before any other character a backslash just makes it literal: \s is s.
  CHECK(LikeMatch("backslash", "back\\slash", false));
  CHECK_FALSE(LikeMatch("back\\slash", "back\\slash", false));
  CHECK(LikeMatch("axb", "\\a\\x\\b", false));
  CHECK(LikeMatch("Under_Score", "%\\_s%", true));
  CHECK_FALSE(LikeMatch("Under_Score", "%\\_s%", false));
  // A lone backslash at the end (refused by the filter parser) stands for itself.
  CHECK(LikeMatch("100\\", "100\\", false));
}

TEST_CASE("like underscore matches one UTF-8 character, not one byte", "[core]") {
  const std::string e_acute = "\xc3\xa9";  // U+00E9
  CHECK(LikeMatch(e_acute, "_", false));
  CHECK_FALSE(LikeMatch(e_acute, "__", false));
  CHECK(LikeMatch("caf" + e_acute, "caf_", false));
  CHECK(LikeMatch(e_acute + "t" + e_acute, "_t_", true));
  CHECK(LikeMatch("\xe2\x82\xac" "5", "_5", false));  // a 3-byte character
  CHECK(LikeMatch("\xf0\x9f\x98\x80!", "_!", false));  // a 4-byte character
  CHECK(LikeMatch("x" + e_acute + "y" + e_acute, "%_y_", false));
  CHECK_FALSE(LikeMatch("x" + e_acute + "y", "%_y_", false));
}

TEST_CASE("like pattern ending in an unescaped backslash is detected", "[core]") {
  CHECK(LikePatternEndsInEscape("100\\"));
  CHECK(LikePatternEndsInEscape("\\"));
  CHECK(LikePatternEndsInEscape("a\\\\\\"));
  CHECK_FALSE(LikePatternEndsInEscape("100\\\\"));
  CHECK_FALSE(LikePatternEndsInEscape("\\%"));
  CHECK_FALSE(LikePatternEndsInEscape(""));
  CHECK_FALSE(LikePatternEndsInEscape("plain%"));
}

// ---- regular expressions (RE2) --------------------------------------------------------

TEST_CASE("regex search is unanchored unless the pattern anchors it", "[core]") {
  CHECK(Re("ell")->Search("Hello"));
  CHECK_FALSE(Re("^ell")->Search("Hello"));
  CHECK(Re("^H.*o$")->Search("Hello"));
  CHECK(Re("")->Search(""));
  CHECK(Re("(?i)hello")->Search("HELLO"));
  CHECK(Re("^\\p{L}+$")->Search("\xc3\xa9t\xc3\xa9"));  // UTF-8: "ete" with accents is letters
  CHECK(Re("^.$")->Search("\xc3\xa9"));                // . is one character, not one byte
}

TEST_CASE("regex matching takes linear time: no stack overflow, no catastrophic backtracking", "[core]") {
  const auto start = std::chrono::steady_clock::now();
  // std::regex overflowed the stack on `^.*$` over a long text.
  CHECK(Re("^.*$")->Search(std::string(200000, 'x')));
  CHECK(Re("^(a|b)*$")->Search(std::string(200000, 'a')));
  // And backtracked exponentially on nested quantifiers that fail at the end.
  std::string almost(100001, 'a');
  almost.back() = 'b';
  CHECK_FALSE(Re("^(a+)+$")->Search(almost));
  CHECK_FALSE(Re("^(a|aa)*$")->Search(almost));
  CHECK_FALSE(Re("(x+x+)+y")->Search(std::string(100000, 'x')));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("regex refuses backreferences and lookaround as invalid data", "[core]") {
  for (const char* pattern : {"(?=x)", "a(?!b)", "(?<=a)b", "(?<!a)b"}) {
    auto re = Regex::Compile(pattern, size_t{2} << 20);
    INFO(pattern);
    REQUIRE_FALSE(re.ok());
    CHECK(re.status().type() == ErrorType::kInvalidData);
    CHECK_THAT(re.status().message(), Catch::Contains("lookahead and lookbehind are not supported"));
  }
  auto backref = Regex::Compile("(a)\\1", size_t{2} << 20);
  REQUIRE_FALSE(backref.ok());
  CHECK(backref.status().type() == ErrorType::kInvalidData);
  CHECK_THAT(backref.status().message(), Catch::Contains("backreferences are not supported"));
}

TEST_CASE("regex refuses a malformed pattern as invalid data", "[core]") {
  for (const char* pattern : {"(unclosed", "[a-", "a{2,1}", "*", "\\", "x{1001}", "\xff"}) {
    auto re = Regex::Compile(pattern, size_t{2} << 20);
    INFO(pattern);
    REQUIRE_FALSE(re.ok());
    CHECK(re.status().type() == ErrorType::kInvalidData);
  }
}

TEST_CASE("regex refuses a pattern whose program needs more than the memory budget", "[core]") {
  auto re = Regex::Compile("\\pL{1000}", size_t{2} << 20);  // a thousand Unicode letter classes
  REQUIRE_FALSE(re.ok());
  CHECK(re.status().type() == ErrorType::kInvalidArgument);
  CHECK_THAT(re.status().message(), Catch::Contains("2097152 bytes"));
  CHECK(Regex::Compile("(abc){1,20}", 64 << 10).ok());
  CHECK_FALSE(Regex::Compile(".{1000}", 64 << 10).ok());
}
