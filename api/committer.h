#pragma once
// Committer: runs the write calls of one database and decides when their effects
// become visible. Owns the writer role (one thread at a time appends to the
// journal, rotates it, or changes the store), the queue of calls waiting for it,
// and the mutations the calls apply through. Promises (SPEC.md sections 7, 10, 11):
//
// - A call that returns an error has changed nothing, in memory or in the journal,
//   also when the disk failed it (a failed write or sync is cut back off the
//   journal; the calls a failed sync covered all fail).
// - Under sync=always a call's effects are visible to readers only once its record
//   is on disk, and readers never wait for the disk: a batch of calls is applied
//   under the exclusive lock, appended, and undone again before the lock is
//   released; after one fdatasync covering the batch the records are applied again
//   from their journal bytes (the same Store::Apply as recovery), under the lock
//   for as long as that takes. Calls that arrive meanwhile form the next batch
//   (group commit). Under interval and none (and in memory) a call is visible as
//   soon as its record is the OS's.
// - Nobody holds the readers' lock while waiting for the disk; rotating a full
//   journal segment happens in the writer role, outside it.
//
// Thread-safe: Write may be called from any number of threads; a batch's calls run
// on the thread of the caller that leads it, while the others wait.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/mutation.h"
#include "kin/status.h"
#include "persistence/journal.h"

namespace kin::api {

class Committer {
 public:
  // A call: applies its steps through the mutation and returns its result; an
  // error means the mutation is rolled back. Borrowed, like a function_ref.
  class Body {
   public:
    template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Body>>>
    Body(F& f) : object_(&f), call_([](void* o, Mutation& m) { return (*static_cast<F*>(o))(m); }) {}
    Result<std::string> operator()(Mutation& m) const { return call_(object_, m); }

   private:
    void* object_;
    Result<std::string> (*call_)(void*, Mutation&);
  };

  // `mu` is the lock readers take (shared); the store is changed only under it, exclusively.
  Committer(Store& store, std::shared_mutex& mu);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // From now on every change is journaled (before any write runs). `schema` decodes
  // the journal's bytes again; `last_time_us` is the commit time of the journal's
  // last record (commit times never go back, whatever the clock does).
  void AttachJournal(persistence::Journal* journal, persistence::SyncPolicy sync, const Schema& schema,
                     int64_t last_time_us);

  // Runs one write call; returns once its effects are visible (and, under
  // sync=always, durable), or with the error that left no trace. Its journal
  // record carries `label` (the method or transaction) and its commit time.
  Result<std::string> Write(Body body, std::string_view label);

  // Runs `fn` in the writer role (no call is being applied or journaled meanwhile).
  template <typename Fn>
  auto InWriterRole(Fn&& fn) {
    std::lock_guard w(writer_);
    return fn();
  }

  // The seq of the last journal record whose effects are in the store (under
  // kAlways: durable); any thread.
  uint64_t applied_seq() const { return applied_seq_.load(std::memory_order_acquire); }
  // Calls waiting for the writer role.
  size_t waiting() const;
  // The commit time of the call being run (microseconds since the epoch; read by
  // its body, in the writer role): its journal record carries it, and the call's
  // own timestamps are taken from it.
  int64_t call_time_us() const { return call_time_us_; }

 private:
  struct Slot;
  struct Request;

  Result<std::string> WriteNow(Body body, std::string_view label);          // interval, none, in memory
  Result<std::string> WriteWhenDurable(Body body, std::string_view label);  // always
  // The commit time of the record about to be appended: the clock's time in
  // microseconds, or the last record's when the clock went back (writer role).
  int64_t CommitTime();
  void RunBatch(const std::vector<Request*>& batch);
  Slot& SlotAt(size_t i);

  Store& store_;
  std::shared_mutex& mu_;
  persistence::Journal* journal_ = nullptr;
  persistence::SyncPolicy sync_ = persistence::SyncPolicy::kNone;
  const Schema* schema_ = nullptr;
  std::atomic<uint64_t> applied_seq_{0};  // written under mu_ exclusively
  int64_t last_time_us_ = 0;  // the newest commit time given (writer role)
  int64_t call_time_us_ = 0;  // the commit time of the call being run (writer role)

  std::mutex writer_;  // the writer role; taken before mu_
  std::vector<std::unique_ptr<Slot>> slots_;  // one mutation per call of a batch (writer role)

  mutable std::mutex queue_mu_;  // guards what follows
  std::condition_variable queue_cv_;
  std::vector<Request*> queue_;  // calls waiting for the next batch
  bool leading_ = false;         // a caller is running a batch
};

}  // namespace kin::api
