#include "persistence/snapshot.h"

#include <algorithm>
#include <cstring>
#include <system_error>
#include <thread>

#include "persistence/checksum.h"
#include "persistence/numbered_name.h"
#include "persistence/snapshot_image.h"

namespace kin::persistence {

namespace {

constexpr char kSnapshotMagic[8] = {'K', 'I', 'N', 'S', 'N', 'A', 'P', '\0'};
constexpr uint32_t kSnapshotVersion = 2;  // written; 1 and 2 are read
constexpr size_t kSnapshotHeaderSize = 40;  // magic version reserved seq length crc pad

bool ParseSnapshotFileName(const std::string& name, uint64_t* seq) {
  return ParseNumberedName(name, "snapshot-", ".snap", seq);
}

struct SnapshotBytes {
  uint64_t seq;
  uint32_t version;
  uint32_t crc;  // the header's checksum of the payload
  std::unique_ptr<const FileContents> file;
  std::string_view payload() const { return file->bytes().substr(kSnapshotHeaderSize); }
};

Status ChecksumMismatch(const std::string& path) {
  return Status::DatabaseError("corrupt snapshot " + path + " at offset 40: checksum mismatch");
}

// The file with its header checked (magic, version, seq against the name, length);
// the payload's checksum is the caller's to check.
Result<SnapshotBytes> ReadFramed(const std::string& path, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(auto contents, fs.ReadFileContents(path));
  if (!contents) return Status::DatabaseError("no snapshot " + path);
  const std::string_view b = contents->bytes();
  if (b.size() < kSnapshotHeaderSize || std::memcmp(b.data(), kSnapshotMagic, 8) != 0)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 0: bad header");
  uint32_t version = DecodeFixed32(b.data() + 8);
  if (version != 1 && version != kSnapshotVersion)
    return Status::DatabaseError(path + ": unsupported snapshot format version " + std::to_string(version));
  uint64_t seq = DecodeFixed64(b.data() + 16);
  // The checksum covers only the payload: the header's seq is checked against the
  // file name instead (a damaged seq would otherwise skip or replay journal records).
  uint64_t named_seq;
  const std::string name = path.substr(path.find_last_of('/') + 1);
  if (ParseSnapshotFileName(name, &named_seq) && named_seq != seq)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 16: header names sequence " +
                                 std::to_string(seq));
  uint64_t length = DecodeFixed64(b.data() + 24);
  uint32_t crc = DecodeFixed32(b.data() + 32);
  if (length != b.size() - kSnapshotHeaderSize)
    return Status::DatabaseError("corrupt snapshot " + path + " at offset 24: length " + std::to_string(length) +
                                 " but " + std::to_string(b.size() - kSnapshotHeaderSize) + " bytes follow");
  return SnapshotBytes{seq, version, crc, std::move(contents)};
}

Result<SnapshotBytes> ReadChecked(const std::string& path, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(SnapshotBytes b, ReadFramed(path, fs));
  if (Crc32c(b.payload().data(), b.payload().size()) != b.crc) return ChecksumMismatch(path);
  return b;
}

// Payloads of at least this many bytes are checksummed on a thread of their own
// while they are decoded.
constexpr size_t kParallelChecksumBytes = size_t{4} << 20;

}  // namespace

std::string SnapshotFileName(uint64_t seq) { return NumberedName("snapshot-", seq, ".snap"); }

std::string EncodeSnapshot(const Store& store, uint64_t seq, const std::string& schema_json) {
  std::string payload = EncodeSnapshotImage(store, schema_json);
  std::string out(kSnapshotMagic, 8);
  PutFixed32(&out, kSnapshotVersion);
  PutFixed32(&out, 0);
  PutFixed64(&out, seq);
  PutFixed64(&out, payload.size());
  PutFixed32(&out, Crc32c(payload));
  PutFixed32(&out, 0);
  out += payload;
  return out;
}

Result<SnapshotFile> WriteSnapshotFile(const std::string& dir, uint64_t seq, const std::string& bytes,
                                       FileSystem& fs) {
  KIN_RETURN_IF_ERROR(fs.CreateDirectories(dir));
  SnapshotFile file{seq, dir + "/" + SnapshotFileName(seq)};
  KIN_RETURN_IF_ERROR(fs.WriteFileAtomically(file.path, bytes));
  KIN_RETURN_IF_ERROR(fs.SyncDirectory(dir));
  return file;
}

Result<uint64_t> PruneSnapshots(const std::string& dir, uint32_t keep, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(auto all, ListSnapshots(dir, fs));  // newest first
  keep = std::max<uint32_t>(keep, 1);
  if (all.size() <= keep) return all.empty() ? uint64_t{0} : all.back().seq;
  for (size_t i = keep; i < all.size(); ++i) KIN_RETURN_IF_ERROR(fs.Remove(all[i].path));
  KIN_RETURN_IF_ERROR(fs.SyncDirectory(dir));
  return all[keep - 1].seq;
}

Result<std::vector<SnapshotFile>> ListSnapshots(const std::string& dir, FileSystem& fs) {
  std::vector<SnapshotFile> out;
  KIN_ASSIGN_OR_RETURN(auto names, fs.ListDirectory(dir));
  for (const auto& name : names) {
    uint64_t seq;
    if (ParseSnapshotFileName(name, &seq)) out.push_back({seq, dir + "/" + name});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
  return out;
}

Result<LoadedSnapshot> ReadSnapshotHeader(const std::string& path, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(SnapshotBytes b, ReadChecked(path, fs));
  auto schema = DecodeSnapshotSchema(b.payload());
  if (!schema.ok()) return Status::DatabaseError("corrupt snapshot " + path + " at offset 40: " + schema.status().message());
  return LoadedSnapshot{b.seq, std::move(schema).value()};
}

// A large payload is decoded while another thread checksums it: the checksum runs
// in the time the decoding threads leave a core idle (the appending thread waiting
// for a batch, the single-threaded link pass). Nothing is returned before the
// checksum matched: a mismatch is reported as such even when decoding failed first
// (the decoder is safe on any bytes; it is fuzzed with resealed payloads, and what
// it reserves is bounded by the payload's size), and the store, partly filled, is
// the caller's to discard, as after any failed load.
Result<LoadedSnapshot> LoadSnapshot(const std::string& path, Store& store, FileSystem& fs, uint64_t parallel_from) {
  KIN_ASSIGN_OR_RETURN(SnapshotBytes b, ReadFramed(path, fs));
  const std::string_view payload = b.payload();
  uint32_t crc = 0;
  struct Joined {
    std::thread thread;
    ~Joined() {  // also when decoding throws (out of memory)
      if (thread.joinable()) thread.join();
    }
  } checksum;
  if (payload.size() >= kParallelChecksumBytes) {
    try {
      checksum.thread = std::thread([&crc, payload] { crc = Crc32c(payload.data(), payload.size()); });
    } catch (const std::system_error&) {  // no thread to be had: checksummed first, below
    }
  }
  if (!checksum.thread.joinable()) {
    crc = Crc32c(payload.data(), payload.size());
    if (crc != b.crc) return ChecksumMismatch(path);
  }
  Result<std::string> schema = DecodeSnapshotImage(b.version, payload, store, path, parallel_from);
  if (checksum.thread.joinable()) checksum.thread.join();
  if (crc != b.crc) return ChecksumMismatch(path);
  if (!schema.ok()) return schema.status();
  return LoadedSnapshot{b.seq, std::move(schema).value()};
}

}  // namespace kin::persistence
