// kin against answers recorded from real Medusa (tests/conformance/medusa/*.json,
// README.md there). Each scenario runs on a fresh in-memory database of its fixture;
// each step's answer, normalized the way the recordings are (timestamps, generated
// ids, an error's type and message), must equal Medusa's, or the step's "kin"
// answer where kin differs on purpose (the step's "why" says how). Objects compare
// by their keys, as the oracle's comparison does with --loose: a key only Medusa
// has is skipped when it holds a reference stub (a relation not asked for), a key
// only kin has is skipped when it is null. Needs neither Node nor PostgreSQL.

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/api/test_util.h"

namespace {

using kin::Json;
using kin::testing::OpenFixture;
using kin::testing::ReadFile;

std::string RecordingsDir() { return std::string(KIN_SOURCE_DIR) + "/tests/conformance/medusa"; }

struct Recording {
  std::string file;
  Json doc;
};

std::vector<Recording> Recordings() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(RecordingsDir()))
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<Recording> out;
  for (const auto& path : paths) {
    INFO(path);
    Json doc = Json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
    REQUIRE(doc.is_object());
    REQUIRE(doc.at("scenarios").is_array());
    out.push_back({std::filesystem::path(path).filename().string(), std::move(doc)});
  }
  return out;
}

// Timestamps in created_at/updated_at/deleted_at become "<ts>"; a generated id
// (an optional lower-case prefix and "_", then a 26-character ULID) "<ulid:prefix_>".
Json Normalize(const Json& v, const std::string& key = "") {
  static const std::regex ulid("^([a-z]+_)?[0-9A-HJKMNP-TV-Z]{26}$");
  static const std::regex ts(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");
  if (v.is_object()) {
    Json out = Json::object();
    for (const auto& [k, x] : v.items()) out[k] = Normalize(x, k);
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& x : v) out.push_back(Normalize(x));
    return out;
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if ((key == "created_at" || key == "updated_at" || key == "deleted_at") && std::regex_match(s, ts)) return "<ts>";
    std::smatch m;
    if (std::regex_match(s, m, ulid)) return "<ulid:" + m[1].str() + ">";
  }
  return v;
}

// What Medusa prints for a relation that was not loaded: {id} (plus foreign keys),
// null, or a list of those (an empty list included).
bool IsStub(const Json& v) {
  if (v.is_null()) return true;
  if (v.is_array())
    return std::all_of(v.begin(), v.end(), [](const Json& x) { return x.is_object() && IsStub(x); });
  if (!v.is_object() || !v.contains("id")) return false;
  for (const auto& [k, x] : v.items()) {
    bool fk = k.size() > 3 && k.compare(k.size() - 3, 3, "_id") == 0;
    if (k != "id" && k != "updated_at" && !fk) return false;
  }
  return true;
}

bool SameScalar(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.is_number_float() == b.is_number_float() && a == b;
  return a.type() == b.type() && a == b;
}

// The differences between an expected and an actual answer, one line each.
void Diff(const Json& want, const Json& got, const std::string& path, std::vector<std::string>& out) {
  if (want.is_object() && got.is_object()) {
    for (const auto& [k, x] : want.items()) {
      if (!got.contains(k)) {
        if (!IsStub(x)) out.push_back(path + "." + k + ": only the recording has " + x.dump());
      } else {
        Diff(x, got.at(k), path + "." + k, out);
      }
    }
    for (const auto& [k, x] : got.items())
      if (!want.contains(k) && !x.is_null()) out.push_back(path + "." + k + ": only kin has " + x.dump());
  } else if (want.is_array() && got.is_array() && want.size() == got.size()) {
    for (size_t i = 0; i < want.size(); ++i) Diff(want[i], got[i], path + "[" + std::to_string(i) + "]", out);
  } else if (!SameScalar(want, got)) {
    out.push_back(path + ": recorded " + want.dump() + " | kin " + got.dump());
  }
}

// An answer as the recordings keep it; timestamps inside an error message become "<ts>".
Json Answer(const kin::Result<Json>& r) {
  if (r.ok()) return Json{{"ok", true}, {"result", Normalize(r.value())}};
  static const std::regex ts(R"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:?\d\d)?))");
  std::string message = std::regex_replace(Normalize(r.status().message()).get<std::string>(), ts, "<ts>");
  return Json{{"ok", false}, {"error", {{"type", kin::ErrorTypeName(r.status().type())}, {"message", message}}}};
}

TEST_CASE("kin answers every scenario recorded from Medusa as Medusa did or as its docs say where it differs on purpose") {
  size_t steps = 0;
  for (const auto& rec : Recordings()) {
    for (const auto& sc : rec.doc.at("scenarios")) {
      auto db = OpenFixture(sc.at("fixture").get<std::string>());
      int n = 0;
      for (const auto& step : sc.at("steps")) {
        ++n;
        ++steps;
        const Json& want = step.contains("kin") ? step.at("kin") : step.at("medusa");
        Json got = Answer(db->Call(step.at("call").get<std::string>(), step.at("args")));
        std::vector<std::string> diffs;
        Diff(want, got, "$", diffs);
        if (diffs.empty()) continue;
        std::string lines;
        for (const auto& d : diffs) lines += "\n  - " + d;
        FAIL_CHECK(rec.file << ": " << sc.at("name").get<std::string>() << ", step " << n << ": "
                            << step.at("call").get<std::string>() << step.at("args").dump()
                            << (step.contains("kin") ? " (kin's documented answer)" : " (Medusa's answer)")
                            << "\n  expected " << want.dump() << "\n  kin gave  " << got.dump() << lines);
      }
    }
  }
  CHECK(steps > 0);
}

TEST_CASE("the Medusa recordings cover every service method in every fixture and every error type") {
  std::map<std::string, std::set<std::string>> calls_by_fixture;
  std::set<std::string> error_types;
  size_t scenarios = 0;
  for (const auto& rec : Recordings()) {
    for (const auto& sc : rec.doc.at("scenarios")) {
      ++scenarios;
      for (const auto& step : sc.at("steps")) {
        INFO(rec.file << ": " << sc.at("name") << " " << step.dump());
        REQUIRE(step.contains("medusa"));
        // A step where kin differs on purpose says why.
        if (step.contains("kin")) CHECK(!step.value("why", std::string()).empty());
        calls_by_fixture[sc.at("fixture").get<std::string>()].insert(step.at("call").get<std::string>());
        const Json& want = step.contains("kin") ? step.at("kin") : step.at("medusa");
        if (!want.at("ok").get<bool>()) error_types.insert(want.at("error").at("type").get<std::string>());
      }
    }
  }
  CHECK(scenarios >= 40);
  // Every method, called on some model of every fixture.
  for (const std::string fixture : {"seed", "pivot", "blog"}) {
    auto db = OpenFixture(fixture);
    for (const std::string kind :
         {"retrieve", "list", "listAndCount", "create", "update", "delete", "softDelete", "restore"}) {
      bool seen = false;
      for (const auto& m : db->schema().models()) {
        std::string name = kind + (kind == "retrieve" ? m.name : m.plural);
        seen = seen || calls_by_fixture[fixture].count(name) > 0;
      }
      if (!seen) FAIL_CHECK("no recorded step of the " << fixture << " fixture calls " << kind);
    }
  }
  // Every error type of a call on a healthy database (database_error needs a failing disk).
  for (const std::string type : {"not_found", "invalid_data", "not_allowed", "invalid_argument"})
    CHECK(error_types.count(type) == 1);
}

}  // namespace
