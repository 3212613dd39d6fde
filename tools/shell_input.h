#pragma once
// What the shell reads: a line (or several, while JSON is left open) turned into a
// command. Calls are written as a method name followed by its arguments as JSON
// values, the way the JSON-lines protocol's "args" array holds them:
//
//   listProducts {"title": "Shirt"} {"take": 5}
//   retrieveProduct "prod_01J..." {"relations": ["store"]}
//   .schema Product
//   {"transaction": [{"call": "createStores", "args": [{"name": "A"}]}]}
//
// Stateless functions.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kin/status.h"

namespace kin::tools {

struct ShellCommand {
  enum class Kind {
    kNothing,  // a blank line or a # comment
    kDot,      // .name word...
    kCall,     // method arg...
    kRequest,  // a JSON-lines request object, answered as `kin exec` answers it
    kExplain,  // .explain method arg...: the plan of a list call
  };
  Kind kind = Kind::kNothing;
  std::string name;                // the dot command (without the dot) or the method
  std::vector<std::string> words;  // a dot command's arguments
  nlohmann::ordered_json args = nlohmann::ordered_json::array();  // a call's arguments
  std::string request;             // kRequest: the request text
};

// True when `text` stops with a `{` or `[` still open (outside strings), so the
// shell reads another line before running it. A string left open is not read on:
// JSON strings hold no raw newlines, so the parser reports it at once.
bool NeedsMoreInput(std::string_view text);

// Reads a command. An argument that is not JSON is an invalid_argument naming the
// argument, the parser's reason and where in `text` it stopped ("column 31");
// *error_offset (if given) is set to that byte offset.
Result<ShellCommand> ParseShellCommand(std::string_view text, size_t* error_offset = nullptr);

}  // namespace kin::tools
