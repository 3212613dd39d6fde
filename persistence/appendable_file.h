#pragma once
// The appendable file of FileSystem::Posix(): how a journal segment's bytes reach
// the OS. By default an Append is a memcpy into a MAP_SHARED mapping of space
// reserved ahead with fallocate (the page cache has the bytes at once, so they
// survive the process dying); a file system that cannot fallocate or mmap gets one
// pwrite() per Append instead. A mapped file keeps the next pages faulted in on a
// thread of its own, so an Append rarely stalls on a page fault. Exposed here so
// tests can force either way.

#include <cstdint>
#include <memory>
#include <string>

#include "persistence/file_system.h"

namespace kin::persistence {

struct AppendableFileOptions {
  bool mapped = true;                   // false: one pwrite() per Append (the fallback, forced)
  uint64_t reserve_bytes = 8ull << 20;  // mapped: space reserved at a time, rounded up to whole pages
  // mapped: pages kept faulted in ahead of the end by a thread of the file's own (0: none)
  uint64_t prefault_bytes = 1ull << 20;
};

// Opens `path` for appending, creating it; `truncate` empties an existing file. The
// logical size starts at the file's size. Nothing is reserved until the first
// Append. While the file is open its size on disk may exceed the logical size by
// reserved zero bytes; a clean close cuts them (a crash leaves them: see FORMAT.md).
Result<std::unique_ptr<WritableFile>> OpenPosixAppendable(const std::string& path, bool truncate,
                                                          const AppendableFileOptions& options = {});

}  // namespace kin::persistence
