// `kin verify`: reads every snapshot and journal segment of a database without
// changing anything, rebuilds the state the way opening would, and checks it.
//
//   $ kin verify --db shop
//   ok: 12 records, 9 links
//   $ kin verify --db broken
//   problem: broken/journal/00000000000000000001.log at offset 812: bad frame (length or checksum) (corruption: ...)
//   verify: 1 problem
//
// Checks: snapshot headers and checksums; journal frames (length, checksum,
// sequence), sequence continuity from the snapshot on, and decoding of every
// record against the stored schema; then, on the recovered state: relation
// symmetry (each link has its way back through the inverse relation; a belongsTo's
// foreign key equals its linked parent's id), dangling foreign keys, link lists in
// primary-key order, and unique indexes (no two live records share a key).
// "links" counts each relationship edge once: a set foreign key, or an automatic
// manyToMany link.
//
// The database may be in use by another process: the state is read through
// persistence's recovery (persistence/recovery.h), and since a write in flight can
// look like damage to a reader, a pass that finds problems is repeated, and the
// problems are printed only when two passes over the same files agree on them.

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "api/export.h"
#include "api/schema_json.h"
#include "core/commit_time.h"
#include "persistence/change_set_codec.h"
#include "persistence/journal_end.h"
#include "persistence/recovery.h"
#include "persistence/schema_history.h"
#include "persistence/snapshot.h"
#include "tools/commands.h"
#include "tools/progress.h"

namespace kin::tools {

namespace {

struct Counts {
  uint64_t records = 0, links = 0;
};

std::string Name(const ModelDef& m, const Record& r) { return m.name + " " + std::string(r.id()); }

bool ContainsLink(const LinkList& list, const Record* r) {
  auto it = std::lower_bound(list.begin(), list.end(), r, RecordIdLess());
  return (it != list.end() && *it == r) || std::find(list.begin(), list.end(), r) != list.end();
}

std::string IndexName(const ModelDef& m, const IndexDef& index) {
  std::string out;
  for (SlotId s : index.on) out += (out.empty() ? "" : ", ") + m.properties[s.value].name;
  return "(" + out + ")";
}

// The links of `r` through `rel`: order, foreign key agreement, the way back.
void CheckRelation(const Store& store, const ModelDef& m, const Record& r, const RelationDef& rel,
                   std::vector<std::string>* problems, Counts* counts) {
  const Schema& schema = store.schema();
  const auto& list = r.links(rel.local);
  const std::string where = Name(m, r) + " ." + rel.name;
  for (size_t i = 1; i < list.size(); ++i)
    if (!(list[i - 1]->id() < list[i]->id())) {
      problems->push_back(where + ": links out of primary-key order or repeated");
      break;
    }
  if (rel.kind == RelationKind::kBelongsTo) {
    const PropertyDef& fk_prop = m.properties[rel.foreign_key.value];
    const Value& fk = r.value(rel.foreign_key.value);
    if (fk.is_null()) {
      if (!list.empty())
        problems->push_back(where + ": " + fk_prop.name + " is null but it links to " + std::string(list[0]->id()));
    } else if (fk.type() != ValueType::kText) {
      problems->push_back(where + ": " + fk_prop.name + " is not an id (" + fk.ToDisplay() + ")");
    } else {
      ++counts->links;
      const Record* parent = store.Find(rel.target, fk.as_text());
      const std::string target = schema.model(rel.target).name;
      const std::string fk_text(fk.as_text());
      if (!parent)
        problems->push_back(where + ": dangling reference: " + fk_prop.name + " = " + fk_text + " names no " + target);
      else if (list.size() != 1 || list[0] != parent)
        problems->push_back(where + ": " + fk_prop.name + " = " + fk_text + " but the link points at " +
                            (list.empty() ? std::string("nothing") : target + " " + std::string(list[0]->id())));
    }
  }
  if (rel.owns_links) counts->links += list.size();
  // The way back: through the inverse relation, or from a pivot record to this one.
  RelationId back = rel.through_pivot() ? rel.pivot_near : rel.inverse;
  if (!back.valid()) return;
  const RelationDef& back_rel = schema.relation(back);
  const ModelDef& other = schema.model(back_rel.model);
  for (const Record* linked : list) {
    if (store.Find(other.id, linked->id()) != linked) {
      problems->push_back(where + ": links to " + Name(other, *linked) + ", which is not stored");
      continue;
    }
    if (!ContainsLink(linked->links(back_rel.local), &r))
      problems->push_back(where + " -> " + Name(other, *linked) + ", but it does not link back through ." +
                          back_rel.name);
  }
}

// Every check of the recovered state; counts what it saw.
Counts CheckStore(const Store& store, std::vector<std::string>* problems, Progress* progress) {
  const Schema& schema = store.schema();
  Counts counts;
  uint64_t total = 0;
  for (const auto& m : schema.models()) total += store.Count(m.id);
  for (const auto& m : schema.models()) {
    // Per unique index: key -> the first live record holding it.
    std::vector<std::unordered_map<std::string, std::string>> seen(m.indexes.size());
    std::string key;
    store.Scan(m.id, [&](const Record& r) {
      ++counts.records;
      progress->Update(counts.records, total);
      for (RelationId rid : m.relations) CheckRelation(store, m, r, schema.relation(rid), problems, &counts);
      if (!store.IsLive(m, r)) return true;
      for (size_t i = 0; i < m.indexes.size(); ++i) {
        if (!m.indexes[i].unique || !Store::IndexKey(m.indexes[i], r, &key)) continue;
        auto [it, fresh] = seen[i].emplace(key, std::string(r.id()));
        if (!fresh)
          problems->push_back(m.name + " " + it->second + " and " + std::string(r.id()) +
                              " share the unique key " + IndexName(m, m.indexes[i]));
      }
      return true;
    });
  }
  return counts;
}

// Snapshot files: each readable, checksummed, with the schema in force at its position.
void CheckSnapshots(const std::string& db, std::vector<std::string>* problems) {
  auto snapshots = persistence::ListSnapshots(db + "/snapshots");
  if (!snapshots.ok()) {
    problems->push_back(snapshots.status().message());
    return;
  }
  for (const auto& file : *snapshots) {
    auto header = persistence::ReadSnapshotHeader(file.path);
    if (!header.ok())
      problems->push_back(header.status().message());
    else if (auto text = persistence::SchemaTextAt(db, file.seq); !text.ok())
      problems->push_back(text.status().message());
    else if (header->schema_json != *text)
      problems->push_back(file.path + ": written with a schema other than the one in force at record " +
                          std::to_string(file.seq));
  }
}

// Journal segments: frames, continuity after `snapshot_seq`, decoding.
void CheckJournal(const std::string& db, uint64_t snapshot_seq, std::vector<std::string>* problems) {
  auto timeline = JournalTimeline(db);
  if (!timeline.ok()) {
    problems->push_back(timeline.status().message());
    return;
  }
  size_t count = 0, index = 0;
  if (auto listed = persistence::ListSegments(db + "/journal"); listed.ok()) {
    count = listed->size();
    // A journal that lost its newest segments, or its directory, is short without a trace but this record.
    Status whole = persistence::CheckJournalEnd(persistence::JournalEndPath(db + "/journal"), db + "/journal", *listed);
    if (!whole.ok()) problems->push_back(whole.message());
  }
  uint64_t next = snapshot_seq + 1;  // the first record the journal must still hold
  int64_t last_time = INT64_MIN;
  Status s = ForEachSegment(
      db,
      [&](const SegmentView& seg) {
        ++index;
        for (auto& p : SegmentProblems(seg, index == count)) problems->push_back(std::move(p));
        if (seg.file.first_seq > next)
          problems->push_back(seg.file.path + " at offset 0: records " + std::to_string(next) + " to " +
                              std::to_string(seg.file.first_seq - 1) + " are missing (a segment is missing)");
        next = std::max(next, seg.file.first_seq + seg.scan.frames.size());
        for (const auto& f : seg.scan.frames) {
          persistence::RecordHead head;
          auto cs = RecordOf(seg, f, *timeline, &head);
          const std::string where =
              seg.file.path + " at offset " + std::to_string(f.offset) + ": record " + std::to_string(f.seq) + ": ";
          if (!cs.ok()) problems->push_back(where + cs.status().message());
          // Commit times never go back (the writer keeps them in order).
          if (seg.scan.version >= 2) {
            if (head.time_us < last_time)
              problems->push_back(where + "commit time " + FormatCommitTime(head.time_us) + " is before the previous " +
                                  FormatCommitTime(last_time));
            last_time = std::max(last_time, head.time_us);
          }
        }
      },
      [&](const std::string&, const Status& st) { problems->push_back(st.message()); });
  if (!s.ok()) problems->push_back(s.message());
}

// The most passes verify makes while the files keep changing under it.
constexpr int kMaxPasses = 20;

// One reading of the files and the state they recover to.
struct Pass {
  std::vector<std::string> problems;
  Counts counts;
  bool loaded = true;  // the state was rebuilt (its snapshot loads)
  bool partial = false;  // only up to a journal record that does not apply
  uint64_t last_seq = 0;
};

Pass VerifyOnce(const std::string& db, Progress* progress) {
  Pass pass;
  CheckSnapshots(db, &pass.problems);
  // Recover the state as opening would, read-only (persistence/recovery.h).
  persistence::RecoveryOptions recovery;
  recovery.keep_partial = true;
  recovery.progress = [&](uint64_t replayed) { progress->Update(replayed, 0); };
  recovery.parse_schema = api::SchemaFromText;
  auto state = persistence::ReadDatabase(db, recovery);
  if (!state.ok()) {
    pass.loaded = false;  // reported by CheckSnapshots, or here when only the records are bad
    if (std::find(pass.problems.begin(), pass.problems.end(), state.status().message()) == pass.problems.end())
      pass.problems.push_back(state.status().message());
    CheckJournal(db, 0, &pass.problems);
    return pass;
  }
  CheckJournal(db, state->report.snapshot_seq, &pass.problems);
  pass.partial = !state->report.problem.ok();
  if (pass.partial && pass.problems.empty()) pass.problems.push_back(state->report.problem.message());
  pass.last_seq = state->report.last_seq;
  pass.counts = CheckStore(*state->store, &pass.problems, progress);
  return pass;
}

}  // namespace

int RunVerify(const VerifyOptions& options) {
  auto schema = api::LoadStoredSchema(options.db);
  if (!schema.ok()) return Fail("verify", schema.status());
  Progress progress("verify");
  // Another process may be writing the database: damage that is a write in flight
  // is gone when the files are read again, real damage is not. A problem is
  // reported when two passes over the same files agree on it.
  Pass pass;
  std::string files;
  for (int attempt = 1;; ++attempt) {
    auto listed = persistence::ListDatabaseFiles(options.db);
    if (!listed.ok()) return Fail("verify", listed.status());
    Pass again = VerifyOnce(options.db, &progress);
    const bool agree = attempt > 1 && again.problems == pass.problems && *listed == files;
    pass = std::move(again);
    files = std::move(listed).value();
    if (pass.problems.empty() || agree || attempt >= kMaxPasses) break;
  }
  progress.Erase();
  if (pass.problems.empty()) {
    std::printf("ok: %llu records, %llu links\n", static_cast<unsigned long long>(pass.counts.records),
                static_cast<unsigned long long>(pass.counts.links));
    return kExitOk;
  }
  for (const auto& p : pass.problems) std::printf("problem: %s\n", p.c_str());
  if (!pass.loaded) {
    std::printf("verify: %zu problems; the state was not checked (its snapshot does not load)\n",
                pass.problems.size());
    return kExitFailure;
  }
  std::printf("verify: %zu problem%s (state checked %s record %llu: %llu records, %llu links)\n", pass.problems.size(),
              pass.problems.size() == 1 ? "" : "s", pass.partial ? "only up to" : "through",
              static_cast<unsigned long long>(pass.last_seq), static_cast<unsigned long long>(pass.counts.records),
              static_cast<unsigned long long>(pass.counts.links));
  return kExitFailure;
}

}  // namespace kin::tools
