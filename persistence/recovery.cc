#include "persistence/recovery.h"

#include <utility>

#include "persistence/change_set_codec.h"
#include "persistence/journal_reader.h"
#include "persistence/snapshot.h"

namespace kin::persistence {

namespace {

// The most reads a read-only recovery makes while the files keep changing under it.
constexpr int kMaxReads = 20;

FileSystem& FsOf(const RecoveryOptions& options) {
  return options.file_system ? *options.file_system : FileSystem::Posix();
}

// One pass: snapshot, then journal. `truncate`: cut a torn tail on disk (open).
Result<RecoveryReport> RecoverOnce(const std::string& dir, Store& store, const RecoveryOptions& options,
                                   bool truncate) {
  FileSystem& fs = FsOf(options);
  RecoveryReport out;
  std::string snapshot = options.snapshot;
  if (snapshot.empty()) {
    KIN_ASSIGN_OR_RETURN(auto snapshots, ListSnapshots(dir + "/snapshots", fs));
    if (!snapshots.empty()) snapshot = snapshots.front().path;  // a bad newest snapshot is not skipped silently
  }
  if (!snapshot.empty()) {
    KIN_ASSIGN_OR_RETURN(LoadedSnapshot loaded, LoadSnapshot(snapshot, store, fs));
    out.snapshot_path = snapshot;
    out.snapshot_seq = loaded.seq;
  }
  if (options.to_seq < out.snapshot_seq)
    return Status::InvalidArgument("The snapshot " + snapshot + " already holds every record up to " +
                                   std::to_string(out.snapshot_seq) + ", past " + std::to_string(options.to_seq));
  out.last_seq = out.snapshot_seq;
  bool stopped = false;  // the replay was stopped at options.to_seq on purpose
  ReplayOptions replay;
  replay.repair = truncate && options.repair;
  replay.truncate_tail = truncate;
  const Schema& schema = store.schema();
  auto report = ReplayJournal(
      dir + "/journal", out.snapshot_seq, replay,
      [&](uint64_t seq, std::string_view payload) -> Status {
        if (seq > options.to_seq) {
          stopped = true;
          return Status::DatabaseError("stopped");
        }
        KIN_ASSIGN_OR_RETURN(ChangeSet cs, DecodeChangeSet(payload, schema));
        KIN_RETURN_IF_ERROR(store.Apply(cs));
        out.last_seq = seq;
        ++out.replayed;
        if (options.progress) options.progress(out.replayed);
        return Status::Ok();
      },
      fs);
  if (!report.ok() && !stopped) {
    if (truncate || !options.keep_partial) return report.status();
    out.problem = report.status();
  }
  if (report.ok()) {
    out.notice = report->notice;
    out.tail_segment = report->tail_segment;
  }
  if (options.to_seq != UINT64_MAX && out.last_seq < options.to_seq)
    return Status::InvalidArgument("The journal of " + dir + " ends at record " + std::to_string(out.last_seq) +
                                   ": there is no record " + std::to_string(options.to_seq));
  return out;
}

}  // namespace

Result<std::string> ListDatabaseFiles(const std::string& dir, FileSystem& fs) {
  std::string out;
  KIN_ASSIGN_OR_RETURN(auto snapshots, ListSnapshots(dir + "/snapshots", fs));
  for (const auto& s : snapshots) out += s.path + "\n";
  KIN_ASSIGN_OR_RETURN(auto segments, ListSegments(dir + "/journal", fs));
  for (const auto& s : segments) out += s.path + "\n";
  return out;
}

Result<RecoveryReport> RecoverForOpen(const std::string& dir, Store& store, const RecoveryOptions& options) {
  return RecoverOnce(dir, store, options, /*truncate=*/true);
}

Result<RecoveredState> ReadDatabase(const std::string& dir, std::shared_ptr<const Schema> schema,
                                    const RecoveryOptions& options) {
  FileSystem& fs = FsOf(options);
  std::string last_problem, last_files;
  for (int read = 1;; ++read) {
    KIN_ASSIGN_OR_RETURN(std::string files, ListDatabaseFiles(dir, fs));
    RecoveredState state;
    state.store = std::make_unique<Store>(schema);
    Result<RecoveryReport> report = RecoverOnce(dir, *state.store, options, /*truncate=*/false);
    if (report.ok() && report->problem.ok()) {
      state.report = std::move(report).value();
      return state;
    }
    const Status problem = report.ok() ? report->problem : report.status();
    // invalid_argument is about the request (a record past the journal's end), not
    // damage; damage is believed when two reads of the same files agree on it.
    const bool stable = problem.type() != ErrorType::kDatabaseError || read >= kMaxReads ||
                        (read > 1 && problem.message() == last_problem && files == last_files);
    if (stable) {
      if (!report.ok()) return problem;
      state.report = std::move(report).value();  // the partial state, with its problem
      return state;
    }
    last_problem = problem.message();
    last_files = std::move(files);
  }
}

}  // namespace kin::persistence
