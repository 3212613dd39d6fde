#pragma once
// The shared workload of the concurrency tests (SPEC.md sections 2 and 11) on the
// seed schema: base records, three kinds of writers (relink, batch, churn), readers
// through ReadView and through the generated service, and the checks they run.
//
// Catch2 assertions are not thread-safe: threads record problems in a Problems
// list, asserted empty on the main thread after joining. Every thread does a fixed
// number of operations, so each test is bounded.

#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/api/test_util.h"

// KIN_TEST_SANITIZER_MALLOC: see tests/api/test_util.h.

namespace kin::testing::concurrency {

constexpr int kBaseStores = 4;
constexpr int kBaseProducts = 24;
constexpr int kBaseOrders = 12;
constexpr int kUsers = 6;
constexpr int kEmails = 9;
constexpr int kBatchSize = 5;  // products created, moved and deleted together with their store

inline std::string Name(const char* prefix, int i) { return std::string(prefix) + std::to_string(i); }

// Problems found on worker threads; checked on the main thread. Thread-safe.
class Problems {
 public:
  void Add(std::string what) {
    std::lock_guard lock(mu_);
    if (list_.size() < 20) list_.push_back(std::move(what));
    ++count_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::string Text() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& s : list_) out += s + "\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> list_;
  size_t count_ = 0;
};

// Schema ids of the seed schema, resolved once.
struct Ids {
  explicit Ids(const Schema& schema);
  ModelId product, order, store, user, email;
  RelationId product_orders, product_store, order_products, store_products, user_email, email_user;
  SlotId product_store_id, product_title, store_name, email_user_id;
};

// A call made from a worker thread: failures are recorded, never thrown.
struct Caller {
  Database& db;
  Problems& problems;
  const char* who;

  std::optional<Json> Call(const std::string& method, const Json& args);
  std::optional<Json> Transaction(const std::vector<CallRequest>& calls);
};

// Every relation invariant over one consistent ReadView: both directions of every
// relation agree, and no batch transaction is seen half applied. Returns the
// number of product-order links seen.
size_t CheckView(const Database& db, const Ids& ids, Problems& problems, const char* who);

// Base records: stores, products spread over them, orders with a few products each,
// users and emails (the first users own an email each).
void Seed(Database& db);

// Writer: relation updates on base records (never deleted, so every call succeeds).
void RelinkWriter(Database& db, Problems& problems, int ops, unsigned seed);
// Writer: stores created, moved, soft-deleted, restored and deleted together with
// their kBatchSize products, always in one transaction. Reports the batch stores
// it leaves live and soft-deleted.
void BatchWriter(Database& db, Problems& problems, int ops, unsigned seed, const std::string& tag,
                 std::vector<std::string>* live_out, std::vector<std::string>* soft_out);
// Writer: products and orders of its own, created linked to base records, then
// soft-deleted, restored, relinked and deleted.
void ChurnWriter(Database& db, Problems& problems, int ops, unsigned seed);

// One read through the generated service, checked for consistency in itself.
void ServiceRead(Database& db, Problems& problems, std::mt19937& rng);

struct StressResult {
  int view_checks_during_writes = 0;
};
// 4 readers (ReadView checks and service reads, alternating) and 3 writers (relink,
// batch, churn), a fixed number of operations each.
StressResult RunStress(Database& db, Problems& problems, int reader_ops, int writer_ops,
                       std::vector<std::string>* live_batches, std::vector<std::string>* soft_batches);

// The whole store checked on the main thread (Catch2 assertions): the view
// invariants, both sides of product-order through the service, and the batch
// writers' bookkeeping against what the database holds.
void CheckFinalState(Database& db, const std::vector<std::string>& live_batches,
                     const std::vector<std::string>& soft_batches);

}  // namespace kin::testing::concurrency
