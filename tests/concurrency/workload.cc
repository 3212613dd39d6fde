#include "tests/concurrency/workload.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <iterator>
#include <thread>

namespace kin::testing::concurrency {

Ids::Ids(const Schema& schema) {
  product = schema.FindModel("Product");
  order = schema.FindModel("Order");
  store = schema.FindModel("Store");
  user = schema.FindModel("User");
  email = schema.FindModel("Email");
  const auto& p = schema.model(product);
  product_orders = p.FindRelation("orders");
  product_store = p.FindRelation("store");
  product_store_id = p.FindProperty("store_id")->slot;
  product_title = p.FindProperty("title")->slot;
  order_products = schema.model(order).FindRelation("products");
  store_products = schema.model(store).FindRelation("products");
  store_name = schema.model(store).FindProperty("name")->slot;
  user_email = schema.model(user).FindRelation("email");
  email_user = schema.model(email).FindRelation("user");
  email_user_id = schema.model(email).FindProperty("user_id")->slot;
}

namespace {

bool StartsWith(const Value& v, std::string_view prefix) {
  return v.type() == ValueType::kText && v.as_text().compare(0, prefix.size(), prefix) == 0;
}

// Up to `max_count` random ids "<prefix><0..n-1>" (repeats allowed).
Json SomeOf(std::mt19937& rng, const char* prefix, int n, int max_count) {
  Json out = Json::array();
  int count = static_cast<int>(rng() % (max_count + 1));
  for (int i = 0; i < count; ++i) out.push_back(Name(prefix, static_cast<int>(rng() % n)));
  return out;
}

// (product, order) pairs as the service reports them from each side.
std::set<std::pair<std::string, std::string>> PairsFromService(Database& db, bool from_products) {
  std::set<std::pair<std::string, std::string>> out;
  Json rows = Ok(db, from_products ? "listProducts" : "listOrders",
                 Json::array({nullptr, {{"relations", Json::array({from_products ? "orders" : "products"})}}}));
  for (const auto& row : rows)
    for (const auto& other : row.at(from_products ? "orders" : "products")) {
      std::string a = row.at("id"), b = other.at("id");
      out.emplace(from_products ? a : b, from_products ? b : a);
    }
  return out;
}

}  // namespace

size_t CheckView(const Database& db, const Ids& ids, Problems& problems, const char* who) {
  auto view = db.Read();
  using Pair = std::pair<std::string, std::string>;
  std::set<Pair> from_products, from_orders;  // (product, order)
  size_t batch_products = 0, batch_stores = 0;
  auto fail = [&](std::string what) { problems.Add(std::string(who) + ": " + what); };

  view.ForEach(ids.product, [&](const RecordRef& p) {
    p.ForEachRelated(ids.product_orders,
                     [&](const RecordRef& o) { from_products.emplace(std::string(p.id()), std::string(o.id())); });
    const Value& fk = p.Get(ids.product_store_id);
    int stores = 0;
    p.ForEachRelated(ids.product_store, [&](const RecordRef& s) {
      ++stores;
      if (fk.is_null() || std::string(fk.as_text()) != s.id())
        fail("product " + std::string(p.id()) + " has store_id " + (fk.is_null() ? "null" : std::string(fk.as_text())) +
             " but its store relation is " + std::string(s.id()));
      bool listed = false;
      s.ForEachRelated(ids.store_products, [&](const RecordRef& q) { listed |= q.id() == p.id(); });
      if (!listed) fail("store " + std::string(s.id()) + " does not list its product " + std::string(p.id()));
    });
    if (stores > 1) fail("product " + std::string(p.id()) + " has " + std::to_string(stores) + " stores");
    if (!fk.is_null() && stores == 0)
      fail("live product " + std::string(p.id()) + " points at store " + std::string(fk.as_text()) + ", which is not live");
    if (StartsWith(p.Get(ids.product_title), "batch-")) ++batch_products;
    return true;
  });
  view.ForEach(ids.order, [&](const RecordRef& o) {
    o.ForEachRelated(ids.order_products,
                     [&](const RecordRef& p) { from_orders.emplace(std::string(p.id()), std::string(o.id())); });
    return true;
  });
  if (from_products != from_orders) {
    std::vector<Pair> only_p, only_o;
    std::set_difference(from_products.begin(), from_products.end(), from_orders.begin(), from_orders.end(),
                        std::back_inserter(only_p));
    std::set_difference(from_orders.begin(), from_orders.end(), from_products.begin(), from_products.end(),
                        std::back_inserter(only_o));
    std::string what = "product/order links disagree:";
    for (const auto& [p, o] : only_p) what += " " + p + "->" + o + " (not in " + o + ".products)";
    for (const auto& [p, o] : only_o) what += " " + o + "->" + p + " (not in " + p + ".orders)";
    fail(what);
  }
  view.ForEach(ids.store, [&](const RecordRef& s) {
    size_t n = 0;
    s.ForEachRelated(ids.store_products, [&](const RecordRef& p) {
      ++n;
      const Value& fk = p.Get(ids.product_store_id);
      if (fk.is_null() || std::string(fk.as_text()) != s.id())
        fail("store " + std::string(s.id()) + " lists product " + std::string(p.id()) + " whose store_id is " +
             (fk.is_null() ? "null" : std::string(fk.as_text())));
    });
    if (StartsWith(s.Get(ids.store_name), "batch-")) {
      ++batch_stores;
      if (n != kBatchSize)
        fail("half a transaction: batch store " + std::string(s.id()) + " has " + std::to_string(n) + " of " +
             std::to_string(kBatchSize) + " products");
    }
    return true;
  });
  if (batch_products != batch_stores * kBatchSize)
    fail("half a transaction: " + std::to_string(batch_products) + " batch products for " +
         std::to_string(batch_stores) + " batch stores");
  view.ForEach(ids.user, [&](const RecordRef& u) {
    int n = 0;
    u.ForEachRelated(ids.user_email, [&](const RecordRef& e) {
      ++n;
      const Value& fk = e.Get(ids.email_user_id);
      if (fk.is_null() || std::string(fk.as_text()) != u.id())
        fail("user " + std::string(u.id()) + " has email " + std::string(e.id()) + " whose user_id is " +
             (fk.is_null() ? "null" : std::string(fk.as_text())));
    });
    if (n > 1) fail("user " + std::string(u.id()) + " has " + std::to_string(n) + " emails");
    return true;
  });
  view.ForEach(ids.email, [&](const RecordRef& e) {
    const Value& fk = e.Get(ids.email_user_id);
    if (fk.is_null()) return true;
    auto user = view.Find(ids.user, std::string(fk.as_text()));
    if (!user) {
      fail("email " + std::string(e.id()) + " points at missing user " + std::string(fk.as_text()));
      return true;
    }
    bool listed = false;
    user->ForEachRelated(ids.user_email, [&](const RecordRef& x) { listed |= x.id() == e.id(); });
    if (!listed) fail("user " + std::string(fk.as_text()) + " does not list its email " + std::string(e.id()));
    return true;
  });
  return from_products.size();
}

std::optional<Json> Caller::Call(const std::string& method, const Json& args) {
  auto r = db.Call(method, args);
  if (!r.ok()) {
    problems.Add(std::string(who) + ": " + method + " " + args.dump() + " -> " + r.status().ToString());
    return std::nullopt;
  }
  return std::move(r).value();
}

std::optional<Json> Caller::Transaction(const std::vector<CallRequest>& calls) {
  auto r = db.Transaction(calls);
  if (!r.ok()) {
    std::string text;
    for (const auto& c : calls) text += c.method + " " + c.arguments().dump() + "; ";
    problems.Add(std::string(who) + ": transaction " + text + "-> " + r.status().ToString());
    return std::nullopt;
  }
  return std::move(r).value();
}

void Seed(Database& db) {
  Json stores = Json::array(), products = Json::array(), orders = Json::array(), users = Json::array(),
       emails = Json::array();
  for (int i = 0; i < kBaseStores; ++i) stores.push_back({{"id", Name("s", i)}, {"name", Name("base-", i)}});
  for (int i = 0; i < kBaseProducts; ++i)
    products.push_back({{"id", Name("p", i)}, {"title", Name("base-", i)}, {"store_id", Name("s", i % kBaseStores)}});
  for (int i = 0; i < kBaseOrders; ++i)
    orders.push_back({{"id", Name("o", i)},
                      {"reference", Name("ref-", i)},
                      {"products", {Name("p", i), Name("p", (i + 5) % kBaseProducts)}}});
  for (int i = 0; i < kUsers; ++i) users.push_back({{"id", Name("u", i)}});
  for (int i = 0; i < kEmails; ++i) {
    Json e = {{"id", Name("e", i)}, {"address", Name("a", i) + "@x.c"}};
    if (i < kUsers / 2) e["user_id"] = Name("u", i);
    emails.push_back(e);
  }
  Ok(db, "createStores", Json::array({stores}));
  Ok(db, "createProducts", Json::array({products}));
  Ok(db, "createOrders", Json::array({orders}));
  Ok(db, "createUsers", Json::array({users}));
  Ok(db, "createEmails", Json::array({emails}));
}

void RelinkWriter(Database& db, Problems& problems, int ops, unsigned seed) {
  Caller c{db, problems, "relink writer"};
  std::mt19937 rng(seed);
  for (int i = 0; i < ops; ++i) {
    std::string p = Name("p", static_cast<int>(rng() % kBaseProducts));
    std::string o = Name("o", static_cast<int>(rng() % kBaseOrders));
    switch (rng() % 8) {
      case 0:  // many-to-many replace, product side
        c.Call("updateProducts", Json::array({{{"id", p}, {"orders", SomeOf(rng, "o", kBaseOrders, 3)}}}));
        break;
      case 1:  // many-to-many replace, order side
        c.Call("updateOrders", Json::array({{{"id", o}, {"products", SomeOf(rng, "p", kBaseProducts, 4)}}}));
        break;
      case 2:
        c.Call("updateProducts", Json::array({{{"id", p}, {"orders", {{"$add", SomeOf(rng, "o", kBaseOrders, 2)}}}}}));
        break;
      case 3:
        c.Call("updateOrders", Json::array({{{"id", o},
                                             {"products",
                                              {{"$add", SomeOf(rng, "p", kBaseProducts, 2)},
                                               {"$remove", SomeOf(rng, "p", kBaseProducts, 2)}}}}}));
        break;
      case 4: {  // belongsTo move (sometimes to no store)
        Json store = rng() % 5 == 0 ? Json(nullptr) : Json(Name("s", static_cast<int>(rng() % kBaseStores)));
        c.Call("updateProducts", Json::array({{{"id", p}, {"store_id", store}}}));
        break;
      }
      case 5:  // hasOne move: the email leaves its user (if any) for this one
        c.Call("updateUsers", Json::array({{{"id", Name("u", static_cast<int>(rng() % kUsers))},
                                            {"email", Name("e", static_cast<int>(rng() % kEmails))}}}));
        break;
      case 6:  // hasOne unset from the parent side, or belongsTo unset from the child side
        if (rng() % 2)
          c.Call("updateUsers", Json::array({{{"id", Name("u", static_cast<int>(rng() % kUsers))}, {"email", nullptr}}}));
        else
          c.Call("updateEmails",
                 Json::array({{{"id", Name("e", static_cast<int>(rng() % kEmails))}, {"user_id", nullptr}}}));
        break;
      case 7:  // both sides in one transaction
        c.Transaction({{"updateProducts", Json::array({{{"id", p}, {"orders", Json::array({o})}}})},
                       {"updateOrders", Json::array({{{"id", o}, {"products", {{"$add", Json::array({p})}}}}})}});
        break;
    }
  }
}

void BatchWriter(Database& db, Problems& problems, int ops, unsigned seed, const std::string& tag,
                 std::vector<std::string>* live_out, std::vector<std::string>* soft_out) {
  Caller c{db, problems, "batch writer"};
  std::mt19937 rng(seed);
  std::vector<std::string> live, soft;  // batch store ids
  int next = 0;
  auto create_store = [&](const std::string& sid) {
    return CallRequest{"createStores", Json::array({{{"id", sid}, {"name", "batch-" + sid}}})};
  };
  for (int i = 0; i < ops; ++i) {
    int what = static_cast<int>(rng() % 6);
    if (live.empty() || what <= 1) {  // create a store with its products, linked to some orders
      std::string sid = tag + std::to_string(next++);
      Json products = Json::array();
      for (int k = 0; k < kBatchSize; ++k)
        products.push_back({{"id", sid + "-p" + std::to_string(k)},
                            {"title", "batch-" + sid},
                            {"store_id", sid},
                            {"orders", SomeOf(rng, "o", kBaseOrders, 2)}});
      if (c.Transaction({create_store(sid), {"createProducts", Json::array({products})}})) live.push_back(sid);
      continue;
    }
    size_t at = rng() % live.size();
    std::string sid = live[at];
    if (what == 2) {  // delete the store and its products
      if (c.Transaction({{"deleteProducts", Json::array({{{"store_id", sid}}})}, {"deleteStores", Json::array({sid})}}))
        live.erase(live.begin() + static_cast<long>(at));
    } else if (what == 3) {  // move every product to a new store, delete the old one
      std::string to = tag + std::to_string(next++);
      if (c.Transaction({create_store(to),
                         {"updateProducts", Json::array({{{"selector", {{"store_id", sid}}}, {"data", {{"store_id", to}}}}})},
                         {"deleteStores", Json::array({sid})}}))
        live[at] = to;
    } else if (what == 4) {  // soft delete the store and its products
      if (c.Transaction({{"softDeleteProducts", Json::array({{{"store_id", sid}}})},
                         {"softDeleteStores", Json::array({sid})}})) {
        live.erase(live.begin() + static_cast<long>(at));
        soft.push_back(sid);
      }
    } else if (!soft.empty()) {  // restore a soft-deleted batch
      size_t sat = rng() % soft.size();
      std::string back = soft[sat];
      auto r = c.Transaction({{"restoreStores", Json::array({back})},
                              {"restoreProducts", Json::array({{{"store_id", back}}})}});
      if (r) {
        if ((*r)[1]["product_id"].size() != kBatchSize)
          problems.Add("restore of batch " + back + " returned " + r->dump());
        soft.erase(soft.begin() + static_cast<long>(sat));
        live.push_back(back);
      }
    }
  }
  if (live_out) *live_out = live;
  if (soft_out) *soft_out = soft;
}

void ChurnWriter(Database& db, Problems& problems, int ops, unsigned seed) {
  Caller c{db, problems, "churn writer"};
  std::mt19937 rng(seed);
  std::vector<std::string> products, orders, soft_products;
  int next = 0;
  for (int i = 0; i < ops; ++i) {
    switch (rng() % 8) {
      case 0: {
        std::string id = "cp" + std::to_string(next++);
        if (c.Call("createProducts", Json::array({{{"id", id}, {"title", "churn"}, {"orders", SomeOf(rng, "o", kBaseOrders, 3)}}})))
          products.push_back(id);
        break;
      }
      case 1: {
        std::string id = "co" + std::to_string(next++);
        Json linked = SomeOf(rng, "p", kBaseProducts, 2);
        if (!products.empty()) linked.push_back(products[rng() % products.size()]);
        if (c.Call("createOrders", Json::array({{{"id", id}, {"products", linked}}}))) orders.push_back(id);
        break;
      }
      case 2:
        if (!products.empty()) {
          size_t at = rng() % products.size();
          if (c.Call("softDeleteProducts", Json::array({products[at]}))) {
            soft_products.push_back(products[at]);
            products.erase(products.begin() + static_cast<long>(at));
          }
        }
        break;
      case 3:
        if (!soft_products.empty()) {
          size_t at = rng() % soft_products.size();
          if (c.Call("restoreProducts", Json::array({soft_products[at]}))) {
            products.push_back(soft_products[at]);
            soft_products.erase(soft_products.begin() + static_cast<long>(at));
          }
        }
        break;
      case 4:
        if (!orders.empty()) {
          size_t at = rng() % orders.size();
          if (c.Call("deleteOrders", Json::array({orders[at]}))) orders.erase(orders.begin() + static_cast<long>(at));
        }
        break;
      case 5:
        if (!products.empty()) {
          size_t at = rng() % products.size();
          if (c.Call("deleteProducts", Json::array({products[at]}))) products.erase(products.begin() + static_cast<long>(at));
        }
        break;
      case 6:
        if (!orders.empty())
          c.Call("updateOrders", Json::array({{{"id", orders[rng() % orders.size()]},
                                               {"products", {{"$add", SomeOf(rng, "p", kBaseProducts, 2)},
                                                             {"$remove", SomeOf(rng, "p", kBaseProducts, 1)}}}}}));
        break;
      case 7:
        if (!products.empty())
          c.Call("updateProducts", Json::array({{{"id", products[rng() % products.size()]},
                                                 {"orders", SomeOf(rng, "o", kBaseOrders, 2)}}}));
        break;
    }
  }
}

void ServiceRead(Database& db, Problems& problems, std::mt19937& rng) {
  Caller c{db, problems, "service reader"};
  switch (rng() % 6) {
    case 0: {  // a base product with its relations
      std::string p = Name("p", static_cast<int>(rng() % kBaseProducts));
      auto r = c.Call("retrieveProduct", Json::array({p, {{"relations", Json::array({"orders", "store"})}}}));
      if (!r) return;
      if (!r->at("orders").is_array()) problems.Add("retrieve " + p + ": orders is not an array: " + r->dump());
      const Json& store = r->at("store");
      if (r->at("store_id").is_null() != store.is_null() ||
          (!store.is_null() && store.at("id") != r->at("store_id")))
        problems.Add("retrieve " + p + ": store_id and store disagree: " + r->dump());
      break;
    }
    case 1: {  // batch stores with their products: all or nothing
      auto r = c.Call("listStores", Json::array({{{"name", {{"$like", "batch-%"}}}}, {{"relations", Json::array({"products"})}}}));
      if (!r) return;
      for (const auto& s : *r) {
        if (s.at("products").size() != kBatchSize)
          problems.Add("half a transaction: listStores shows " + s.at("id").get<std::string>() + " with " +
                       std::to_string(s.at("products").size()) + " products");
        for (const auto& p : s.at("products"))
          if (p.at("store_id") != s.at("id")) problems.Add("listStores: product under the wrong store: " + s.dump());
      }
      break;
    }
    case 2: {  // batch products counted
      auto r = c.Call("listAndCountProducts", Json::array({{{"title", {{"$like", "batch-%"}}}}, {{"take", 0}}}));
      if (r && r->at(1).get<int64_t>() % kBatchSize != 0)
        problems.Add("half a transaction: listAndCountProducts counts " + r->at(1).dump() + " batch products");
      break;
    }
    case 3: {  // a belongsTo filter with the relation loaded
      std::string s = Name("s", static_cast<int>(rng() % kBaseStores));
      auto r = c.Call("listProducts", Json::array({{{"store_id", s}}, {{"relations", Json::array({"store"})}}}));
      if (!r) return;
      for (const auto& p : *r)
        if (p.at("store_id") != s || p.at("store").is_null() || p.at("store").at("id") != s)
          problems.Add("listProducts store_id=" + s + " returned " + p.dump());
      break;
    }
    case 4: {  // a relation filter: every order returned has a matching product
      std::string p = Name("p", static_cast<int>(rng() % kBaseProducts));
      auto r = c.Call("listOrders", Json::array({{{"products", p}}, {{"relations", Json::array({"products"})}}}));
      if (!r) return;
      for (const auto& o : *r) {
        bool found = false;
        for (const auto& x : o.at("products")) found |= x.at("id") == p;
        if (!found) problems.Add("listOrders products=" + p + " returned an order without it: " + o.dump());
      }
      break;
    }
    case 5: {  // a relation filter that reads every product (in memory order), beside snapshots' forks
      auto r = c.Call("listOrders", Json::array({{{"products", {{"title", {{"$like", "base-1%"}}}}}},
                                                 {{"relations", Json::array({"products"})}}}));
      if (!r) return;
      for (const auto& o : *r) {
        bool found = false;
        for (const auto& x : o.at("products"))
          found |= x.at("title").is_string() && x.at("title").get<std::string>().rfind("base-1", 0) == 0;
        if (!found) problems.Add("listOrders products.title base-1% returned an order without one: " + o.dump());
      }
      break;
    }
  }
}

StressResult RunStress(Database& db, Problems& problems, int reader_ops, int writer_ops,
                       std::vector<std::string>* live_batches, std::vector<std::string>* soft_batches) {
  const Ids ids(db.schema());
  std::atomic<int> writers_running{3};
  std::atomic<int> view_checks_during_writes{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  auto writer = [&](std::function<void()> body) {
    threads.emplace_back([&, body = std::move(body)] {
      while (!go.load()) std::this_thread::yield();
      body();
      --writers_running;
    });
  };
  writer([&] { RelinkWriter(db, problems, writer_ops, 11); });
  writer([&] { BatchWriter(db, problems, writer_ops / 2, 22, "b", live_batches, soft_batches); });
  writer([&] { ChurnWriter(db, problems, writer_ops, 33); });
  for (int r = 0; r < 4; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(100 + r);
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < reader_ops; ++i) {
        if (i % 2 == 0) {
          bool during = writers_running.load() > 0;
          CheckView(db, ids, problems, "view reader");
          if (during) ++view_checks_during_writes;
        } else {
          ServiceRead(db, problems, rng);
        }
        std::this_thread::yield();  // let writers in between reads
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  return StressResult{view_checks_during_writes.load()};
}

void CheckFinalState(Database& db, const std::vector<std::string>& live_batches,
                     const std::vector<std::string>& soft_batches) {
  Problems problems;
  const Ids ids(db.schema());
  size_t links = CheckView(db, ids, problems, "final view");
  INFO(problems.Text());
  CHECK(problems.count() == 0);
  auto from_products = PairsFromService(db, true);
  auto from_orders = PairsFromService(db, false);
  CHECK(from_products == from_orders);
  CHECK(from_products.size() == links);
  // The batch writer's own bookkeeping matches what the database holds.
  Json stores = Ok(db, "listStores", R"([{"name": {"$like": "batch-%"}}, {"relations": ["products"]}])"_json);
  std::set<std::string> listed, expected(live_batches.begin(), live_batches.end());
  for (const auto& s : stores) {
    listed.insert(s.at("id").get<std::string>());
    CHECK(s.at("products").size() == kBatchSize);
  }
  CHECK(listed == expected);
  Json soft = Ok(db, "listStores", R"([{"name": {"$like": "batch-%"}, "deleted_at": {"$ne": null}},
                                       {"withDeleted": true, "relations": ["products"]}])"_json);
  CHECK(soft.size() == soft_batches.size());
  for (const auto& s : soft) CHECK(s.at("products").size() == kBatchSize);
  // Every user has at most one email and every email's user lists it.
  Json users = Ok(db, "listUsers", R"([null, {"relations": ["email"]}])"_json);
  for (const auto& u : users)
    if (!u.at("email").is_null()) CHECK(u.at("email").at("user_id") == u.at("id"));
  CHECK_FALSE(Dump(db).empty());
}

}  // namespace kin::testing::concurrency
