// The `kin` command: exec, shell, demo, and the database directory tools (SPEC.md
// section 10). Exit codes: 0 success, 1 failure (or problems found), 2 usage errors.

#include <CLI/CLI.hpp>

#include "tools/commands.h"
#include "tools/progress.h"
#include "tools/suggest.h"

namespace {

CLI::Option* AddDb(CLI::App* cmd, std::string* db, const char* what = "Database directory") {
  return cmd->add_option("--db", *db, what)->required();
}

// --sync, and --sync-interval-ms when `interval_ms` is given.
void AddSync(CLI::App* cmd, std::string* sync, int* interval_ms = nullptr,
             const char* what = "Journal sync policy: always (default), interval, none") {
  cmd->add_option("--sync", *sync, what)->check(CLI::IsMember({"always", "interval", "none"}));
  if (interval_ms)
    cmd->add_option("--sync-interval-ms", *interval_ms, "Flush period under --sync interval")
        ->check(CLI::PositiveNumber);
}
CLI::Option* AddKeepSnapshots(CLI::App* cmd, uint32_t* keep) {
  return cmd
      ->add_option("--keep-snapshots", *keep,
                   "Snapshots to keep, with the journal since the oldest (restorable history; default 2)")
      ->check(CLI::PositiveNumber);
}
// An example for a subcommand's --help.
void Example(CLI::App* cmd, const std::string& lines) { cmd->footer("\nExample:\n" + lines); }

// A word where a subcommand of `app` is expected that names none: says so, with
// the nearest name, and returns true.
bool UnknownSubcommand(CLI::App* app, int argc, char** argv, int at) {
  if (at >= argc || argv[at][0] == '-' || app->get_subcommands({}).empty()) return false;
  std::vector<std::string> names;
  for (CLI::App* sub : app->get_subcommands({})) {
    if (sub->get_name() == argv[at]) return UnknownSubcommand(sub, argc, argv, at + 1);
    names.push_back(sub->get_name());
  }
  std::string path = app->get_parent() ? "kin " + app->get_name() : "kin";
  std::fprintf(stderr, "%s: unknown command \"%s\".%s Run %s --help for the list.\n", path.c_str(), argv[at],
               kin::tools::DidYouMean(argv[at], names).c_str(), path.c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kin::tools;
  CLI::App app{"kin: an embedded graph database with Medusa-style services"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kin " KIN_VERSION);
  Example(&app, "  kin shell --db shop --schema shop.json\n  kin exec --db shop requests.jsonl\n  kin demo");

  ExecOptions exec;
  auto* exec_cmd = app.add_subcommand("exec", "Run JSON-lines requests against a database directory");
  AddDb(exec_cmd, &exec.db);
  exec_cmd->add_option("--schema", exec.schema, "Schema JSON file (needed to create the database)")
      ->check(CLI::ExistingFile);
  exec_cmd->add_option("script", exec.script, "File of request lines, or - for standard input");
  AddSync(exec_cmd, &exec.sync, &exec.sync_interval_ms);
  AddKeepSnapshots(exec_cmd, &exec.keep_snapshots);
  exec_cmd->add_flag("--repair", exec.repair, "Cut a corrupt journal at its first bad record (bytes kept aside)");
  exec_cmd->add_flag("--bail", exec.bail, "Stop at the first request that fails");
  Example(exec_cmd,
          "  echo '{\"call\": \"listProducts\", \"args\": [{\"title\": \"Shirt\"}]}' | kin exec --db shop -\n"
          "  kin exec --db shop --schema shop.json --bail requests.jsonl\n"
          "Exit status: 0 when every request succeeded, 1 when any failed.");

  ShellOptions shell;
  auto* shell_cmd = app.add_subcommand("shell", "Interactive session: calls, .schema, .stats, readable output");
  shell_cmd->add_option("--db", shell.db, "Database directory (none: a database in memory, from --schema)");
  shell_cmd->add_option("--schema", shell.schema, "Schema JSON file (needed to create the database)")
      ->check(CLI::ExistingFile);
  shell_cmd->add_option("script", shell.script, "File of shell commands (default: standard input)");
  shell_cmd->add_option("--mode", shell.mode, "How results are shown: pretty (default), json, table")
      ->check(CLI::IsMember({"pretty", "json", "table"}));
  AddSync(shell_cmd, &shell.sync);
  AddKeepSnapshots(shell_cmd, &shell.keep_snapshots);
  shell_cmd->add_flag("--bail", shell.bail, "A script stops at the first command that fails");
  Example(shell_cmd,
          "  kin shell --db shop --schema shop.json\n"
          "  kin> createStores {\"id\": \"s1\", \"name\": \"Main\"}\n"
          "  kin> listProducts {\"store_id\": \"s1\"} {\"take\": 5}\n"
          "  kin> .help\n"
          "  printf '.mode table\\nlistStores\\n' | kin shell --db shop");

  SnapshotOptions snapshot;
  auto* snapshot_cmd = app.add_subcommand(
      "snapshot", "Write a snapshot of a database; keep the newest N and the journal since the oldest");
  AddDb(snapshot_cmd, &snapshot.db);
  AddKeepSnapshots(snapshot_cmd, &snapshot.keep_snapshots);
  Example(snapshot_cmd, "  kin snapshot --db shop");

  DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "Walk through the relationship operations step by step");
  demo_cmd->add_option("--db", demo.db, "Directory for the demo database (default: a new temporary one)");
  Example(demo_cmd, "  kin demo\n  kin demo --db /tmp/demo && kin shell --db /tmp/demo");

  VerifyOptions verify;
  auto* verify_cmd = app.add_subcommand(
      "verify", "Check every snapshot and journal record and the recovered state, changing nothing (exit 1 on problems)");
  AddDb(verify_cmd, &verify.db);
  Example(verify_cmd, "  kin verify --db shop");

  auto* journal_cmd = app.add_subcommand("journal", "Inspect the journal: list segments, dump records");
  journal_cmd->require_subcommand(1);
  Example(journal_cmd, "  kin journal list --db shop\n  kin journal dump --db shop --from 5 --json");
  JournalListOptions journal_list;
  auto* list_cmd = journal_cmd->add_subcommand("list", "One line per segment: file, first seq, records, bytes");
  AddDb(list_cmd, &journal_list.db);
  list_cmd->add_flag("-v,--verbose", journal_list.verbose, "Also one line per record: seq, offset, payload bytes, steps");
  Example(list_cmd, "  kin journal list --db shop -v");
  JournalDumpOptions journal_dump;
  auto* dump_cmd = journal_cmd->add_subcommand("dump", "Each record's steps, human-readable or as JSON lines");
  AddDb(dump_cmd, &journal_dump.db);
  dump_cmd->add_option("--from", journal_dump.from, "First sequence number to show");
  dump_cmd->add_option("--to", journal_dump.to, "Last sequence number to show");
  dump_cmd->add_flag("--json", journal_dump.json, "One JSON object per record");
  Example(dump_cmd, "  kin journal dump --db shop --from 5 --to 9");

  MigrateCmdOptions migrate;
  auto* migrate_cmd = app.add_subcommand("migrate", "Change a closed database's schema: print the plan and apply it");
  AddDb(migrate_cmd, &migrate.db);
  migrate_cmd->add_option("--schema", migrate.schema, "The new schema's JSON file")->required();
  migrate_cmd->add_flag("--dry-run", migrate.dry_run, "Print the plan and change nothing");
  migrate_cmd->add_flag("--allow-destructive", migrate.allow_destructive,
                        "Apply destructive steps too (a removed property leaves every record)");
  migrate_cmd->add_flag("--json", migrate.json, "The plan as one JSON object");
  Example(migrate_cmd, "  kin migrate --db shop --schema shop-v2.json --dry-run\n"
                       "  kin migrate --db shop --schema shop-v2.json --allow-destructive");

  FeedOptions feed;
  auto* feed_cmd = app.add_subcommand("feed", "Print the change feed: each committed call's changes and events");
  AddDb(feed_cmd, &feed.db);
  feed_cmd->add_option("--from", feed.from, "First sequence number to show (resume with the last one seen + 1)");
  feed_cmd->add_flag("--follow", feed.follow, "Keep printing new calls as they commit, until interrupted");
  feed_cmd->add_flag("--json", feed.json, "One JSON object per call");
  Example(feed_cmd, "  kin feed --db shop --from 7\n  kin feed --db shop --from 8 --follow --json");

  ExportOptions export_opts;
  auto* export_cmd = app.add_subcommand("export", "Write the whole database as one JSON document");
  AddDb(export_cmd, &export_opts.db);
  export_cmd->add_option("--out", export_opts.out, "Output file, or - for standard output (default)");
  Example(export_cmd, "  kin export --db shop --out shop.json");

  ImportOptions import_opts;
  auto* import_cmd = app.add_subcommand("import", "Create a new database from a JSON export");
  AddDb(import_cmd, &import_opts.db, "New database directory (absent or empty; built aside and renamed into place)");
  import_cmd->add_option("--in", import_opts.in, "Export file, or - for standard input (default)");
  import_cmd->add_option("--schema", import_opts.schema,
                         "A newer schema to import into (its changes follow the rules of kin migrate)");
  import_cmd->add_flag("--allow-destructive", import_opts.allow_destructive,
                       "With --schema: apply destructive steps too");
  AddSync(import_cmd, &import_opts.sync, &import_opts.sync_interval_ms,
          "Journal sync policy of the new database: always, interval, none");
  Example(import_cmd, "  kin import --db shop-copy --in shop.json");

  CompactOptions compact;
  auto* compact_cmd = app.add_subcommand(
      "compact", "Snapshot the database, keep only that snapshot, drop the journal it covers, report sizes");
  AddDb(compact_cmd, &compact.db);
  Example(compact_cmd, "  kin compact --db shop");

  StatsOptions stats;
  auto* stats_cmd = app.add_subcommand("stats", "Records per model, links per relation, memory and file sizes");
  AddDb(stats_cmd, &stats.db);
  stats_cmd->add_flag("--json", stats.json, "Print the statistics as JSON");
  Example(stats_cmd, "  kin stats --db shop --json");

  RestoreOptions restore;
  auto* restore_cmd = app.add_subcommand(
      "restore", "Point-in-time restore: a snapshot plus the journal up to a record or a time, as a new database");
  restore_cmd->add_option("snapshot", restore.snapshot,
                          "Snapshot file to start from (default: the newest of --from-db that the point follows)");
  AddDb(restore_cmd, &restore.db, "New database directory (absent or empty; built aside and renamed into place)");
  auto* to_opt = restore_cmd->add_option("--to", restore.to, "Last journal record to apply (default: all of them)");
  restore_cmd
      ->add_option("--to-time", restore.to_time,
                   "Apply the calls committed at or before this UTC time (2026-12-06T18:40:01.123456Z)")
      ->excludes(to_opt);
  restore_cmd->add_option("--from-db", restore.from_db,
                          "Database whose journal is replayed (default: the one the snapshot is in)");
  Example(restore_cmd,
          "  kin restore --from-db shop --to-time 2026-12-06T18:40:00Z --db shop-before\n"
          "  kin restore shop/snapshots/snapshot-00000000000000000007.snap --db shop-at-9 --to 9");
  BackupOptions backup;
  auto* backup_cmd = app.add_subcommand(
      "backup", "Copy a database, consistently, into a new directory while it may be in use by another process");
  AddDb(backup_cmd, &backup.db);
  backup_cmd->add_option("--out", backup.out, "New database directory (absent or empty; built aside and renamed)")
      ->required();
  Example(backup_cmd, "  kin backup --db shop --out /backups/shop-2026-12-06");

  if (UnknownSubcommand(&app, argc, argv, 1)) return kExitUsage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help, or the error and a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (*exec_cmd) return RunExec(exec);
  if (*shell_cmd) return RunShell(shell);
  if (*demo_cmd) return RunDemo(demo);
  if (*snapshot_cmd) return RunSnapshot(snapshot);
  if (*verify_cmd) return RunVerify(verify);
  if (*list_cmd) return RunJournalList(journal_list);
  if (*dump_cmd) return RunJournalDump(journal_dump);
  if (*feed_cmd) return RunFeed(feed);
  if (*migrate_cmd) return RunMigrate(migrate);
  if (*export_cmd) return RunExport(export_opts);
  if (*import_cmd) return RunImport(import_opts);
  if (*compact_cmd) return RunCompact(compact);
  if (*stats_cmd) return RunStats(stats);
  if (*restore_cmd) return RunRestore(restore);
  if (*backup_cmd) return RunBackup(backup);
  return kExitOk;
}
