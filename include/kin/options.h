#pragma once
// Options: how a database on disk keeps its changes, and what it reports.
// Plain data; copy freely.

#include <cstdint>
#include <string_view>

#include "kin/function_ref.h"

namespace kin {

// When a write is on disk (docs/reference.md, "Durability"):
//   kAlways:   each call returns after its journal record is flushed (fdatasync);
//              concurrent calls share one flush.
//   kInterval: flushed at least every sync_interval_ms; a crash loses at most that.
//   kNone:     flushed when a segment is full, at snapshots and at close.
enum class SyncPolicy { kAlways, kInterval, kNone };

// What the log callback is told about.
enum class LogEvent {
  kOpen,       // a database was opened: what was loaded and replayed
  kCut,        // a torn journal tail was cut at open
  kRepair,     // Options::repair dropped corrupt records
  kSnapshot,   // a snapshot was written
  kDiskError,  // a write or flush failed
};
const char* LogEventName(LogEvent event);

struct Options {
  SyncPolicy sync = SyncPolicy::kAlways;
  int sync_interval_ms = 100;            // kInterval: the most a crash can lose
  uint64_t segment_bytes = 64ull << 20;  // journal segment size before rotation
  uint64_t snapshot_every = 0;           // write a snapshot every N records (0: on demand)
  // Snapshots kept: the newest N, and the journal since the oldest of them, so the
  // database can be restored to any call after that one (at least 1).
  uint32_t keep_snapshots = 2;
  // Encode snapshots in a forked child (writers wait only for the fork); false: in
  // this process. Under ASan/TSan (g++ 12, clang 14) a child forked while another
  // thread allocates can hang in the sanitizer's allocator: use false in such builds.
  bool snapshot_in_child = true;
  bool repair = false;  // cut a corrupt journal at its first bad record (else refuse to open)
  // Called with each LogEvent and a one-line message, on the thread that caused it,
  // never under the database's lock. Must not call back into the database.
  Callback<void(LogEvent, std::string_view)> log;
};

}  // namespace kin
