#include "api/json_lines.h"

#include <algorithm>
#include <cstdint>
#include <span>

#include "api/limits.h"
#include "api/request_reader.h"

namespace kin {

namespace {

std::string Quote(const std::string& s) { return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace); }

constexpr size_t kNoCall = SIZE_MAX;

// The answer line; a message is cut to kMaxMessageBytes, whatever produced it.
// `failed_call`: the index of a transaction's call that failed, or kNoCall.
std::string Respond(const Json* id, Result<std::string>&& r, size_t failed_call = kNoCall) {
  std::string out = "{";
  if (id) out += "\"id\":" + id->dump(-1, ' ', false, Json::error_handler_t::replace) + ",";
  if (r.ok()) {
    std::string& result = r.value();
    out.reserve(out.size() + result.size() + 22);
    out += "\"ok\":true,\"result\":";
    out += result;
    std::string().swap(result);
    return out += "}";
  }
  const Status status = api::BoundMessage(r.status());
  out += "\"ok\":false,\"error\":{\"type\":\"" + std::string(ErrorTypeName(status.type())) +
         "\",\"message\":" + Quote(status.message());
  if (failed_call != kNoCall) out += ",\"call\":" + std::to_string(failed_call);
  return out + "}}";
}

// The call's method and arguments, moved out of `j` (the request is not kept twice).
Result<CallRequest> ReadCall(Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("A call is an object {\"call\": \"method\", \"args\": [...]}");
  auto call = j.find("call");
  if (call == j.end() || !call->is_string())
    return Status::InvalidArgument("A request needs \"call\" (a method name) or \"transaction\"");
  auto args = j.find("args");
  if (args != j.end() && !args->is_array())
    return Status::InvalidArgument("\"args\" must be an array of the method's arguments");
  for (const auto& [key, v] : j.items())
    if (key != "call" && key != "args" && key != "id")
      return Status::InvalidArgument("Unknown request field \"" + api::QuoteInput(key) + "\"");
  CallRequest req(std::move(call->get_ref<std::string&>()));
  if (args != j.end()) req = CallRequest(std::move(req.method), std::move(*args));
  return req;
}

// Releases the arguments of calls when it goes (api::ReleaseJson): each request's
// arguments are held by it alone, and CallRequest makes them as a non-const Json,
// so emptying them through the const view is allowed.
struct ReleasedArgs {
  std::span<CallRequest> calls;
  ~ReleasedArgs() {
    for (auto& call : calls)
      if (call.args && call.args.use_count() == 1) api::ReleaseJson(const_cast<Json&>(*call.args));
  }
};

Result<std::string> Dispatch(Database& db, Json& j, size_t* failed_call) {
  if (!j.is_object()) return Status::InvalidArgument("A request line must be a JSON object");
  auto tx = j.find("transaction");
  if (tx == j.end()) {
    KIN_ASSIGN_OR_RETURN(CallRequest req, ReadCall(j));
    ReleasedArgs release{std::span<CallRequest>(&req, 1)};
    return db.CallText(req.method, req.arguments());
  }
  if (!tx->is_array()) return Status::InvalidArgument("\"transaction\" must be an array of calls");
  for (const auto& [key, v] : j.items())
    if (key != "transaction" && key != "id")
      return Status::InvalidArgument("Unknown request field \"" + api::QuoteInput(key) + "\"");
  std::vector<CallRequest> calls;
  calls.reserve(tx->size());
  ReleasedArgs release{calls};
  for (auto& c : *tx) {
    auto req = ReadCall(c);
    if (!req.ok()) {
      *failed_call = calls.size();
      return req.status();
    }
    calls.push_back(std::move(req).value());
    release.calls = calls;
  }
  return db.TransactionText(calls, failed_call);
}

}  // namespace

std::string ErrorResponse(const Status& status) { return Respond(nullptr, Status(status)); }

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
  // The limits come before the parse: nothing is built from a line past them.
  Result<Json> parsed = api::ParseRequestLine(line);
  if (!parsed.ok()) return Respond(nullptr, parsed.status());
  Json& j = parsed.value();
  const Json* id = nullptr;
  if (j.is_object()) {
    auto it = j.find("id");
    if (it != j.end()) id = &*it;
  }
  size_t failed_call = kNoCall;
  std::string response;
  try {
    Result<std::string> r = Dispatch(db, j, &failed_call);
    *ok = r.ok();
    response = Respond(id, std::move(r), *ok ? kNoCall : failed_call);
  } catch (const std::exception& e) {
    *ok = false;
    response = Respond(id, Status::InvalidArgument(std::string("Malformed request: ") + e.what()));
  }
  api::ReleaseJson(j);
  return response;
}

}  // namespace kin
