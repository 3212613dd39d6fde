// `kin shell`: an interactive session on a database, or a script of shell commands
// read from a file or a pipe (shell_session.h says what a command is).
//
//   $ kin shell --db shop --schema shop.json
//   kin> createStores {"id": "s1", "name": "Main"}
//   kin> listProducts {"store_id": "s1"} {"take": 5}
//   kin> .mode table
//
// On a terminal, lines are read with libedit: editing, history kept in
// ~/.kin_history (or $KIN_HISTORY), tab completion of methods and dot commands.
// Errors are red on a terminal (unless $NO_COLOR is set) and plain otherwise.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include <editline/readline.h>

#include "api/limits.h"
#include "api/schema_json.h"
#include "persistence/journal.h"
#include "tools/commands.h"
#include "tools/progress.h"
#include "tools/shell_session.h"

namespace kin::tools {

namespace {

constexpr const char* kPrompt = "kin> ";
constexpr const char* kMorePrompt = "...> ";
constexpr int kHistoryLines = 1000;

// Reads one line into *line, without its newline; false at the end of input.
class LineSource {
 public:
  virtual ~LineSource() = default;
  virtual bool Read(const char* prompt, std::string* line) = 0;
};

class StreamSource : public LineSource {
 public:
  explicit StreamSource(std::istream& in) : in_(in) {}
  bool Read(const char*, std::string* line) override {
    if (!std::getline(in_, *line)) return false;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    return true;
  }

 private:
  std::istream& in_;
};

// libedit's completion asks C callbacks; they read the words of the one session.
const std::vector<std::string>* g_completion_words = nullptr;

char* CompletionCandidate(const char* prefix, int state) {
  static size_t next;
  if (state == 0) next = 0;
  const size_t n = std::strlen(prefix);
  while (g_completion_words && next < g_completion_words->size()) {
    const std::string& w = (*g_completion_words)[next++];
    if (w.compare(0, n, prefix) == 0) return strdup(w.c_str());
  }
  return nullptr;
}

char** Complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  if (start != 0) return nullptr;    // only the first word: a method or a dot command
  return rl_completion_matches(text, CompletionCandidate);
}

// Line editing and history on a terminal (libedit). One per process.
class TerminalSource : public LineSource {
 public:
  explicit TerminalSource(const std::vector<std::string>& words) {
    const char* file = std::getenv("KIN_HISTORY");
    const char* home = std::getenv("HOME");
    if (file && *file) history_ = file;
    else if (home && *home) history_ = std::string(home) + "/.kin_history";
    rl_readline_name = "kin";
    g_completion_words = &words;
    rl_attempted_completion_function = Complete;
    using_history();
    stifle_history(kHistoryLines);
    if (!history_.empty()) read_history(history_.c_str());
  }
  ~TerminalSource() override { g_completion_words = nullptr; }
  bool Read(const char* prompt, std::string* line) override {
    char* text = readline(prompt);
    if (!text) {
      std::fputc('\n', stdout);
      return false;
    }
    *line = text;
    std::free(text);
    return true;
  }
  // Keeps a command (its lines joined by spaces) for the up arrow and, written to
  // the history file at once, for the next session even if this one is killed.
  void Remember(const std::string& command) {
    std::string one_line = command;
    for (char& c : one_line)
      if (c == '\n') c = ' ';
    if (one_line.find_first_not_of(" \t") == std::string::npos) return;
    add_history(one_line.c_str());
    if (!history_.empty()) write_history(history_.c_str());
  }

 private:
  std::string history_;
};

bool ColourOn(int fd) {
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && std::getenv("NO_COLOR") == nullptr && !(term && std::strcmp(term, "dumb") == 0);
}

}  // namespace

int RunShell(const ShellOptions& options) {
  OutputMode mode;
  if (!ParseOutputMode(options.mode, &mode)) return Fail("shell", "--mode takes pretty, json or table", kExitUsage);
  if (options.db.empty() && options.schema.empty())
    return Fail("shell", "give --db DIR, or --schema FILE alone for a database in memory", kExitUsage);
  std::string schema_text;
  if (!options.schema.empty() && !ReadTextFile(options.schema, &schema_text)) return kExitUsage;
  std::unique_ptr<Database> db;
  if (options.db.empty()) {
    auto schema = api::SchemaFromText(schema_text);
    if (!schema.ok()) return Fail("shell", schema.status());
    auto opened = Database::OpenInMemory(*schema);
    if (!opened.ok()) return Fail("shell", opened.status());
    db = std::move(opened).value();
  } else {
    Options db_options;
    db_options.keep_snapshots = options.keep_snapshots;
    if (!persistence::ParseSyncPolicy(options.sync, &db_options.sync))
      return Fail("shell", "--sync must be always, interval or none", kExitUsage);
    auto opened = options.schema.empty() ? Database::Open(options.db, db_options)
                                         : Database::Open(options.db, schema_text, db_options);
    if (!opened.ok()) return Fail("shell", opened.status());
    db = std::move(opened).value();
    if (!db->open_notice().empty()) std::fprintf(stderr, "kin shell: %s", db->open_notice().c_str());
  }

  std::ifstream file;
  if (!options.script.empty() && options.script != "-") {
    file.open(options.script, std::ios::binary);
    if (!file) return Fail("shell", "cannot read " + options.script, kExitUsage);
  }
  const bool interactive = !file.is_open() && ::isatty(STDIN_FILENO) == 1;
  ShellSession session(*db, stdout, stderr, ColourOn(STDERR_FILENO), options.db.empty());
  session.set_mode(mode);
  std::unique_ptr<LineSource> source;
  TerminalSource* terminal = nullptr;
  if (interactive) {
    auto t = std::make_unique<TerminalSource>(session.words());
    terminal = t.get();
    source = std::move(t);
    std::fputs(session.Banner(options.db.empty() ? "a new database" : options.db).c_str(), stdout);
  } else {
    source = std::make_unique<StreamSource>(file.is_open() ? static_cast<std::istream&>(file) : std::cin);
  }

  uint64_t failed = 0;
  std::string line, command;
  while (!session.quit() && source->Read(kPrompt, &line)) {
    command = line;
    while (NeedsMoreInput(command) && command.size() <= kMaxRequestLineBytes && source->Read(kMorePrompt, &line))
      command += "\n" + line;
    if (terminal) terminal->Remember(command);
    bool ok = command.size() > kMaxRequestLineBytes ? session.Refuse(api::CheckRequestLineSize(command.size()))
                                                    : session.Run(command);
    std::fflush(stdout);
    if (!ok) {
      ++failed;
      if (options.bail && !interactive) break;
    }
  }
  return interactive || failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace kin::tools
