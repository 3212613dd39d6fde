// Snapshots and backups of an open database: the snapshot thread that
// snapshot_every wakes, Database::Snapshot, and Database::Backup.

#include <optional>

#include "api/database_impl.h"
#include "api/export.h"
#include "persistence/snapshot.h"
#include "persistence/snapshot_process.h"

namespace kin {

void Database::Impl::ScheduleSnapshot() {
  std::lock_guard l(snapshotter_mu);
  snapshot_wanted = true;
  if (!snapshotter.joinable()) snapshotter = std::thread([this] { SnapshotLoop(); });
  snapshotter_cv.notify_one();
}

void Database::Impl::SnapshotLoop() {
  std::unique_lock l(snapshotter_mu);
  for (;;) {
    snapshotter_cv.wait(l, [&] { return snapshot_wanted || snapshotter_stopping; });
    if (snapshotter_stopping) return;
    snapshot_wanted = false;
    l.unlock();
    // A scheduled snapshot that fails (a full disk) is tried again when the next
    // one is due; the database stays as it was (see TakeSnapshot).
    Status s = TakeSnapshot();
    if (!s.ok()) Log(LogEvent::kDiskError, "scheduled snapshot failed: " + s.ToString());
    l.lock();
  }
}

void Database::Impl::StopSnapshotter() {
  {
    std::lock_guard l(snapshotter_mu);
    snapshotter_stopping = true;
  }
  snapshotter_cv.notify_one();
  if (snapshotter.joinable()) snapshotter.join();
}

// Frozen in the writer role, not under the readers' lock: nothing changes the store
// meanwhile, and readers go on (under a shared lock, a writer waiting for it would
// hold new readers off, the lock preferring writers).
Result<uint64_t> Database::Impl::WriteImage(const std::string& snapshots_dir, bool segment_follows) {
  // No thread of the database's own may be freeing or allocating while the image's
  // process is forked: a sanitizer's allocator, unlike glibc's, does not make fork
  // wait for its locks, and the child could wait on them for ever. So the store a
  // schema change left is freed first, the journal's threads are paused and the
  // store's prefaulter held around the fork (in the writer role: no append waits for
  // them then), and the next segment is asked for once the image is being written.
  {
    std::lock_guard l(retirer_mu);
    if (retirer.joinable()) retirer.join();
  }
  uint64_t seq = 0;
  std::optional<persistence::SnapshotProcess> child;
  std::string bytes;
  KIN_RETURN_IF_ERROR(committer.InWriterRole([&]() -> Status {
    seq = committer.applied_seq();
    if (options.snapshot_in_child) {
      // The journal's threads are idle while the process forks (see the top).
      std::optional<persistence::Journal::BackgroundPause> pause;
      if (journal) pause.emplace(*journal);
      const std::unique_lock<std::mutex> prefaulter_held = store.HoldBackgroundForFork();
      KIN_ASSIGN_OR_RETURN(auto forked, persistence::SnapshotProcess::Fork(store, seq, schema_json, snapshots_dir,
                                                                        fs(), dir_lock ? dir_lock->fd() : -1));
      child.emplace(std::move(forked));
    } else {
      bytes = persistence::EncodeSnapshot(store, seq, schema_json);
    }
    return Status::Ok();
  }));
  // Ready by the time the image is: the rotation after it only renames the file.
  if (segment_follows) journal->PrepareNextSegment();
  if (child) {
    KIN_RETURN_IF_ERROR(child->Wait().status());
  } else {
    KIN_RETURN_IF_ERROR(persistence::WriteSnapshotFile(snapshots_dir, seq, bytes, fs()).status());
  }
  return seq;
}

// Once the file is durable the journal starts a new segment (in the writer role,
// not under the readers' lock), older snapshots beyond options.keep_snapshots go,
// and the segments before the oldest kept one; a snapshot that fails leaves no file
// and no segment behind.
Status Database::Impl::TakeSnapshot() {
  std::lock_guard one_at_a_time(snapshot_mu);
  const std::string snapshot_dir = dir + "/snapshots";
  KIN_ASSIGN_OR_RETURN(const uint64_t seq, WriteImage(snapshot_dir, /*segment_follows=*/true));
  // A new segment, so that the one holding `seq` can go once nothing after it is
  // left there. The snapshot is done either way: a segment that cannot be started
  // now (a full disk) only keeps older segments a while longer.
  (void)committer.InWriterRole([&] { return journal->Rotate(); });
  // Kept: the newest snapshots and the journal after the oldest of them, from the
  // segment that holds the oldest one's last record, whose commit time dates it
  // (a restore to a time just after it starts from it).
  KIN_ASSIGN_OR_RETURN(const uint64_t oldest, persistence::PruneSnapshots(snapshot_dir, options.keep_snapshots, fs()));
  KIN_RETURN_IF_ERROR(journal->RemoveSegmentsBefore(oldest));
  Log(LogEvent::kSnapshot, "snapshot of " + dir + " covers records through " + std::to_string(seq));
  return Status::Ok();
}

Status Database::Snapshot() {
  if (!impl_->journal) return Status::InvalidArgument("An in-memory database has no snapshots");
  return impl_->TakeSnapshot();
}

Status Database::Backup(const std::string& out_dir) {
  if (!impl_->journal) return Status::InvalidArgument("An in-memory database has no files to back up");
  return api::BuildNewDatabase(out_dir, impl_->schema_json, [&](const std::string& snapshots_dir) {
    return impl_->WriteImage(snapshots_dir, /*segment_follows=*/false).status();
  });
}

}  // namespace kin
