#include "tools/shell_session.h"

#include <algorithm>

#include "api/database_access.h"
#include "api/json_lines.h"
#include "api/schema_json.h"
#include "tools/suggest.h"

namespace kin::tools {

namespace {

using OJson = nlohmann::ordered_json;

const char* const kHelp = R"(Calls: a method name, then its arguments as JSON values, in JavaScript order:
  createStores {"id": "s1", "name": "Main"}
  createProducts {"title": "Shirt", "store_id": "s1"}
  listProducts {"title": "Shirt"} {"take": 5, "order": {"title": "ASC"}}
  retrieveStore "s1" {"relations": ["products"]}
A line that starts with { is a request of `kin exec`'s JSON-lines protocol:
  {"transaction": [{"call": "createStores", "args": [{"id": "s2"}]}]}
JSON may go on over several lines: the shell reads on while a { or [ is open.
Lines that start with # are comments. Tab completes methods and commands.

.help                      this text
.models                    the models, their record counts and methods
.schema [MODEL]            the schema as JSON, or one model's part of it
.snapshot                  write a snapshot, drop the journal it covers
.stats                     records per model, journal figures
.mode [pretty|json|table]  how results are shown
.explain CALL              how a list or listAndCount call finds its records:
                           its plan and how much it read, e.g.
                           .explain listProducts {"store_id": "s1"} {"take": 5}
.quit, .exit               leave (Ctrl-D at the prompt too)
)";

const char* const kOperations[] = {"retrieve", "list", "listAndCount", "create",
                                   "update", "delete", "softDelete", "restore"};

std::vector<std::string> MethodsOf(const ModelDef& m) {
  std::vector<std::string> names;
  for (const char* op : kOperations) names.push_back(op + (op == std::string_view("retrieve") ? m.singular : m.plural));
  return names;
}

// A message, then the nearest candidate to `word` if there is one.
std::string WithSuggestion(std::string message, std::string_view word, const std::vector<std::string>& candidates) {
  std::string hint = DidYouMean(word, candidates);
  if (hint.empty()) return message;
  if (!message.empty() && message.back() != '.') message += '.';
  return message + hint;
}

struct RecordCounts {
  uint64_t live = 0, soft_deleted = 0;
};

// A model's records, counted as listAndCount<Models> counts them.
Result<RecordCounts> CountRecords(Database& db, const ModelDef& m) {
  const std::string method = "listAndCount" + m.plural;
  auto count = [&](bool with_deleted) -> Result<uint64_t> {
    OJson config = OJson::object();
    config["take"] = 0;
    if (with_deleted) config["withDeleted"] = true;
    OJson args = OJson::array();
    args.push_back(OJson::object());
    args.push_back(std::move(config));
    KIN_ASSIGN_OR_RETURN(OJson page, db.Call(method, args));
    return page.at(1).get<uint64_t>();
  };
  KIN_ASSIGN_OR_RETURN(uint64_t live, count(false));
  KIN_ASSIGN_OR_RETURN(uint64_t all, count(true));
  return RecordCounts{live, all - live};
}

std::string Join(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

}  // namespace

ShellSession::ShellSession(Database& db, FILE* out, FILE* err, bool colour, bool in_memory)
    : db_(db), out_(out), err_(err), colour_(colour), in_memory_(in_memory) {
  for (const auto& m : db_.schema().models()) {
    models_.push_back(m.name);
    for (auto& name : MethodsOf(m)) methods_.push_back(std::move(name));
  }
  dot_commands_ = {".help", ".models", ".schema", ".snapshot", ".stats", ".mode", ".explain", ".quit", ".exit"};
  words_ = methods_;
  words_.insert(words_.end(), dot_commands_.begin(), dot_commands_.end());
}

std::string ShellSession::Banner(const std::string& where) const {
  std::string models = models_.empty() ? "no models" : Join(models_, ", ");
  return "kin " KIN_VERSION " shell on " + where + (in_memory_ ? " (in memory: nothing is kept)" : "") +
         "\nModels: " + models + ". Type .help for help, .quit to leave.\n";
}

bool ShellSession::Run(std::string_view text) {
  size_t error_offset = 0;
  auto cmd = ParseShellCommand(text, &error_offset);
  if (!cmd.ok()) {
    // Point at the spot when the command is one line short enough to show.
    if (text.find('\n') == std::string_view::npos && text.size() <= 200)
      std::fprintf(err_, "  %.*s\n  %*s^\n", static_cast<int>(text.size()), text.data(),
                   static_cast<int>(error_offset), "");
    return Fail(cmd.status());
  }
  switch (cmd->kind) {
    case ShellCommand::Kind::kNothing: return true;
    case ShellCommand::Kind::kDot: return Dot(*cmd);
    case ShellCommand::Kind::kCall: return Call(*cmd);
    case ShellCommand::Kind::kRequest: return Request(*cmd);
    case ShellCommand::Kind::kExplain: return Explain(*cmd);
  }
  return true;
}

bool ShellSession::Call(const ShellCommand& cmd) {
  auto r = db_.CallText(cmd.name, cmd.args);
  if (r.ok()) return PrintText(*r);
  if (r.status().type() == ErrorType::kInvalidArgument &&
      std::find(methods_.begin(), methods_.end(), cmd.name) == methods_.end())
    return Fail(Status::InvalidArgument(WithSuggestion(r.status().message(), cmd.name, methods_)));
  return Fail(r.status());
}

bool ShellSession::Request(const ShellCommand& cmd) {
  bool ok = false;
  std::string response = HandleRequestLine(db_, cmd.request, &ok);
  OJson j;
  JsonSyntaxError syntax;
  if (!ParseJsonText(response, &j, &syntax))  // the protocol writes JSON; this is a bug if reached
    return Fail(Status::DatabaseError("The response is not JSON: " + syntax.reason));
  if (ok) {
    std::fputs(FormatResult(j["result"], mode_).c_str(), out_);
    return true;
  }
  const OJson& e = j["error"];
  ErrorType type = ErrorType::kInvalidArgument;
  for (ErrorType t : {ErrorType::kNotFound, ErrorType::kInvalidData, ErrorType::kNotAllowed,
                      ErrorType::kInvalidArgument, ErrorType::kDatabaseError})
    if (e.value("type", "") == ErrorTypeName(t)) type = t;
  std::string context;
  if (e.contains("call")) {
    size_t i = e["call"].get<size_t>();
    context = "transaction call " + std::to_string(i);
    OJson req;
    if (ParseJsonText(cmd.request, &req, &syntax) && req["transaction"].is_array() && i < req["transaction"].size() &&
        req["transaction"][i].is_object() && req["transaction"][i].value("call", OJson()).is_string())
      context += " (" + req["transaction"][i]["call"].get<std::string>() + ")";
  }
  return Fail(Status::Error(type, e.value("message", "")), context);
}

bool ShellSession::Dot(const ShellCommand& cmd) {
  const std::string& name = cmd.name;
  if (name == "help") return Help();
  if (name == "models") return Models();
  if (name == "schema") return Schema(cmd.words);
  if (name == "snapshot") {
    Status s = db_.Snapshot();
    if (!s.ok()) return Fail(s);
    std::fputs("snapshot written\n", out_);
    return true;
  }
  if (name == "stats") return Stats();
  if (name == "mode") return Mode(cmd.words);
  if (name == "quit" || name == "exit") {
    quit_ = true;
    return true;
  }
  return Fail(Status::InvalidArgument("Unknown command \"." + name + "\"." + DidYouMean("." + name, dot_commands_) +
                                      " Type .help for the list."));
}

bool ShellSession::Explain(const ShellCommand& cmd) {
  const ModelDef* model = nullptr;
  bool count = false;
  std::vector<std::string> lists;
  for (const auto& m : db_.schema().models()) {
    lists.push_back("list" + m.plural);
    lists.push_back("listAndCount" + m.plural);
    if (cmd.name == lists[lists.size() - 2]) model = &m;
    if (cmd.name == lists.back()) model = &m, count = true;
  }
  if (!model)
    return Fail(Status::InvalidArgument(WithSuggestion(
        ".explain takes a list or listAndCount call, not \"" + cmd.name + "\"", cmd.name, lists)));
  if (cmd.args.size() > 2) return Fail(Status::InvalidArgument("Too many arguments: the method takes at most 2"));
  static const OJson kNone;
  const OJson& filters = cmd.args.size() > 0 ? cmd.args[0] : kNone;
  const OJson& config = cmd.args.size() > 1 ? cmd.args[1] : kNone;
  auto report = db_.Read().Explain(model->id, filters, config, count);
  if (!report.ok()) return Fail(report.status());
  if (mode_ == OutputMode::kJson) {
    OJson j = {{"plan", report->plan}, {"examined", report->examined}, {"rows", report->rows}};
    if (count) j["count"] = report->count;
    std::fprintf(out_, "%s\n", j.dump().c_str());
    return true;
  }
  std::fprintf(out_, "plan: %s\nread: %zu %s\nrows: %zu", report->plan.c_str(), report->examined,
               report->examined == 1 ? "record or index entry" : "records and index entries", report->rows);
  if (count) std::fprintf(out_, " of %zu matching", report->count);
  std::fputs("\n", out_);
  return true;
}

bool ShellSession::Help() {
  std::fputs(kHelp, out_);
  std::fprintf(out_, "\nResults are shown as %s now.\n", OutputModeName(mode_));
  return true;
}

bool ShellSession::Models() {
  for (const auto& m : db_.schema().models()) {
    auto counts = CountRecords(db_, m);
    if (!counts.ok()) return Fail(counts.status());
    std::fprintf(out_, "%s (%llu %s): %s\n", m.name.c_str(), static_cast<unsigned long long>(counts->live),
                 counts->live == 1 ? "record" : "records", Join(MethodsOf(m), " ").c_str());
  }
  if (models_.empty()) std::fputs("(no models)\n", out_);
  return true;
}

bool ShellSession::Schema(const std::vector<std::string>& words) {
  if (words.size() > 1) return Fail(Status::InvalidArgument("Usage: .schema [MODEL]"));
  OJson schema = api::SchemaDraftToJson(db_.schema().draft());
  if (words.empty()) {
    std::fprintf(out_, "%s\n", schema.dump(2).c_str());
    return true;
  }
  const std::string& model = words[0];
  if (!db_.schema().FindModel(model).valid())
    return Fail(Status::InvalidArgument("Unknown model \"" + model + "\"." + DidYouMean(model, models_)));
  const ModelDef& m = db_.schema().model(db_.schema().FindModel(model));
  std::fprintf(out_, "%s\nmethods: %s\n", OJson{{model, schema["models"][model]}}.dump(2).c_str(),
               Join(MethodsOf(m), " ").c_str());
  return true;
}

bool ShellSession::Stats() {
  const DatabaseStats stats = db_.Stats();
  size_t width = 0;
  for (const auto& m : stats.models) width = std::max(width, m.name.size());
  for (const auto& m : stats.models)
    std::fprintf(out_, "%-*s  live %llu  soft-deleted %llu\n", static_cast<int>(width), m.name.c_str(),
                 static_cast<unsigned long long>(m.live), static_cast<unsigned long long>(m.soft_deleted));
  std::fprintf(out_, "links: %llu\nmemory: %llu bytes reserved for records and indexes\n",
               static_cast<unsigned long long>(stats.links), static_cast<unsigned long long>(stats.memory_bytes));
  if (in_memory_) {
    std::fputs("journal: none (in memory)\n", out_);
    return true;
  }
  std::string snapshot = "none";
  if (stats.snapshot_seq != 0) snapshot = "covers records before " + std::to_string(stats.snapshot_seq);
  std::fprintf(out_,
               "journal: %llu segments, %llu bytes, next record %llu; %llu records written and %llu flushes "
               "since the shell opened it\nsnapshot: %s\n",
               static_cast<unsigned long long>(stats.journal_segments),
               static_cast<unsigned long long>(stats.journal_bytes), static_cast<unsigned long long>(stats.next_seq),
               static_cast<unsigned long long>(stats.journal_records),
               static_cast<unsigned long long>(stats.journal_syncs),
               snapshot.c_str());
  return true;
}

bool ShellSession::Mode(const std::vector<std::string>& words) {
  if (words.empty()) {
    std::fprintf(out_, "%s\n", OutputModeName(mode_));
    return true;
  }
  const std::vector<std::string> modes = {"pretty", "json", "table"};
  if (words.size() > 1) return Fail(Status::InvalidArgument("Usage: .mode pretty|json|table"));
  if (!ParseOutputMode(words[0], &mode_))
    return Fail(Status::InvalidArgument("Unknown mode \"" + words[0] + "\"; .mode takes pretty, json or table." +
                                        DidYouMean(words[0], modes)));
  return true;
}

bool ShellSession::PrintText(const std::string& text) {
  if (mode_ == OutputMode::kJson) {
    std::fprintf(out_, "%s\n", text.c_str());
    return true;
  }
  OJson j;
  JsonSyntaxError syntax;
  if (!ParseJsonText(text, &j, &syntax)) return Fail(Status::DatabaseError("The result is not JSON: " + syntax.reason));
  std::fputs(FormatResult(j, mode_).c_str(), out_);
  return true;
}

bool ShellSession::Fail(const Status& status, const std::string& context) {
  std::fflush(out_);
  std::fputs(FormatError(status, colour_, context).c_str(), err_);
  std::fflush(err_);
  return false;
}

}  // namespace kin::tools
