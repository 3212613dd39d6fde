#pragma once
// The payload of a snapshot file (internal to persistence): the Boost.Serialization
// binary archive holding the schema, the records, the autoincrement counters and the
// automatic manyToMany links (grammars in FORMAT.md). Format 2 is written; formats 1
// and 2 are read. Stateless functions; decoding throws nothing (errors are values).

#include <string>
#include <string_view>

#include "core/store.h"

namespace kin::persistence {

// The format-2 payload of `store` (the caller holds the store's read lock).
std::string EncodeSnapshotImage(const Store& store, const std::string& schema_json);

// Reads only the schema text at the start of a payload of either format.
Result<std::string> DecodeSnapshotSchema(std::string_view payload);

// Loads a payload of format `version` into an empty store built from the same schema
// and returns the schema text it starts with; in format 2, from the first model of at
// least `parallel_from` records on, the rest of the image is read on a second thread
// while the calling thread inserts the records. Errors are database_error naming
// `path`.
Result<std::string> DecodeSnapshotImage(uint32_t version, std::string_view payload, Store& store,
                                        const std::string& path, uint64_t parallel_from);

}  // namespace kin::persistence
