// Schema evolution planning (core/schema_diff.h, docs/schema-evolution.md): which
// differences between two schemas are safe, destructive or impossible, what the
// records decide, and how a plan is printed and refused.

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "api/migration_plan_json.h"
#include "core/schema_diff.h"
#include "tests/api/test_util.h"

namespace {

using namespace kin;
using namespace kin::testing;

const char* kBase = R"({"models": {
  "Author": {"cascades": {"delete": ["profile"]}, "properties": {
    "id": {"type": "id", "prefix": "auth"},
    "name": {"type": "text", "searchable": true},
    "email": {"type": "text", "unique": true, "nullable": true},
    "rank": {"type": "number", "default": 0},
    "status": {"type": "enum", "values": ["active", "retired", "banned"], "default": "active"},
    "bio": {"type": "text", "nullable": true},
    "posts": {"type": "hasMany", "model": "Post", "mappedBy": "author"},
    "profile": {"type": "hasOne", "model": "Profile", "mappedBy": "author"}}},
  "Profile": {"properties": {
    "id": {"type": "id"},
    "author": {"type": "belongsTo", "model": "Author", "mappedBy": "profile"}}},
  "Post": {"indexes": [{"on": ["title", "author_id"]}], "properties": {
    "id": {"type": "id"},
    "title": {"type": "text"},
    "price": {"type": "number", "nullable": true},
    "author": {"type": "belongsTo", "model": "Author", "mappedBy": "posts", "nullable": true},
    "editor": {"type": "belongsTo", "model": "Author", "nullable": true},
    "tags": {"type": "manyToMany", "model": "Tag", "mappedBy": "posts"},
    "labels": {"type": "manyToMany", "model": "Label", "mappedBy": "posts", "pivotEntity": "PostLabel"}}},
  "Tag": {"properties": {
    "id": {"type": "id"},
    "name": {"type": "text"},
    "posts": {"type": "manyToMany", "model": "Post"}}},
  "Label": {"properties": {
    "id": {"type": "id"},
    "posts": {"type": "manyToMany", "model": "Post", "mappedBy": "labels", "pivotEntity": "PostLabel"}}},
  "PostLabel": {"properties": {
    "id": {"type": "id"},
    "post": {"type": "belongsTo", "model": "Post", "mappedBy": "labels"},
    "label": {"type": "belongsTo", "model": "Label", "mappedBy": "posts"}}}
}})";

std::shared_ptr<const Schema> Load(const std::string& json) {
  auto schema = api::SchemaFromText(json);
  INFO(schema.status().ToString());
  REQUIRE(schema.ok());
  return schema.value();
}

// The base schema's JSON after `edit`.
std::string Evolve(const std::function<void(Json&)>& edit) {
  Json j = Json::parse(kBase);
  edit(j);
  return j.dump();
}

Json& Props(Json& j, const char* model) { return j["models"][model]["properties"]; }

// The records a plan is checked against, and the questions it asked them.
class FakeRecords final : public MigrationData {
 public:
  std::set<std::string> non_empty;                               // models with records
  std::set<std::tuple<std::string, std::string, std::string>> held;  // model, property, text value
  std::map<std::string, std::vector<RecordClash>> clashes;       // by "Model(p, q)"
  Status failure;
  mutable std::vector<std::string> questions;

  Result<bool> HasRecords(std::string_view model) const override {
    questions.push_back("records of " + std::string(model));
    if (!failure.ok()) return failure;
    return non_empty.count(std::string(model)) > 0;
  }
  Result<bool> HoldsValue(std::string_view model, std::string_view property, const Value& value) const override {
    questions.push_back(std::string(model) + "." + std::string(property) + " holds " + value.ToDisplay());
    if (!failure.ok()) return failure;
    return held.count({std::string(model), std::string(property), value.ToDisplay()}) > 0;
  }
  Result<std::vector<RecordClash>> FindClashes(std::string_view model, const std::vector<std::string>& properties,
                                               size_t limit) const override {
    std::string key = std::string(model) + "(";
    for (size_t i = 0; i < properties.size(); ++i) key += (i ? ", " : "") + properties[i];
    key += ")";
    questions.push_back("clashes " + key);
    if (!failure.ok()) return failure;
    auto it = clashes.find(key);
    if (it == clashes.end()) return std::vector<RecordClash>();
    std::vector<RecordClash> out = it->second;
    if (out.size() > limit) out.resize(limit);
    return out;
  }
};

MigrationPlan Plan(const std::string& from, const std::string& to, const MigrationData& data = NoRecords()) {
  auto plan = PlanMigration(*Load(from), *Load(to), data);
  INFO(plan.status().ToString());
  REQUIRE(plan.ok());
  return std::move(plan).value();
}

// "<safety> <kind> <Model>.<property>" or "... <Model>(<on>)" per step.
std::vector<std::string> Brief(const MigrationPlan& plan) {
  std::vector<std::string> out;
  for (const MigrationStep& s : plan.steps) {
    std::string line = std::string(StepSafetyName(s.safety)) + " " + StepKindName(s.kind) + " " + s.model;
    if (!s.property.empty()) line += "." + s.property;
    if (!s.on.empty()) {
      line += "(";
      for (size_t i = 0; i < s.on.size(); ++i) line += (i ? ", " : "") + s.on[i];
      line += ")";
    }
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> Descriptions(const MigrationPlan& plan) {
  std::vector<std::string> out;
  for (const MigrationStep& s : plan.steps) out.push_back(s.description);
  return out;
}

using Lines = std::vector<std::string>;

// The base schema with every list whose order does not matter reversed.
std::shared_ptr<const Schema> Reversed(const std::string& json) {
  auto draft = api::SchemaDraftFromText(json);
  REQUIRE(draft.ok());
  SchemaDraft d = std::move(draft).value();
  std::reverse(d.models.begin(), d.models.end());
  for (ModelDraft& m : d.models) {
    std::reverse(m.properties.begin(), m.properties.end());
    std::reverse(m.cascade_delete.begin(), m.cascade_delete.end());
    std::reverse(m.indexes.begin(), m.indexes.end());
    for (PropertyDraft& p : m.properties) std::reverse(p.enum_values.begin(), p.enum_values.end());
  }
  auto schema = Schema::Build(d);
  INFO(schema.status().ToString());
  REQUIRE(schema.ok());
  return schema.value();
}

// Many changes at once, of every safety.
const std::string& ManyChanges() {
  static const std::string text = Evolve([](Json& j) {
    Props(j, "Author").erase("bio");
    Props(j, "Author")["nickname"] = R"({"type": "text", "nullable": true})"_j;
    Props(j, "Author")["status"]["values"] = R"(["active", "retired", "on_leave"])"_j;
    Props(j, "Post")["price"]["type"] = "float";
    Props(j, "Tag")["name"]["unique"] = true;
    j["models"]["Post"]["indexes"].push_back(R"({"on": ["price"]})"_j);
    j["models"]["Comment"] = R"({"properties": {"id": {"type": "id"}}})"_j;
  });
  return text;
}

}  // namespace

TEST_CASE("an identical schema yields an empty plan", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, kBase);
  CHECK(plan.empty());
  CHECK(FormatPlan(plan) == "no change\n");
  CHECK(PlanRefusal(plan, false).ok());
}

TEST_CASE("schemas that differ only in declaration order yield an empty plan", "[schema][migration]") {
  CHECK(PlanMigration(*Load(kBase), *Reversed(kBase), NoRecords())->empty());
  CHECK(PlanMigration(*Reversed(kBase), *Load(kBase), NoRecords())->empty());
}

TEST_CASE("a plan does not depend on the declaration order of either schema", "[schema][migration]") {
  FakeRecords data;
  data.non_empty = {"Author", "Post", "Tag"};
  const std::string expected = FormatPlan(PlanMigration(*Load(kBase), *Load(ManyChanges()), data).value());
  CHECK(FormatPlan(PlanMigration(*Reversed(kBase), *Load(ManyChanges()), data).value()) == expected);
  CHECK(FormatPlan(PlanMigration(*Load(kBase), *Reversed(ManyChanges()), data).value()) == expected);
  CHECK(FormatPlan(PlanMigration(*Reversed(kBase), *Reversed(ManyChanges()), data).value()) == expected);
}

TEST_CASE("a plan lists steps by model, then property, then index", "[schema][migration]") {
  CHECK(Brief(Plan(kBase, ManyChanges())) == Lines{
      "destructive remove_property Author.bio",
      "safe add_property Author.nickname",
      "safe add_enum_value Author.status",
      "destructive remove_enum_value Author.status",
      "safe add_model Comment",
      "impossible change_type Post.price",
      "safe add_index Post(price)",
      "safe add_unique_index Tag(name)"});
}

TEST_CASE("schemas that say the same thing in other words yield an empty plan", "[schema][migration]") {
  std::string same = Evolve([](Json& j) {
    Props(j, "Author")["id"]["primaryKey"] = true;                  // an id is the primary key anyway
    Props(j, "Author")["id"]["nullable"] = true;                    // a primary key is never null
    Props(j, "Author")["email"].erase("unique");                    // the same index, declared apart
    j["models"]["Author"]["indexes"] = R"([{"on": ["email"], "unique": true}])"_j;
    Props(j, "Author")["name"]["values"] = R"(["ignored"])"_j;       // values mean nothing on text
    j["models"]["Tag"]["singular"] = "Tag";                         // the derived names, spelled out
    j["models"]["Tag"]["plural"] = "Tags";
    Props(j, "Tag")["posts"]["mappedBy"] = "tags";                  // the pair, named from the other side
    Props(j, "Post")["tags"].erase("mappedBy");
  });
  MigrationPlan plan = Plan(kBase, same);
  INFO(FormatPlan(plan));
  CHECK(plan.empty());
}

TEST_CASE("adding a model is safe", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    j["models"]["Comment"] = R"({"properties": {"id": {"type": "id"}, "body": {"type": "text"},
                                 "post": {"type": "belongsTo", "model": "Post"}}})"_j;
  }));
  CHECK(Descriptions(plan) == Lines{"add model Comment"});
  CHECK(plan.steps[0].safety == StepSafety::kSafe);
}

TEST_CASE("removing a model is destructive: it drops every record", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    j["models"].erase("Profile");
    Props(j, "Author").erase("profile");
    j["models"]["Author"].erase("cascades");
  }));
  CHECK(Descriptions(plan) == Lines{"remove relationship Author.profile (holds no data: the links are Profile.author_id)",
                                    "remove model Profile (destructive: drops every record)"});
  CHECK(Brief(plan) == Lines{"safe remove_relationship Author.profile", "destructive remove_model Profile"});
}

TEST_CASE("renaming a model is a removal plus an addition", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    j["models"]["Keyword"] = j["models"]["Tag"];
    j["models"].erase("Tag");
    Props(j, "Post")["tags"]["model"] = "Keyword";
  }));
  CHECK(Brief(plan) == Lines{"safe add_model Keyword", "impossible change_related_model Post.tags",
                             "destructive remove_model Tag"});
}

TEST_CASE("renaming a property is a removal plus an addition, so it is destructive", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author")["biography"] = Props(j, "Author")["bio"];
    Props(j, "Author").erase("bio");
  }));
  CHECK(Descriptions(plan) == Lines{"remove property Author.bio (destructive: drops the value from every record)",
                                    "add property Author.biography (text, nullable)"});
  CHECK(Brief(plan) == Lines{"destructive remove_property Author.bio", "safe add_property Author.biography"});
}

TEST_CASE("adding a nullable property or one with a default is safe without asking the records",
          "[schema][migration]") {
  FakeRecords data;
  data.non_empty = {"Author"};
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author")["website"] = R"({"type": "text", "nullable": true})"_j;
    Props(j, "Author")["karma"] = R"({"type": "number", "default": 10})"_j;
    Props(j, "Author")["level"] = R"({"type": "enum", "values": ["a", "b"], "default": "a", "searchable": true})"_j;
  }), data);
  CHECK(Descriptions(plan) == Lines{"add property Author.karma (number, required, default 10)",
                                    "add property Author.level (enum, required, default \"a\", searchable)",
                                    "add property Author.website (text, nullable)"});
  CHECK(plan.Count(StepSafety::kSafe) == 3);
  CHECK(data.questions.empty());
}

TEST_CASE("adding a required property without a default is safe only on a model without records",
          "[schema][migration]") {
  const std::string to = Evolve([](Json& j) {
    Props(j, "Author")["born"] = R"({"type": "dateTime"})"_j;
    Props(j, "Author")["seq"] = R"({"type": "autoincrement"})"_j;
  });
  FakeRecords empty;
  MigrationPlan fine = Plan(kBase, to, empty);
  CHECK(Descriptions(fine) == Lines{"add property Author.born (dateTime, required; Author has no records)",
                                    "add property Author.seq (autoincrement, required; Author has no records)"});
  CHECK(empty.questions == Lines{"records of Author", "records of Author"});
  CHECK(fine.steps[0].check == DataCheck::kModelIsEmpty);
  FakeRecords full;
  full.non_empty = {"Author"};
  MigrationPlan refused = Plan(kBase, to, full);
  CHECK(Brief(refused) == Lines{"impossible add_property Author.born", "impossible add_property Author.seq"});
  CHECK(refused.steps[0].description ==
        "add property Author.born (dateTime, required; refused: Author has records and no value to give them)");
}

TEST_CASE("changing a property's type is impossible", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Post")["price"]["type"] = "text";
    Props(j, "Author")["bio"] = R"({"type": "belongsTo", "model": "Post", "nullable": true})"_j;
  }));
  CHECK(Descriptions(plan) ==
        Lines{"change type of Author.bio from text to belongsTo (refused: stored values would be reinterpreted)",
              "change type of Post.price from number to text (refused: stored values would be reinterpreted)"});
  CHECK(plan.steps[1].from == "number");
  CHECK(plan.steps[1].to == "text");
  CHECK_FALSE(PlanRefusal(plan, true).ok());
}

TEST_CASE("making a nullable property required is impossible, the other way is safe", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author")["bio"].erase("nullable");
    Props(j, "Author")["bio"]["default"] = "";  // a default does not say what a null becomes
    Props(j, "Post")["title"]["nullable"] = true;
    Props(j, "Post")["author"].erase("nullable");
    Props(j, "Profile")["author"]["nullable"] = true;
  }));
  CHECK(Brief(plan) == Lines{"impossible make_required Author.bio", "safe change_default Author.bio",
                             "impossible make_required Post.author", "safe make_nullable Post.title",
                             "safe make_nullable Profile.author"});
}

TEST_CASE("changing a default, an id prefix or searchability is safe", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author")["rank"]["default"] = 5;
    Props(j, "Author")["id"]["prefix"] = "au";
    Props(j, "Author")["name"].erase("searchable");
    Props(j, "Author")["bio"]["searchable"] = true;
    Props(j, "Post")["price"]["default"] = 1;
  }));
  CHECK(Descriptions(plan) == Lines{"make Author.bio searchable",
                                    "change id prefix of Author.id from \"auth\" to \"au\" (existing ids keep theirs)",
                                    "make Author.name not searchable",
                                    "change default of Author.rank from 0 to 5 (records keep their values)",
                                    "change default of Post.price from none to 1 (records keep their values)"});
  CHECK(plan.Count(StepSafety::kSafe) == 5);
}

TEST_CASE("changing the primary key is impossible", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Tag").erase("id");
    Props(j, "Tag")["name"]["primaryKey"] = true;
  }));
  CHECK(Brief(plan) == Lines{"impossible change_primary_key Tag", "destructive remove_property Tag.id"});
  CHECK(plan.steps[0].description ==
        "change primary key of Tag from id to name (refused: every record and every link is keyed by it)");
}

TEST_CASE("adding an enum value is safe", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author")["status"]["values"] = R"(["active", "retired", "banned", "on_leave"])"_j;
  }));
  CHECK(Descriptions(plan) == Lines{"add value \"on_leave\" to Author.status"});
  CHECK(plan.steps[0].safety == StepSafety::kSafe);
}

TEST_CASE("removing an enum value no record holds is destructive; one in use is impossible", "[schema][migration]") {
  const std::string to = Evolve([](Json& j) { Props(j, "Author")["status"]["values"] = R"(["active"])"_j; });
  FakeRecords data;
  data.held = {{"Author", "status", "banned"}};
  MigrationPlan plan = Plan(kBase, to, data);
  CHECK(data.questions == Lines{"Author.status holds banned", "Author.status holds retired"});
  CHECK(Descriptions(plan) ==
        Lines{"remove value \"banned\" from Author.status (refused: records hold it)",
              "remove value \"retired\" from Author.status (destructive: no record holds it, and none may from now on)"});
  CHECK(Brief(plan) == Lines{"impossible remove_enum_value Author.status", "destructive remove_enum_value Author.status"});
  CHECK(plan.steps[0].check == DataCheck::kEnumValueUnused);
  CHECK(plan.steps[1].finding == "no record holds \"retired\"");
}

TEST_CASE("adding a relationship is safe; a required belongsTo needs a model without records", "[schema][migration]") {
  const std::string to = Evolve([](Json& j) {
    Props(j, "Author")["edited"] = R"({"type": "hasMany", "model": "Post", "mappedBy": "editor"})"_j;
    Props(j, "Post")["editor"]["mappedBy"] = "edited";
    Props(j, "Tag")["owner"] = R"({"type": "belongsTo", "model": "Author"})"_j;
    Props(j, "Label")["parent"] = R"({"type": "belongsTo", "model": "Label", "nullable": true})"_j;
  });
  CHECK(Descriptions(Plan(kBase, to)) == Lines{"add relationship Author.edited (hasMany Post)",
                                               "add relationship Label.parent (belongsTo Label, nullable)",
                                               "add relationship Tag.owner (belongsTo Author, required; Tag has no records)"});
  FakeRecords data;
  data.non_empty = {"Tag"};
  CHECK(Brief(Plan(kBase, to, data)) == Lines{"safe add_relationship Author.edited", "safe add_relationship Label.parent",
                                              "impossible add_relationship Tag.owner"});
}

TEST_CASE("removing a belongsTo or an automatic manyToMany is destructive, the other sides are safe",
          "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author").erase("posts");
    Props(j, "Post")["author"].erase("mappedBy");
    Props(j, "Post").erase("editor");
    Props(j, "Post").erase("tags");
    Props(j, "Tag").erase("posts");
    Props(j, "Post").erase("labels");
    Props(j, "Label").erase("posts");
    Props(j, "PostLabel")["post"].erase("mappedBy");
    Props(j, "PostLabel")["label"].erase("mappedBy");
  }));
  CHECK(Descriptions(plan) == Lines{
      "remove relationship Author.posts (holds no data: the links are Post.author_id)",
      "remove relationship Label.posts (holds no data: the links are PostLabel records)",
      "remove relationship Post.editor (destructive: drops editor_id from every record)",
      "remove relationship Post.labels (holds no data: the links are PostLabel records)",
      "remove relationship Post.tags (destructive: drops every link between Post and Tag)",
      "remove relationship Tag.posts (destructive: drops every link between Tag and Post)"});
}

TEST_CASE("hasOne and hasMany may turn into each other; other changes of kind are impossible", "[schema][migration]") {
  FakeRecords data;
  data.clashes["Post(author_id)"] = {RecordClash{{Value::Text("a1")}, {"p1", "p2"}}};
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author")["posts"]["type"] = "hasOne";
    Props(j, "Author")["profile"]["type"] = "hasMany";
    Props(j, "Author")["post"] = R"({"type": "belongsTo", "model": "Post", "nullable": true})"_j;
    Props(j, "Post")["editor"] = R"({"type": "hasOne", "model": "Author", "mappedBy": "post"})"_j;
  }), data);
  CHECK(Descriptions(plan) == Lines{
      "add relationship Author.post (belongsTo Post, nullable)",
      "change type of Author.posts from hasMany to hasOne (each record may have one; see the unique index step)",
      "change type of Author.profile from hasOne to hasMany",
      "add unique index Author(post_id)",
      "change type of Post.editor from belongsTo to hasOne (refused: stored values would be reinterpreted)",
      "add unique index Post(author_id) (refused: p1, p2 share \"a1\")",
      "remove unique index Profile(author_id)"});
  CHECK(data.questions == Lines{"clashes Post(author_id)"});
}

TEST_CASE("changing a relationship's related model is impossible", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) { Props(j, "Post")["editor"]["model"] = "Tag"; }));
  CHECK(Descriptions(plan) ==
        Lines{"change the model of Post.editor from Author to Tag (refused: its links are Author records)"});
}

TEST_CASE("pairing a hasMany with another belongsTo is safe", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author")["posts"]["mappedBy"] = "editor";
    Props(j, "Post")["editor"]["mappedBy"] = "posts";
    Props(j, "Post")["author"].erase("mappedBy");
  }));
  CHECK(Descriptions(plan) == Lines{"pair Author.posts with Post.editor instead of Post.author"});
  CHECK(plan.steps[0].safety == StepSafety::kSafe);
}

TEST_CASE("changing a manyToMany's pivotEntity or pairing is unsupported and refused", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Post")["tags"]["pivotEntity"] = "PostTag";
    Props(j, "Tag")["posts"]["pivotEntity"] = "PostTag";
    j["models"]["PostTag"] = R"({"properties": {"id": {"type": "id"},
        "post": {"type": "belongsTo", "model": "Post", "mappedBy": "tags"},
        "tag": {"type": "belongsTo", "model": "Tag", "mappedBy": "posts"}}})"_j;
  }));
  CHECK(Brief(plan) == Lines{"impossible unsupported Post.tags", "safe add_model PostTag", "impossible unsupported Tag.posts"});
  CHECK(plan.steps.front().description ==
        "change the pivotEntity of Post.tags from none to PostTag (refused: unsupported, the links would have to move)");
}

TEST_CASE("adding or removing a cascade is safe", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    j["models"]["Author"]["cascades"]["delete"] = R"(["posts"])"_j;
  }));
  CHECK(Descriptions(plan) == Lines{"cascade deletes along Author.posts", "stop cascading deletes along Author.profile"});
  CHECK(plan.Count(StepSafety::kSafe) == 2);
}

TEST_CASE("adding or removing a plain index is safe, and an index's property order counts", "[schema][migration]") {
  FakeRecords data;
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    j["models"]["Post"]["indexes"] = R"([{"on": ["author_id", "title"]}])"_j;
    Props(j, "Author")["email"].erase("unique");
    Props(j, "Author")["bio"]["index"] = true;
  }), data);
  CHECK(Descriptions(plan) == Lines{"remove unique index Author(email)", "add index Author(bio)",
                                    "remove index Post(title, author_id)", "add index Post(author_id, title)"});
  CHECK(plan.Count(StepSafety::kSafe) == 4);
  CHECK(data.questions.empty());
}

TEST_CASE("a new unique index is refused when records clash, naming them", "[schema][migration]") {
  const std::string to = Evolve([](Json& j) { j["models"]["Post"]["indexes"][0]["unique"] = true; });
  FakeRecords none;
  MigrationPlan fine = Plan(kBase, to, none);
  CHECK(Brief(fine) == Lines{"safe remove_index Post(title, author_id)", "safe add_unique_index Post(title, author_id)"});
  CHECK(fine.steps[1].finding == "no records clash");
  CHECK(none.questions == Lines{"clashes Post(title, author_id)"});
  FakeRecords data;
  data.clashes["Post(title, author_id)"] = {RecordClash{{Value::Text("Hi"), Value::Text("a1")}, {"p1", "p2"}},
                                            RecordClash{{Value::Text("Yo"), Value::Text("a2")}, {"p3", "p4", "p5"}}};
  MigrationPlan refused = Plan(kBase, to, data);
  CHECK(refused.steps[1].safety == StepSafety::kImpossible);
  CHECK(refused.steps[1].description == "add unique index Post(title, author_id) (refused: p1, p2 share \"Hi\", "
                                        "\"a1\"; p3, p4, p5 share \"Yo\", \"a2\")");
}

TEST_CASE("a new unique index over a new property is checked against what the records will hold",
          "[schema][migration]") {
  FakeRecords data;
  data.clashes["Tag()"] = {RecordClash{{}, {"t1", "t2"}}};
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Tag")["code"] = R"({"type": "text", "default": "x", "unique": true})"_j;    // the same on every record
    Props(j, "Tag")["slug"] = R"({"type": "text", "nullable": true, "unique": true})"_j;  // null never clashes
  }), data);
  CHECK(data.questions == Lines{"clashes Tag()"});
  CHECK(Descriptions(plan).at(2) == "add unique index Tag(code) (refused: t1, t2 share the new default)");
  CHECK(plan.steps.at(3).finding == "the new property slug is null on every record");
  CHECK(plan.steps.at(3).safety == StepSafety::kSafe);
}

TEST_CASE("changing a model's singular or plural renames its methods, which is safe", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) { j["models"]["Tag"]["plural"] = "Tagz"; }));
  CHECK(Descriptions(plan) == Lines{"rename the methods of Tag from Tag/Tags to Tag/Tagz"});
  CHECK(plan.steps[0].safety == StepSafety::kSafe);
}

TEST_CASE("an error from the records ends the planning with that error", "[schema][migration]") {
  FakeRecords data;
  data.failure = Status::DatabaseError("disk on fire");
  auto plan = PlanMigration(*Load(kBase), *Load(ManyChanges()), data);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().ToString() == "database_error: disk on fire");
}

TEST_CASE("a refusal lists every refused step in one invalid_argument", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, ManyChanges());
  Status refused = PlanRefusal(plan, false);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.type() == ErrorType::kInvalidArgument);
  CHECK(refused.message() ==
        "The schema change is refused: remove property Author.bio (destructive: drops the value from every record); "
        "remove value \"banned\" from Author.status (destructive: no record holds it, and none may from now on); "
        "change type of Post.price from number to float (refused: stored values would be reinterpreted) "
        "(destructive steps apply only when allowed)");
  CHECK(PlanRefusal(plan, true).message() ==
        "The schema change is refused: "
        "change type of Post.price from number to float (refused: stored values would be reinterpreted)");
  MigrationPlan destructive_only = Plan(kBase, Evolve([](Json& j) { Props(j, "Author").erase("bio"); }));
  CHECK_FALSE(PlanRefusal(destructive_only, false).ok());
  CHECK(PlanRefusal(destructive_only, true).ok());
}

TEST_CASE("a printed plan has one step per line and a count, and a JSON form", "[schema][migration]") {
  MigrationPlan plan = Plan(kBase, Evolve([](Json& j) {
    Props(j, "Author").erase("bio");
    Props(j, "Author")["nickname"] = R"({"type": "text", "nullable": true})"_j;
    Props(j, "Post")["price"]["type"] = "text";
    j["models"]["Post"]["indexes"][0]["unique"] = true;
  }));
  CHECK(FormatPlan(plan) ==
        "remove property Author.bio (destructive: drops the value from every record)\n"
        "add property Author.nickname (text, nullable)\n"
        "change type of Post.price from number to text (refused: stored values would be reinterpreted)\n"
        "remove index Post(title, author_id)\n"
        "add unique index Post(title, author_id)\n"
        "5 steps: 3 safe, 1 destructive, 1 impossible\n");
  Json json = Json::parse(api::MigrationPlanToJson(plan).dump());
  CHECK(json["steps"][1] == R"j({"kind": "add_property", "safety": "safe", "model": "Author", "property": "nickname",
                                 "description": "add property Author.nickname (text, nullable)"})j"_j);
  CHECK(json["steps"][2]["from"] == "number");
  CHECK(json["steps"][2]["to"] == "text");
  CHECK(json["steps"][4] == R"j({"kind": "add_unique_index", "safety": "safe", "model": "Post",
                                 "on": ["title", "author_id"], "check": "no_clash", "finding": "no records clash",
                                 "description": "add unique index Post(title, author_id)"})j"_j);
  CHECK(json["safe"] == 3);
  CHECK(json["destructive"] == 1);
  CHECK(json["impossible"] == 1);
}
