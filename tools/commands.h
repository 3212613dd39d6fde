#pragma once
// The `kin` subcommands. Each returns the process exit code.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/schema_timeline.h"
#include "core/change_set.h"
#include "kin/schema.h"
#include "kin/status.h"
#include "persistence/journal_format.h"
#include "persistence/journal_reader.h"

namespace kin::tools {

struct ExecOptions {
  std::string db;      // database directory
  std::string sync = "always";  // always | interval | none
  int sync_interval_ms = 100;
  bool repair = false;
  uint32_t keep_snapshots = 2;  // snapshots kept (and the journal since the oldest)
  std::string schema;  // schema file; needed only to create the database
  std::string script = "-";  // request lines: a file, or "-" for standard input
  bool bail = false;         // stop at the first request that fails
};
// Exits 0 when every request succeeded, 1 when any failed.
int RunExec(const ExecOptions& options);

struct ShellOptions {
  std::string db;       // database directory; empty: an in-memory database
  std::string schema;   // schema file; needed to create the database (or for memory)
  std::string script;   // a file of commands; empty: standard input
  std::string sync = "always";
  uint32_t keep_snapshots = 2;
  std::string mode = "pretty";  // pretty | json | table
  bool bail = false;    // a script stops at the first failure
};
// `kin shell` (shell.cc): interactive with line editing on a terminal, a script
// reader otherwise. Exits 1 when a command of a script failed.
int RunShell(const ShellOptions& options);

struct SnapshotOptions {
  std::string db;
  uint32_t keep_snapshots = 2;
};
int RunSnapshot(const SnapshotOptions& options);

struct DemoOptions {
  std::string db;  // where to create the demo database; empty = a fresh temporary directory
};
int RunDemo(const DemoOptions& options);

// Reads a whole file; prints an error and returns false when it cannot.
bool ReadTextFile(const std::string& path, std::string* out);

// ---- directory tools (SPEC.md section 10) ------------------------------------------

struct VerifyOptions {
  std::string db;
};
// Checks every file and the recovered state without changing anything (verify.cc).
int RunVerify(const VerifyOptions& options);

struct JournalListOptions {
  std::string db;
  bool verbose = false;  // one line per record too
};
int RunJournalList(const JournalListOptions& options);

struct JournalDumpOptions {
  std::string db;
  uint64_t from = 0, to = UINT64_MAX;  // sequence numbers, inclusive
  bool json = false;                   // one JSON object per record
};
int RunJournalDump(const JournalDumpOptions& options);

struct FeedOptions {
  std::string db;
  uint64_t from = 0;    // the first sequence number to show (0: the first record)
  bool follow = false;  // wait for new records until SIGINT or SIGTERM
  bool json = false;    // one JSON object per entry
};
// The change feed, read from the journal (feed_cmd.cc).
int RunFeed(const FeedOptions& options);

struct MigrateCmdOptions {
  std::string db;
  std::string schema;              // the new schema's JSON file
  bool dry_run = false;            // print the plan only
  bool allow_destructive = false;  // apply destructive steps too
  bool json = false;               // the plan as one JSON object
};
// Changes a closed database's schema (migrate_cmd.cc).
int RunMigrate(const MigrateCmdOptions& options);

struct ExportOptions {
  std::string db;
  std::string out = "-";  // a file, or - for standard output
};
int RunExport(const ExportOptions& options);

struct ImportOptions {
  std::string db;  // a new directory
  std::string in = "-";
  std::string schema;              // a newer schema to import into (empty: the export's)
  bool allow_destructive = false;  // with schema: destructive steps allowed
  std::string sync = "always";
  int sync_interval_ms = 100;
};
int RunImport(const ImportOptions& options);

struct CompactOptions {
  std::string db;
};
int RunCompact(const CompactOptions& options);

struct StatsOptions {
  std::string db;
  bool json = false;
};
int RunStats(const StatsOptions& options);

struct RestoreOptions {
  std::string snapshot;  // a snapshot file; empty: the newest of from_db that fits
  std::string db;        // the new database directory
  uint64_t to = UINT64_MAX;  // last journal record to apply (default: all)
  std::string to_time;   // or: the last record committed at or before this time
  std::string from_db;   // whose journal to replay; default: the snapshot's database
};
int RunRestore(const RestoreOptions& options);

struct BackupOptions {
  std::string db;   // the database (it may be open in another process)
  std::string out;  // the new database directory
};
int RunBackup(const BackupOptions& options);

// One journal segment as read from disk, for the tools that inspect the journal
// (journal_cmd.cc). `scan` views into `bytes`.
struct SegmentView {
  persistence::SegmentFile file;
  std::string bytes;
  persistence::SegmentScan scan;
};
// Calls `visit` for every segment of `<db>/journal` in order; a segment that cannot
// be read or scanned at all is passed to `on_error` and skipped.
Status ForEachSegment(const std::string& db, const std::function<void(const SegmentView&)>& visit,
                      const std::function<void(const std::string& path, const Status&)>& on_error);
// A frame's record, decoded with the schema in force (a schema change moves
// `timeline` on), with its time and label in *head; an error saying why when it is
// not a record of that schema.
Result<api::SchemaTimeline::Decoded> RecordOf(const SegmentView& seg, const persistence::JournalFrame& f,
                                              api::SchemaTimeline& timeline, persistence::RecordHead* head);
// The timeline for a walk over every segment of `<db>/journal` from the first.
Result<api::SchemaTimeline> JournalTimeline(const std::string& db);
// What is wrong with a segment (a bad frame, a header naming another sequence),
// one message per problem naming file and offset; empty when it is sound. `last`:
// it is the journal's last segment (where a bad frame can be a torn tail).
std::vector<std::string> SegmentProblems(const SegmentView& segment, bool last);

}  // namespace kin::tools
