#include "persistence/journal_reader.h"

#include <algorithm>
#include <cstring>

#include "persistence/checksum.h"
#include "persistence/journal_format.h"

namespace kin::persistence {

Result<std::vector<SegmentFile>> ListSegments(const std::string& journal_dir, FileSystem& fs) {
  std::vector<SegmentFile> out;
  KIN_ASSIGN_OR_RETURN(auto names, fs.ListDirectory(journal_dir));
  for (const auto& name : names) {
    uint64_t first;
    if (ParseSegmentFileName(name, &first)) out.push_back({first, journal_dir + "/" + name});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first_seq < b.first_seq; });
  return out;
}

size_t ReadFrameAt(std::string_view bytes, size_t off, uint64_t* seq, std::string_view* payload) {
  if (bytes.size() - off < kFrameHeaderSize) return 0;
  const char* p = bytes.data() + off;
  uint32_t length = DecodeFixed32(p);
  if (length > kMaxPayload || bytes.size() - off - kFrameHeaderSize < length) return 0;
  const uint32_t crc = DecodeFixed32(p + 4);
  if (Crc32cExtend(Crc32c(p, 4), p + 8, 8 + length) != crc) return 0;
  *seq = DecodeFixed64(p + 8);
  *payload = std::string_view(p + kFrameHeaderSize, length);
  return kFrameHeaderSize + length;
}

namespace {

// Where the trailing run of zero bytes starts (the size when there is none). No good
// frame starts in that run: a frame header of zeros fails its CRC.
size_t ZerosFrom(std::string_view bytes) {
  size_t last = bytes.find_last_not_of('\0');
  return last == std::string_view::npos ? 0 : last + 1;
}

// Whether a well-formed frame with seq >= min_seq starts anywhere in [from, until).
bool GoodFrameFrom(std::string_view bytes, size_t from, size_t until, uint64_t min_seq) {
  for (size_t probe = from; probe < until && probe + kFrameHeaderSize <= bytes.size(); ++probe) {
    uint64_t seq;
    std::string_view payload;
    if (ReadFrameAt(bytes, probe, &seq, &payload) && seq >= min_seq) return true;
  }
  return false;
}

}  // namespace

Result<SegmentScan> ScanSegment(std::string_view bytes, const std::string& path) {
  SegmentScan scan;
  if (bytes.size() < kSegmentHeaderSize || std::memcmp(bytes.data(), kSegmentMagic, sizeof kSegmentMagic) != 0) {
    scan.bad_offset = 0;
    scan.bad_reason = "missing or damaged segment header";
    // A damaged header followed by good frames is corruption, not a torn tail.
    scan.good_after_bad = GoodFrameFrom(bytes, kSegmentHeaderSize, ZerosFrom(bytes), 0);
    return scan;
  }
  uint32_t version = DecodeFixed32(bytes.data() + 8);
  if (version < kOldestSegmentVersion || version > kSegmentVersion)
    return Status::DatabaseError(path + ": unsupported journal format version " + std::to_string(version));
  scan.version = version;
  scan.header_first_seq = DecodeFixed64(bytes.data() + 16);
  if (scan.header_first_seq == 0) {
    // A segment prepared ahead: its name gives its first sequence number.
    uint64_t named;
    if (ParseSegmentFileName(path.substr(path.find_last_of('/') + 1), &named)) scan.header_first_seq = named;
  }
  // Zero bytes from a frame boundary to the end are space the writer reserved and
  // never wrote: the segment's unused end, not a bad frame.
  const size_t zeros_from = ZerosFrom(bytes);
  size_t off = kSegmentHeaderSize;
  uint64_t expect = scan.header_first_seq;
  while (off < zeros_from) {
    uint64_t seq;
    std::string_view payload;
    size_t n = ReadFrameAt(bytes, off, &seq, &payload);
    if (n == 0 || seq != expect) {
      scan.bad_offset = off;
      scan.bad_reason = n == 0 ? "bad frame (length or checksum)"
                               : "sequence number " + std::to_string(seq) + " where " + std::to_string(expect) +
                                     " was expected";
      // Any well-formed later frame means the damage is not a torn tail.
      scan.good_after_bad = GoodFrameFrom(bytes, off + 1, zeros_from, expect);
      break;
    }
    scan.frames.push_back({seq, off, payload});
    off += n;
    ++expect;
  }
  scan.valid_end = scan.frames.empty() ? kSegmentHeaderSize : scan.frames.back().offset + kFrameHeaderSize +
                                                                  scan.frames.back().payload.size();
  return scan;
}

namespace {

Status Corruption(const std::string& path, uint64_t offset, const std::string& why) {
  return Status::DatabaseError("corrupt journal " + path + " at offset " + std::to_string(offset) + ": " + why +
                               " (open with repair to cut it off)");
}

// Moves bytes [from, end) of a segment into a side file and cuts the segment.
Status CutSegment(FileSystem& fs, const std::string& path, const std::string& bytes, uint64_t from) {
  std::string side = path + ".cut-" + std::to_string(from);
  KIN_RETURN_IF_ERROR(fs.WriteFileAtomically(side, bytes.substr(from)));
  return fs.Truncate(path, from);
}

}  // namespace

namespace {

using FrameFn = std::function<Status(uint32_t version, uint64_t seq, std::string_view payload)>;

Result<ReplayReport> Replay(const std::string& journal_dir, uint64_t after_seq, const ReplayOptions& options,
                            const FrameFn& apply, FileSystem& fs) {
  KIN_ASSIGN_OR_RETURN(auto segments, ListSegments(journal_dir, fs));
  ReplayReport report;
  report.last_seq = after_seq;
  for (size_t i = 0; i < segments.size(); ++i) {
    const SegmentFile& seg = segments[i];
    bool last = i + 1 == segments.size();
    // A segment whose every record the caller has (the next one starts at or before
    // after_seq + 1, as after a snapshot) is not read: opening from a snapshot does
    // not read, checksum and skip the records the snapshot already holds (nor cut
    // reserved zeros at such a segment's end). Repair reads every segment.
    if (!last && !options.repair && segments[i + 1].first_seq <= after_seq + 1) continue;
    KIN_ASSIGN_OR_RETURN(auto bytes_opt, fs.ReadFile(seg.path));
    std::string bytes = bytes_opt.value_or("");
    KIN_ASSIGN_OR_RETURN(SegmentScan scan, ScanSegment(bytes, seg.path));
    if (scan.bad_offset == 0 && !last && !options.repair)
      return Corruption(seg.path, 0, scan.bad_reason);
    if (scan.bad_offset != 0 && scan.header_first_seq != seg.first_seq && !options.repair)
      return Corruption(seg.path, 16, "header names sequence " + std::to_string(scan.header_first_seq));
    // Sequence numbers continue across segments; a jump means a segment is missing.
    if (seg.first_seq > report.last_seq + 1) {
      const std::string why = "missing records " + std::to_string(report.last_seq + 1) + " to " +
                              std::to_string(seg.first_seq - 1) + " (a segment is missing)";
      if (!options.repair) return Corruption(seg.path, 0, why);
      // Repair keeps the records before the gap: this segment and the later ones go aside whole.
      report.notice += "repaired: " + why + "\n";
      for (size_t k = i; k < segments.size(); ++k) {
        KIN_RETURN_IF_ERROR(fs.Rename(segments[k].path, segments[k].path + ".cut"));
        report.notice += "repaired: set aside " + segments[k].path + "\n";
      }
      break;
    }
    for (const auto& f : scan.frames) {
      if (f.seq <= report.last_seq) continue;
      if (f.seq != report.last_seq + 1) return Corruption(seg.path, f.offset, "gap in sequence numbers");
      Status s = apply(scan.version, f.seq, f.payload);
      if (!s.ok()) return Status::DatabaseError(seg.path + " at offset " + std::to_string(f.offset) + ": " + s.message());
      report.last_seq = f.seq;
      ++report.records;
    }
    report.tail_segment = seg.path;
    report.tail_version = scan.version;
    if (scan.bad_offset == UINT64_MAX) {
      // Reserved zeros left by a writer that did not close cleanly: cut silently, so
      // appending continues right after the last record.
      if (bytes.size() > scan.valid_end && (options.truncate_tail || options.repair))
        KIN_RETURN_IF_ERROR(fs.Truncate(seg.path, scan.valid_end));
      continue;
    }
    bool torn = last && !scan.good_after_bad;
    if (!torn && !options.repair) return Corruption(seg.path, scan.bad_offset, scan.bad_reason);
    uint64_t cut_at = std::max<uint64_t>(scan.bad_offset, scan.bad_offset == 0 ? 0 : scan.valid_end);
    // The count leaves out reserved zeros after the damage: they never held data.
    const uint64_t written_end = std::max<uint64_t>(ZerosFrom(bytes), cut_at);
    report.notice += (torn ? "cut a torn tail of " : "repaired: cut ") + std::to_string(written_end - cut_at) +
                     " bytes from " + seg.path + " at offset " + std::to_string(cut_at) + "\n";
    if (options.truncate_tail || options.repair) {
      if (torn && !options.repair) {
        KIN_RETURN_IF_ERROR(fs.Truncate(seg.path, cut_at));
      } else {
        KIN_RETURN_IF_ERROR(CutSegment(fs, seg.path, bytes, cut_at));
      }
    }
    if (cut_at == 0) report.tail_segment.clear();  // nothing usable left to append to
    if (!last && options.repair) {
      // Later segments would leave a gap: move them aside whole.
      for (size_t k = i + 1; k < segments.size(); ++k) {
        KIN_RETURN_IF_ERROR(fs.Rename(segments[k].path, segments[k].path + ".cut"));
        report.notice += "repaired: set aside " + segments[k].path + "\n";
      }
      break;
    }
  }
  return report;
}

}  // namespace

Result<ReplayReport> ReplayJournal(const std::string& journal_dir, uint64_t after_seq, const ReplayOptions& options,
                                   const std::function<Status(uint64_t, std::string_view)>& apply, FileSystem& fs) {
  return Replay(journal_dir, after_seq, options,
                [&](uint32_t, uint64_t seq, std::string_view payload) { return apply(seq, payload); }, fs);
}

Result<ReplayReport> ReplayRecords(const std::string& journal_dir, uint64_t after_seq, const ReplayOptions& options,
                                   const std::function<Status(const JournalRecord&)>& apply, FileSystem& fs) {
  return Replay(
      journal_dir, after_seq, options,
      [&](uint32_t version, uint64_t seq, std::string_view payload) -> Status {
        RecordHead head;
        if (!SplitRecord(version, payload, &head))
          return Status::DatabaseError("record " + std::to_string(seq) + " is too short for its time and label");
        return apply(JournalRecord{seq, head.time_us, head.label, head.change_set});
      },
      fs);
}

}  // namespace kin::persistence
