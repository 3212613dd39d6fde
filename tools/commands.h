#pragma once
// The `kin` subcommands. Each returns the process exit code.

#include <string>

namespace kin::tools {

struct ExecOptions {
  std::string db;      // database directory
  std::string sync = "always";  // always | interval | none
  int sync_interval_ms = 100;
  bool repair = false;
  std::string schema;  // schema file; needed only to create the database
  std::string script = "-";  // request lines: a file, or "-" for standard input
};
int RunExec(const ExecOptions& options);

struct SnapshotOptions {
  std::string db;
};
int RunSnapshot(const SnapshotOptions& options);

struct DemoOptions {
  std::string db;  // where to create the demo database; empty = a fresh temporary directory
};
int RunDemo(const DemoOptions& options);

// Reads a whole file; prints an error and returns false when it cannot.
bool ReadTextFile(const std::string& path, std::string* out);

}  // namespace kin::tools
