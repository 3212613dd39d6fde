#pragma once
// The change feed: every committed call, in commit order, by its sequence number,
// read from the database's journal.
//
//   auto cursor = db->Feed(last_seen).value();   // after record `last_seen` (0: all)
//   for (const kin::FeedEntry& e : cursor.Next().value()) {
//     for (const kin::FeedChange& c : e.changes) ...;
//     last_seen = e.seq;                          // resume from here after a restart
//   }
//
// Guarantees: entries come in commit order, each sequence number once per cursor,
// and a cursor only returns calls that are committed (under SyncPolicy::kAlways:
// durable). A cursor reads the journal's files; it never blocks a writer and holds
// no memory for entries it has not been asked for, so a slow reader has no backlog
// (its position is all it keeps). When the journal no longer holds the records
// after a position (a snapshot dropped them; Options::keep_snapshots), Feed and Next
// return a `gap` error naming the first record it holds.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kin/ids.h"
#include "kin/schema.h"
#include "kin/status.h"
#include "kin/value.h"

namespace kin {

using Json = nlohmann::ordered_json;

// One effect of a committed call on a record or a link.
struct FeedChange {
  enum class Kind : uint8_t {
    kCreated,      // a record was created
    kUpdated,      // a record's properties changed (`properties`)
    kSoftDeleted,  // deleted_at was set
    kRestored,     // deleted_at was cleared
    kDeleted,      // a record was deleted for good
    kWritten,      // a record was written, by a journal too old to say how
    kLinked,       // a link of an automatic manyToMany relation was added
    kUnlinked,     // ... or removed
    kSchemaChanged,  // the database changed to another schema (the entry's only change)
  };
  Kind kind = Kind::kCreated;
  ModelId model;                        // records: the record's model
  std::string id;                       // records: its primary key
  std::vector<std::string> properties;  // updated, soft-deleted, restored: the properties that changed
  std::vector<Value> values;            // all but deleted: every value after the change, in the slots
                                        // of the entry's schema (FeedEntry::schema)
  RelationId relation;                  // links: the relation (of the side that owns the links)
  std::string from, to;                 // links: a record of the relation's model, one of its target
  std::string schema_json;              // schema changed: the new schema, as JSON text
  bool allow_destructive = false;       // schema changed: destructive steps were allowed
};

// One committed call or transaction.
struct FeedEntry {
  uint64_t seq = 0;
  int64_t time_us = 0;  // commit time, microseconds since 1970 (0: written before kin kept it)
  std::string method;   // "createProducts", "transaction createUsers,updateUsers", "migrate" ("" likewise)
  std::vector<FeedChange> changes;
  // The schema its model and relation ids refer to: the one in force when it was
  // committed (after a schema change, the new one).
  std::shared_ptr<const Schema> schema;
};

// "created", "updated", "soft_deleted", "restored", "deleted", "written", "linked",
// "unlinked", "schema_changed".
const char* FeedChangeName(FeedChange::Kind kind);

// The JSON form of an entry, as `kin feed --json` prints it (one line each):
//   {"seq":7,"time":"2026-12-06T21:00:00.000123Z","method":"updateProducts",
//    "changes":[{"change":"updated","model":"Product","id":"p1","properties":["title"],
//                "record":{...every property, as an export writes it...}},
//               {"change":"linked","relation":"Product.orders","from":"p1","to":"o1"}],
//    "events":[{"name":"product.updated","data":{"id":"p1"},
//               "metadata":{"object":"product","action":"updated"}}]}
// "events" are the events Medusa's services emit for the same calls: <model>.created,
// <model>.updated (a change beyond updated_at), <model>.deleted (soft or for good),
// and <model>.restored, with the model's name in kebab case. A schema change is
//   {"change":"schema_changed","schema":{...the new schema...},"allow_destructive":false}
// with no event. The first form reads ids with `schema`; the second with entry.schema.
// Values are read with entry.schema when the entry has one (a database's own schema
// may hold the same model's values in other slots after an in-place change).
// A model or relation id the schema lacks is written as "model": null (no "record",
// no event) or "relation": null.
Json FeedEntryToJson(const Schema& schema, const FeedEntry& entry);
Json FeedEntryToJson(const FeedEntry& entry);

// A position in a database's change feed (Database::Feed). One thread at a time;
// must not outlive its database.
class FeedCursor {
 public:
  FeedCursor(FeedCursor&&) noexcept;
  FeedCursor& operator=(FeedCursor&&) noexcept;
  ~FeedCursor();

  // The entries after position(), at most `max`, committed so far (none when there
  // is nothing new: call again later). The position moves past them.
  Result<std::vector<FeedEntry>> Next(size_t max = 1024);
  // The sequence number of the last entry returned (or the one the cursor opened after).
  uint64_t position() const;

  struct Impl;

 private:
  friend class Database;
  explicit FeedCursor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kin
