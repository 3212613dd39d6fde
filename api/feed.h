#pragma once
// Internal side of the change feed (kin/feed.h): a journal record described as a
// feed entry. Stateless; thread-safe.

#include "api/schema_timeline.h"
#include "kin/feed.h"
#include "persistence/journal_reader.h"

namespace kin::api {

// The entry of one journal record: its puts (creates, updates with what they
// changed, soft deletes and restores), deletes, links and unlinks, in order, or its
// schema change (which moves `timeline` on). database_error for a change set that
// does not decode against the schema in force. Fills `entry`, a new one; what it
// holds after an error is to be dropped.
Status DescribeRecord(SchemaTimeline& timeline, const persistence::JournalRecord& record, FeedEntry* entry);

}  // namespace kin::api
