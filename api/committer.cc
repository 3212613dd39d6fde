#include "api/committer.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>

#include "persistence/change_set_codec.h"
#include "persistence/journal_format.h"

namespace kin::api {

namespace {

// JournalSink: the journal record of one write (journal_format.h), encoded step by
// step into one frame: room for the frame header, the record's time and label, room
// for the step count, the steps. Each step is encoded before the Mutation applies
// it, while it still holds its values, each put's values in declared order
// (persistence/change_set_codec.h). Encodes nothing until Enable() (an in-memory database journals
// nothing). Used in the writer role.
class JournalSink final : public ChangeStepSink {
 public:
  // Encodes the steps from now on, as steps of `schema` (the store's).
  void Enable(const Schema& schema) {
    enabled_ = true;
    schema_ = &schema;
  }
  // Names the call whose steps follow (before the first Add); `label` outlives them.
  void Begin(std::string_view label) { label_ = persistence::StoredLabel(label); }

  void Add(const ChangeStep& step, const Record* replaced) override {
    if (enabled_) {
      if (steps_ == 0) {
        // Room for the frame header, the record's time, its label, the step count.
        const size_t label_at = persistence::Journal::kFrameRoom + persistence::kRecordTimeBytes;
        change_set_at_ = label_at + 1 + label_.size();
        frame_.resize(change_set_at_ + persistence::kStepCountBytes);
        frame_[label_at] = static_cast<char>(label_.size());
        std::memcpy(frame_.data() + label_at + 1, label_.data(), label_.size());
      }
      last_ = frame_.size();
      persistence::EncodeChangeStep(step, replaced, *schema_, &frame_);
    }
    ++steps_;
  }
  void DropLast() override {
    assert(steps_ > 0);
    --steps_;
    if (enabled_) frame_.resize(last_);
  }
  void Clear() override {
    steps_ = 0;
    // One large transaction should not pin its frame's memory.
    if (frame_.capacity() > kKeptBytes) std::string().swap(frame_);
  }

  // The frame of every step added since the last Clear(), committed at `time_us`,
  // for Journal::AppendFramed.
  std::string* Frame(int64_t time_us) {
    assert(enabled_ && steps_ > 0);
    persistence::WriteStepCount(steps_, frame_.data() + change_set_at_);
    persistence::StoreRecordTime(frame_.data() + persistence::Journal::kFrameRoom, time_us);
    return &frame_;
  }
  // The change set's bytes in the frame.
  std::string_view ChangeSetBytes() const { return std::string_view(frame_).substr(change_set_at_); }

 private:
  static constexpr size_t kKeptBytes = size_t{1} << 20;

  bool enabled_ = false;
  const Schema* schema_ = nullptr;
  uint64_t steps_ = 0;
  size_t last_ = 0;  // where the step last added begins
  size_t change_set_at_ = 0;
  std::string_view label_;
  std::string frame_;
};

}  // namespace

struct Committer::Slot {
  explicit Slot(Store& store, bool journaled) : mutation(store, &sink) {
    if (journaled) sink.Enable(store.schema());
  }
  JournalSink sink;  // declared first: the mutation uses it until it is destroyed
  Mutation mutation;
};

struct Committer::Request {
  Request(Body b, std::string_view l) : body(b), label(l) {}
  Body body;
  std::string_view label;
  Result<std::string> result = std::string();
  bool done = false;  // under queue_mu_
};

Committer::Committer(Store& store, std::shared_mutex& mu) : store_(store), mu_(mu) {}
Committer::~Committer() = default;

void Committer::AttachJournal(persistence::Journal* journal, persistence::SyncPolicy sync, const Schema& schema,
                              int64_t last_time_us) {
  std::lock_guard w(writer_);
  journal_ = journal;
  last_time_us_ = last_time_us;
  sync_ = sync;
  schema_ = &schema;
  slots_.clear();
  applied_seq_.store(journal->next_seq() - 1, std::memory_order_release);
}

Committer::Slot& Committer::SlotAt(size_t i) {
  while (slots_.size() <= i) slots_.push_back(std::make_unique<Slot>(store_, journal_ != nullptr));
  return *slots_[i];
}

size_t Committer::waiting() const {
  std::lock_guard q(queue_mu_);
  return queue_.size();
}

int64_t Committer::CommitTime() {
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  last_time_us_ = std::max(last_time_us_, now);
  return last_time_us_;
}

Result<std::string> Committer::Write(Body body, std::string_view label) {
  if (journal_ && sync_ == persistence::SyncPolicy::kAlways) return WriteWhenDurable(body, label);
  return WriteNow(body, label);
}

Result<std::string> Committer::WriteNow(Body body, std::string_view label) {
  std::lock_guard w(writer_);
  Result<std::string> r = std::string();
  {
    std::unique_lock l(mu_);
    Slot& slot = SlotAt(0);
    slot.sink.Begin(label);
    call_time_us_ = CommitTime();
    r = body(slot.mutation);
    if (!r.ok() || slot.mutation.empty() || !journal_) {
      // A failed call is undone; one that changed nothing, or is not journaled, is done.
      if (r.ok()) slot.mutation.Commit();
      else slot.mutation.Rollback();
      return r;
    }
    Result<uint64_t> seq = journal_->AppendFramed(slot.sink.Frame(call_time_us_));
    if (!seq.ok()) {
      slot.mutation.Rollback();
      return seq.status();
    }
    slot.mutation.Commit();
    applied_seq_.store(*seq, std::memory_order_release);
  }
  // The call is done whatever happens here: a segment that cannot be started now
  // is tried again after the next write, and the current one grows meanwhile.
  (void)journal_->RotateIfFull();
  return r;
}

// The caller that finds no batch running leads one: it takes every waiting call
// (its own among them) and runs them; the others wait to be told theirs is done.
Result<std::string> Committer::WriteWhenDurable(Body body, std::string_view label) {
  Request me(body, label);
  std::unique_lock q(queue_mu_);
  queue_.push_back(&me);
  queue_cv_.wait(q, [&] { return me.done || !leading_; });
  if (me.done) return std::move(me.result);
  leading_ = true;
  std::vector<Request*> batch;
  batch.swap(queue_);
  q.unlock();
  RunBatch(batch);
  q.lock();
  for (Request* r : batch) r->done = true;
  leading_ = false;
  q.unlock();
  queue_cv_.notify_all();
  return std::move(me.result);
}

void Committer::RunBatch(const std::vector<Request*>& batch) {
  std::lock_guard w(writer_);
  struct Kept {
    Request* request;
    uint64_t seq;
    std::string payload;  // the change set's bytes, applied again once durable
  };
  std::vector<Kept> kept;
  {
    std::unique_lock l(mu_);
    for (Request* request : batch) {
      Slot& slot = SlotAt(kept.size());
      slot.sink.Begin(request->label);
      call_time_us_ = CommitTime();
      request->result = request->body(slot.mutation);
      if (!request->result.ok() || slot.mutation.empty()) {
        if (request->result.ok()) slot.mutation.Commit();
        else slot.mutation.Rollback();
        continue;
      }
      Result<uint64_t> seq = journal_->AppendFramed(slot.sink.Frame(call_time_us_));
      if (!seq.ok()) {
        slot.mutation.Rollback();
        request->result = seq.status();
        continue;
      }
      kept.push_back({request, *seq, std::string(slot.sink.ChangeSetBytes())});
    }
    // Hidden again until durable: undone newest first, each call's steps newest first.
    for (size_t i = kept.size(); i-- > 0;) slots_[i]->mutation.Rollback();
  }
  if (kept.empty()) return;
  Status synced = journal_->SyncOrCutBack();
  if (!synced.ok()) {
    for (Kept& k : kept) k.request->result = synced;
    return;
  }
  {
    std::unique_lock l(mu_);
    for (Kept& k : kept) {
      // The change set applied a moment ago to this very state: it applies again.
      Result<ChangeSet> cs = persistence::DecodeChangeSet(k.payload, *schema_);
      Status applied = cs.ok() ? store_.Apply(*cs) : cs.status();
      assert(applied.ok());
      if (!applied.ok()) k.request->result = Status::DatabaseError("Internal error applying a durable record: " +
                                                                   applied.message() + " (reopen the database)");
      applied_seq_.store(k.seq, std::memory_order_release);
    }
  }
  (void)journal_->RotateIfFull();  // see WriteNow
}

}  // namespace kin::api
