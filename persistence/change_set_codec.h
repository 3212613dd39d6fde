#pragma once
// The journal payload: a ChangeSet in the bytes of Cereal's binary archive (layout in
// FORMAT.md). Encoding writes those bytes directly; decoding reads them through
// Cereal, validates every tag, count and id against the schema's bounds and never
// throws. Stateless; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/change_set.h"
#include "kin/schema.h"
#include "kin/status.h"

namespace kin::persistence {

std::string EncodeChangeSet(const ChangeSet& change_set);
// The same bytes, appended to *out (reuse one buffer on a hot path).
void EncodeChangeSet(const ChangeSet& change_set, std::string* out);
// The same bytes built a step at a time (a write encodes each step before applying
// it): kStepCountBytes of room for the step count, then EncodeChangeStep appends
// each step, then WriteStepCount fills the room.
inline constexpr size_t kStepCountBytes = 8;
void EncodeChangeStep(const ChangeStep& step, std::string* out);
void WriteStepCount(uint64_t count, char* room);
// database_error for bytes that are not a well-formed change set of `schema`.
Result<ChangeSet> DecodeChangeSet(std::string_view bytes, const Schema& schema);

}  // namespace kin::persistence
