#include "api/json_lines.h"

#include <span>

#include "api/limits.h"
#include "api/request_reader.h"

namespace kin {

namespace {

std::string Quote(const std::string& s) { return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace); }

// The answer line; a message is cut to kMaxMessageBytes, whatever produced it.
std::string Respond(const Json* id, Result<std::string>&& r) {
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
  return out + "\"ok\":false,\"error\":{\"type\":\"" + ErrorTypeName(status.type()) +
         "\",\"message\":" + Quote(status.message()) + "}}";
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
  CallRequest req;
  req.method = std::move(call->get_ref<std::string&>());
  if (args != j.end()) req.args = std::move(*args);
  return req;
}

// Releases the arguments of calls when it goes (api::ReleaseJson).
struct ReleasedArgs {
  std::span<CallRequest> calls;
  ~ReleasedArgs() {
    for (auto& call : calls) api::ReleaseJson(call.args);
  }
};

Result<std::string> Dispatch(Database& db, Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("A request line must be a JSON object");
  auto tx = j.find("transaction");
  if (tx == j.end()) {
    KIN_ASSIGN_OR_RETURN(CallRequest req, ReadCall(j));
    ReleasedArgs release{std::span<CallRequest>(&req, 1)};
    return db.CallText(req.method, req.args);
  }
  if (!tx->is_array()) return Status::InvalidArgument("\"transaction\" must be an array of calls");
  for (const auto& [key, v] : j.items())
    if (key != "transaction" && key != "id")
      return Status::InvalidArgument("Unknown request field \"" + api::QuoteInput(key) + "\"");
  std::vector<CallRequest> calls;
  calls.reserve(tx->size());
  ReleasedArgs release{calls};
  for (auto& c : *tx) {
    KIN_ASSIGN_OR_RETURN(CallRequest req, ReadCall(c));
    calls.push_back(std::move(req));
    release.calls = calls;
  }
  return db.TransactionText(calls);
}

}  // namespace

std::string ErrorResponse(const Status& status) { return Respond(nullptr, Status(status)); }

std::string HandleRequestLine(Database& db, std::string_view line) {
  // The limits come before the parse: nothing is built from a line past them.
  Result<Json> parsed = api::ParseRequestLine(line);
  if (!parsed.ok()) return Respond(nullptr, parsed.status());
  Json& j = parsed.value();
  const Json* id = nullptr;
  if (j.is_object()) {
    auto it = j.find("id");
    if (it != j.end()) id = &*it;
  }
  std::string response;
  try {
    response = Respond(id, Dispatch(db, j));
  } catch (const std::exception& e) {
    response = Respond(id, Status::InvalidArgument(std::string("Malformed request: ") + e.what()));
  }
  api::ReleaseJson(j);
  return response;
}

}  // namespace kin
