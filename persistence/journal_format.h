#pragma once
// Constants and names of journal segment files (the grammar is in FORMAT.md).

#include <cstdint>
#include <string>
#include <string_view>

namespace kin::persistence {

constexpr char kSegmentMagic[8] = {'K', 'I', 'N', 'J', 'R', 'N', 'L', '\0'};
constexpr uint32_t kSegmentVersion = 1;
constexpr size_t kSegmentHeaderSize = 24;  // magic(8) version(4) reserved(4) first_seq(8)
constexpr size_t kFrameHeaderSize = 16;    // length(4) crc(4) seq(8)
constexpr uint32_t kMaxPayload = 1u << 30;

// "journal/00000000000000000001.log": a segment named by its first sequence number.
std::string SegmentFileName(uint64_t first_seq);
// The first sequence number a segment file name encodes; false for other names.
bool ParseSegmentFileName(const std::string& name, uint64_t* first_seq);

std::string SegmentHeader(uint64_t first_seq);
// A frame: length, CRC-32C of (length, seq, payload), seq, payload.
std::string EncodeFrame(uint64_t seq, std::string_view payload);
// The same frame, appended to *out (no temporary strings).
void AppendFrame(uint64_t seq, std::string_view payload, std::string* out);
// Fills in the kFrameHeaderSize bytes at `frame` for the payload of `payload_size`
// bytes that follows them: a frame built in place around its payload.
void SealFrame(uint64_t seq, char* frame, size_t payload_size);

}  // namespace kin::persistence
