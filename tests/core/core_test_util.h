#pragma once
// Helpers for the core-layer tests: a small commerce schema built from a SchemaDraft,
// name-based lookups of models, relations and slots, one-line record puts, and a
// dump of a Store's whole state (values, link lists, secondary indexes) so that
// "nothing changed" and "identical state" become string comparisons.

#include <catch2/catch.hpp>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/change_set.h"
#include "kin/schema.h"
#include "core/store.h"
#include "kin/value.h"

namespace kin::coretest {

inline PropertyDraft Prop(std::string name, std::string type) {
  PropertyDraft p;
  p.name = std::move(name);
  p.type = std::move(type);
  return p;
}

inline PropertyDraft Rel(std::string name, std::string type, std::string model, std::string mapped_by = "") {
  PropertyDraft p = Prop(std::move(name), std::move(type));
  p.model = std::move(model);
  p.mapped_by = std::move(mapped_by);
  return p;
}

// Store 1-n Product (Product.store: nullable belongsTo, Store.products: hasMany),
// Product n-m Order (automatic pivot), User 1-1 Email (Email.address unique and
// nullable), Order.number autoincrement, Product.title and Store.name searchable.
// Audit.user is a one-directional belongsTo (User declares no inverse).
inline SchemaDraft CommerceDraft() {
  SchemaDraft d;
  ModelDraft store;
  store.name = "Store";
  store.properties = {Prop("id", "id"), Prop("name", "text"), Rel("products", "hasMany", "Product")};
  store.properties[1].searchable = true;

  ModelDraft product;
  product.name = "Product";
  product.properties = {Prop("id", "id"), Prop("title", "text"), Prop("description", "text"), Prop("price", "number"),
                        Rel("store", "belongsTo", "Store", "products"), Rel("orders", "manyToMany", "Order", "products")};
  product.properties[1].searchable = true;
  product.properties[2].nullable = true;
  product.properties[4].nullable = true;

  ModelDraft order;
  order.name = "Order";
  order.properties = {Prop("id", "id"), Prop("number", "autoincrement"), Prop("status", "text"),
                      Rel("products", "manyToMany", "Product")};

  ModelDraft user;
  user.name = "User";
  user.properties = {Prop("id", "id"), Prop("name", "text"), Rel("email", "hasOne", "Email", "user")};

  ModelDraft email;
  email.name = "Email";
  email.properties = {Prop("id", "id"), Prop("address", "text"), Rel("user", "belongsTo", "User", "email")};
  email.properties[1].unique = true;
  email.properties[1].nullable = true;
  email.properties[2].nullable = true;

  ModelDraft audit;
  audit.name = "Audit";
  audit.properties = {Prop("id", "id"), Prop("note", "text"), Rel("user", "belongsTo", "User")};
  audit.properties[2].nullable = true;

  d.models = {store, product, order, user, email, audit};
  return d;
}

inline std::shared_ptr<const Schema> CommerceSchema() {
  auto r = Schema::Build(CommerceDraft());
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return r.value();
}

inline ModelId M(const Schema& s, std::string_view model) {
  ModelId id = s.FindModel(model);
  REQUIRE(id.valid());
  return id;
}

inline RelationId R(const Schema& s, std::string_view model, std::string_view relation) {
  RelationId id = s.model(M(s, model)).FindRelation(relation);
  REQUIRE(id.valid());
  return id;
}

inline SlotId S(const Schema& s, std::string_view model, std::string_view property) {
  const PropertyDef* p = s.model(M(s, model)).FindProperty(property);
  REQUIRE(p != nullptr);
  return p->slot;
}

// Position of the single-slot index on `property` in the model's index list.
inline size_t IndexOn(const Schema& s, std::string_view model, std::string_view property) {
  const ModelDef& m = s.model(M(s, model));
  SlotId slot = S(s, model, property);
  for (size_t i = 0; i < m.indexes.size(); ++i)
    if (m.indexes[i].on.size() == 1 && m.indexes[i].on[0] == slot) return i;
  FAIL("no index on " << model << "." << property);
  return 0;
}

using Fields = std::initializer_list<std::pair<std::string_view, Value>>;

// A full record of `model`: every slot null except `id` and the given fields, with
// created_at/updated_at set to a fixed time.
inline std::vector<Value> Row(const Schema& s, std::string_view model, std::string_view id, Fields fields = {}) {
  const ModelDef& m = s.model(M(s, model));
  std::vector<Value> v(m.properties.size());
  v[0] = Value::Text(std::string(id));
  v[m.created_at.value] = Value::Time(Timestamp{1'700'000'000'000});
  v[m.updated_at.value] = Value::Time(Timestamp{1'700'000'000'000});
  for (const auto& [name, value] : fields) v[S(s, model, name).value] = value;
  return v;
}

inline Value T(std::string s) { return Value::Text(std::move(s)); }

inline PutStep PutOf(const Schema& s, std::string_view model, std::string_view id, Fields fields = {}) {
  return PutStep{M(s, model), Row(s, model, id, fields)};
}

// Applies a step that must succeed.
inline void MustApply(Store& store, const ChangeStep& step) {
  Status st = store.Apply(step);
  INFO(st.ToString());
  REQUIRE(st.ok());
}

inline void Put(Store& store, std::string_view model, std::string_view id, Fields fields = {}) {
  MustApply(store, PutOf(store.schema(), model, id, fields));
}

inline void Link(Store& store, std::string_view model, std::string_view relation, std::string from,
                 std::string to) {
  MustApply(store, LinkStep{R(store.schema(), model, relation), std::move(from), std::move(to)});
}

// The ids of a record's link list for `relation`, in stored order.
inline std::vector<std::string> LinkIds(const Store& store, std::string_view model, std::string_view id,
                                        std::string_view relation) {
  const Schema& s = store.schema();
  const Record* r = store.Find(M(s, model), id);
  REQUIRE(r != nullptr);
  std::vector<std::string> out;
  for (const Record* o : r->links(s.relation(R(s, model, relation)).local)) out.emplace_back(o->id());
  return out;
}

using Ids = std::vector<std::string>;

// The ids the index on `property` holds for `value`.
inline Ids IndexIds(const Store& store, std::string_view model, std::string_view property, const Value& value) {
  std::string key;
  value.AppendKey(&key);
  Ids out;
  for (const Record* r : store.IndexLookup(M(store.schema(), model), IndexOn(store.schema(), model, property), key))
    out.emplace_back(r->id());
  return out;
}

inline void AppendValue(std::string* out, const Value& v) {
  out->append(std::to_string(static_cast<int>(v.type())));
  out->push_back('=');
  out->append(v.ToDisplay());
}

// The whole state of a store as text: per model in primary-key order every record's
// values and link lists (ids, in stored order), then per secondary index the ids held
// under the key of every stored record. Equal dumps mean equal states.
inline std::string Dump(const Store& store) {
  const Schema& s = store.schema();
  std::string out;
  for (const ModelDef& m : s.models()) {
    out += "## " + m.name + " (" + std::to_string(store.Count(m.id)) + ")\n";
    std::set<std::string> keys;
    store.Scan(m.id, [&](const Record& r) {
      out += "  ";
      for (SlotId slot : m.declared) {  // declared order: stores of either layout compare
        AppendValue(&out, r.value(slot.value));
        out += " | ";
      }
      for (RelationId rid : m.relations) {
        const RelationDef& rel = s.relation(rid);
        out += "\n    " + rel.name + ":";
        for (const Record* o : r.links(rel.local)) out += " " + std::string(o->id());
      }
      out += "\n";
      std::string key;
      for (size_t i = 0; i < m.indexes.size(); ++i)
        if (Store::IndexKey(m.indexes[i], r, &key)) keys.insert(std::to_string(i) + "#" + key);
      return true;
    });
    for (const std::string& k : keys) {
      size_t hash = k.find('#');
      size_t i = std::stoul(k.substr(0, hash));
      out += "  index " + std::to_string(i) + " [" + k.substr(hash + 1) + "]:";
      for (const Record* r : store.IndexLookup(m.id, i, k.substr(hash + 1))) out += " " + std::string(r->id());
      out += "\n";
    }
  }
  return out;
}

// Structural invariants: every link list sorted by id and free of duplicates; a
// belongsTo list holds exactly the record its foreign key names; both directions of
// every relation agree; secondary indexes hold exactly the live records of their key.
inline void CheckInvariants(const Store& store) {
  const Schema& s = store.schema();
  for (const ModelDef& m : s.models()) {
    store.Scan(m.id, [&](const Record& r) {
      for (RelationId rid : m.relations) {
        const RelationDef& rel = s.relation(rid);
        const auto& list = r.links(rel.local);
        INFO(m.name << " " << r.id() << " ." << rel.name);
        // (A record linked to itself through a relation that is its own inverse is
        // listed once per direction.)
        CHECK(std::adjacent_find(list.begin(), list.end(), [&](const Record* a, const Record* b) {
                return !(a->id() < b->id()) && !(a == &r && b == &r && rel.inverse == rel.id);
              }) == list.end());
        if (rel.kind == RelationKind::kBelongsTo) {
          const Value& fk = r.value(rel.foreign_key.value);
          const Record* parent = fk.is_null() ? nullptr : store.Find(rel.target, fk.as_text());
          CHECK((fk.is_null() || parent != nullptr));
          CHECK(list.size() == (parent ? 1u : 0u));
          if (parent && !list.empty()) CHECK(list[0] == parent);
        }
        if (rel.inverse.valid()) {
          // A manyToMany through a pivot lists pivot records, which point back
          // through their belongsTo.
          const RelationDef& inv = s.relation(rel.through_pivot() ? rel.pivot_near : rel.inverse);
          for (const Record* o : list) {
            CHECK(store.Find(inv.model, o->id()) == o);
            const auto& back = o->links(inv.local);
            CHECK(std::find(back.begin(), back.end(), &r) != back.end());
          }
        }
      }
      std::string key;
      for (size_t i = 0; i < m.indexes.size(); ++i) {
        if (!Store::IndexKey(m.indexes[i], r, &key)) continue;
        auto hits = store.IndexLookup(m.id, i, key);
        bool listed = std::find(hits.begin(), hits.end(), &r) != hits.end();
        INFO(m.name << " " << r.id() << " index " << i);
        CHECK(listed == store.IsLive(m, r));
        for (const Record* h : hits) {
          CHECK(store.Find(m.id, h->id()) == h);
          CHECK(store.IsLive(m, *h));
          std::string other;
          CHECK((Store::IndexKey(m.indexes[i], *h, &other) && other == key));
        }
      }
      return true;
    });
  }
}

}  // namespace kin::coretest
