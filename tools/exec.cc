// `kin exec`: the JSON-lines protocol over a database directory (SPEC.md section 9).

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/json_lines.h"
#include "api/limits.h"
#include "persistence/journal.h"
#include "tools/commands.h"

namespace kin::tools {

namespace {

enum class LineRead { kLine, kTooLong, kEnd };

// Reads the next line of `in` into `line`, without its "\n" (and "\r"). A line of
// more than `max_bytes` is read to its end but not kept: at most `max_bytes` + 1
// bytes of it are ever held, plus one chunk. Reads no further than the newline, so
// a program driving `kin exec` through a pipe gets its answer before it sends the
// next line.
LineRead ReadLine(std::istream& in, size_t max_bytes, std::string& line) {
  line.clear();
  bool too_long = false, any = false;
  char chunk[1 << 16];
  while (true) {
    in.getline(chunk, sizeof chunk);  // stops at a newline (consumed), the end, or a full chunk
    size_t n = static_cast<size_t>(in.gcount());
    bool at_end = in.eof();
    bool full = !at_end && in.fail();
    if (at_end && n == 0 && !any) return LineRead::kEnd;
    any = true;
    size_t stored = at_end || full ? n : n - 1;  // a consumed newline is counted, not stored
    if (!too_long && line.size() + stored > max_bytes + 1) {  // + 1: room for a "\r"
      too_long = true;
      std::string().swap(line);
    }
    if (!too_long) line.append(chunk, stored);
    if (!full) break;
    in.clear();
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return too_long || line.size() > max_bytes ? LineRead::kTooLong : LineRead::kLine;
}

}  // namespace

bool ReadTextFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "kin: cannot read %s\n", path.c_str());
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int RunExec(const ExecOptions& options) {
  std::string schema_text;
  if (!options.schema.empty() && !ReadTextFile(options.schema, &schema_text)) return 2;
  Options db_options;
  if (!persistence::ParseSyncPolicy(options.sync, &db_options.sync)) {
    std::fprintf(stderr, "kin exec: --sync must be always, interval or none\n");
    return 2;
  }
  db_options.sync_interval_ms = options.sync_interval_ms;
  db_options.repair = options.repair;
  db_options.keep_snapshots = options.keep_snapshots;
  auto db = options.schema.empty() ? Database::Open(options.db, db_options)
                                   : Database::Open(options.db, schema_text, db_options);
  if (!db.ok()) {
    std::fprintf(stderr, "kin exec: %s\n", db.status().ToString().c_str());
    return 1;
  }
  if (!(*db)->open_notice().empty()) std::fprintf(stderr, "kin exec: %s", (*db)->open_notice().c_str());
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.script != "-") {
    file.open(options.script, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "kin exec: cannot read %s\n", options.script.c_str());
      return 2;
    }
    in = &file;
  }
  std::string line;
  uint64_t failed = 0;
  for (LineRead read; (read = ReadLine(*in, kMaxRequestLineBytes, line)) != LineRead::kEnd;) {
    std::string response;
    bool ok = false;
    if (read == LineRead::kTooLong) {
      response = ErrorResponse(api::CheckRequestLineSize(kMaxRequestLineBytes + 1));
    } else if (line.find_first_not_of(" \t") == std::string::npos) {
      continue;  // blank lines are not requests
    } else {
      response = HandleRequestLine(**db, line, &ok);
    }
    response.push_back('\n');
    std::fwrite(response.data(), 1, response.size(), stdout);
    std::fflush(stdout);
    if (!ok) {
      ++failed;
      if (options.bail) break;
    }
  }
  return failed == 0 ? 0 : 1;
}

int RunSnapshot(const SnapshotOptions& options) {
  Options db_options;
  db_options.keep_snapshots = options.keep_snapshots;
  auto db = Database::Open(options.db, db_options);
  if (!db.ok()) {
    std::fprintf(stderr, "kin snapshot: %s\n", db.status().ToString().c_str());
    return 1;
  }
  Status s = (*db)->Snapshot();
  if (!s.ok()) {
    std::fprintf(stderr, "kin snapshot: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("snapshot written in %s/snapshots\n", options.db.c_str());
  return 0;
}

}  // namespace kin::tools
