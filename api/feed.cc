// The change feed (kin/feed.h): journal records described as changes, their JSON
// form with Medusa's event names, the cursor a database hands out, and applying an
// entry to another database.

#include "api/feed.h"

#include "api/database_impl.h"
#include "api/export.h"
#include "api/value_json.h"
#include "core/commit_time.h"
#include "core/naming.h"
#include "persistence/change_set_codec.h"
#include "persistence/journal_cursor.h"

namespace kin {

const char* FeedChangeName(FeedChange::Kind kind) {
  switch (kind) {
    case FeedChange::Kind::kCreated: return "created";
    case FeedChange::Kind::kUpdated: return "updated";
    case FeedChange::Kind::kSoftDeleted: return "soft_deleted";
    case FeedChange::Kind::kRestored: return "restored";
    case FeedChange::Kind::kDeleted: return "deleted";
    case FeedChange::Kind::kWritten: return "written";
    case FeedChange::Kind::kLinked: return "linked";
    case FeedChange::Kind::kUnlinked: return "unlinked";
    case FeedChange::Kind::kSchemaChanged: return "schema_changed";
  }
  return "?";
}

namespace api {

namespace {

// DescribeRecord's visitor: each step, as it is read, becomes a change of the entry
// (no ChangeSet in between). A put whose first value is not a text id is the first
// fault, reported once the whole record has decoded.
class FeedChangeBuilder final : public persistence::ChangeStepVisitor {
 public:
  FeedChangeBuilder(const Schema& schema, FeedEntry& entry) : schema_(schema), entry_(entry) {}
  const Status& fault() const { return fault_; }

  void Begin(uint64_t steps) override { entry_.changes.reserve(steps); }
  void Put(ModelId model, persistence::PutKind kind, std::vector<Value>& values,
           std::span<const uint32_t> changed) override {
    const ModelDef& m = schema_.model(model);
    if (values.empty() || values[0].type() != ValueType::kText) {
      if (fault_.ok())
        fault_ = Status::DatabaseError("record " + std::to_string(entry_.seq) + " writes a " + m.name +
                                       " record without an id");
      return;
    }
    FeedChange& c = entry_.changes.emplace_back();
    c.model = model;
    c.id = std::string(values[0].as_text());
    if (kind == persistence::PutKind::kCreate) {
      c.kind = FeedChange::Kind::kCreated;
    } else if (kind == persistence::PutKind::kUnknown) {
      c.kind = FeedChange::Kind::kWritten;
    } else {
      c.kind = FeedChange::Kind::kUpdated;
      c.properties.reserve(changed.size());
      for (uint32_t slot : changed) {
        c.properties.push_back(m.properties[slot].name);
        if (m.deleted_at.valid() && slot == m.deleted_at.value)
          c.kind = values[slot].is_null() ? FeedChange::Kind::kRestored : FeedChange::Kind::kSoftDeleted;
      }
    }
    c.values = std::move(values);
  }
  void Delete(ModelId model, std::string& id) override {
    FeedChange& c = entry_.changes.emplace_back();
    c.kind = FeedChange::Kind::kDeleted;
    c.model = model;
    c.id = std::move(id);
  }
  void Link(bool link, RelationId relation, std::string& from, std::string& to) override {
    FeedChange& c = entry_.changes.emplace_back();
    c.kind = link ? FeedChange::Kind::kLinked : FeedChange::Kind::kUnlinked;
    c.relation = relation;
    c.from = std::move(from);
    c.to = std::move(to);
  }

 private:
  const Schema& schema_;
  FeedEntry& entry_;
  Status fault_;
};

}  // namespace

Status DescribeRecord(SchemaTimeline& timeline, const persistence::JournalRecord& record, FeedEntry* entry) {
  entry->seq = record.seq;
  entry->time_us = record.time_us;
  entry->method = std::string(record.label);
  FeedChangeBuilder builder(timeline.schema(), *entry);
  KIN_ASSIGN_OR_RETURN(std::optional<persistence::SchemaChange> schema_change, timeline.DecodeSteps(record.change_set, builder));
  entry->schema = timeline.schema_ptr();  // after a schema change, the new one
  if (schema_change) {
    FeedChange& c = entry->changes.emplace_back();
    c.kind = FeedChange::Kind::kSchemaChanged;
    c.schema_json = std::move(schema_change->schema_json);
    c.allow_destructive = schema_change->allow_destructive;
  }
  return builder.fault();
}

namespace {

// "order-product" for OrderProduct: Medusa's event object.
std::string Kebab(const std::string& model) {
  std::string s = naming::SnakeCase(model);
  for (char& ch : s)
    if (ch == '_') ch = '-';
  return s;
}

// The event Medusa emits for a change, or nullptr: none for links, for a record
// written by an old journal, or for an update that changed nothing but updated_at.
const char* EventAction(const ModelDef& m, const FeedChange& c) {
  switch (c.kind) {
    case FeedChange::Kind::kCreated: return "created";
    case FeedChange::Kind::kSoftDeleted:
    case FeedChange::Kind::kDeleted: return "deleted";
    case FeedChange::Kind::kRestored: return "restored";
    case FeedChange::Kind::kUpdated:
      for (const auto& name : c.properties)
        if (!m.updated_at.valid() || name != m.properties[m.updated_at.value].name) return "updated";
      return nullptr;
    default: return nullptr;
  }
}

// A record's values as an export writes them: every property by name, a bigNumber
// as its exact decimal text.
Json RecordJson(const ModelDef& m, const std::vector<Value>& values) {
  Json j = Json::object();
  for (SlotId slot : m.declared) {
    const PropertyDef& p = m.properties[slot.value];
    const Value& v = values[p.slot.value];
    j[p.name] = v.type() == ValueType::kDecimal ? Json(std::string(v.as_decimal())) : ValueToJson(v);
  }
  return j;
}

}  // namespace

}  // namespace api

namespace {

// FeedEntryToJson with the schema to name ids with, or none.
Json EntryJson(const Schema* schema, const FeedEntry& entry) {
  Json j = Json::object();
  j["seq"] = entry.seq;
  j["time"] = entry.time_us ? Json(FormatCommitTime(entry.time_us)) : Json();
  j["method"] = entry.method.empty() ? Json() : Json(entry.method);
  Json changes = Json::array(), events = Json::array();
  for (const FeedChange& c : entry.changes) {
    Json cj = Json::object();
    cj["change"] = FeedChangeName(c.kind);
    if (c.kind == FeedChange::Kind::kSchemaChanged) {
      cj["schema"] = Json::parse(c.schema_json, nullptr, false);
      cj["allow_destructive"] = c.allow_destructive;
      changes.push_back(std::move(cj));
      continue;
    }
    // Ids the schema does not have (an entry of another schema, or one built by
    // hand) are written without names.
    if (c.kind == FeedChange::Kind::kLinked || c.kind == FeedChange::Kind::kUnlinked) {
      if (schema && c.relation.value < schema->relations().size()) {
        const RelationDef& rel = schema->relation(c.relation);
        cj["relation"] = schema->model(rel.model).name + "." + rel.name;
      } else {
        cj["relation"] = nullptr;
      }
      cj["from"] = c.from;
      cj["to"] = c.to;
      changes.push_back(std::move(cj));
      continue;
    }
    const ModelDef* known = schema && c.model.value < schema->models().size() ? &schema->model(c.model) : nullptr;
    cj["model"] = known ? Json(known->name) : Json();
    cj["id"] = c.id;
    if (!c.properties.empty() || c.kind == FeedChange::Kind::kUpdated) cj["properties"] = c.properties;
    if (c.kind != FeedChange::Kind::kDeleted) {
      // The values are in the slots of the entry's own schema, which may lay out
      // the same model otherwise than `schema` does (a layout kept in place).
      const ModelDef* layout = known;
      if (known && entry.schema && c.model.value < entry.schema->models().size() &&
          entry.schema->model(c.model).name == known->name)
        layout = &entry.schema->model(c.model);
      cj["record"] = layout && c.values.size() == layout->properties.size() ? api::RecordJson(*layout, c.values) : Json();
    }
    changes.push_back(std::move(cj));
    if (!known) continue;
    const ModelDef& m = *known;
    if (const char* action = api::EventAction(m, c)) {
      const std::string object = naming::SnakeCase(m.name);
      events.push_back({{"name", api::Kebab(m.name) + "." + action},
                        {"data", {{"id", c.id}}},
                        {"metadata", {{"object", object}, {"action", action}}}});
    }
  }
  j["changes"] = std::move(changes);
  j["events"] = std::move(events);
  return j;
}

}  // namespace

Json FeedEntryToJson(const Schema& schema, const FeedEntry& entry) { return EntryJson(&schema, entry); }

// An entry built without its schema has its changes written without names.
Json FeedEntryToJson(const FeedEntry& entry) { return EntryJson(entry.schema.get(), entry); }

// ---- the cursor ---------------------------------------------------------------------

struct FeedCursor::Impl {
  std::unique_ptr<persistence::JournalCursor> journal;
  std::optional<api::SchemaTimeline> timeline;  // the schema in force at the position
  const api::Committer* committer;  // bounds the entries to what is committed
};

FeedCursor::FeedCursor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeedCursor::FeedCursor(FeedCursor&&) noexcept = default;
FeedCursor& FeedCursor::operator=(FeedCursor&&) noexcept = default;
FeedCursor::~FeedCursor() = default;

uint64_t FeedCursor::position() const { return impl_->journal->position(); }

Result<std::vector<FeedEntry>> FeedCursor::Next(size_t max) {
  std::vector<FeedEntry> out;
  const uint64_t committed = impl_->committer->applied_seq();
  Status read = impl_->journal
                    ->Next(max, committed,
                           [&](const persistence::JournalRecord& r) -> Status {
                             Status described = api::DescribeRecord(*impl_->timeline, r, &out.emplace_back());
                             if (!described.ok()) out.pop_back();
                             return described;
                           })
                    .status();
  // The entries read before an error are returned (the position is past them); the
  // error comes again on the next call, from the record that caused it.
  if (!read.ok() && out.empty()) return read;
  return out;
}

Result<FeedCursor> Database::Feed(uint64_t after_seq) {
  if (!impl_->journal) return Status::InvalidArgument("An in-memory database has no change feed");
  auto impl = std::make_unique<FeedCursor::Impl>();
  KIN_ASSIGN_OR_RETURN(impl->journal, persistence::JournalCursor::Open(impl_->dir + "/journal", after_seq, impl_->fs()));
  KIN_ASSIGN_OR_RETURN(api::SchemaTimeline timeline, api::SchemaTimeline::At(impl_->dir, after_seq, impl_->fs()));
  impl->timeline.emplace(std::move(timeline));
  impl->committer = &impl_->committer;
  return FeedCursor(std::move(impl));
}

namespace {

bool ChangesSchema(const FeedEntry& entry) {
  for (const FeedChange& c : entry.changes)
    if (c.kind == FeedChange::Kind::kSchemaChanged) return true;
  return false;
}

}  // namespace

namespace {

// A record's values in the slots of `to` from those of `from`: the same model of the
// same schema text, whose slots may differ where one of them kept an older layout
// (Schema::KeepingLayoutOf).
std::vector<Value> InSlotsOf(const ModelDef& from, const ModelDef& to, const std::vector<Value>& values) {
  if (from.declared == to.declared) return values;
  std::vector<Value> out(values.size());
  for (size_t k = 0; k < to.declared.size(); ++k) out[to.declared[k].value] = values[from.declared[k].value];
  return out;
}

}  // namespace

Status Database::Impl::CheckFeedSchema(const FeedEntry& entry) {
  std::lock_guard lock(feed_schema_mu);
  if (!feed_schema_text) feed_schema_text = api::CanonicalSchemaText(*schema);
  if (ChangesSchema(entry)) {
    for (const FeedChange& c : entry.changes)
      if (c.kind == FeedChange::Kind::kSchemaChanged && c.schema_json != *feed_schema_text)
        return Status::InvalidArgument("Feed entry " + std::to_string(entry.seq) +
                                       " changes the schema: change this database to it (Database::Migrate, or "
                                       "Database::Open with that schema), then apply the entries after it");
    return Status::Ok();
  }
  if (!entry.schema || entry.schema == feed_schema_checked) return Status::Ok();
  if (api::CanonicalSchemaText(*entry.schema) != *feed_schema_text)
    return Status::InvalidArgument("Feed entry " + std::to_string(entry.seq) +
                                   " was written under another schema than this database's");
  feed_schema_checked = entry.schema;
  return Status::Ok();
}

Status Database::ApplyFeedEntry(const FeedEntry& entry) {
  const Schema& schema = *impl_->schema;
  KIN_RETURN_IF_ERROR(impl_->CheckFeedSchema(entry));
  if (ChangesSchema(entry)) return Status::Ok();  // this database has that schema already
  // Checked before anything is written: every id in range, every record whole.
  for (const FeedChange& c : entry.changes) {
    const bool link = c.kind == FeedChange::Kind::kLinked || c.kind == FeedChange::Kind::kUnlinked;
    if (link ? c.relation.value >= schema.relations().size() : c.model.value >= schema.models().size())
      return Status::InvalidArgument("A feed entry names a " + std::string(link ? "relation" : "model") +
                                     " this schema does not have");
    if (!link && c.kind != FeedChange::Kind::kDeleted) {
      const ModelDef& m = schema.model(c.model);
      if (c.values.size() != m.properties.size() || c.values[0].type() != ValueType::kText ||
          c.values[0].as_text() != c.id)
        return Status::InvalidArgument("A feed entry's " + m.name + " record " + api::QuoteInput(c.id) +
                                       " does not fit this schema");
    }
  }
  const Store& store = impl_->store;
  auto body = [&](Mutation& mutation) -> Result<std::string> {
    for (const FeedChange& c : entry.changes) {
      // A create of a record that is there, or a change of one that is not, says the
      // entry does not follow this database's state.
      if (c.kind != FeedChange::Kind::kLinked && c.kind != FeedChange::Kind::kUnlinked &&
          c.kind != FeedChange::Kind::kWritten) {
        const bool there = store.Find(c.model, c.id) != nullptr;
        if (there == (c.kind == FeedChange::Kind::kCreated))
          return Status::DatabaseError("A feed entry " + std::string(there ? "creates" : "changes") + " " +
                                       schema.model(c.model).name + " record " + api::QuoteInput(c.id) +
                                       (there ? ", which this database already has" : ", which this database does not have"));
      }
      switch (c.kind) {
        case FeedChange::Kind::kDeleted: KIN_RETURN_IF_ERROR(mutation.Delete(c.model, c.id)); break;
        case FeedChange::Kind::kLinked: KIN_RETURN_IF_ERROR(mutation.Link(c.relation, c.from, c.to)); break;
        case FeedChange::Kind::kUnlinked: KIN_RETURN_IF_ERROR(mutation.Unlink(c.relation, c.from, c.to)); break;
        default:
          KIN_RETURN_IF_ERROR(mutation.Put(
              c.model, entry.schema ? InSlotsOf(entry.schema->model(c.model), schema.model(c.model), c.values) : c.values));
          break;
      }
    }
    return std::string();
  };
  const std::string label = entry.method.empty() ? "applyFeedEntry" : entry.method;
  return impl_->committer.Write(body, label).status();
}

}  // namespace kin
