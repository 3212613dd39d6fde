#include "tools/shell_input.h"

#include <algorithm>

#include "api/json_lines.h"

namespace kin::tools {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

constexpr size_t kUnclosed = std::string_view::npos;

// The dot command whose arguments are a call, read as a call is.
constexpr std::string_view kExplain = ".explain";

// The end of the word that starts at text[pos]: the next space, or the text's end.
size_t WordEnd(std::string_view text, size_t pos) {
  while (pos < text.size() && !IsSpace(text[pos])) ++pos;
  return pos;
}

// The end of the string that starts at text[pos] == '"' (one past its closing
// quote), or kUnclosed.
size_t StringEnd(std::string_view text, size_t pos) {
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (text[i] == '\\') ++i;
    else if (text[i] == '"') return i + 1;
  }
  return kUnclosed;
}

// The end of the JSON value that starts at text[pos]: an object or array runs to
// its matching bracket, a string to its closing quote, anything else to the next
// space. Unclosed values run to the end of the text (the parser then says why).
size_t ValueEnd(std::string_view text, size_t pos) {
  if (text[pos] == '"') return std::min(StringEnd(text, pos), text.size());
  if (text[pos] != '{' && text[pos] != '[') {
    while (pos < text.size() && !IsSpace(text[pos])) ++pos;
    return pos;
  }
  int depth = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t end = StringEnd(text, i);
      if (end == kUnclosed) break;
      i = end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return text.size();
}

size_t SkipSpaces(std::string_view text, size_t pos) {
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  return pos;
}

}  // namespace

bool NeedsMoreInput(std::string_view text) {
  size_t start = SkipSpaces(text, 0);
  if (start == text.size() || text[start] == '#') return false;
  // A dot command is one line, but for .explain, whose call reads on as any call does.
  if (text[start] == '.' && text.substr(start, WordEnd(text, start) - start) != kExplain) return false;
  int depth = 0;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t end = StringEnd(text, i);
      if (end == kUnclosed) return false;  // a JSON string never spans lines: the parser says so
      i = end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return depth > 0;
}

namespace {

// Reads a call, a method name and its JSON arguments, from text[pos] on into *cmd.
Status ParseCall(std::string_view text, size_t pos, ShellCommand* cmd, size_t* error_offset) {
  size_t end = WordEnd(text, pos);
  cmd->name = std::string(text.substr(pos, end - pos));
  for (pos = SkipSpaces(text, end); pos < text.size(); pos = SkipSpaces(text, end)) {
    end = ValueEnd(text, pos);
    std::string_view value = text.substr(pos, end - pos);
    Json arg;
    JsonSyntaxError syntax;
    if (!ParseJsonText(value, &arg, &syntax)) {
      size_t at = pos + syntax.offset;
      if (error_offset) *error_offset = at;
      return Status::InvalidArgument("Argument " + std::to_string(cmd->args.size() + 1) + " of " + cmd->name +
                                     " is not valid JSON at " + DescribePosition(text, at) + ": " + syntax.reason);
    }
    cmd->args.push_back(std::move(arg));
  }
  return Status::Ok();
}

}  // namespace

Result<ShellCommand> ParseShellCommand(std::string_view text, size_t* error_offset) {
  ShellCommand cmd;
  size_t pos = SkipSpaces(text, 0);
  if (pos == text.size() || text[pos] == '#') return cmd;
  if (text[pos] == '{') {
    cmd.kind = ShellCommand::Kind::kRequest;
    cmd.request = std::string(text.substr(pos));
    return cmd;
  }
  size_t end = WordEnd(text, pos);
  std::string_view head = text.substr(pos, end - pos);
  if (head == kExplain) {
    pos = SkipSpaces(text, end);
    if (pos == text.size() || text[pos] == '{')
      return Status::InvalidArgument("Usage: .explain listMODELS|listAndCountMODELS [FILTERS] [CONFIG]");
    cmd.kind = ShellCommand::Kind::kExplain;
    KIN_RETURN_IF_ERROR(ParseCall(text, pos, &cmd, error_offset));
    return cmd;
  }
  if (head[0] == '.') {
    cmd.kind = ShellCommand::Kind::kDot;
    cmd.name = std::string(head.substr(1));
    for (pos = SkipSpaces(text, end); pos < text.size(); pos = SkipSpaces(text, end)) {
      end = WordEnd(text, pos);
      cmd.words.emplace_back(text.substr(pos, end - pos));
    }
    return cmd;
  }
  cmd.kind = ShellCommand::Kind::kCall;
  KIN_RETURN_IF_ERROR(ParseCall(text, pos, &cmd, error_offset));
  return cmd;
}

}  // namespace kin::tools
