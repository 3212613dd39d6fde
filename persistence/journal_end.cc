#include "persistence/journal_end.h"

#include <cstring>

#include "persistence/checksum.h"
#include "persistence/journal_format.h"

namespace kin::persistence {

namespace {

constexpr char kEndMagic[8] = {'K', 'I', 'N', 'J', 'E', 'N', 'D', '\0'};
constexpr uint32_t kEndVersion = 1;
constexpr size_t kEndSize = 32;  // magic(8) version(4) reserved(4) last_segment(8) crc(4) pad(4)

}  // namespace

std::string JournalEndPath(const std::string& journal_dir) {
  const size_t slash = journal_dir.find_last_of('/');
  const std::string parent = slash == std::string::npos ? "." : journal_dir.substr(0, slash);
  return parent + "/journal-end";
}

Status WriteJournalEnd(const std::string& path, uint64_t first_seq, FileSystem& fs) {
  std::string bytes(kEndMagic, sizeof kEndMagic);
  PutFixed32(&bytes, kEndVersion);
  PutFixed32(&bytes, 0);
  PutFixed64(&bytes, first_seq);
  PutFixed32(&bytes, Crc32c(bytes));
  PutFixed32(&bytes, 0);
  return fs.WriteFileAtomically(path, bytes);
}

Result<std::optional<uint64_t>> ReadJournalEnd(const std::string& path, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(std::optional<std::string> bytes, fs.ReadFile(path));
  if (!bytes) return std::optional<uint64_t>();
  if (bytes->size() != kEndSize || std::memcmp(bytes->data(), kEndMagic, sizeof kEndMagic) != 0 ||
      DecodeFixed32(bytes->data() + 24) != Crc32c(bytes->data(), 24))
    return Status::DatabaseError("Corrupt journal end record " + path + ": wrong size, magic or checksum");
  if (DecodeFixed32(bytes->data() + 8) != kEndVersion)
    return Status::DatabaseError("Journal end record " + path + " has unknown format version " +
                                 std::to_string(DecodeFixed32(bytes->data() + 8)));
  return std::optional<uint64_t>(DecodeFixed64(bytes->data() + 16));
}

Status CheckJournalEnd(const std::string& path, const std::string& journal_dir, const std::vector<SegmentFile>& segments,
                       FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(std::optional<uint64_t> end, ReadJournalEnd(path, fs));
  if (!end) return Status::Ok();
  const std::string newest = journal_dir + "/" + SegmentFileName(*end);
  if (segments.empty())
    return Status::DatabaseError("Corrupt journal: the journal directory " + journal_dir +
                                 " is missing or holds no segment; " + path + " records that the journal reaches segment " +
                                 newest);
  if (segments.back().first_seq < *end)
    return Status::DatabaseError("Corrupt journal: segment " + newest + " is missing; " + path +
                                 " records that the journal reaches it, and the newest segment left is " +
                                 segments.back().path);
  return Status::Ok();
}

}  // namespace kin::persistence
