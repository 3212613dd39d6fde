#include "persistence/journal_format.h"

#include <cstring>

#include "persistence/checksum.h"
#include "persistence/numbered_name.h"

namespace kin::persistence {

std::string SegmentFileName(uint64_t first_seq) { return NumberedName("", first_seq, ".log"); }

bool ParseSegmentFileName(const std::string& name, uint64_t* first_seq) {
  return ParseNumberedName(name, "", ".log", first_seq);
}

std::string SegmentHeader(uint64_t first_seq, uint32_t version) {
  std::string h(kSegmentMagic, sizeof kSegmentMagic);
  PutFixed32(&h, version);
  PutFixed32(&h, 0);
  PutFixed64(&h, first_seq);
  return h;
}

void AppendFrame(uint64_t seq, std::string_view payload, std::string* out) {
  const size_t start = out->size();
  out->resize(start + kFrameHeaderSize);
  out->append(payload);
  SealFrame(seq, out->data() + start, payload.size());
}

void SealFrame(uint64_t seq, char* frame, size_t payload_size) {
  StoreFixed32(frame, static_cast<uint32_t>(payload_size));
  StoreFixed64(frame + 8, seq);
  // The checksum covers length, seq and payload: everything but itself.
  uint32_t crc = Crc32c(frame, 4);
  crc = Crc32cExtend(crc, frame + 8, 8 + payload_size);
  StoreFixed32(frame + 4, crc);
}

std::string EncodeFrame(uint64_t seq, std::string_view payload) {
  std::string f;
  f.reserve(kFrameHeaderSize + payload.size());
  AppendFrame(seq, payload, &f);
  return f;
}

std::string_view StoredLabel(std::string_view label) { return label.substr(0, kMaxLabel); }

void AppendRecordPrefix(int64_t time_us, std::string_view label, std::string* out) {
  label = StoredLabel(label);
  const size_t at = out->size();
  out->resize(at + kRecordTimeBytes + 1 + label.size());
  char* p = out->data() + at;
  StoreFixed64(p, static_cast<uint64_t>(time_us));
  p[kRecordTimeBytes] = static_cast<char>(label.size());
  std::memcpy(p + kRecordTimeBytes + 1, label.data(), label.size());
}

void StoreRecordTime(char* record, int64_t time_us) { StoreFixed64(record, static_cast<uint64_t>(time_us)); }

std::string EncodeRecord(int64_t time_us, std::string_view label, std::string_view change_set) {
  std::string out;
  AppendRecordPrefix(time_us, label, &out);
  out.append(change_set);
  return out;
}

bool SplitRecord(uint32_t version, std::string_view payload, RecordHead* out) {
  *out = RecordHead{};
  if (version < 2) {
    out->change_set = payload;
    return true;
  }
  if (payload.size() < kRecordTimeBytes + 1) return false;
  const size_t label_size = static_cast<unsigned char>(payload[kRecordTimeBytes]);
  if (payload.size() - kRecordTimeBytes - 1 < label_size) return false;
  out->time_us = static_cast<int64_t>(DecodeFixed64(payload.data()));
  out->label = payload.substr(kRecordTimeBytes + 1, label_size);
  out->change_set = payload.substr(kRecordTimeBytes + 1 + label_size);
  return true;
}

}  // namespace kin::persistence
