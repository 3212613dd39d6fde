#pragma once
// ShellSession: what `kin shell` does with each command it reads, on one open
// database: calls, JSON-lines requests and dot commands (.help, .models, .schema,
// .snapshot, .stats, .mode, .explain, .quit). Owns the output mode; writes results to `out`
// and errors to `err`. Not thread-safe: one session, driven from one thread.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "kin/database.h"
#include "tools/shell_format.h"
#include "tools/shell_input.h"

namespace kin::tools {

class ShellSession {
 public:
  // `colour`: errors in colour (err is a terminal). `in_memory`: nothing is kept.
  ShellSession(Database& db, FILE* out, FILE* err, bool colour, bool in_memory);

  // Runs one command (a line, or lines joined while JSON was open); false when it
  // failed. Errors keep the database's types (docs/errors.md) and name, for an
  // unknown method, model or dot command, the nearest known one.
  bool Run(std::string_view text);

  // Reports an error found before the command could be read (a command too long).
  bool Refuse(const Status& status) { return Fail(status); }

  // .quit or .exit was given.
  bool quit() const { return quit_; }
  void set_mode(OutputMode mode) { mode_ = mode; }
  // The method names of the schema's models and the dot commands, for completion.
  const std::vector<std::string>& words() const { return words_; }
  // Two lines for the start of an interactive session.
  std::string Banner(const std::string& where) const;

 private:
  bool Call(const ShellCommand& cmd);
  bool Request(const ShellCommand& cmd);
  // .explain: runs a list or listAndCount call and prints its plan, not its records.
  bool Explain(const ShellCommand& cmd);
  bool Dot(const ShellCommand& cmd);
  bool Help();
  bool Models();
  bool Schema(const std::vector<std::string>& words);
  bool Stats();
  bool Mode(const std::vector<std::string>& words);
  // Prints a result given as JSON text in the current mode.
  bool PrintText(const std::string& text);
  bool Fail(const Status& status, const std::string& context = "");

  Database& db_;
  FILE* out_;
  FILE* err_;
  bool colour_, in_memory_;
  bool quit_ = false;
  OutputMode mode_ = OutputMode::kPretty;
  std::vector<std::string> methods_, models_, dot_commands_, words_;
};

}  // namespace kin::tools
