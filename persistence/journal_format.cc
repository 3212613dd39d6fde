#include "persistence/journal_format.h"

#include <cstdio>
#include <cstring>

#include "persistence/checksum.h"

namespace kin::persistence {

std::string SegmentFileName(uint64_t first_seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.log", static_cast<unsigned long long>(first_seq));
  return buf;
}

bool ParseSegmentFileName(const std::string& name, uint64_t* first_seq) {
  if (name.size() != 24 || name.substr(20) != ".log") return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *first_seq = v;
  return true;
}

std::string SegmentHeader(uint64_t first_seq) {
  std::string h(kSegmentMagic, sizeof kSegmentMagic);
  PutFixed32(&h, kSegmentVersion);
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

}  // namespace kin::persistence
