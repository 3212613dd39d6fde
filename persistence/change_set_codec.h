#pragma once
// The journal payload: a ChangeSet in the bytes of Cereal's binary archive (layout in
// FORMAT.md). Encoding writes those bytes directly; decoding reads them through
// Cereal, validates every tag, count and id against the schema's bounds and never
// throws. Stateless; thread-safe.

#include <string>
#include <string_view>

#include "core/change_set.h"
#include "core/schema.h"
#include "core/status.h"

namespace kin::persistence {

std::string EncodeChangeSet(const ChangeSet& change_set);
// The same bytes, appended to *out (reuse one buffer on a hot path).
void EncodeChangeSet(const ChangeSet& change_set, std::string* out);
// database_error for bytes that are not a well-formed change set of `schema`.
Result<ChangeSet> DecodeChangeSet(std::string_view bytes, const Schema& schema);

}  // namespace kin::persistence
