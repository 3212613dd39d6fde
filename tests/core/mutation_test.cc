// Tests for core/mutation: every step is undone exactly by Rollback, the steps are
// recorded in order, and replaying a committed change set on a fresh store
// (what journal recovery does) reproduces the state.

#include "core/mutation.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "tests/core/core_test_util.h"

namespace {

using namespace kin;
using namespace kin::coretest;

// A shop seeded through one committed mutation, with a replica store that had the
// same change set applied.
struct Shop {
  std::shared_ptr<const Schema> schema = CommerceSchema();
  Store store{schema};
  Store replica{schema};
  const Schema& s = *schema;

  Shop() {
    Mutation m(store);
    Must(m.Put(M(s, "Store"), Row(s, "Store", "s1", {{"name", T("North")}})));
    Must(m.Put(M(s, "Store"), Row(s, "Store", "s2", {{"name", T("South")}})));
    Must(m.Put(M(s, "Product"), Row(s, "Product", "p1", {{"title", T("Anvil")}, {"store_id", T("s1")}})));
    Must(m.Put(M(s, "Product"), Row(s, "Product", "p2", {{"title", T("Bolt")}, {"store_id", T("s1")}})));
    Must(m.Put(M(s, "Order"), Row(s, "Order", "o1", {{"number", Value::Int(1)}})));
    Must(m.Put(M(s, "Order"), Row(s, "Order", "o2", {{"number", Value::Int(2)}})));
    Must(m.Put(M(s, "User"), Row(s, "User", "u1", {{"name", T("Ann")}})));
    Must(m.Put(M(s, "Email"), Row(s, "Email", "e1", {{"address", T("ann@x.io")}, {"user_id", T("u1")}})));
    Must(m.Link(R(s, "Product", "orders"), "p1", "o1"));
    Must(m.Link(R(s, "Product", "orders"), "p1", "o2"));
    Must(m.Link(R(s, "Order", "products"), "o1", "p2"));
    const ChangeSet cs = m.steps();
    m.Commit();
    Status st = replica.Apply(cs);
    INFO(st.ToString());
    REQUIRE(st.ok());
  }

  static void Must(const Status& st) {
    INFO(st.ToString());
    REQUIRE(st.ok());
  }
};

std::string StepText(const Schema& s, const ChangeStep& step) {
  return std::visit(
      [&](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, PutStep>) {
          std::string out = "put " + s.model(x.model).name;
          for (const Value& v : x.values) out += " " + v.ToDisplay();
          return out;
        } else if constexpr (std::is_same_v<X, DeleteStep>) {
          return "delete " + s.model(x.model).name + " " + x.id;
        } else if constexpr (std::is_same_v<X, LinkStep>) {
          return "link " + s.relation(x.relation).name + " " + x.from + " " + x.to;
        } else {
          return "unlink " + s.relation(x.relation).name + " " + x.from + " " + x.to;
        }
      },
      step);
}

std::vector<std::string> StepTexts(const Schema& s, const ChangeSet& cs) {
  std::vector<std::string> out;
  for (const auto& step : cs.steps) out.push_back(StepText(s, step));
  return out;
}

// Keeps a copy of each step handed to it, as the database's journal sink encodes one.
struct RecordingSink : ChangeStepSink {
  ChangeSet recorded;
  void Add(const ChangeStep& step, const Record*) override { recorded.steps.push_back(step); }
  void DropLast() override {
    REQUIRE_FALSE(recorded.steps.empty());
    recorded.steps.pop_back();
  }
  void Clear() override { recorded.steps.clear(); }
};

}  // namespace

TEST_CASE("rollback undoes puts, deletes, links and unlinks exactly", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  Mutation m(shop.store);
  const auto& s = shop.s;
  Shop::Must(m.Put(M(s, "Store"), Row(s, "Store", "s3", {{"name", T("East")}})));
  Shop::Must(m.Put(M(s, "Product"), Row(s, "Product", "p1", {{"title", T("Anvil II")}, {"store_id", T("s3")}})));
  Shop::Must(m.Put(M(s, "Product"), Row(s, "Product", "p3", {{"title", T("Chain")}, {"store_id", T("s2")}})));
  Shop::Must(m.Unlink(R(s, "Product", "orders"), "p1", "o1"));
  Shop::Must(m.Link(R(s, "Order", "products"), "o2", "p3"));
  Shop::Must(m.Delete(M(s, "Email"), "e1"));
  Shop::Must(m.Delete(M(s, "User"), "u1"));
  Shop::Must(m.Put(M(s, "Email"), Row(s, "Email", "e1", {{"address", T("other@x.io")}})));
  Shop::Must(m.Put(M(s, "Order"), Row(s, "Order", "o9", {{"number", Value::Int(9)}})));
  CHECK(Dump(shop.store) != before);
  CheckInvariants(shop.store);
  m.Rollback();
  CHECK(Dump(shop.store) == before);
  CHECK(m.empty());
  CheckInvariants(shop.store);
}

TEST_CASE("rollback of a deleted record brings back its manyToMany links", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  {
    Mutation m(shop.store);
    Shop::Must(m.Delete(M(shop.s, "Product"), "p1"));
    CHECK(LinkIds(shop.store, "Order", "o1", "products") == Ids{"p2"});
    CHECK(LinkIds(shop.store, "Order", "o2", "products").empty());
    m.Rollback();
  }
  CHECK(Dump(shop.store) == before);
  CHECK(LinkIds(shop.store, "Product", "p1", "orders") == Ids{"o1", "o2"});
  CHECK(LinkIds(shop.store, "Order", "o1", "products") == Ids{"p1", "p2"});
  CHECK(LinkIds(shop.store, "Store", "s1", "products") == Ids{"p1", "p2"});
  {
    Mutation m(shop.store);  // from the other side too
    Shop::Must(m.Delete(M(shop.s, "Order"), "o1"));
    m.Rollback();
  }
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("rollback of a replaced record restores its values, parent and index entry", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  Mutation m(shop.store);
  Shop::Must(m.Put(M(shop.s, "Email"), Row(shop.s, "Email", "e1", {{"address", T("new@x.io")}})));
  Shop::Must(m.Put(M(shop.s, "Email"), Row(shop.s, "Email", "e1",
                                           {{"address", T("newer@x.io")},
                                            {"deleted_at", Value::Time(Timestamp{5})}})));
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")).empty());
  m.Rollback();
  CHECK(Dump(shop.store) == before);
  CHECK(IndexIds(shop.store, "Email", "address", T("ann@x.io")) == Ids{"e1"});
  CHECK(IndexIds(shop.store, "Email", "address", T("new@x.io")).empty());
  CHECK(IndexIds(shop.store, "Email", "address", T("newer@x.io")).empty());
  CHECK(LinkIds(shop.store, "User", "u1", "email") == Ids{"e1"});
}

TEST_CASE("a failed step is not recorded and changes nothing", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  Mutation m(shop.store);
  Shop::Must(m.Put(M(shop.s, "Store"), Row(shop.s, "Store", "s3")));
  const std::string mid = Dump(shop.store);
  CHECK(m.Delete(M(shop.s, "Store"), "s1").type() == ErrorType::kDatabaseError);  // has products
  CHECK(m.Delete(M(shop.s, "Store"), "s404").type() == ErrorType::kDatabaseError);
  CHECK(m.Link(R(shop.s, "Product", "orders"), "p1", "o1").type() == ErrorType::kDatabaseError);
  CHECK(m.Unlink(R(shop.s, "Product", "orders"), "p2", "o2").type() == ErrorType::kDatabaseError);
  CHECK(m.Put(M(shop.s, "Product"), Row(shop.s, "Product", "p9", {{"store_id", T("s404")}})).type() ==
        ErrorType::kDatabaseError);
  CHECK(m.Put(M(shop.s, "Product"), {}).type() == ErrorType::kDatabaseError);
  CHECK(Dump(shop.store) == mid);
  CHECK(m.steps().steps.size() == 1);
  m.Rollback();
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("an insert puts a new record that rollback deletes again", "[core]") {
  Shop shop;
  const auto& s = shop.s;
  const std::string before = Dump(shop.store);
  Mutation m(shop.store);
  Shop::Must(m.Insert(M(s, "Product"), Row(s, "Product", "p9", {{"title", T("Nail")}, {"store_id", T("s2")}})));
  Shop::Must(m.Link(R(s, "Product", "orders"), "p9", "o1"));
  CHECK(LinkIds(shop.store, "Store", "s2", "products") == Ids{"p9"});
  CHECK(StepTexts(s, m.steps()) ==
        std::vector<std::string>{
            StepText(s, PutStep{M(s, "Product"), Row(s, "Product", "p9", {{"title", T("Nail")}, {"store_id", T("s2")}})}),
            StepText(s, LinkStep{R(s, "Product", "orders"), "p9", "o1"})});
  m.Rollback();
  CHECK(Dump(shop.store) == before);
  CHECK(shop.store.Find(M(s, "Product"), "p9") == nullptr);
  CHECK(m.Insert(M(s, "Product"), {}).type() == ErrorType::kDatabaseError);
  CHECK(m.empty());
}

TEST_CASE("a mutation is empty and usable again after commit and after rollback", "[core]") {
  Shop shop;
  const auto& s = shop.s;
  Mutation m(shop.store);
  Shop::Must(m.Put(M(s, "Store"), Row(s, "Store", "s3")));
  m.Commit();
  CHECK(m.empty());
  const std::string committed = Dump(shop.store);
  Shop::Must(m.Insert(M(s, "Store"), Row(s, "Store", "s4")));
  Shop::Must(m.Delete(M(s, "Store"), "s3"));
  m.Rollback();
  CHECK(m.empty());
  CHECK(Dump(shop.store) == committed);
  Shop::Must(m.Delete(M(s, "Store"), "s3"));
  CHECK(StepTexts(s, m.steps()) == std::vector<std::string>{StepText(s, DeleteStep{M(s, "Store"), "s3"})});
  m.Commit();
  CHECK(shop.store.Find(M(s, "Store"), "s3") == nullptr);
}

TEST_CASE("a step naming an unknown model fails without touching the store", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  Mutation m(shop.store);
  CHECK_FALSE(m.Put(ModelId(99), Row(shop.s, "Store", "s9")).ok());
  CHECK_FALSE(m.Delete(ModelId(99), "s1").ok());
  CHECK_FALSE(m.Link(RelationId(999), "p1", "o1").ok());
  CHECK(m.empty());
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("a mutation destroyed without commit rolls back", "[core]") {
  Shop shop;
  const std::string before = Dump(shop.store);
  {
    Mutation m(shop.store);
    Shop::Must(m.Delete(M(shop.s, "Product"), "p2"));
    Shop::Must(m.Put(M(shop.s, "Store"), Row(shop.s, "Store", "s9")));
  }
  CHECK(Dump(shop.store) == before);
}

TEST_CASE("commit keeps the applied steps, which are in order", "[core]") {
  Shop shop;
  const auto& s = shop.s;
  Mutation m(shop.store);
  Shop::Must(m.Put(M(s, "Store"), Row(s, "Store", "s3", {{"name", T("East")}})));
  Shop::Must(m.Unlink(R(s, "Order", "products"), "o1", "p1"));
  Shop::Must(m.Delete(M(s, "Product"), "p1"));
  Shop::Must(m.Link(R(s, "Product", "orders"), "p2", "o2"));
  CHECK_FALSE(m.Delete(M(s, "Store"), "s404").ok());  // not recorded
  const std::vector<std::string> expected = {
      StepText(s, PutStep{M(s, "Store"), Row(s, "Store", "s3", {{"name", T("East")}})}),
      StepText(s, UnlinkStep{R(s, "Order", "products"), "o1", "p1"}),
      StepText(s, DeleteStep{M(s, "Product"), "p1"}),
      StepText(s, LinkStep{R(s, "Product", "orders"), "p2", "o2"}),
  };
  CHECK(StepTexts(s, m.steps()) == expected);
  const std::string after = Dump(shop.store);
  m.Commit();
  CHECK(m.empty());
  m.Rollback();  // nothing left to undo
  CHECK(Dump(shop.store) == after);
}

TEST_CASE("a committed change set applied to a fresh store reproduces the state", "[core]") {
  Shop shop;
  CHECK(Dump(shop.replica) == Dump(shop.store));
  const auto& s = shop.s;
  Mutation m(shop.store);
  Shop::Must(m.Put(M(s, "Product"), Row(s, "Product", "p2", {{"title", T("Bolt")}, {"store_id", T("s2")}})));
  Shop::Must(m.Delete(M(s, "Product"), "p1"));
  Shop::Must(m.Delete(M(s, "Store"), "s1"));
  Shop::Must(m.Put(M(s, "Email"), Row(s, "Email", "e1", {{"address", T("ann@x.io")},
                                                         {"deleted_at", Value::Time(Timestamp{9})}})));
  Shop::Must(m.Delete(M(s, "User"), "u1"));
  Shop::Must(m.Unlink(R(s, "Product", "orders"), "p2", "o1"));
  Shop::Must(m.Link(R(s, "Product", "orders"), "p2", "o2"));
  const ChangeSet cs = m.steps();
  m.Commit();
  Status st = shop.replica.Apply(cs);
  INFO(st.ToString());
  REQUIRE(st.ok());
  CHECK(Dump(shop.replica) == Dump(shop.store));
  CheckInvariants(shop.replica);
}

// ---- with a sink -----------------------------------------------------------------

TEST_CASE("with a sink, each applied step reaches it before the values move, and a failed one is dropped",
          "[core]") {
  Shop shop;
  const auto& s = shop.s;
  RecordingSink sink;
  Mutation m(shop.store, &sink);
  Shop::Must(m.Insert(M(s, "Product"), Row(s, "Product", "p9", {{"title", T("Nail")}, {"store_id", T("s2")}})));
  CHECK_FALSE(m.Delete(M(s, "Store"), "s2").ok());  // p9 is its product now
  Shop::Must(m.Put(M(s, "Product"), Row(s, "Product", "p1", {{"title", T("Axe")}, {"store_id", T("s2")}})));
  CHECK_FALSE(m.Link(R(s, "Product", "orders"), "p1", "o1").ok());  // linked already
  Shop::Must(m.Link(R(s, "Product", "orders"), "p9", "o1"));
  CHECK(StepTexts(s, sink.recorded) ==
        std::vector<std::string>{
            StepText(s, PutStep{M(s, "Product"), Row(s, "Product", "p9", {{"title", T("Nail")}, {"store_id", T("s2")}})}),
            StepText(s, PutStep{M(s, "Product"), Row(s, "Product", "p1", {{"title", T("Axe")}, {"store_id", T("s2")}})}),
            StepText(s, LinkStep{R(s, "Product", "orders"), "p9", "o1"})});
  CHECK(shop.store.Find(M(s, "Product"), "p9")->value(S(s, "Product", "title").value) == T("Nail"));
  const ChangeSet cs = sink.recorded;
  m.Commit();
  CHECK(sink.recorded.empty());
  CHECK(m.empty());
  Shop::Must(shop.replica.Apply(cs));
  CHECK(Dump(shop.replica) == Dump(shop.store));
}

TEST_CASE("with a sink, a record created, deleted and created again rolls back to the exact prior state",
          "[core]") {
  Shop shop;
  const auto& s = shop.s;
  const std::string before = Dump(shop.store);
  RecordingSink sink;
  Mutation m(shop.store, &sink);
  // Rolled back newest first: the second p9 is erased, the first re-created (at a
  // new address) by the delete's inverse, then erased by its id.
  Shop::Must(m.Insert(M(s, "Product"), Row(s, "Product", "p9", {{"title", T("Nail")}, {"store_id", T("s2")}})));
  Shop::Must(m.Link(R(s, "Product", "orders"), "p9", "o1"));
  Shop::Must(m.Put(M(s, "Order"), Row(s, "Order", "o9", {{"number", Value::Int(9)}})));
  Shop::Must(m.Delete(M(s, "Product"), "p9"));
  Shop::Must(m.Put(M(s, "Product"), Row(s, "Product", "p9", {{"title", T("Nut")}, {"store_id", T("s1")}})));
  Shop::Must(m.Delete(M(s, "Order"), "o9"));
  Shop::Must(m.Delete(M(s, "Product"), "p2"));
  CHECK_FALSE(m.Delete(M(s, "Store"), "s1").ok());  // p1 and the new p9 are its products
  CHECK(sink.recorded.steps.size() == 7);
  m.Rollback();
  CHECK(sink.recorded.empty());
  CHECK(m.empty());
  CHECK(Dump(shop.store) == before);
  CheckInvariants(shop.store);
}

// ---- randomized ------------------------------------------------------------------

namespace {

// Random steps over small id pools: most are valid, some are not (duplicate links,
// missing parents, deletes of referenced records) and must then change nothing.
class StepGenerator {
 public:
  StepGenerator(const Store& store, uint64_t seed) : store_(store), s_(store.schema()), rng_(seed) {}

  bool Chance(int percent) { return Pick(100) < percent; }
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Id(char prefix, int pool) { return prefix + std::to_string(Pick(pool)); }

  // A parent id that exists with high probability (or null, or a missing one).
  Value ParentOf(const char* model, char prefix, int pool) {
    if (Chance(25)) return Value();
    std::string id = Id(prefix, pool);
    if (!Chance(5) && !store_.Find(M(s_, model), id)) return Value();
    return T(id);
  }

  Value MaybeDeleted() { return Chance(15) ? Value::Time(Timestamp{1'800'000'000'000 + Pick(1000)}) : Value(); }

  Status Step(Mutation& m, std::string* what) {
    int kind = Pick(12);
    const RelationId orders = R(s_, "Product", "orders"), products = R(s_, "Order", "products");
    switch (kind) {
      case 0: {
        std::string id = Id('s', 4);
        *what = "put Store " + id;
        return m.Put(M(s_, "Store"), Row(s_, "Store", id, {{"name", T("n" + std::to_string(Pick(5)))},
                                                           {"deleted_at", MaybeDeleted()}}));
      }
      case 1:
      case 2: {
        std::string id = Id('p', 8);
        *what = "put Product " + id;
        return m.Put(M(s_, "Product"), Row(s_, "Product", id, {{"title", T("t" + std::to_string(Pick(5)))},
                                                               {"price", Value::Int(Pick(100))},
                                                               {"store_id", ParentOf("Store", 's', 4)},
                                                               {"deleted_at", MaybeDeleted()}}));
      }
      case 3: {
        std::string id = Id('o', 6);
        std::vector<Value> row = Row(s_, "Order", id, {{"number", Value::Int(Pick(50))}});
        if (store_.Find(M(s_, "Order"), id)) {
          *what = "put Order " + id;
          return m.Put(M(s_, "Order"), std::move(row));
        }
        *what = "insert Order " + id;
        return m.Insert(M(s_, "Order"), std::move(row));
      }
      case 4: {
        std::string id = Id('u', 3);
        *what = "put User " + id;
        return m.Put(M(s_, "User"), Row(s_, "User", id, {{"name", T("u")}}));
      }
      case 5: {
        std::string id = Id('e', 5);
        Value address = Chance(20) ? Value() : T("a" + std::to_string(Pick(4)) + "@x.io");
        *what = "put Email " + id;
        return m.Put(M(s_, "Email"), Row(s_, "Email", id, {{"address", address},
                                                           {"user_id", ParentOf("User", 'u', 3)},
                                                           {"deleted_at", MaybeDeleted()}}));
      }
      case 6:
      case 7: {
        static const char* kModels[] = {"Store", "Product", "Order", "User", "Email"};
        static const char kPrefix[] = {'s', 'p', 'o', 'u', 'e'};
        static const int kPool[] = {4, 8, 6, 3, 5};
        int i = Pick(5);
        std::string id = Id(kPrefix[i], kPool[i]);
        *what = std::string("delete ") + kModels[i] + " " + id;
        return m.Delete(M(s_, kModels[i]), id);
      }
      case 8:
      case 9:
      case 10: {
        std::string p = Id('p', 8), o = Id('o', 6);
        *what = "link " + p + " " + o;
        return Chance(50) ? m.Link(orders, p, o) : m.Link(products, o, p);
      }
      default: {
        std::string p = Id('p', 8), o = Id('o', 6);
        // Prefer an existing link so that most unlinks are valid.
        if (const Record* r = store_.Find(M(s_, "Product"), p)) {
          const auto& list = r->links(s_.relation(orders).local);
          if (!list.empty()) o = std::string(list[Pick(static_cast<int>(list.size()))]->id());
        }
        *what = "unlink " + p + " " + o;
        return Chance(50) ? m.Unlink(orders, p, o) : m.Unlink(products, o, p);
      }
    }
  }

 private:
  const Store& store_;
  const Schema& s_;
  std::mt19937_64 rng_;
};

}  // namespace

namespace {

// Random rounds of steps, each rolled back or committed and replayed on a replica.
// With a sink, the replayed steps are those the sink was handed (the journal's).
void RandomRounds(bool with_sink) {
  // Catch's --rng-seed reproduces a run; without one every run tries a new seed.
  const uint64_t seed = Catch::rngSeed() != 0 ? Catch::rngSeed() : std::random_device{}();
  INFO("seed " << seed << " (rerun with --rng-seed " << seed << ")");
  auto schema = CommerceSchema();
  Store store(schema);
  Store replica(schema);
  StepGenerator gen(store, seed);
  int applied = 0, failed = 0, rollbacks = 0, commits = 0;
  RecordingSink sink;
  Mutation m(store, with_sink ? &sink : nullptr);  // one for every round, as the database reuses one
  for (int round = 0; round < 120; ++round) {
    const std::string before = Dump(store);
    const int steps = 1 + gen.Pick(8);
    std::vector<std::string> log;
    for (int i = 0; i < steps; ++i) {
      const std::string pre = Dump(store);
      std::string what;
      Status st = gen.Step(m, &what);
      log.push_back(what + (st.ok() ? "" : " (failed)"));
      if (st.ok()) {
        ++applied;
      } else {
        ++failed;
        INFO("round " << round << ": " << what << " -> " << st.ToString());
        CHECK(st.type() == ErrorType::kDatabaseError);
        REQUIRE(Dump(store) == pre);
      }
    }
    std::string trail;
    for (const auto& l : log) trail += "\n  " + l;
    INFO("round " << round << ":" << trail);
    CheckInvariants(store);
    if (gen.Chance(50)) {
      m.Rollback();
      ++rollbacks;
      REQUIRE(Dump(store) == before);
    } else {
      const ChangeSet cs = with_sink ? sink.recorded : m.steps();
      m.Commit();
      CHECK(sink.recorded.empty());
      ++commits;
      Status st = replica.Apply(cs);
      INFO(st.ToString());
      REQUIRE(st.ok());
      REQUIRE(Dump(replica) == Dump(store));
    }
  }
  CHECK(applied > 200);
  CHECK(failed > 0);
  CHECK(rollbacks > 10);
  CHECK(commits > 10);
  CheckInvariants(replica);
}

}  // namespace

TEST_CASE("random mutations roll back to the exact prior state and replay to the same state", "[core]") {
  RandomRounds(false);
}

TEST_CASE("random mutations with a sink roll back exactly and the sink's steps replay to the same state", "[core]") {
  RandomRounds(true);
}
