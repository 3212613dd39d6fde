#include "api/json_lines.h"

#include <algorithm>
#include <cstdint>

#include "api/limits.h"

namespace kin {

namespace {

std::string Quote(const std::string& s) { return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace); }

constexpr size_t kNoCall = SIZE_MAX;

// `failed_call`: the index of a transaction's call that failed, or kNoCall.
std::string Respond(const Json* id, const Result<std::string>& r, size_t failed_call = kNoCall) {
  std::string out = "{";
  if (id) out += "\"id\":" + id->dump(-1, ' ', false, Json::error_handler_t::replace) + ",";
  if (r.ok()) return out + "\"ok\":true,\"result\":" + r.value() + "}";
  out += "\"ok\":false,\"error\":{\"type\":\"" + std::string(ErrorTypeName(r.status().type())) +
         "\",\"message\":" + Quote(r.status().message());
  if (failed_call != kNoCall) out += ",\"call\":" + std::to_string(failed_call);
  return out + "}}";
}

Result<CallRequest> ReadCall(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("A call is an object {\"call\": \"method\", \"args\": [...]}");
  auto call = j.find("call");
  if (call == j.end() || !call->is_string())
    return Status::InvalidArgument("A request needs \"call\" (a method name) or \"transaction\"");
  CallRequest req(call->get<std::string>());
  auto args = j.find("args");
  if (args != j.end()) {
    if (!args->is_array()) return Status::InvalidArgument("\"args\" must be an array of the method's arguments");
    req = CallRequest(std::move(req.method), *args);
  }
  for (const auto& [key, v] : j.items())
    if (key != "call" && key != "args" && key != "id")
      return Status::InvalidArgument("Unknown request field \"" + key + "\"");
  return req;
}

Result<std::string> Dispatch(Database& db, const Json& j, size_t* failed_call) {
  if (!j.is_object()) return Status::InvalidArgument("A request line must be a JSON object");
  auto tx = j.find("transaction");
  if (tx == j.end()) {
    KIN_ASSIGN_OR_RETURN(CallRequest req, ReadCall(j));
    return db.CallText(req.method, req.arguments());
  }
  if (!tx->is_array()) return Status::InvalidArgument("\"transaction\" must be an array of calls");
  for (const auto& [key, v] : j.items())
    if (key != "transaction" && key != "id") return Status::InvalidArgument("Unknown request field \"" + key + "\"");
  std::vector<CallRequest> calls;
  for (const auto& c : *tx) {
    auto req = ReadCall(c);
    if (!req.ok()) {
      *failed_call = calls.size();
      return req.status();
    }
    calls.push_back(std::move(req).value());
  }
  return db.TransactionText(calls, failed_call);
}

}  // namespace

std::string ErrorResponse(const Status& status) { return Respond(nullptr, status); }

bool ParseJsonText(std::string_view text, Json* out, JsonSyntaxError* error) {
  try {
    *out = Json::parse(text.begin(), text.end());
    return true;
  } catch (const Json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, column 2: <reason>".
    std::string what = e.what();
    size_t at = what.find("column ");
    at = at == std::string::npos ? std::string::npos : what.find(": ", at);
    error->reason = at == std::string::npos ? what : what.substr(at + 2);
    error->offset = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
    return false;
  }
}

std::string DescribePosition(std::string_view text, size_t offset) {
  std::string_view before = text.substr(0, std::min(offset, text.size()));
  size_t newlines = static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  if (newlines == 0) return "column " + std::to_string(before.size() + 1);
  return "line " + std::to_string(newlines + 1) + ", column " + std::to_string(before.size() - before.rfind('\n'));
}

std::string HandleRequestLine(Database& db, std::string_view line) {
  bool ok;
  return HandleRequestLine(db, line, &ok);
}

std::string HandleRequestLine(Database& db, std::string_view line, bool* ok) {
  *ok = false;
  // The limits come before the parse: nothing is built from an oversized line.
  if (Status s = api::CheckRequestLineSize(line.size()); !s.ok()) return Respond(nullptr, s);
  if (Status s = api::CheckJsonDepth(line); !s.ok()) return Respond(nullptr, s);
  Json j;
  JsonSyntaxError syntax;
  if (!ParseJsonText(line, &j, &syntax))
    return Respond(nullptr, Status::InvalidArgument("The request is not valid JSON at " +
                                                    DescribePosition(line, syntax.offset) + ": " + syntax.reason));
  const Json* id = nullptr;
  if (j.is_object()) {
    auto it = j.find("id");
    if (it != j.end()) id = &*it;
  }
  size_t failed_call = kNoCall;
  auto run = [&]() -> Result<std::string> {
    try {
      return Dispatch(db, j, &failed_call);
    } catch (const std::exception& e) {
      return Status::InvalidArgument(std::string("Malformed request: ") + e.what());
    }
  };
  Result<std::string> r = run();
  *ok = r.ok();
  return Respond(id, r, r.ok() ? kNoCall : failed_call);
}

}  // namespace kin
