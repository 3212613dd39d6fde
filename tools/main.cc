// The `kin` command: exec, demo, and the database directory tools (SPEC.md section 10).
// Exit codes: 0 success, 1 failure (or problems found), 2 usage errors.

#include <CLI/CLI.hpp>

#include "tools/commands.h"
#include "tools/progress.h"

namespace {

CLI::Option* AddDb(CLI::App* cmd, std::string* db, const char* what = "Database directory") {
  return cmd->add_option("--db", *db, what)->required();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kin::tools;
  CLI::App app{"kin: an embedded graph database with Medusa-style services"};
  app.require_subcommand(1);

  ExecOptions exec;
  auto* exec_cmd = app.add_subcommand("exec", "Run JSON-lines requests against a database directory");
  AddDb(exec_cmd, &exec.db);
  exec_cmd->add_option("--schema", exec.schema, "Schema JSON file (needed to create the database)")
      ->check(CLI::ExistingFile);
  exec_cmd->add_option("script", exec.script, "File of request lines, or - for standard input");
  exec_cmd->add_option("--sync", exec.sync, "Journal sync policy: always (default), interval, none")
      ->check(CLI::IsMember({"always", "interval", "none"}));
  exec_cmd->add_option("--sync-interval-ms", exec.sync_interval_ms, "Flush period under --sync interval")
      ->check(CLI::PositiveNumber);
  exec_cmd->add_flag("--repair", exec.repair, "Cut a corrupt journal at its first bad record (bytes kept aside)");

  SnapshotOptions snapshot;
  auto* snapshot_cmd = app.add_subcommand("snapshot", "Write a snapshot of a database and drop the journal it covers");
  AddDb(snapshot_cmd, &snapshot.db);

  DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "Walk through the relationship operations step by step");
  demo_cmd->add_option("--db", demo.db, "Directory for the demo database (default: a new temporary one)");

  VerifyOptions verify;
  auto* verify_cmd = app.add_subcommand(
      "verify", "Check every snapshot and journal record and the recovered state, changing nothing (exit 1 on problems)");
  AddDb(verify_cmd, &verify.db);

  auto* journal_cmd = app.add_subcommand("journal", "Inspect the journal: list segments, dump records");
  journal_cmd->require_subcommand(1);
  JournalListOptions journal_list;
  auto* list_cmd = journal_cmd->add_subcommand("list", "One line per segment: file, first seq, records, bytes");
  AddDb(list_cmd, &journal_list.db);
  list_cmd->add_flag("-v,--verbose", journal_list.verbose, "Also one line per record: seq, offset, payload bytes, steps");
  JournalDumpOptions journal_dump;
  auto* dump_cmd = journal_cmd->add_subcommand("dump", "Each record's steps, human-readable or as JSON lines");
  AddDb(dump_cmd, &journal_dump.db);
  dump_cmd->add_option("--from", journal_dump.from, "First sequence number to show");
  dump_cmd->add_option("--to", journal_dump.to, "Last sequence number to show");
  dump_cmd->add_flag("--json", journal_dump.json, "One JSON object per record");

  ExportOptions export_opts;
  auto* export_cmd = app.add_subcommand("export", "Write the whole database as one JSON document");
  AddDb(export_cmd, &export_opts.db);
  export_cmd->add_option("--out", export_opts.out, "Output file, or - for standard output (default)");

  ImportOptions import_opts;
  auto* import_cmd = app.add_subcommand("import", "Create a new database from a JSON export");
  AddDb(import_cmd, &import_opts.db, "New database directory (absent or empty; built aside and renamed into place)");
  import_cmd->add_option("--in", import_opts.in, "Export file, or - for standard input (default)");
  import_cmd->add_option("--sync", import_opts.sync, "Journal sync policy of the new database: always, interval, none")
      ->check(CLI::IsMember({"always", "interval", "none"}));
  import_cmd->add_option("--sync-interval-ms", import_opts.sync_interval_ms, "Flush period under --sync interval")
      ->check(CLI::PositiveNumber);

  CompactOptions compact;
  auto* compact_cmd = app.add_subcommand("compact", "Snapshot the database, drop the journal it covers, report sizes");
  AddDb(compact_cmd, &compact.db);

  StatsOptions stats;
  auto* stats_cmd = app.add_subcommand("stats", "Records per model, links per relation, memory and file sizes");
  AddDb(stats_cmd, &stats.db);
  stats_cmd->add_flag("--json", stats.json, "Print the statistics as JSON");

  RestoreOptions restore;
  auto* restore_cmd = app.add_subcommand(
      "restore", "Point-in-time restore: a snapshot plus the journal up to a record, as a new database");
  restore_cmd->add_option("snapshot", restore.snapshot, "Snapshot file to start from")->required();
  AddDb(restore_cmd, &restore.db, "New database directory (absent or empty; built aside and renamed into place)");
  restore_cmd->add_option("--to", restore.to, "Last journal record to apply (default: all of them)");
  restore_cmd->add_option("--from-db", restore.from_db,
                          "Database whose journal is replayed (default: the one the snapshot is in)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, or the error and a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*exec_cmd) return RunExec(exec);
  if (*demo_cmd) return RunDemo(demo);
  if (*snapshot_cmd) return RunSnapshot(snapshot);
  if (*verify_cmd) return RunVerify(verify);
  if (*list_cmd) return RunJournalList(journal_list);
  if (*dump_cmd) return RunJournalDump(journal_dump);
  if (*export_cmd) return RunExport(export_opts);
  if (*import_cmd) return RunImport(import_opts);
  if (*compact_cmd) return RunCompact(compact);
  if (*stats_cmd) return RunStats(stats);
  if (*restore_cmd) return RunRestore(restore);
  return kExitOk;
}
