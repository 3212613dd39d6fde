// Tests for core/store: puts, deletes and links applied as change steps, the
// adjacency they maintain on both sides, secondary indexes and failure atomicity.

#include "core/store.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/block_pool.h"
#include "core/ordered_index.h"

#include "tests/core/core_test_util.h"

namespace {

using namespace kin;
using namespace kin::coretest;

// A store of the commerce schema with two stores, three products (p1, p2 in s1;
// p3 without a store), two orders and a user with an email.
struct Shop {
  std::shared_ptr<const Schema> schema = CommerceSchema();
  Store store{schema};
  const Schema& s = *schema;

  Shop() {
    Put(store, "Store", "s1", {{"name", T("North")}});
    Put(store, "Store", "s2", {{"name", T("South")}});
    Put(store, "Product", "p2", {{"title", T("Bolt")}, {"store_id", T("s1")}});
    Put(store, "Product", "p1", {{"title", T("Anvil")}, {"store_id", T("s1")}});
    Put(store, "Product", "p3", {{"title", T("Chain")}});
    Put(store, "Order", "o1", {{"number", Value::Int(1)}, {"status", T("open")}});
    Put(store, "Order", "o2", {{"number", Value::Int(2)}, {"status", T("open")}});
    Put(store, "User", "u1", {{"name", T("Ann")}});
    Put(store, "Email", "e1", {{"address", T("ann@x.io")}, {"user_id", T("u1")}});
  }
};

}  // namespace

TEST_CASE("put inserts a new record", "[core]") {
  Shop shop;
  const Record* r = shop.store.Find(M(shop.s, "Product"), "p1");
  REQUIRE(r != nullptr);
  CHECK(r->id() == "p1");
  CHECK(r->values()[S(shop.s, "Product", "title").value] == T("Anvil"));
  CHECK(shop.store.Count(M(shop.s, "Product")) == 3);
  CHECK(shop.store.Find(M(shop.s, "Product"), "p9") == nullptr);
  CheckInvariants(shop.store);
}

TEST_CASE("put replaces every value and keeps the record's address", "[core]") {
  Shop shop;
  const Record* before = shop.store.Find(M(shop.s, "Product"), "p1");
  Put(shop.store, "Product", "p1", {{"title", T("Anvil II")}, {"price", Value::Int(30)}, {"store_id", T("s1")}});
  const Record* after = shop.store.Find(M(shop.s, "Product"), "p1");
  CHECK(after == before);
  CHECK(after->values()[S(shop.s, "Product", "title").value] == T("Anvil II"));
  CHECK(after->values()[S(shop.s, "Product", "price").value] == Value::Int(30));
  CHECK(after->values()[S(shop.s, "Product", "description").value].is_null());
  CHECK(shop.store.Count(M(shop.s, "Product")) == 3);
  // The parent's list still points at the same record.
  CHECK(LinkIds(shop.store, "Store", "s1", "products") == Ids{"p1", "p2"});
  CheckInvariants(shop.store);
}

TEST_CASE("a belongsTo foreign key links both sides", "[core]") {
  Shop shop;
  CHECK(LinkIds(shop.store, "Product", "p1", "store") == Ids{"s1"});
  CHECK(LinkIds(shop.store, "Store", "s1", "products") == Ids{"p1", "p2"});
  CHECK(LinkIds(shop.store, "Product", "p3", "store").empty());
  CHECK(LinkIds(shop.store, "Store", "s2", "products").empty());
  CHECK(LinkIds(shop.store, "Email", "e1", "user") == Ids{"u1"});
  CHECK(LinkIds(shop.store, "User", "u1", "email") == Ids{"e1"});
  // The parent link is a pointer to the parent record itself.
  const Record* p1 = shop.store.Find(M(shop.s, "Product"), "p1");
  CHECK(p1->links(shop.s.relation(R(shop.s, "Product", "store")).local)[0] ==
        shop.store.Find(M(shop.s, "Store"), "s1"));
}

TEST_CASE("changing a foreign key moves the record between parents", "[core]") {
  Shop shop;
  Put(shop.store, "Product", "p1", {{"title", T("Anvil")}, {"store_id", T("s2")}});
  CHECK(LinkIds(shop.store, "Product", "p1", "store") == Ids{"s2"});
  CHECK(LinkIds(shop.store, "Store", "s1", "products") == Ids{"p2"});
  CHECK(LinkIds(shop.store, "Store", "s2", "products") == Ids{"p1"});

  Put(shop.store, "Product", "p1", {{"title", T("Anvil")}});  // to null
  CHECK(LinkIds(shop.store, "Product", "p1", "store").empty());
  CHECK(LinkIds(shop.store, "Store", "s2", "products").empty());

  Put(shop.store, "Product", "p3", {{"title", T("Chain")}, {"store_id", T("s1")}});  // from null
  CHECK(LinkIds(shop.store, "Store", "s1", "products") == Ids{"p2", "p3"});
  CheckInvariants(shop.store);
}

TEST_CASE("link lists stay sorted by id whatever the insertion order", "[core]") {
  Shop shop;
  for (const char* id : {"p9", "p0", "p5", "p10", "a", "zz"})
    Put(shop.store, "Product", id, {{"title", T(id)}, {"store_id", T("s2")}});
  CHECK(LinkIds(shop.store, "Store", "s2", "products") == Ids{"a", "p0", "p10", "p5", "p9", "zz"});
  for (const char* id : {"o9", "o0", "o5"}) Put(shop.store, "Order", id);
  for (const char* id : {"o9", "o2", "o0", "o5", "o1"}) Link(shop.store, "Product", "orders", "p1", id);
  CHECK(LinkIds(shop.store, "Product", "p1", "orders") == Ids{"o0", "o1", "o2", "o5", "o9"});
  for (const char* id : {"p9", "p3", "p0"}) Link(shop.store, "Order", "products", "o1", id);
  CHECK(LinkIds(shop.store, "Order", "o1", "products") == Ids{"p0", "p1", "p3", "p9"});
  CheckInvariants(shop.store);
}

TEST_CASE("link and unlink update both sides of a manyToMany", "[core]") {
  Shop shop;
  Link(shop.store, "Product", "orders", "p1", "o1");
  Link(shop.store, "Order", "products", "o1", "p2");  // from the other side
  CHECK(LinkIds(shop.store, "Product", "p1", "orders") == Ids{"o1"});
  CHECK(LinkIds(shop.store, "Product", "p2", "orders") == Ids{"o1"});
  CHECK(LinkIds(shop.store, "Order", "o1", "products") == Ids{"p1", "p2"});

  MustApply(shop.store, UnlinkStep{R(shop.s, "Order", "products"), "o1", "p1"});
  CHECK(LinkIds(shop.store, "Product", "p1", "orders").empty());
  CHECK(LinkIds(shop.store, "Order", "o1", "products") == Ids{"p2"});
  MustApply(shop.store, UnlinkStep{R(shop.s, "Product", "orders"), "p2", "o1"});
  CHECK(LinkIds(shop.store, "Order", "o1", "products").empty());
  CheckInvariants(shop.store);
}

TEST_CASE("a duplicate link or a missing unlink fails and changes nothing", "[core]") {
  Shop shop;
  Link(shop.store, "Product", "orders", "p1", "o1");
  const std::string before = Dump(shop.store);
  Status dup = shop.store.Apply(LinkStep{R(shop.s, "Order", "products"), "o1", "p1"});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.type() == ErrorType::kDatabaseError);
  Status missing = shop.store.Apply(UnlinkStep{R(shop.s, "Product", "orders"), "p2", "o1"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.type() == ErrorType::kDatabaseError);
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("linking a missing record or through a non-manyToMany relation fails", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  CHECK_FALSE(shop.store.Apply(LinkStep{R(shop.s, "Product", "orders"), "p1", "o404"}).ok());
  CHECK_FALSE(shop.store.Apply(LinkStep{R(shop.s, "Product", "orders"), "p404", "o1"}).ok());
  CHECK_FALSE(shop.store.Apply(LinkStep{R(shop.s, "Product", "store"), "p3", "s1"}).ok());
  CHECK_FALSE(shop.store.Apply(LinkStep{R(shop.s, "Store", "products"), "s1", "p3"}).ok());
  CHECK_FALSE(shop.store.Apply(LinkStep{RelationId(9999), "p1", "o1"}).ok());
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("delete removes the record and its parent link", "[core]") {
  Shop shop;
  MustApply(shop.store, DeleteStep{M(shop.s, "Product"), "p1"});
  CHECK(shop.store.Find(M(shop.s, "Product"), "p1") == nullptr);
  CHECK(shop.store.Count(M(shop.s, "Product")) == 2);
  CHECK(LinkIds(shop.store, "Store", "s1", "products") == Ids{"p2"});
  MustApply(shop.store, DeleteStep{M(shop.s, "Email"), "e1"});
  CHECK(LinkIds(shop.store, "User", "u1", "email").empty());
  CheckInvariants(shop.store);
}

TEST_CASE("delete removes automatic manyToMany links from the other side", "[core]") {
  Shop shop;
  Link(shop.store, "Product", "orders", "p1", "o1");
  Link(shop.store, "Product", "orders", "p1", "o2");
  Link(shop.store, "Product", "orders", "p2", "o1");
  MustApply(shop.store, DeleteStep{M(shop.s, "Product"), "p1"});
  CHECK(LinkIds(shop.store, "Order", "o1", "products") == Ids{"p2"});
  CHECK(LinkIds(shop.store, "Order", "o2", "products").empty());
  MustApply(shop.store, DeleteStep{M(shop.s, "Order"), "o1"});
  CHECK(LinkIds(shop.store, "Product", "p2", "orders").empty());
  CheckInvariants(shop.store);
}

TEST_CASE("deleting a record still referenced through a foreign key fails and changes nothing", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  Status s = shop.store.Apply(DeleteStep{M(shop.s, "Store"), "s1"});
  REQUIRE_FALSE(s.ok());
  CHECK(s.type() == ErrorType::kDatabaseError);
  Status u = shop.store.Apply(DeleteStep{M(shop.s, "User"), "u1"});  // hasOne side
  REQUIRE_FALSE(u.ok());
  CHECK(u.type() == ErrorType::kDatabaseError);
  CHECK(Dump(shop.store) == before);
  // Once the children are gone the parent can go.
  MustApply(shop.store, DeleteStep{M(shop.s, "Product"), "p1"});
  MustApply(shop.store, DeleteStep{M(shop.s, "Product"), "p2"});
  MustApply(shop.store, DeleteStep{M(shop.s, "Store"), "s1"});
  CHECK(shop.store.Find(M(shop.s, "Store"), "s1") == nullptr);
}

// Audit.user is a belongsTo with no inverse on User: the parent holds no list of
// its children, yet the child's link list points at the parent record.
TEST_CASE("deleting a parent referenced through a one-directional belongsTo fails", "[core]") {
  Shop shop;
  Put(shop.store, "Audit", "a1", {{"note", T("login")}, {"user_id", T("u1")}});
  MustApply(shop.store, DeleteStep{M(shop.s, "Email"), "e1"});
  CHECK(LinkIds(shop.store, "Audit", "a1", "user") == Ids{"u1"});
  const std::string before = Dump(shop.store);
  Status st = shop.store.Apply(DeleteStep{M(shop.s, "User"), "u1"});
  CHECK_FALSE(st.ok());
  if (st.ok()) {
    // The audit record now holds a dangling pointer: leave without touching it.
    FAIL("User u1 was deleted while Audit a1.user_id still names it");
  }
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("delete of a missing record fails", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  CHECK_FALSE(shop.store.Apply(DeleteStep{M(shop.s, "Product"), "p404"}).ok());
  CHECK_FALSE(shop.store.Apply(DeleteStep{ModelId(99), "p1"}).ok());
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("a put whose foreign key names a missing record fails and changes nothing", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  Status insert = shop.store.Apply(PutOf(shop.s, "Product", "p4", {{"store_id", T("s404")}}));
  REQUIRE_FALSE(insert.ok());
  CHECK(insert.type() == ErrorType::kDatabaseError);
  Status replace = shop.store.Apply(PutOf(shop.s, "Product", "p1", {{"title", T("X")}, {"store_id", T("s404")}}));
  REQUIRE_FALSE(replace.ok());
  CHECK(replace.type() == ErrorType::kDatabaseError);
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("a put of the wrong shape fails and changes nothing", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  std::vector<Value> short_row = Row(shop.s, "Product", "p9");
  short_row.pop_back();
  CHECK_FALSE(shop.store.Apply(PutStep{M(shop.s, "Product"), short_row}).ok());
  std::vector<Value> int_id = Row(shop.s, "Product", "p9");
  int_id[0] = Value::Int(9);
  CHECK_FALSE(shop.store.Apply(PutStep{M(shop.s, "Product"), int_id}).ok());
  CHECK_FALSE(shop.store.Apply(PutStep{M(shop.s, "Product"), Row(shop.s, "Product", "p9", {{"store_id", Value::Int(1)}})})
                  .ok());
  CHECK_FALSE(shop.store.Apply(PutStep{ModelId(99), Row(shop.s, "Product", "p9")}).ok());
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("a put or a load of a value not of its property's type fails and changes nothing", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  // price is a number, title text; a bigNumber would be a decimal, an array a list.
  for (const Value& bad : {T("30"), Value::Float(30.5), Value::Dec(Decimal{"30"}), Value::Bool(true)}) {
    Status put = shop.store.Apply(PutStep{M(shop.s, "Product"), Row(shop.s, "Product", "p9", {{"price", bad}})});
    REQUIRE_FALSE(put.ok());
    CHECK(put.type() == ErrorType::kDatabaseError);
    CHECK_THAT(put.message(), Catch::Contains("Product p9: price is not a number value"));
    std::vector<Value> row = Row(shop.s, "Product", "p1", {{"price", bad}});  // an update of p1 too
    CHECK_FALSE(shop.store.Apply(PutStep{M(shop.s, "Product"), row}).ok());
  }
  CHECK_FALSE(shop.store.Apply(PutStep{M(shop.s, "Product"), Row(shop.s, "Product", "p9", {{"title", Value::Int(1)}})})
                  .ok());
  CHECK(Dump(shop.store) == before);
  Store empty(shop.schema);
  std::vector<Value> row = Row(shop.s, "Product", "p9", {{"price", T("30")}});
  CHECK_FALSE(empty.LoadRecord(M(shop.s, "Product"), std::span<Value>(row)).ok());
  CHECK(empty.Count(M(shop.s, "Product")) == 0);
  CHECK(Store::CheckValueTypes(shop.s.model(M(shop.s, "Product")), Row(shop.s, "Product", "p9")).ok());
}

TEST_CASE("a unique index holds live records by value", "[core]") {
  Shop shop;
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")) == Ids{"e1"});
  CHECK(IndexIds(shop.store, "Email", "address", T("bob@x.io")).empty());
  Put(shop.store, "Email", "e1", {{"address", T("ann@y.io")}, {"user_id", T("u1")}});
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")).empty());
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@y.io")) == Ids{"e1"});
  MustApply(shop.store, DeleteStep{M(shop.s, "Email"), "e1"});
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@y.io")).empty());
}

TEST_CASE("a unique index ignores soft-deleted records", "[core]") {
  Shop shop;
  const Value gone = Value::Time(Timestamp{1'800'000'000'000});
  Put(shop.store, "Email", "e1", {{"address", T("ann@x.io")}, {"user_id", T("u1")}, {"deleted_at", gone}});
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")).empty());
  // The address can be taken by a live record; a soft-deleted record keeps its links.
  Put(shop.store, "Email", "e2", {{"address", T("ann@x.io")}});
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")) == Ids{"e2"});
  CHECK(LinkIds(shop.store, "User", "u1", "email") == Ids{"e1"});
  // Deleting the soft-deleted record leaves the live one indexed.
  MustApply(shop.store, DeleteStep{M(shop.s, "Email"), "e1"});
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")) == Ids{"e2"});
  CheckInvariants(shop.store);
}

TEST_CASE("restoring a soft-deleted record puts it back in its index", "[core]") {
  Shop shop;
  const Value gone = Value::Time(Timestamp{1'800'000'000'000});
  Put(shop.store, "Email", "e1", {{"address", T("ann@x.io")}, {"user_id", T("u1")}, {"deleted_at", gone}});
  Put(shop.store, "Email", "e1", {{"address", T("ann@x.io")}, {"user_id", T("u1")}});
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")) == Ids{"e1"});
  CheckInvariants(shop.store);
}

TEST_CASE("liveness follows deleted_at through puts, loads and appends", "[core]") {
  Shop shop;
  const ModelDef& email = shop.s.model(M(shop.s, "Email"));
  const Value gone = Value::Time(Timestamp{1'800'000'000'000});
  auto live = [&](const Store& store, const char* id) { return store.IsLive(email, *store.Find(email.id, id)); };
  CHECK(live(shop.store, "e1"));
  Put(shop.store, "Email", "e1", {{"address", T("ann@x.io")}, {"user_id", T("u1")}, {"deleted_at", gone}});
  CHECK_FALSE(live(shop.store, "e1"));
  CHECK(shop.store.Find(email.id, "e1")->marked_deleted());
  Put(shop.store, "Email", "e1", {{"address", T("ann@x.io")}, {"user_id", T("u1")}});
  CHECK(live(shop.store, "e1"));
  Put(shop.store, "Email", "e0", {{"deleted_at", gone}});  // a new record, soft-deleted from the start
  CHECK_FALSE(live(shop.store, "e0"));

  Store loaded(shop.schema);
  std::vector<Value> row = Row(shop.s, "Email", "e5", {{"deleted_at", gone}});
  REQUIRE(loaded.LoadRecord(email.id, std::span<Value>(row)).ok());
  RecordPtr appended = loaded.NewRecord(email.id);
  appended->mutable_value(0) = T("e6");
  appended->mutable_value(email.deleted_at.value) = gone;
  REQUIRE(loaded.AppendRecord(email.id, std::move(appended)).ok());
  RecordPtr plain(*shop.store.Find(email.id, "e0"));  // a copy of a soft-deleted record, restored
  plain->mutable_value(0) = T("e7");
  plain->mutable_value(email.deleted_at.value) = Value();
  REQUIRE(loaded.AppendRecord(email.id, std::move(plain)).ok());
  REQUIRE(loaded.FinishLoad().ok());
  CHECK_FALSE(live(loaded, "e5"));
  CHECK_FALSE(live(loaded, "e6"));
  CHECK(live(loaded, "e7"));
}

TEST_CASE("puts in and out of key order keep scans in key order", "[core]") {
  Shop shop;
  for (const char* id : {"o5", "o9", "o3", "o90", "o0"}) Put(shop.store, "Order", id);
  Ids seen;
  shop.store.Scan(M(shop.s, "Order"), [&](const Record& r) { return seen.emplace_back(r.id()), true; });
  CHECK(seen == Ids{"o0", "o1", "o2", "o3", "o5", "o9", "o90"});
  CHECK(shop.store.Find(M(shop.s, "Order"), "o90") != nullptr);
  CheckInvariants(shop.store);
}

TEST_CASE("a unique index ignores null values", "[core]") {
  Shop shop;
  Put(shop.store, "Email", "e2");
  Put(shop.store, "Email", "e3");
  CHECK(IndexIds(shop.store, "Email", "address", Value()).empty());
  std::string key;
  const ModelDef& email = shop.s.model(M(shop.s, "Email"));
  CHECK_FALSE(Store::IndexKey(email.indexes[IndexOn(shop.s, "Email", "address")],
                              shop.store.Find(email.id, "e2")->values(), &key));
  CheckInvariants(shop.store);
}

TEST_CASE("autoincrement tracks the highest value put", "[core]") {
  Shop shop;
  const ModelId order = M(shop.s, "Order");
  const SlotId number = S(shop.s, "Order", "number");
  CHECK(shop.store.LastAutoincrement(order, number) == 2);
  Put(shop.store, "Order", "o7", {{"number", Value::Int(7)}});
  CHECK(shop.store.LastAutoincrement(order, number) == 7);
  Put(shop.store, "Order", "o3", {{"number", Value::Int(3)}});
  CHECK(shop.store.LastAutoincrement(order, number) == 7);
  MustApply(shop.store, DeleteStep{order, "o7"});
  CHECK(shop.store.LastAutoincrement(order, number) == 7);  // never reused
  shop.store.SetLastAutoincrement(order, number, 5);         // never lowered
  CHECK(shop.store.LastAutoincrement(order, number) == 7);
  shop.store.SetLastAutoincrement(order, number, 40);
  CHECK(shop.store.LastAutoincrement(order, number) == 40);
  CHECK(shop.store.LastAutoincrement(M(shop.s, "Store"), SlotId(1)) == 0);
}

TEST_CASE("scan visits records in primary-key order", "[core]") {
  Shop shop;
  for (const char* id : {"p10", "a1", "p05", "Z"}) Put(shop.store, "Product", id);
  Ids seen;
  shop.store.Scan(M(shop.s, "Product"), [&](const Record& r) {
    seen.emplace_back(r.id());
    return true;
  });
  CHECK(seen == Ids{"Z", "a1", "p05", "p1", "p10", "p2", "p3"});
}

TEST_CASE("scan stops when the visitor returns false", "[core]") {
  Shop shop;
  Ids seen;
  shop.store.Scan(M(shop.s, "Product"), [&](const Record& r) {
    seen.emplace_back(r.id());
    return seen.size() < 2;
  });
  CHECK(seen == Ids{"p1", "p2"});
  int calls = 0;
  shop.store.Scan(M(shop.s, "Audit"), [&](const Record&) { return ++calls, true; });
  CHECK(calls == 0);
}

TEST_CASE("bulk loading builds the same state as puts", "[core]") {
  Shop shop;
  Link(shop.store, "Product", "orders", "p1", "o1");
  Link(shop.store, "Product", "orders", "p2", "o1");
  Store loaded(shop.schema);
  // Load in reverse key order so the loader has to sort the children lists.
  for (const ModelDef& m : shop.s.models()) {
    std::vector<std::vector<Value>> rows;
    shop.store.Scan(m.id, [&](const Record& r) { return rows.push_back(r.CopyValues(m.properties.size())), true; });
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) REQUIRE(loaded.LoadRecord(m.id, std::span<Value>(*it)).ok());
  }
  REQUIRE(loaded.FinishLoad().ok());
  Link(loaded, "Product", "orders", "p1", "o1");
  Link(loaded, "Product", "orders", "p2", "o1");
  CHECK(Dump(loaded) == Dump(shop.store));
  CHECK(loaded.LastAutoincrement(M(shop.s, "Order"), S(shop.s, "Order", "number")) == 2);
  CheckInvariants(loaded);
}

TEST_CASE("deleted records' blocks are reused, so repeated create and delete stays bounded", "[core]") {
  Shop shop;
  ModelId product = M(shop.s, "Product");
  auto round = [&] {
    for (int i = 0; i < 500; ++i) Put(shop.store, "Product", "q" + std::to_string(i), {{"title", T("x")}});
    for (int i = 0; i < 500; ++i) MustApply(shop.store, DeleteStep{product, "q" + std::to_string(i)});
  };
  round();
  Store::PoolStats first = shop.store.Pools(product);
  CHECK(first.records_in_use == 3);
  CHECK(first.record_chunks > 1);
  for (int k = 0; k < 20; ++k) round();
  Store::PoolStats last = shop.store.Pools(product);
  CHECK(last.records_in_use == 3);
  CHECK(last.record_chunks == first.record_chunks);
  CHECK(last.node_chunks == first.node_chunks);
  CHECK(last.reserved_bytes == first.reserved_bytes);
  CheckInvariants(shop.store);
}

TEST_CASE("records made on another thread are appended, and freed on either thread", "[core]") {
  Shop shop;
  ModelId product = M(shop.s, "Product");
  Store loaded(shop.schema);
  std::vector<RecordPtr> made, dropped;
  std::thread maker([&] {
    for (const char* id : {"a", "b", "c", "d"}) {
      RecordPtr r = loaded.NewRecord(product);
      r->mutable_value(0) = T(id);
      made.push_back(std::move(r));
    }
    dropped.push_back(loaded.NewRecord(product));
  });
  maker.join();
  for (size_t i = 0; i < 3; ++i) REQUIRE(loaded.AppendRecord(product, std::move(made[i])).ok());
  std::thread dropper([&] { made.clear(); });  // "d" and the moved-from records
  dropper.join();
  dropped.clear();
  REQUIRE(loaded.FinishLoad().ok());
  CHECK(loaded.Count(product) == 3);
  CHECK(loaded.Pools(product).records_in_use == 3);
  CHECK(loaded.Find(product, "b")->pool() != nullptr);
}

TEST_CASE("a record not made by the store is moved into its pool when appended", "[core]") {
  Shop shop;
  ModelId product = M(shop.s, "Product");
  Store loaded(shop.schema);
  std::vector<Value> row = Row(shop.s, "Product", "p1", {{"title", T("Anvil")}});
  RecordPtr plain(std::span<Value>(row), shop.s.model(product).relations.size());
  CHECK(plain->pool() == nullptr);
  RecordPtr copy(*shop.store.Find(product, "p1"));  // copies are never pooled
  CHECK(copy->pool() == nullptr);
  const Record* stored = loaded.AppendRecord(product, std::move(plain)).value();
  CHECK(stored->pool() != nullptr);
  CHECK(stored->value(S(shop.s, "Product", "title").value) == T("Anvil"));
  CHECK(loaded.Pools(product).records_in_use == 1);
  // A record of another store's pool is moved too, so it never outlives its pool.
  RecordPtr foreign = shop.store.NewRecord(product);
  foreign->mutable_value(0) = T("p2");
  stored = loaded.AppendRecord(product, std::move(foreign)).value();
  CHECK(stored->pool() != shop.store.Find(product, "p1")->pool());
  CHECK(loaded.Pools(product).records_in_use == 2);
}

TEST_CASE("a step applied by move puts its values in the record; one said to be new refuses a taken id", "[core]") {
  Shop shop;
  const auto& s = shop.s;
  ChangeStep put = PutStep{M(s, "Product"), Row(s, "Product", "p9", {{"title", T("Nail")}, {"store_id", T("s2")}})};
  REQUIRE(shop.store.Apply(std::move(put)).ok());
  const Record* p9 = shop.store.Find(M(s, "Product"), "p9");
  REQUIRE(p9 != nullptr);
  CHECK(p9->value(S(s, "Product", "title").value) == T("Nail"));
  CHECK(p9->links(s.relation(R(s, "Product", "store")).local).size() == 1);

  const std::string before = Dump(shop.store);
  Status taken = shop.store.ApplyNew(PutStep{M(s, "Product"), Row(s, "Product", "p1", {{"title", T("Other")}})});
  CHECK(taken.type() == ErrorType::kDatabaseError);
  CHECK(Dump(shop.store) == before);
  REQUIRE(shop.store.ApplyNew(PutStep{M(s, "Product"), Row(s, "Product", "p0", {{"title", T("Pin")}})}).ok());
  CHECK(shop.store.Find(M(s, "Product"), "p0") != nullptr);
  CheckInvariants(shop.store);
}

TEST_CASE("an index range walks thousands of records in index order through inserts, changes and deletes",
          "[core]") {
  SchemaDraft draft = CommerceDraft();
  draft.models[5].properties[1].index = true;  // Audit.note
  draft.models[5].properties[1].nullable = true;
  auto schema = Schema::Build(draft).value();
  Store store(schema);
  const ModelId audit = M(*schema, "Audit");
  const size_t index = IndexOn(*schema, "Audit", "note");
  const Value gone = Value::Time(Timestamp{1'800'000'000'000});
  // Notes share long prefixes (and some are prefixes of others), some are null,
  // some records are soft-deleted: every kind of entry an index holds.
  std::map<std::string, Value> address;  // by id, the note the index should hold
  auto text = [](size_t n) { return n % 17 == 0 ? Value() : T("addr-" + std::to_string(n % 397 * 7 % 397)); };
  for (size_t i = 0; i < 3000; ++i) {
    const size_t n = i * 7919 % 3000;
    const std::string id = "e" + std::to_string(n);
    address[id] = text(n);
    if (n % 5 == 0) Put(store, "Audit", id, {{"note", text(n)}, {"deleted_at", gone}});
    else Put(store, "Audit", id, {{"note", text(n)}});
  }
  for (size_t n = 0; n < 3000; n += 3) {
    const std::string id = "e" + std::to_string(n);
    if (n % 2) {
      MustApply(store, DeleteStep{audit, id});
      address.erase(id);
    } else {
      address[id] = text(n + 1);
      Put(store, "Audit", id, {{"note", text(n + 1)}});
    }
  }
  // The expected order: note (nulls last), then id.
  std::vector<std::pair<Value, std::string>> all;
  for (const auto& [id, v] : address) all.emplace_back(v, id);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (int c = OrderedIndex::CompareKeyValues(a.first, b.first)) return c < 0;
    return a.second < b.second;
  });
  auto walk = [&](const KeyRange& range, bool descending) {
    Ids out;
    store.IndexRange(audit, index, range, descending, [&](const Record* r) { return out.emplace_back(r->id()), true; });
    return out;
  };
  auto expect = [&](const KeyRange& range, bool descending) {
    Ids out;
    for (const auto& [v, id] : all) {
      if (!range.lower.empty()) {
        const int c = OrderedIndex::CompareKeyValues(v, range.lower[0]);
        if (c < 0 || (c == 0 && !range.lower_inclusive)) continue;
      }
      if (!range.upper.empty()) {
        const int c = OrderedIndex::CompareKeyValues(v, range.upper[0]);
        if (c > 0 || (c == 0 && !range.upper_inclusive)) continue;
      }
      out.push_back(id);
    }
    if (descending) std::reverse(out.begin(), out.end());
    return out;
  };
  std::vector<KeyRange> ranges(1);
  for (const Value& lo : {Value(), T("addr-1"), T("addr-200"), T("addr-99"), T("b"), T("")}) {
    for (const Value& hi : {Value(), T("addr-1"), T("addr-250"), T("addr-3"), T("zzz")}) {
      for (int inclusive = 0; inclusive < 4; ++inclusive) {
        KeyRange r;
        if (!lo.is_null()) r.lower = {lo};
        if (!hi.is_null()) r.upper = {hi};
        r.lower_inclusive = inclusive & 1;
        r.upper_inclusive = inclusive & 2;
        ranges.push_back(r);
      }
    }
  }
  ranges.push_back(KeyRange::Equal({T("addr-5")}));
  ranges.push_back(KeyRange::Equal({Value()}));
  for (const KeyRange& r : ranges)
    for (bool descending : {false, true}) CHECK(walk(r, descending) == expect(r, descending));
  CheckInvariants(store);
}

TEST_CASE("an index key orders values as the index does, and equal values have equal keys", "[core]") {
  // In index order; -0.0 equals 0, "abcdefgh" and "abcdefgz" share their first 7 bytes.
  const std::vector<Value> ordered = {
      Value::Bool(false), Value::Bool(true), Value::Float(-1e300), Value::Int(-5), Value::Float(-0.5),
      Value::Float(-0.0), Value::Int(0), Value::Float(0.25), Value::Int(3), Value::Int(int64_t{1} << 60),
      T(""), T("a"), T("a\x01"), T("abcdefgh"), T("abcdefgz"), T("\xff"), Value::Time(Timestamp{-5}),
      Value::Time(Timestamp{1'800'000'000'000}), Value()};
  for (size_t i = 0; i < ordered.size(); ++i) {
    for (size_t j = i; j < ordered.size(); ++j) {
      INFO(i << " " << j);
      CHECK(OrderedIndex::CompareKeyValues(ordered[i], ordered[j]) <= 0);
      if (OrderedIndex::CompareKeyValues(ordered[i], ordered[j]) == 0)
        CHECK(OrderedIndex::IndexKey(ordered[i]) == OrderedIndex::IndexKey(ordered[j]));
      else
        CHECK(OrderedIndex::IndexKey(ordered[i]) <= OrderedIndex::IndexKey(ordered[j]));
    }
  }
}
