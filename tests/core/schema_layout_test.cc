// A schema change that only adds nullable properties keeps the store's layout
// (Schema::KeepingLayoutOf): the store takes it in place (Store::AdoptSchema), its
// records stay where they are and read null in the new slots, and a record's first
// update moves it to a block of its model's new size with every list and index
// that holds it. A store changed in place must be indistinguishable from one whose
// records were carried over (MigrateStore), before and after any later write.

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/filter.h"
#include "core/mutation.h"
#include "core/store_migration.h"
#include "tests/core/core_test_util.h"

namespace {

using namespace kin;
using namespace kin::coretest;

// The commerce schema, plus every relationship kind it lacks: a Node that may be
// its own parent and its own friend (a manyToMany that is its own inverse), and a
// Cart holding Products through a pivot with columns (CartLine).
SchemaDraft GraphDraft() {
  SchemaDraft d = CommerceDraft();
  ModelDraft node;
  node.name = "Node";
  node.properties = {Prop("id", "id"), Prop("name", "text"), Rel("parent", "belongsTo", "Node", "children"),
                     Rel("children", "hasMany", "Node", "parent"), Rel("friends", "manyToMany", "Node", "friends")};
  node.properties[2].nullable = true;

  ModelDraft cart;
  cart.name = "Cart";
  cart.properties = {Prop("id", "id"), Prop("owner", "text"), Rel("products", "manyToMany", "Product", "carts")};
  cart.properties[2].pivot_entity = "CartLine";

  ModelDraft line;
  line.name = "CartLine";
  line.properties = {Prop("id", "id"), Prop("quantity", "number"), Rel("cart", "belongsTo", "Cart", "products"),
                     Rel("product", "belongsTo", "Product", "carts")};

  for (ModelDraft& m : d.models)
    if (m.name == "Product") {
      PropertyDraft carts = Rel("carts", "manyToMany", "Cart", "products");
      carts.pivot_entity = "CartLine";
      m.properties.push_back(carts);
    }
  d.models.push_back(node);
  d.models.push_back(cart);
  d.models.push_back(line);
  return d;
}

ModelDraft& ModelOf(SchemaDraft& d, const std::string& name) {
  for (ModelDraft& m : d.models)
    if (m.name == name) return m;
  FAIL("no model " << name);
  return d.models[0];
}

PropertyDraft Nullable(std::string name, std::string type) {
  PropertyDraft p = Prop(std::move(name), std::move(type));
  p.nullable = true;
  return p;
}

// GraphDraft with nullable properties added: one declared in the middle of its
// model, one with a new index, one with a new unique index, one on a pivot.
SchemaDraft WiderDraft() {
  SchemaDraft d = GraphDraft();
  auto& product = ModelOf(d, "Product").properties;
  product.insert(product.begin() + 2, Nullable("color", "text"));
  PropertyDraft rating = Nullable("rating", "number");
  rating.index = true;
  ModelOf(d, "Store").properties.push_back(rating);
  PropertyDraft alias = Nullable("alias", "text");
  alias.unique = true;
  ModelOf(d, "Email").properties.push_back(alias);
  ModelOf(d, "CartLine").properties.push_back(Nullable("note", "text"));
  ModelOf(d, "Node").properties.push_back(Nullable("label", "text"));
  return d;
}

std::shared_ptr<const Schema> Built(const SchemaDraft& d) {
  auto r = Schema::Build(d);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return r.value();
}

// The same records in any store of GraphDraft's schema (or a wider one): every
// relationship kind in use, a record that is its own parent and friend.
void Fill(Store& s) {
  Put(s, "Store", "s1", {{"name", T("North")}});
  Put(s, "Store", "s2", {{"name", T("South")}});
  Put(s, "Product", "p1", {{"title", T("Lamp")}, {"price", Value::Int(5)}, {"store_id", T("s1")}});
  Put(s, "Product", "p2", {{"title", T("Desk")}, {"price", Value::Int(9)}, {"store_id", T("s1")}});
  Put(s, "Product", "p3", {{"title", T("Rug")}, {"price", Value::Int(2)}});
  Put(s, "Order", "o1", {{"number", Value::Int(1)}, {"status", T("open")}});
  Put(s, "Order", "o2", {{"number", Value::Int(2)}, {"status", T("paid")}});
  Link(s, "Product", "orders", "p1", "o1");
  Link(s, "Product", "orders", "p2", "o1");
  Link(s, "Product", "orders", "p1", "o2");
  Put(s, "User", "u1", {{"name", T("Ann")}});
  Put(s, "Email", "e1", {{"address", T("ann@x")}, {"user_id", T("u1")}});
  Put(s, "Audit", "a1", {{"note", T("signed up")}, {"user_id", T("u1")}});
  Put(s, "Audit", "a2", {{"note", T("paid")}, {"user_id", T("u1")}});
  Put(s, "Node", "n1", {{"name", T("root")}});
  Put(s, "Node", "n1", {{"name", T("root")}, {"parent_id", T("n1")}});
  Put(s, "Node", "n2", {{"name", T("leaf")}, {"parent_id", T("n1")}});
  Link(s, "Node", "friends", "n1", "n1");
  Link(s, "Node", "friends", "n1", "n2");
  Put(s, "Cart", "c1", {{"owner", T("Ann")}});
  Put(s, "CartLine", "l1", {{"quantity", Value::Int(2)}, {"cart_id", T("c1")}, {"product_id", T("p1")}});
  Put(s, "CartLine", "l2", {{"quantity", Value::Int(1)}, {"cart_id", T("c1")}, {"product_id", T("p2")}});
}

// An update of the record `id` of `model`: its values, with `fields` (by name) set.
void Update(Store& s, std::string_view model, std::string_view id, Fields fields) {
  const ModelDef& m = s.schema().model(M(s.schema(), model));
  const Record* r = s.Find(m.id, id);
  REQUIRE(r != nullptr);
  std::vector<Value> values = r->CopyValues(m.properties.size());
  for (const auto& [name, value] : fields) values[S(s.schema(), model, name).value] = value;
  MustApply(s, PutStep{m.id, std::move(values)});
}

// Writes to every kind of record the fill made, in a store of the wider schema.
void Script(Store& s) {
  Update(s, "Store", "s1", {{"rating", Value::Int(4)}});                 // a parent of children
  Update(s, "Product", "p1", {{"color", T("red")}});                     // child, manyToMany, pivot side
  Update(s, "Order", "o1", {{"status", T("shipped")}});                  // the other manyToMany side
  Update(s, "User", "u1", {{"name", T("Anna")}});                        // hasOne, one-directional children
  Update(s, "Email", "e1", {{"alias", T("anna@x")}});                    // a new unique index
  Update(s, "Node", "n1", {{"label", T("top")}});                        // its own parent and friend
  Update(s, "Node", "n2", {{"parent_id", Value()}});                     // leaves its parent
  Update(s, "CartLine", "l1", {{"note", T("gift")}, {"quantity", Value::Int(3)}});  // a pivot record
  Update(s, "Cart", "c1", {{"owner", T("Bo")}});                         // the pivot's parent
  Update(s, "Product", "p3", {{"store_id", T("s2")}});                   // a narrow parent gains a child
  MustApply(s, DeleteStep{M(s.schema(), "Audit"), "a2"});               // a narrow record deleted
  MustApply(s, UnlinkStep{R(s.schema(), "Product", "orders"), "p2", "o1"});
  MustApply(s, LinkStep{R(s.schema(), "Product", "orders"), "p3", "o2"});
  Put(s, "Product", "p4", {{"title", T("Vase")}, {"color", T("blue")}, {"store_id", T("s1")}});
}

// Every record's address, by model and id.
std::map<std::string, const Record*> Addresses(const Store& s) {
  std::map<std::string, const Record*> out;
  for (const ModelDef& m : s.schema().models())
    s.Scan(m.id, [&](const Record& r) {
      out[m.name + "/" + std::string(r.id())] = &r;
      return true;
    });
  return out;
}

TEST_CASE("a schema that adds nullable properties keeps the older layout: older slots stay, new ones follow",
          "[core][schema]") {
  auto older = Built(GraphDraft());
  auto wider = Built(WiderDraft());
  auto kept = wider->KeepingLayoutOf(*older);
  REQUIRE(kept);
  for (const ModelDef& m : older->models()) {
    const ModelDef& k = kept->model(m.id);
    for (const PropertyDef& p : m.properties) CHECK(k.FindProperty(p.name)->slot == p.slot);
    for (size_t slot = m.properties.size(); slot < k.properties.size(); ++slot)
      CHECK(older->model(m.id).FindProperty(k.properties[slot].name) == nullptr);
  }
  const ModelDef& product = kept->model(M(*kept, "Product"));
  CHECK(product.FindProperty("color")->slot.value == older->model(M(*older, "Product")).properties.size());
  CHECK_FALSE(product.declared_in_slot_order);
  // Declared order is the wider schema's own, whatever the slots.
  const ModelDef& canonical = wider->model(M(*wider, "Product"));
  REQUIRE(product.declared.size() == canonical.declared.size());
  for (size_t k = 0; k < product.declared.size(); ++k)
    CHECK(product.properties[product.declared[k].value].name == canonical.properties[canonical.declared[k].value].name);
  // Slots named elsewhere follow their properties.
  const RelationDef& store_rel = kept->relation(R(*kept, "Product", "store"));
  CHECK(product.properties[store_rel.foreign_key.value].name == "store_id");
  CHECK(product.properties[product.deleted_at.value].name == "deleted_at");
  const ModelDef& store = kept->model(M(*kept, "Store"));
  CHECK(store.properties[store.indexes[IndexOn(*kept, "Store", "rating")].on[0].value].name == "rating");
  // A schema whose layout is its own keeps it as it is.
  auto same = older->KeepingLayoutOf(*older);
  REQUIRE(same);
  CHECK(same->model(M(*same, "Product")).declared_in_slot_order);
}

TEST_CASE("a layout is not kept for a change that needs a record's values rewritten or its lists reshaped",
          "[core][schema]") {
  auto older = Built(GraphDraft());
  auto unkept = [&](const std::function<void(SchemaDraft&)>& edit) {
    SchemaDraft d = GraphDraft();
    edit(d);
    return Built(d)->KeepingLayoutOf(*older) == nullptr;
  };
  CHECK(unkept([](SchemaDraft& d) {  // a default existing records would need
    PropertyDraft p = Nullable("tier", "number");
    p.default_value = Value::Int(1);
    ModelOf(d, "Store").properties.push_back(p);
  }));
  CHECK(unkept([](SchemaDraft& d) { ModelOf(d, "Store").properties.push_back(Prop("tier", "number")); }));
  CHECK(unkept([](SchemaDraft& d) { ModelOf(d, "Order").properties.push_back(Prop("seq", "autoincrement")); }));
  CHECK(unkept([](SchemaDraft& d) {  // a property gone
    auto& props = ModelOf(d, "Store").properties;
    props.erase(props.begin() + 1);
  }));
  CHECK(unkept([](SchemaDraft& d) { ModelOf(d, "Product").properties[3].type = "float"; }));
  CHECK(unkept([](SchemaDraft& d) {  // a new relation: more link lists
    PropertyDraft p = Rel("owner", "belongsTo", "User");
    p.nullable = true;
    ModelOf(d, "Store").properties.push_back(p);
  }));
  CHECK(unkept([](SchemaDraft& d) { std::swap(d.models[0], d.models[1]); }));  // other model ids
  CHECK(unkept([](SchemaDraft& d) {
    ModelDraft tag;
    tag.name = "Tag";
    tag.properties = {Prop("id", "id")};
    d.models.insert(d.models.begin(), tag);
  }));
  // Reordered properties keep their slots: only the declared order moves.
  SchemaDraft reordered = GraphDraft();
  std::swap(ModelOf(reordered, "Product").properties[1], ModelOf(reordered, "Product").properties[3]);
  auto kept = Built(reordered)->KeepingLayoutOf(*older);
  REQUIRE(kept);
  const ModelDef& product = kept->model(M(*kept, "Product"));
  CHECK(product.FindProperty("title")->slot == S(*older, "Product", "title"));
  CHECK(product.properties[product.declared[1].value].name == "price");
}

TEST_CASE("a store takes a kept layout in place: no record moves, new slots read null, state as if carried",
          "[core][schema]") {
  auto older = Built(GraphDraft());
  auto wider = Built(WiderDraft());
  Store in_place(older), carried_from(older);
  Fill(in_place);
  Fill(carried_from);
  const auto before = Addresses(in_place);
  const size_t narrow = older->model(M(*older, "Product")).properties.size();

  REQUIRE(in_place.AdoptSchema(wider->KeepingLayoutOf(*older)).ok());
  CHECK(Addresses(in_place) == before);
  const Record* p1 = in_place.Find(M(in_place.schema(), "Product"), "p1");
  CHECK(p1->width() == narrow);
  CHECK(p1->value(S(in_place.schema(), "Product", "color").value).is_null());
  CHECK(p1->value(S(in_place.schema(), "Product", "title").value) == T("Lamp"));
  auto carried = MigrateStore(carried_from, wider);
  REQUIRE(carried.ok());
  CHECK(Dump(in_place) == Dump(**carried));
  CheckInvariants(in_place);
  // The new indexes were built, empty of keys: every value is null.
  CHECK(IndexIds(in_place, "Store", "rating", Value::Int(4)).empty());
  CHECK(IndexIds(in_place, "Email", "address", T("ann@x")) == Ids{"e1"});
}

// The fill's records under WiderDraft's schema twice: taken in place, and carried
// over into a store of their own.
struct WidenedTwins {
  WidenedTwins() {
    Store carried_from(older);
    Fill(in_place);
    Fill(carried_from);
    REQUIRE(in_place.AdoptSchema(wider->KeepingLayoutOf(*older)).ok());
    auto migrated = MigrateStore(carried_from, wider);
    REQUIRE(migrated.ok());
    carried = std::move(migrated).value();
  }
  std::shared_ptr<const Schema> older = Built(GraphDraft()), wider = Built(WiderDraft());
  Store in_place{older};
  std::unique_ptr<Store> carried;
};

TEST_CASE("a text equality scan finds what the filter matches, in records of every width", "[core][schema]") {
  WidenedTwins twins;
  Store& store = twins.in_place;
  const Schema& s = store.schema();
  const ModelDef& product = s.model(M(s, "Product"));
  // Narrow records stay in the earlier pool; these new ones are of full width, and
  // one block of the current pool is freed again.
  const std::string long_text(40, 'L');
  Put(store, "Product", "p8", {{"title", T("Lamp")}, {"color", T("red")}, {"store_id", T("s1")}});
  Put(store, "Product", "p9", {{"title", T(long_text)}, {"color", T("red")}, {"store_id", T("s1")}});
  Put(store, "Product", "pa", {{"title", T("Lam")}, {"store_id", T("s1")}});
  Put(store, "Product", "pb", {{"title", T("Lamp")}, {"color", T("red")}});
  MustApply(store, DeleteStep{product.id, "pb"});
  Update(store, "Product", "p2", {{"deleted_at", Value::Time(Timestamp{5})}});  // soft-deleted ones count too
  for (const char* prop : {"title", "color"}) {
    for (const std::string& text : {std::string("Lamp"), std::string("red"), long_text, std::string()}) {
      const SlotId slot = S(s, "Product", prop);
      const Filter equal = Filter::Compare(slot, CompareOp::kEq, T(text));
      Ids in_place, matched;
      store.ScanTextEquals(product.id, slot, text, [&](const Record& r) { return in_place.emplace_back(r.id()), true; });
      store.Scan(product.id, [&](const Record& r) {
        if (equal.Matches(store, product, r, true)) matched.emplace_back(r.id());
        return true;
      });
      std::sort(in_place.begin(), in_place.end());
      INFO(prop << " = \"" << text << "\"");
      CHECK(in_place == matched);
    }
  }
  Ids lamps;
  store.ScanTextEquals(product.id, S(s, "Product", "title"), "Lamp",
                       [&](const Record& r) { return lamps.emplace_back(r.id()), true; });
  std::sort(lamps.begin(), lamps.end());
  CHECK(lamps == Ids{"p1", "p8"});  // p1 narrow, p8 full width
  size_t visits = 0;
  store.ScanTextEquals(product.id, S(s, "Product", "color"), "red", [&](const Record&) { return ++visits, false; });
  CHECK(visits == 1);  // stops when asked
}

TEST_CASE("a narrow record's first update moves it to a full block with every list and index that holds it",
          "[core][schema]") {
  WidenedTwins twins;
  Store& in_place = twins.in_place;
  Store& carried = *twins.carried;
  const auto before = Addresses(in_place);

  Script(in_place);
  Script(carried);
  CHECK(Dump(in_place) == Dump(carried));
  CheckInvariants(in_place);
  const Schema& s = in_place.schema();
  const Record* p1 = in_place.Find(M(s, "Product"), "p1");
  CHECK(p1 != before.at("Product/p1"));
  CHECK(p1->width() == s.model(M(s, "Product")).properties.size());
  CHECK(in_place.Find(M(s, "Product"), "p2") == before.at("Product/p2"));  // only linked: not moved
  CHECK(IndexIds(in_place, "Store", "rating", Value::Int(4)) == Ids{"s1"});
  CHECK(IndexIds(in_place, "Email", "alias", T("anna@x")) == Ids{"e1"});
  CHECK(LinkIds(in_place, "Node", "n1", "friends") == Ids{"n1", "n1", "n2"});
  CHECK(LinkIds(in_place, "Node", "n1", "children") == Ids{"n1"});
  const Record* n1 = in_place.Find(M(s, "Node"), "n1");
  CHECK(n1->links(s.relation(R(s, "Node", "parent")).local)[0] == n1);
}

TEST_CASE("a rolled-back write leaves a store changed in place as one that was carried", "[core][schema]") {
  WidenedTwins twins;
  Store& in_place = twins.in_place;
  Store& carried = *twins.carried;
  {
    Mutation m(in_place);
    std::vector<Value> v = in_place.Find(M(in_place.schema(), "Store"), "s1")->CopyValues(
        in_place.schema().model(M(in_place.schema(), "Store")).properties.size());
    v[S(in_place.schema(), "Store", "rating").value] = Value::Int(1);
    REQUIRE(m.Put(M(in_place.schema(), "Store"), std::move(v)).ok());
    REQUIRE(m.Delete(M(in_place.schema(), "Audit"), "a1").ok());
    m.Rollback();
  }
  CHECK(Dump(in_place) == Dump(carried));
  CheckInvariants(in_place);
}

TEST_CASE("a second in-place change adds after the first: records of three widths live side by side",
          "[core][schema]") {
  auto older = Built(GraphDraft());
  auto wider = Built(WiderDraft());
  SchemaDraft widest_draft = WiderDraft();
  auto& product = ModelOf(widest_draft, "Product").properties;
  product.insert(product.begin() + 1, Nullable("sku", "text"));  // declared before every other
  auto widest = Built(widest_draft);
  Store in_place(older), carried_from(older);
  Fill(in_place);
  Fill(carried_from);
  REQUIRE(in_place.AdoptSchema(wider->KeepingLayoutOf(*older)).ok());
  Update(in_place, "Product", "p1", {{"color", T("red")}});  // now of the wider size
  auto kept = widest->KeepingLayoutOf(in_place.schema());
  REQUIRE(kept);
  CHECK(kept->model(M(*kept, "Product")).FindProperty("color")->slot == S(in_place.schema(), "Product", "color"));
  REQUIRE(in_place.AdoptSchema(kept).ok());
  Update(in_place, "Product", "p2", {{"sku", T("D-1")}});
  const ModelDef& m = in_place.schema().model(M(in_place.schema(), "Product"));
  CHECK(in_place.Find(m.id, "p1")->width() < m.properties.size());
  CHECK(in_place.Find(m.id, "p2")->width() == m.properties.size());
  CHECK(in_place.Find(m.id, "p3")->width() < in_place.Find(m.id, "p1")->width());

  auto carried = MigrateStore(carried_from, widest);
  REQUIRE(carried.ok());
  Update(**carried, "Product", "p1", {{"color", T("red")}});
  Update(**carried, "Product", "p2", {{"sku", T("D-1")}});
  CHECK(Dump(in_place) == Dump(**carried));
  Script(in_place);
  Script(**carried);
  CHECK(Dump(in_place) == Dump(**carried));
  CheckInvariants(in_place);
}

// The ids Scan visits, and those ScanUnordered visits (sorted), of every model.
std::pair<Ids, Ids> BothScans(const Store& store) {
  Ids ordered, unordered;
  for (const ModelDef& m : store.schema().models()) {
    Ids mine;
    store.Scan(m.id, [&](const Record& r) { return ordered.push_back(m.name + "/" + std::string(r.id())), true; });
    store.ScanUnordered(m.id, [&](const Record& r) { return mine.push_back(m.name + "/" + std::string(r.id())), true; });
    std::sort(mine.begin(), mine.end());
    unordered.insert(unordered.end(), mine.begin(), mine.end());
  }
  return {ordered, unordered};
}

TEST_CASE("an unordered scan visits every record once, across the blocks of each width and outside the pools",
          "[core][schema]") {
  WidenedTwins twins;
  Store& in_place = twins.in_place;
  Script(in_place);  // some records moved to blocks of the wider size, some deleted
  auto [ordered, unordered] = BothScans(in_place);
  CHECK(!ordered.empty());
  CHECK(unordered == ordered);
  // It walked the pools: records that moved to the wider blocks come after the rest.
  const ModelId product = M(in_place.schema(), "Product");
  CHECK(in_place.Pools(product).records_in_use == in_place.Count(product));
  Ids product_walk, product_keys;
  in_place.ScanUnordered(product, [&](const Record& r) { return product_walk.emplace_back(r.id()), true; });
  in_place.Scan(product, [&](const Record& r) { return product_keys.emplace_back(r.id()), true; });
  CHECK(product_walk != product_keys);
  size_t visits = 0;
  in_place.ScanUnordered(product, [&](const Record&) { return ++visits < 2; });
  CHECK(visits == 2);

  // Records too large for a pool come from operator new: the scan walks the keys then.
  SchemaDraft d = GraphDraft();
  ModelDraft wide;
  wide.name = "Wide";
  wide.properties = {Prop("id", "id")};
  for (int i = 0; i < 600; ++i) wide.properties.push_back(Nullable("c" + std::to_string(i), "text"));
  d.models.push_back(wide);
  Store big(Built(d));
  for (const char* id : {"w2", "w1", "w3"}) Put(big, "Wide", id);
  MustApply(big, DeleteStep{M(big.schema(), "Wide"), "w3"});
  auto [big_ordered, big_unordered] = BothScans(big);
  CHECK(big_unordered == big_ordered);
  CHECK(big_ordered == Ids{"Wide/w1", "Wide/w2"});
  Ids wide_walk;  // in key order, though made in another: the tree was walked
  big.ScanUnordered(M(big.schema(), "Wide"), [&](const Record& r) { return wide_walk.emplace_back(r.id()), true; });
  CHECK(wide_walk == Ids{"w1", "w2"});
}

TEST_CASE("a store refuses in place a schema of another shape and stays as it was", "[core][schema]") {
  auto older = Built(GraphDraft());
  Store s(older);
  Fill(s);
  const std::string before = Dump(s);
  SchemaDraft d = GraphDraft();
  auto& node = ModelOf(d, "Node").properties;
  node.erase(node.begin() + 1);  // fewer slots than the store's records
  Status st = s.AdoptSchema(Built(d));
  CHECK(st.type() == ErrorType::kDatabaseError);
  CHECK(Dump(s) == before);
  CHECK(&s.schema() == older.get());
}

}  // namespace
