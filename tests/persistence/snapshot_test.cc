// Snapshot images of format 2 (persistence/FORMAT.md): round trips, and structure
// errors inside a correctly checksummed payload.

#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "api/database_access.h"
#include "kin/kin.h"
#include "kin/json.h"
#include "api/schema_json.h"
#include "core/store.h"
#include "persistence/checksum.h"
#include "persistence/snapshot.h"
#include "tests/persistence/persistence_test_util.h"

namespace kin::testing {
namespace {

using Catch::Matchers::Contains;

std::string SeedSchemaText() {
  std::string path = KIN_SOURCE_DIR;  // not `std::string(...) + "..."`: GCC 12 warns falsely
  path += "/tests/data/schemas/seed.json";
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A store of the seed schema: products p1..p3, orders o1..o2, links p1-o1, p1-o2, p3-o2.
std::unique_ptr<Database> SmallDatabase() {
  auto schema = api::SchemaFromText(SeedSchemaText());
  REQUIRE(schema.ok());
  auto db = Database::OpenInMemory(schema.value()).value();
  REQUIRE(db->Call("createOrders", Json::array({Json::array({{{"id", "o1"}}, {{"id", "o2"}}})})).ok());
  REQUIRE(db->Call("createProducts", Json::array({Json::array({{{"id", "p1"}, {"orders", {"o1", "o2"}}},
                                                                {{"id", "p2"}},
                                                                {{"id", "p3"}, {"orders", {"o2"}}}})}))
              .ok());
  return db;
}

// The payload of a format-2 image of SmallDatabase().
std::string SmallPayload() {
  auto db = SmallDatabase();
  ReadView view = db->Read();
  return persistence::EncodeSnapshot(api::ViewAccess::StoreOf(view), 9, SeedSchemaText()).substr(40);
}

std::string Sealed(const std::string& payload, uint32_t version = 2) {
  std::string out("KINSNAP\0", 8);
  persistence::PutFixed32(&out, version);
  persistence::PutFixed32(&out, 0);
  persistence::PutFixed64(&out, 9);
  persistence::PutFixed64(&out, payload.size());
  persistence::PutFixed32(&out, persistence::Crc32c(payload));
  persistence::PutFixed32(&out, 0);
  return out + payload;
}

Status Load(const std::string& file_bytes, Store& store, uint64_t parallel_from = persistence::kParallelLoadRecords) {
  kin::testing::TempDir dir;
  WriteBytes(dir.Sub("s.snap"), file_bytes);
  return persistence::LoadSnapshot(dir.Sub("s.snap"), store, persistence::FileSystem::Posix(), parallel_from).status();
}

std::shared_ptr<const Schema> SeedSchema() { return api::SchemaFromText(SeedSchemaText()).value(); }

}  // namespace

TEST_CASE("a format-2 snapshot loads the same records and links in both directions", "[persistence]") {
  Store store(SeedSchema());
  REQUIRE(Load(Sealed(SmallPayload()), store).ok());
  const Schema& s = store.schema();
  const ModelDef& product = s.model(s.FindModel("Product"));
  const ModelDef& order = s.model(s.FindModel("Order"));
  uint32_t orders = s.relation(product.FindRelation("orders")).local;
  uint32_t products = s.relation(order.FindRelation("products")).local;
  auto ids = [](const LinkList& l) {
    std::vector<std::string> out;
    for (const Record* r : l) out.emplace_back(r->id());
    return out;
  };
  CHECK(store.Count(product.id) == 3);
  CHECK(ids(store.Find(product.id, "p1")->links(orders)) == std::vector<std::string>{"o1", "o2"});
  CHECK(store.Find(product.id, "p2")->links(orders).empty());
  CHECK(ids(store.Find(order.id, "o2")->links(products)) == std::vector<std::string>{"p1", "p3"});
  CHECK(ids(store.Find(order.id, "o1")->links(products)) == std::vector<std::string>{"p1"});
}

TEST_CASE("a snapshot value not of its property's type is a database_error, on one thread or two", "[persistence]") {
  auto db = SmallDatabase();
  REQUIRE(db->Call("updateProducts", Json::array({{{"id", "p2"}, {"title", "Anvil"}}})).ok());
  std::string payload;
  {
    ReadView view = db->Read();
    payload = persistence::EncodeSnapshot(api::ViewAccess::StoreOf(view), 9, SeedSchemaText()).substr(40);
  }
  // The same image read with a schema whose Product.title is a number.
  std::string text = SeedSchemaText();
  const std::string title = R"("title": { "type": "text")";
  REQUIRE(text.find(title) != std::string::npos);
  text.replace(text.find(title), title.size(), R"("title": { "type": "number")");
  auto numbered = api::SchemaFromText(text);
  REQUIRE(numbered.ok());
  for (uint64_t parallel_from : {persistence::kParallelLoadRecords, uint64_t{1}}) {
    Store store(numbered.value());
    Status s = Load(Sealed(payload), store, parallel_from);
    REQUIRE(s.type() == ErrorType::kDatabaseError);
    CHECK_THAT(s.message(), Contains("Product p2: title is not a number value (Anvil)"));
  }
}

TEST_CASE("a format-2 link ordinal past the target model is a database_error", "[persistence]") {
  std::string payload = SmallPayload();
  // The image ends with the last owner's last target ordinal (p3 -> o2).
  std::string bad = payload;
  bad.replace(bad.size() - 8, 8, std::string("\x02\0\0\0\0\0\0\0", 8));
  Store store(SeedSchema());
  Status s = Load(Sealed(bad), store);
  REQUIRE(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Contains("ordinal"));
  // The owner ordinal before it (p3 is record 2 of 3) past the products as well.
  bad = payload;
  bad.replace(bad.size() - 24, 8, std::string("\x03\0\0\0\0\0\0\0", 8));
  Store other(SeedSchema());
  s = Load(Sealed(bad), other);
  REQUIRE(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Contains("ordinal"));
}

TEST_CASE("format-2 link owners out of primary-key order are a database_error", "[persistence]") {
  std::string payload = SmallPayload();
  // The links end with owner 2 (p3), one link; naming owner 0 (p1) again goes back.
  payload.replace(payload.size() - 24, 8, std::string("\0\0\0\0\0\0\0\0", 8));
  Store store(SeedSchema());
  Status s = Load(Sealed(payload), store);
  REQUIRE(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Contains("link owners out of order"));
}

TEST_CASE("a format-2 relation whose links are listed twice is a database_error", "[persistence]") {
  std::string payload = SmallPayload();
  // The image ends with the links section: a u32 count (1), then the one relation's
  // 68 bytes (id, owner count 2, p1 with 2 links, p3 with 1). List it twice.
  const std::string block = payload.substr(payload.size() - 68);
  REQUIRE(payload.compare(payload.size() - 72, 4, std::string("\x01\0\0\0", 4)) == 0);
  payload.replace(payload.size() - 72, 4, std::string("\x02\0\0\0", 4));
  payload += block;
  Store store(SeedSchema());
  Status s = Load(Sealed(payload), store);
  REQUIRE(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Contains("listed twice"));
}

TEST_CASE("a snapshot of records too large for a pool block loads, on one thread or two", "[persistence]") {
  // 500 numbers make a record block of about 20 KiB, past what a pool serves: such
  // records live in blocks of their own, and load where they were decoded.
  std::string text = R"({"models": {"Wide": {"properties": {"id": {"type": "id", "primaryKey": true})";
  for (int i = 0; i < 500; ++i) text += ", \"n" + std::to_string(i) + "\": {\"type\": \"number\", \"nullable\": true}";
  text += "}}}}";
  auto schema = api::SchemaFromText(text);
  INFO(schema.status().ToString());
  REQUIRE(schema.ok());
  auto db = Database::OpenInMemory(schema.value()).value();
  Json rows = Json::array();
  for (int i = 0; i < 200; ++i) rows.push_back({{"id", "w" + std::to_string(1000 + i)}, {"n499", i}});
  REQUIRE(db->Call("createWides", Json::array({rows})).ok());
  std::string file;
  {
    ReadView view = db->Read();
    file = persistence::EncodeSnapshot(api::ViewAccess::StoreOf(view), 9, "{}");
  }
  for (uint64_t parallel_from : {persistence::kParallelLoadRecords, uint64_t{160}}) {
    INFO("parallel_from " << parallel_from);
    Store loaded(schema.value());
    Status st = Load(file, loaded, parallel_from);
    INFO(st.ToString());
    REQUIRE(st.ok());
    const ModelDef& wide = loaded.schema().model(loaded.schema().FindModel("Wide"));
    CHECK(loaded.Count(wide.id) == 200);
    const Record* last = loaded.Find(wide.id, "w1199");
    REQUIRE(last != nullptr);
    CHECK(last->value(wide.FindProperty("n499")->slot.value).AsNumber() == 199.0);
  }
}

TEST_CASE("format-2 records out of primary-key order are a database_error", "[persistence]") {
  std::string payload = SmallPayload();
  // p1 p2 p3 in order; renaming p3 to p0 breaks the order without changing a length.
  auto at = payload.rfind(std::string("\x02\0\0\0\0\0\0\0p3", 10));
  REQUIRE(at != std::string::npos);
  payload[at + 9] = '0';
  Store store(SeedSchema());
  Status s = Load(Sealed(payload), store);
  REQUIRE(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Contains("out of primary-key order"));
}

TEST_CASE("a format-2 count or length past the payload is refused before allocating", "[persistence]") {
  const std::string payload = SmallPayload();
  // Every 8-byte window overwritten with a huge number: never a crash or a huge
  // allocation, always a clean result.
  for (size_t at = 40; at + 8 <= payload.size(); ++at) {
    std::string bad = payload;
    bad.replace(at, 8, std::string("\0\0\0\0\0\0\0\x40", 8));
    Store store(SeedSchema());
    Status s = Load(Sealed(bad), store);
    INFO("at " << at);
    if (!s.ok()) CHECK(s.type() == ErrorType::kDatabaseError);
  }
}

TEST_CASE("the header's format version decides how the payload is read", "[persistence]") {
  Store store(SeedSchema());
  Status s = Load(Sealed(SmallPayload(), 1), store);  // a format-2 payload read as format 1
  CHECK(s.type() == ErrorType::kDatabaseError);
  Store other(SeedSchema());
  s = Load(Sealed(SmallPayload(), 3), other);
  REQUIRE(s.type() == ErrorType::kDatabaseError);
  CHECK_THAT(s.message(), Contains("unsupported snapshot format version 3"));
}

}  // namespace kin::testing

namespace kin::testing {
namespace {

// A store of the seed schema with `n` products "p000000".. and 3 orders, product i
// linked to order i % 3; built directly through the Store (no service calls).
std::unique_ptr<Store> LargeStore(size_t n) {
  auto store = std::make_unique<Store>(SeedSchema());
  const Schema& s = store->schema();
  const ModelDef& product = s.model(s.FindModel("Product"));
  const ModelDef& order = s.model(s.FindModel("Order"));
  for (const char* id : {"o0", "o1", "o2"}) {
    std::vector<Value> v(order.properties.size());
    v[0] = Value::Text(id);
    REQUIRE(store->Apply(PutStep{order.id, v}).ok());
  }
  auto id = [](size_t i) {
    std::string digits = std::to_string(i);
    return "p" + std::string(6 - digits.size(), '0') + digits;
  };
  for (size_t i = 0; i < n; ++i) {
    std::vector<Value> v(product.properties.size());
    v[0] = Value::Text(id(i));
    REQUIRE(store->LoadRecord(product.id, std::span<Value>(v)).ok());
  }
  REQUIRE(store->FinishLoad().ok());
  RelationId orders = product.FindRelation("orders");
  for (size_t i = 0; i < n; ++i)
    REQUIRE(store->Apply(LinkStep{orders, id(i), "o" + std::to_string(i % 3)}).ok());
  return store;
}

}  // namespace

// The two-thread threshold is lowered to 160 (batches of 10) so that the sanitizer
// build, whose Boost.MultiIndex invariant checks make each insert linear, stays
// fast; 1000 records make many batches through the queue.
constexpr uint64_t kParallelFrom = 160;

TEST_CASE("a snapshot of a model large enough to load on two threads loads every record and link", "[persistence]") {
  constexpr size_t kProducts = 1000;
  auto store = LargeStore(kProducts);
  const std::string file = persistence::EncodeSnapshot(*store, 9, SeedSchemaText());
  Store loaded(SeedSchema());
  REQUIRE(Load(file, loaded, kParallelFrom).ok());
  const Schema& s = loaded.schema();
  const ModelDef& product = s.model(s.FindModel("Product"));
  const ModelDef& order = s.model(s.FindModel("Order"));
  CHECK(loaded.Count(product.id) == kProducts);
  const LinkList& o1 = loaded.Find(order.id, "o1")->links(s.relation(order.FindRelation("products")).local);
  REQUIRE(o1.size() == kProducts / 3);
  CHECK(o1.front()->id() == "p000001");
  CHECK(o1.back()->id() == "p000997");
  CHECK(std::is_sorted(o1.begin(), o1.end(), RecordIdLess()));
  const Record* last = loaded.Find(product.id, "p000999");
  REQUIRE(last != nullptr);
  CHECK(last->links(s.relation(product.FindRelation("orders")).local).front()->id() == "o0");
}

TEST_CASE("on two threads, the models after the first large one load with their counters and links",
          "[persistence]") {
  // Item is large enough for two threads; Ticket, after it, comes through the reading
  // thread with its autoincrement counter, and its links to items in both directions.
  auto schema = api::SchemaFromText(R"({"models": {
    "Item": {"properties": {"id": {"type": "id", "primaryKey": true},
                            "tickets": {"type": "manyToMany", "model": "Ticket", "mappedBy": "items"}}},
    "Ticket": {"properties": {"id": {"type": "id", "primaryKey": true}, "number": {"type": "autoincrement"},
                              "items": {"type": "manyToMany", "model": "Item", "mappedBy": "tickets"}}}}})");
  REQUIRE(schema.ok());
  auto db = Database::OpenInMemory(schema.value()).value();
  Json items = Json::array();
  for (int i = 0; i < 400; ++i) items.push_back({{"id", "i" + std::to_string(1000 + i)}});
  REQUIRE(db->Call("createItems", Json::array({items})).ok());
  for (int t = 0; t < 4; ++t) {
    Json linked = Json::array();
    for (int i = t; i < 400; i += 4) linked.push_back("i" + std::to_string(1000 + i));
    REQUIRE(db->Call("createTickets", Json::array({{{"id", "t" + std::to_string(t)}, {"items", linked}}})).ok());
  }
  REQUIRE(db->Call("deleteTickets", Json::array({"t3"})).ok());  // the counter stays at 4
  std::string file;
  {
    ReadView view = db->Read();
    file = persistence::EncodeSnapshot(api::ViewAccess::StoreOf(view), 9, "{}");
  }
  Store loaded(schema.value());
  REQUIRE(Load(file, loaded, kParallelFrom).ok());
  const Schema& s = loaded.schema();
  const ModelDef& item = s.model(s.FindModel("Item"));
  const ModelDef& ticket = s.model(s.FindModel("Ticket"));
  CHECK(loaded.Count(item.id) == 400);
  CHECK(loaded.Count(ticket.id) == 3);
  CHECK(loaded.LastAutoincrement(ticket.id, ticket.FindProperty("number")->slot) == 4);
  const LinkList& of_t1 = loaded.Find(ticket.id, "t1")->links(s.relation(ticket.FindRelation("items")).local);
  REQUIRE(of_t1.size() == 100);
  CHECK(of_t1.front()->id() == "i1001");
  CHECK(std::is_sorted(of_t1.begin(), of_t1.end(), RecordIdLess()));
  const uint32_t tickets = s.relation(item.FindRelation("tickets")).local;
  CHECK(loaded.Find(item.id, "i1002")->links(tickets).front()->id() == "t2");
  CHECK(loaded.Find(item.id, "i1003")->links(tickets).empty());  // t3 was deleted
}

TEST_CASE("an error while loading on two threads stops both and is a database_error", "[persistence]") {
  auto store = LargeStore(1000);
  const std::string payload = persistence::EncodeSnapshot(*store, 9, SeedSchemaText()).substr(40);
  SECTION("a record out of order, found by the inserting thread") {
    std::string bad = payload;
    auto at = bad.find(std::string("\x07\0\0\0\0\0\0\0p000998", 15));
    REQUIRE(at != std::string::npos);
    bad[at + 12] = '0';  // p000998 -> p000098, far behind
    Store loaded(SeedSchema());
    Status s = Load(Sealed(bad), loaded, kParallelFrom);
    REQUIRE(s.type() == ErrorType::kDatabaseError);
    CHECK_THAT(s.message(), Contains("out of primary-key order"));
  }
  SECTION("a payload cut among the records, found by the decoding thread") {
    auto at = payload.find(std::string("\x07\0\0\0\0\0\0\0p000700", 15));
    REQUIRE(at != std::string::npos);
    Store loaded(SeedSchema());
    Status s = Load(Sealed(payload.substr(0, at + 3)), loaded, kParallelFrom);
    REQUIRE(s.type() == ErrorType::kDatabaseError);
    CHECK_THAT(s.message(), Contains("truncated payload"));
  }
}

TEST_CASE("a large snapshot, checksummed while it is decoded, still refuses any changed byte", "[persistence]") {
  auto db = Database::OpenInMemory(SeedSchema()).value();
  Json batch = Json::array();
  for (int i = 0; i < 1100; ++i)
    batch.push_back({{"id", "p" + std::to_string(i)}, {"title", std::string(4000, static_cast<char>('a' + i % 26))}});
  REQUIRE(db->Call("createProducts", Json::array({batch})).ok());
  const std::string payload = [&] {
    ReadView view = db->Read();
    return persistence::EncodeSnapshot(api::ViewAccess::StoreOf(view), 9, SeedSchemaText()).substr(40);
  }();
  REQUIRE(payload.size() >= (size_t{4} << 20));  // past the size checksummed on a thread of its own
  const std::string file = Sealed(payload);
  {
    Store store(SeedSchema());
    CHECK(Load(file, store).ok());
  }
  std::string in_value = file;  // a byte of a title: the payload still decodes
  in_value[file.size() / 2] ^= 0x01;
  std::string in_header = file;  // a byte of the archive header: decoding fails as well
  in_header[40 + 3] ^= 0x40;
  for (const std::string* bad : {&in_value, &in_header}) {
    Store store(SeedSchema());
    Status s = Load(*bad, store);
    CHECK(s.type() == ErrorType::kDatabaseError);
    CHECK_THAT(s.message(), Contains("checksum mismatch"));
  }
}

}  // namespace kin::testing

TEST_CASE("a file's contents read through the mapping are its bytes; a missing file has none", "[persistence]") {
  kin::testing::TempDir dir;
  auto& fs = kin::persistence::FileSystem::Posix();
  std::string bytes(3 * 4096 + 17, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 + 7);
  REQUIRE(fs.WriteFileAtomically(dir.Sub("some.bin"), bytes).ok());
  REQUIRE(fs.WriteFileAtomically(dir.Sub("empty.bin"), "").ok());

  auto some = fs.ReadFileContents(dir.Sub("some.bin"));
  REQUIRE(some.ok());
  REQUIRE(some.value() != nullptr);
  CHECK(some.value()->bytes() == bytes);
  auto empty = fs.ReadFileContents(dir.Sub("empty.bin"));
  REQUIRE(empty.ok());
  REQUIRE(empty.value() != nullptr);
  CHECK(empty.value()->bytes().empty());
  auto missing = fs.ReadFileContents(dir.Sub("missing.bin"));
  REQUIRE(missing.ok());
  CHECK(missing.value() == nullptr);
  // Removing the file leaves the mapped bytes readable (the mapping keeps it).
  REQUIRE(fs.Remove(dir.Sub("some.bin")).ok());
  CHECK(some.value()->bytes() == bytes);
}

namespace kin::testing {
namespace {

// A database directory whose snapshot (correctly checksummed) holds Thing "t1"
// with `label`, `metadata` and `price` as given, written straight through the Store.
Result<std::unique_ptr<Database>> OpenWithThing(const TempDir& dir, Value label, Value metadata, Value price) {
  auto schema = api::SchemaFromText(AllTypesSchemaText());
  REQUIRE(schema.ok());
  Store store(schema.value());
  const ModelDef& thing = store.schema().model(store.schema().FindModel("Thing"));
  std::vector<Value> v(thing.properties.size());
  v[0] = Value::Text("t1");
  v[thing.FindProperty("label")->slot.value] = std::move(label);
  v[thing.FindProperty("metadata")->slot.value] = std::move(metadata);
  v[thing.FindProperty("price")->slot.value] = std::move(price);
  v[thing.FindProperty("active")->slot.value] = Value::Bool(true);
  v[thing.FindProperty("status")->slot.value] = Value::Text("new");
  v[thing.FindProperty("serial")->slot.value] = Value::Int(1);
  v[thing.created_at.value] = v[thing.updated_at.value] = Value::Time(Timestamp{1000});
  REQUIRE(store.Apply(PutStep{thing.id, v}).ok());
  const std::string db = dir.Sub("db");
  stdfs::create_directories(db + "/journal");
  const std::string schema_text = api::SchemaDraftToJson(store.schema().draft()).dump(2) + "\n";
  REQUIRE(persistence::WriteSnapshotFile(db + "/snapshots", 0, persistence::EncodeSnapshot(store, 0, schema_text)).ok());
  WriteBytes(db + "/schema.json", schema_text);
  return Database::Open(db);
}

}  // namespace

TEST_CASE("text in a snapshot that is not UTF-8 is written as U+FFFD, never as invalid JSON", "[persistence]") {
  TempDir dir;
  auto db = OpenWithThing(dir, Value::Text("A\xff\xc3(\xe2\x98\x83 and more text to fill sixteen"),
                          Value(), Value());
  REQUIRE(db.ok());
  auto text = (*db)->CallText("retrieveThing", Json::array({"t1"}));
  REQUIRE(text.ok());
  INFO(*text);
  Json parsed = Json::parse(*text);  // throws on invalid UTF-8
  CHECK(parsed["label"] == "A\xEF\xBF\xBD\xEF\xBF\xBD(\xe2\x98\x83 and more text to fill sixteen");
}

TEST_CASE("a json or bigNumber value in a snapshot that is not JSON text is a database_error", "[persistence]") {
  for (const char* bad : {"{\"a\":", "{\"a\":\"\xff\"}", "[1] 2"}) {
    TempDir dir;
    INFO(bad);
    auto db = OpenWithThing(dir, Value::Text("x"), Value::Json(JsonText{bad}), Value());
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().type() == ErrorType::kDatabaseError);
    CHECK_THAT(db.status().message(), Contains("a json value that is not JSON text in UTF-8"));
  }
  TempDir dir;
  auto db = OpenWithThing(dir, Value::Text("x"), Value(), Value::Dec(Decimal{"1}, \"x\": {"}));
  REQUIRE_FALSE(db.ok());
  CHECK_THAT(db.status().message(), Contains("a bigNumber value that is not a decimal number"));
  TempDir good;
  auto fine = OpenWithThing(good, Value::Text("x"), Value::Json(JsonText{R"({"a":[1,"é"]})"}), Value::Dec(Decimal{"-12.5e3"}));
  REQUIRE(fine.ok());
  CHECK(Json::parse((*fine)->CallText("retrieveThing", Json::array({"t1"})).value())["metadata"]["a"][1] == "é");
}

}  // namespace kin::testing

namespace kin::testing {

TEST_CASE("opening from a snapshot reads no segment whose records the snapshot holds", "[persistence]") {
  TempDir dir;
  Options small;
  small.segment_bytes = 600;
  BuildSeedDatabase(dir.Sub("orig"), small);  // twenty records in several segments
  // The oldest segment that a snapshot of the twenty records leaves in place.
  CopyDir(dir.Sub("orig"), dir.Sub("probe"));
  REQUIRE(OpenDir(dir.Sub("probe"), small)->Snapshot().ok());
  const auto kept = Segments(dir.Sub("probe"));
  REQUIRE(kept.size() >= 2);
  REQUIRE(kept[1].first_seq <= 21);  // every record of the first is in the snapshot
  const std::string covered = FileName(kept.front().path);
  const uint64_t at = FrameSpans(kept.front().path)[0].begin + 20;
  auto damage = [&](const std::string& work) { FlipByte(work + "/journal/" + covered, at, 0x10); };
  // Without the snapshot the damage is found: its records are needed.
  CopyDir(dir.Sub("orig"), dir.Sub("work"));
  damage(dir.Sub("work"));
  auto without = TryOpen(dir.Sub("work"), small);
  REQUIRE_FALSE(without.ok());
  CHECK_THAT(without.status().message(), Contains(covered));
  stdfs::remove_all(dir.Sub("work"));
  // With it, the segment is not read, and the state is whole.
  std::string dump;
  CopyDir(dir.Sub("orig"), dir.Sub("work"));
  {
    auto open = OpenDir(dir.Sub("work"), small);
    REQUIRE(open->Snapshot().ok());
    Ok(*open, "createStores", Json::array({{{"id", "late"}}}));
    dump = Dump(*open);
  }
  damage(dir.Sub("work"));
  auto with = TryOpen(dir.Sub("work"), small);
  REQUIRE(with.ok());
  CHECK(Dump(*with.value()) == dump);
  // Damage in a segment that holds records after the snapshot is still found.
  stdfs::remove_all(dir.Sub("work"));
  CopyDir(dir.Sub("orig"), dir.Sub("work"));
  {
    auto open = OpenDir(dir.Sub("work"), small);
    REQUIRE(open->Snapshot().ok());
    for (int i = 0; i < 20; ++i) Ok(*open, "createStores", Json::array({{{"id", "late" + std::to_string(i)}}}));
  }
  const auto after = Segments(dir.Sub("work"));
  const auto needed = std::find_if(after.begin(), after.end(), [](const auto& seg) { return seg.first_seq > 21; });
  REQUIRE(after.end() - needed >= 2);  // one that holds late records, and a later one
  const std::string name = FileName(needed->path);
  FlipByte(needed->path, FrameSpans(needed->path)[0].begin + 20, 0x10);
  auto damaged = TryOpen(dir.Sub("work"), small);
  REQUIRE_FALSE(damaged.ok());
  CHECK_THAT(damaged.status().message(), Contains(name));
}

}  // namespace kin::testing
