// The `kin` command: exec, demo (and, with durability, the directory tools).

#include <CLI/CLI.hpp>

#include "tools/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"kin: an embedded graph database with Medusa-style services"};
  app.require_subcommand(1);

  kin::tools::ExecOptions exec;
  auto* exec_cmd = app.add_subcommand("exec", "Run JSON-lines requests against a database directory");
  exec_cmd->add_option("--db", exec.db, "Database directory")->required();
  exec_cmd->add_option("--schema", exec.schema, "Schema JSON file (needed to create the database)")
      ->check(CLI::ExistingFile);
  exec_cmd->add_option("script", exec.script, "File of request lines, or - for standard input");
  exec_cmd->add_option("--sync", exec.sync, "Journal sync policy: always (default), interval, none")
      ->check(CLI::IsMember({"always", "interval", "none"}));
  exec_cmd->add_option("--sync-interval-ms", exec.sync_interval_ms, "Flush period under --sync interval")
      ->check(CLI::PositiveNumber);
  exec_cmd->add_flag("--repair", exec.repair, "Cut a corrupt journal at its first bad record (bytes kept aside)");

  kin::tools::SnapshotOptions snapshot;
  auto* snapshot_cmd = app.add_subcommand("snapshot", "Write a snapshot of a database and drop the journal it covers");
  snapshot_cmd->add_option("--db", snapshot.db, "Database directory")->required();

  kin::tools::DemoOptions demo;
  auto* demo_cmd = app.add_subcommand("demo", "Walk through the relationship operations step by step");
  demo_cmd->add_option("--db", demo.db, "Directory for the demo database (default: a new temporary one)");

  CLI11_PARSE(app, argc, argv);
  if (*exec_cmd) return kin::tools::RunExec(exec);
  if (*demo_cmd) return kin::tools::RunDemo(demo);
  if (*snapshot_cmd) return kin::tools::RunSnapshot(snapshot);
  return 0;
}
