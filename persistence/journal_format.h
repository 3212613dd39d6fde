#pragma once
// Constants and names of journal segment files (the grammar is in FORMAT.md).

#include <cstdint>
#include <string>
#include <string_view>

namespace kin::persistence {

constexpr char kSegmentMagic[8] = {'K', 'I', 'N', 'J', 'R', 'N', 'L', '\0'};
constexpr uint32_t kSegmentVersion = 4;        // the version written
constexpr uint32_t kOldestSegmentVersion = 1;  // the oldest still read
constexpr size_t kSegmentHeaderSize = 24;  // magic(8) version(4) reserved(4) first_seq(8)
constexpr size_t kFrameHeaderSize = 16;    // length(4) crc(4) seq(8)
constexpr uint32_t kMaxPayload = 1u << 30;

// "journal/00000000000000000001.log": a segment named by its first sequence number.
std::string SegmentFileName(uint64_t first_seq);
// The first sequence number a segment file name encodes; false for other names.
bool ParseSegmentFileName(const std::string& name, uint64_t* first_seq);

std::string SegmentHeader(uint64_t first_seq, uint32_t version = kSegmentVersion);
// A frame: length, CRC-32C of (length, seq, payload), seq, payload.
std::string EncodeFrame(uint64_t seq, std::string_view payload);
// The same frame, appended to *out (no temporary strings).
void AppendFrame(uint64_t seq, std::string_view payload, std::string* out);
// Fills in the kFrameHeaderSize bytes at `frame` for the payload of `payload_size`
// bytes that follows them: a frame built in place around its payload.
void SealFrame(uint64_t seq, char* frame, size_t payload_size);

// A frame's payload is a journal record. From version 2 on it begins with
// when the call committed and what made it:
//   record := time:i64 label_size:u8 label[label_size] change_set
// `time` is microseconds since 1970-01-01T00:00:00Z; `label` names the method or
// transaction (at most kMaxLabel bytes). A version-1 record is the change set alone.
// Version 3 records each put as a create or an update with the properties it
// changes (change_set_codec.h); versions 1 and 2 record puts alone.
constexpr size_t kMaxLabel = 255;
constexpr size_t kRecordTimeBytes = 8;
struct RecordHead {
  int64_t time_us = 0;     // 0 in a version-1 record (no time was kept)
  std::string_view label;  // empty in a version-1 record
  std::string_view change_set;
};
// The label as stored: cut to kMaxLabel bytes.
std::string_view StoredLabel(std::string_view label);
// Appends time and label (the part of a record before its change set).
void AppendRecordPrefix(int64_t time_us, std::string_view label, std::string* out);
// Overwrites the time of a record prefix that starts at `record`.
void StoreRecordTime(char* record, int64_t time_us);
std::string EncodeRecord(int64_t time_us, std::string_view label, std::string_view change_set);
// Splits a payload of a segment of `version`; false when it is too short for its prefix.
bool SplitRecord(uint32_t version, std::string_view payload, RecordHead* out);

}  // namespace kin::persistence
