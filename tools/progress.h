#pragma once
// Terminal output shared by the `kin` directory tools: a progress line on stderr
// (drawn only when stderr is a terminal, at most ten times a second, erased when
// done), error reporting with the tools' exit codes, and byte counts for people.
// Not thread-safe: one Progress per operation, driven from one thread.

#include <chrono>
#include <cstdint>
#include <string>

#include "api/export.h"
#include "kin/status.h"

namespace kin::tools {

// Exit codes of every subcommand.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the operation failed, or verify found problems
constexpr int kExitUsage = 2;    // bad arguments

class Progress {
 public:
  // `label` starts the line ("export"); quiet unless stderr is a terminal.
  explicit Progress(std::string label);
  ~Progress();  // erases the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of `total` records (total 0: unknown).
  void Update(uint64_t done, uint64_t total);
  // A callback for the api functions that report progress.
  api::ProgressFn Fn();
  // Erases the line (before printing results); Update draws it again.
  void Erase();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

// Prints "kin <command>: <message>" on stderr and returns kExitFailure (kExitUsage
// for an invalid_argument status when `usage_on_invalid_argument`).
int Fail(const std::string& command, const Status& status, bool usage_on_invalid_argument = false);
int Fail(const std::string& command, const std::string& message, int exit_code = kExitFailure);

// "1 segment", "3 segments".
std::string Plural(uint64_t n, const char* word);

// "1.5 KiB", "300 B".
std::string FormatBytes(uint64_t bytes);

}  // namespace kin::tools
