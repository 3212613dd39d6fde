#pragma once
// Where the journal ends: the file `<db>/journal-end` names the newest segment the
// journal has started, so that opening can tell a journal that lost its newest
// segments (or its whole directory) from one that is simply short. The journal
// rewrites it, durably, each time it starts a segment; grammar in FORMAT.md.
// Stateless functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kin/status.h"
#include "persistence/file_system.h"
#include "persistence/journal_reader.h"

namespace kin::persistence {

// "<db>/journal-end" for the journal directory "<db>/journal".
std::string JournalEndPath(const std::string& journal_dir);

// Records durably that the journal's newest segment starts at `first_seq`.
Status WriteJournalEnd(const std::string& path, uint64_t first_seq, FileSystem& fs = FileSystem::Posix());

// The first seq of the newest segment recorded, or nullopt when there is no
// record (a database written before kin kept one). A damaged record is a
// database_error naming the file.
Result<std::optional<uint64_t>> ReadJournalEnd(const std::string& path, FileSystem& fs = FileSystem::Posix());

// database_error naming what is missing when the journal in `journal_dir`, whose
// segments are `segments`, ends before the segment `path` records (the newest
// segment, or the whole directory, was deleted); ok when nothing is recorded.
Status CheckJournalEnd(const std::string& path, const std::string& journal_dir, const std::vector<SegmentFile>& segments,
                       FileSystem& fs = FileSystem::Posix());

}  // namespace kin::persistence
