#include "api/json_lines.h"

#include "api/limits.h"

namespace kin {

namespace {

std::string Quote(const std::string& s) { return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Respond(const Json* id, const Result<std::string>& r) {
  std::string out = "{";
  if (id) out += "\"id\":" + id->dump(-1, ' ', false, Json::error_handler_t::replace) + ",";
  if (r.ok()) return out + "\"ok\":true,\"result\":" + r.value() + "}";
  return out + "\"ok\":false,\"error\":{\"type\":\"" + ErrorTypeName(r.status().type()) +
         "\",\"message\":" + Quote(r.status().message()) + "}}";
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

Result<std::string> Dispatch(Database& db, const Json& j) {
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
    KIN_ASSIGN_OR_RETURN(CallRequest req, ReadCall(c));
    calls.push_back(std::move(req));
  }
  return db.TransactionText(calls);
}

}  // namespace

std::string ErrorResponse(const Status& status) { return Respond(nullptr, status); }

std::string HandleRequestLine(Database& db, std::string_view line) {
  // The limits come before the parse: nothing is built from an oversized line.
  if (Status s = api::CheckRequestLineSize(line.size()); !s.ok()) return Respond(nullptr, s);
  if (Status s = api::CheckJsonDepth(line); !s.ok()) return Respond(nullptr, s);
  Json j = Json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return Respond(nullptr, Status::InvalidArgument("The request is not valid JSON"));
  const Json* id = nullptr;
  if (j.is_object()) {
    auto it = j.find("id");
    if (it != j.end()) id = &*it;
  }
  try {
    return Respond(id, Dispatch(db, j));
  } catch (const std::exception& e) {
    return Respond(id, Status::InvalidArgument(std::string("Malformed request: ") + e.what()));
  }
}

}  // namespace kin
