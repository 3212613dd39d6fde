// `kin journal list` and `kin journal dump`: the journal's segments and records,
// read without changing anything.
//
//   $ kin journal list --db shop
//   00000000000000000001.log  first_seq 1  records 3  bytes 612
//   $ kin journal dump --db shop --from 2
//   #2 2026-12-06T18:40:01.123456Z createProducts
//   #2 put Product p1 {title: "Shirt", store_id: "s1", created_at: "...", ...}
//   #3 2026-12-06T18:40:01.130002Z updateProducts
//   #3 link Product.orders p1 -> o1
//
// A record of journal format 1 has no time and no method: its first line reads
// "#2 (format 1: no time or method)".

#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "api/export.h"
#include "api/value_json.h"
#include "core/commit_time.h"
#include "persistence/change_set_codec.h"
#include "persistence/file_util.h"
#include "persistence/journal_format.h"
#include "persistence/recovery.h"
#include "tools/commands.h"
#include "tools/progress.h"

namespace kin::tools {

using OJson = nlohmann::ordered_json;

Status ForEachSegment(const std::string& db, const std::function<void(const SegmentView&)>& visit,
                      const std::function<void(const std::string& path, const Status&)>& on_error) {
  KIN_ASSIGN_OR_RETURN(auto segments, persistence::ListSegments(db + "/journal"));
  for (const auto& file : segments) {
    SegmentView view;
    view.file = file;
    auto bytes = persistence::ReadWholeFile(file.path);
    if (!bytes.ok()) {
      on_error(file.path, bytes.status());
      continue;
    }
    view.bytes = bytes->value_or("");
    auto scan = persistence::ScanSegment(view.bytes, file.path);  // views into view.bytes
    if (!scan.ok()) {
      on_error(file.path, scan.status());
      continue;
    }
    view.scan = std::move(scan).value();
    visit(view);
  }
  return Status::Ok();
}

std::vector<std::string> SegmentProblems(const SegmentView& segment, bool last) {
  std::vector<std::string> out;
  const auto& scan = segment.scan;
  const std::string& path = segment.file.path;
  if (scan.bad_offset != 0 && scan.header_first_seq != segment.file.first_seq)
    out.push_back(path + " at offset 16: the header names first sequence " + std::to_string(scan.header_first_seq) +
                  ", the file name " + std::to_string(segment.file.first_seq));
  if (scan.bad_offset == UINT64_MAX) return out;
  std::string what = path + " at offset " + std::to_string(scan.bad_offset) + ": " + scan.bad_reason;
  if (last && !scan.good_after_bad)
    what += " (a torn tail: opening the database cuts its last " +
            std::to_string(segment.bytes.size() - scan.valid_end) + " bytes)";
  else
    what += " (corruption: opening the database fails unless repaired)";
  out.push_back(what);
  return out;
}

Result<api::SchemaTimeline::Decoded> RecordOf(const SegmentView& seg, const persistence::JournalFrame& f,
                                              api::SchemaTimeline& timeline, persistence::RecordHead* head) {
  if (!persistence::SplitRecord(seg.scan.version, f.payload, head))
    return Status::DatabaseError("too short for its time and label");
  return timeline.Decode(head->change_set);
}

Result<api::SchemaTimeline> JournalTimeline(const std::string& db) {
  KIN_ASSIGN_OR_RETURN(auto segments, persistence::ListSegments(db + "/journal"));
  return api::SchemaTimeline::At(db, segments.empty() ? 0 : segments.front().first_seq - 1);
}

namespace {

// A value as the dump shows it: JSON, with a bigNumber as its decimal text.
std::string ValueText(const Value& v) {
  if (v.type() == ValueType::kDecimal) return std::string(v.as_decimal());
  return api::ValueToJson(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string RelationName(const Schema& schema, RelationId id) {
  const RelationDef& rel = schema.relation(id);
  return schema.model(rel.model).name + "." + rel.name;
}

// "put Product p1 {title: "Shirt", ...}", "delete Store s1", "link Product.orders p1 -> o2".
std::string StepText(const Schema& schema, const ChangeStep& step) {
  return std::visit(
      [&](const auto& s) -> std::string {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PutStep>) {
          const ModelDef& m = schema.model(s.model);
          std::string out = "put " + m.name + " " + s.values[0].ToDisplay() + " {";
          for (size_t k = 1; k < m.declared.size(); ++k) {
            const size_t slot = m.declared[k].value;
            out += (k > 1 ? ", " : "") + m.properties[slot].name + ": " + ValueText(s.values[slot]);
          }
          return out + "}";
        } else if constexpr (std::is_same_v<T, DeleteStep>) {
          return "delete " + schema.model(s.model).name + " " + s.id;
        } else {
          return std::string(std::is_same_v<T, LinkStep> ? "link " : "unlink ") + RelationName(schema, s.relation) +
                 " " + s.from + " -> " + s.to;
        }
      },
      step);
}

OJson StepJson(const Schema& schema, const ChangeStep& step) {
  return std::visit(
      [&](const auto& s) -> OJson {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PutStep>) {
          const ModelDef& m = schema.model(s.model);
          OJson values = OJson::object();
          for (SlotId slot : m.declared) {
            const Value& v = s.values[slot.value];
            values[m.properties[slot.value].name] =
                v.type() == ValueType::kDecimal ? OJson(v.as_decimal()) : OJson(api::ValueToJson(v));
          }
          return {{"op", "put"}, {"model", m.name}, {"values", std::move(values)}};
        } else if constexpr (std::is_same_v<T, DeleteStep>) {
          return {{"op", "delete"}, {"model", schema.model(s.model).name}, {"id", s.id}};
        } else {
          return {{"op", std::is_same_v<T, LinkStep> ? "link" : "unlink"},
                  {"relation", RelationName(schema, s.relation)},
                  {"from", s.from},
                  {"to", s.to}};
        }
      },
      step);
}

// A schema change, as `journal dump` shows it (`schema` is the new schema).
std::string SchemaChangeText(const Schema& schema, const persistence::SchemaChange& change) {
  std::string models;
  for (const auto& m : schema.models()) models += (models.empty() ? "" : ", ") + m.name;
  return std::string("schema change") + (change.allow_destructive ? " (destructive steps allowed)" : "") +
         " to models " + models;
}

OJson SchemaChangeJson(const persistence::SchemaChange& change) {
  return {{"op", "schema"},
          {"allow_destructive", change.allow_destructive},
          {"schema", OJson::parse(change.schema_json, nullptr, false)}};
}

std::string FileName(const std::string& path) { return std::filesystem::path(path).filename().string(); }


// What one pass over the journal prints: on standard output and standard error,
// and whether it found damage.
struct Pass {
  std::string out, err;
  std::string damage;  // what it found wrong: what must repeat before it is believed
  bool failed = false;

  void Print(const char* format, ...) __attribute__((format(printf, 2, 3))) {
    va_list args;
    va_start(args, format);
    char buf[512];
    va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(buf, sizeof buf, format, copy);
    va_end(copy);
    if (n >= 0 && static_cast<size_t>(n) < sizeof buf) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n >= 0) {
      std::string big(static_cast<size_t>(n) + 1, '\0');
      std::vsnprintf(big.data(), big.size(), format, args);
      out.append(big.data(), static_cast<size_t>(n));
    }
    va_end(args);
  }
  void Problem(const char* command, const std::string& message) {
    err += std::string("kin ") + command + ": " + message + "\n";
    damage += message + "\n";
    failed = true;
  }
};

// Runs `pass` over the journal of `db` and prints what it found. The database may
// be in use by another process, and a write in flight can look like damage to a
// reader: a pass that finds damage is repeated, and damage is printed only when two
// passes over the same files agree on it (as kin verify does).
int Settled(const std::string& db, const std::function<Pass()>& pass) {
  constexpr int kMaxPasses = 20;
  Pass last;
  std::string last_files;
  for (int attempt = 1;; ++attempt) {
    auto listed = persistence::ListDatabaseFiles(db);
    std::string files = listed.ok() ? *listed : listed.status().message();
    Pass p = pass();
    const bool agree = attempt > 1 && p.damage == last.damage && files == last_files;
    if (!p.failed || agree || attempt >= kMaxPasses) {
      std::fwrite(p.out.data(), 1, p.out.size(), stdout);
      std::fflush(stdout);
      std::fwrite(p.err.data(), 1, p.err.size(), stderr);
      return p.failed ? kExitFailure : kExitOk;
    }
    last = std::move(p);
    last_files = std::move(files);
  }
}

}  // namespace

int RunJournalList(const JournalListOptions& options) {
  auto loaded = api::LoadStoredSchema(options.db);
  if (!loaded.ok()) return Fail("journal list", loaded.status());
  return Settled(options.db, [&] {
    Pass pass;
    auto timeline = JournalTimeline(options.db);
    if (!timeline.ok()) {
      pass.Problem("journal list", timeline.status().message());
      return pass;
    }
    uint64_t segments = 0, records = 0, bytes = 0;
    auto listed = persistence::ListSegments(options.db + "/journal");
    size_t count = listed.ok() ? listed->size() : 0;
    Status s = ForEachSegment(
        options.db,
        [&](const SegmentView& seg) {
          ++segments;
          records += seg.scan.frames.size();
          // A clean segment counts up to its last record: space the writer reserved
          // after it (zeros; see FORMAT.md) holds nothing.
          const size_t used = seg.scan.bad_offset == UINT64_MAX ? seg.scan.valid_end : seg.bytes.size();
          bytes += used;
          pass.Print("%s  first_seq %llu  records %zu  bytes %zu\n", FileName(seg.file.path).c_str(),
                     static_cast<unsigned long long>(seg.file.first_seq), seg.scan.frames.size(), used);
          if (options.verbose) {
            for (const auto& f : seg.scan.frames) {
              persistence::RecordHead head;
              auto cs = RecordOf(seg, f, *timeline, &head);
              std::string steps = !cs.ok()              ? "? (" + cs.status().message() + ")"
                                  : cs->schema_change ? std::string("1 (schema change)")
                                                      : std::to_string(cs->change_set.steps.size());
              if (!cs.ok()) pass.failed = true, pass.damage += steps + "\n";
              pass.Print("  #%llu  offset %llu  payload %zu  steps %s\n", static_cast<unsigned long long>(f.seq),
                         static_cast<unsigned long long>(f.offset), f.payload.size(), steps.c_str());
            }
          }
          for (const auto& problem : SegmentProblems(seg, segments == count)) {
            pass.Print("  damaged: %s\n", problem.c_str());
            pass.damage += problem + "\n";
            pass.failed = true;
          }
        },
        [&](const std::string&, const Status& st) { pass.Problem("journal list", st.message()); });
    if (!s.ok()) {
      pass.Problem("journal list", s.message());
      return pass;
    }
    pass.Print("%s, %s, %s\n", Plural(segments, "segment").c_str(), Plural(records, "record").c_str(),
               Plural(bytes, "byte").c_str());
    return pass;
  });
}

int RunJournalDump(const JournalDumpOptions& options) {
  if (options.from > options.to) return Fail("journal dump", "--from is after --to", kExitUsage);
  auto loaded = api::LoadStoredSchema(options.db);
  if (!loaded.ok()) return Fail("journal dump", loaded.status());
  return Settled(options.db, [&] {
    Pass pass;
    auto timeline = JournalTimeline(options.db);
    if (!timeline.ok()) {
      pass.Problem("journal dump", timeline.status().message());
      return pass;
    }
    size_t count = 0, index = 0;
    if (auto listed = persistence::ListSegments(options.db + "/journal"); listed.ok()) count = listed->size();
    Status s = ForEachSegment(
        options.db,
        [&](const SegmentView& seg) {
          ++index;
          for (const auto& f : seg.scan.frames) {
            // Every record is decoded, so that the schema in force follows the changes.
            persistence::RecordHead head;
            auto cs = RecordOf(seg, f, *timeline, &head);
            if (f.seq < options.from || f.seq > options.to) continue;
            const Schema& schema = timeline->schema();
            if (!cs.ok()) {
              pass.Problem("journal dump", seg.file.path + " at offset " + std::to_string(f.offset) + ": record " +
                                               std::to_string(f.seq) + ": " + cs.status().message());
              continue;
            }
            if (options.json) {
              OJson steps = OJson::array();
              if (cs->schema_change)
                steps.push_back(SchemaChangeJson(*cs->schema_change));
              for (const auto& step : cs->change_set.steps) steps.push_back(StepJson(schema, step));
              const bool timed = seg.scan.version >= 2;
              pass.out += OJson{{"seq", f.seq},
                                {"time", timed ? OJson(FormatCommitTime(head.time_us)) : OJson()},
                                {"method", timed ? OJson(head.label) : OJson()},
                                {"file", FileName(seg.file.path)},
                                {"offset", f.offset},
                                {"steps", steps}}
                              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                          "\n";
            } else {
              pass.out += "#" + std::to_string(f.seq) + " " +
                          (seg.scan.version >= 2 ? FormatCommitTime(head.time_us) + " " + std::string(head.label)
                                                 : std::string("(format 1: no time or method)")) +
                          "\n";
              if (cs->schema_change)
                pass.out += "#" + std::to_string(f.seq) + " " + SchemaChangeText(schema, *cs->schema_change) + "\n";
              for (const auto& step : cs->change_set.steps)
                pass.out += "#" + std::to_string(f.seq) + " " + StepText(schema, step) + "\n";
            }
          }
          for (const auto& problem : SegmentProblems(seg, index == count)) pass.Problem("journal dump", problem);
        },
        [&](const std::string&, const Status& st) { pass.Problem("journal dump", st.message()); });
    if (!s.ok()) pass.Problem("journal dump", s.message());
    return pass;
  });
}

}  // namespace kin::tools
