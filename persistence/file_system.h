#pragma once
// FileSystem: the file operations persistence performs, behind one interface so
// tests can inject failures (ENOSPC, EIO) and simulate a power loss that drops
// unsynced bytes. FileSystem::Posix() is the real one. Implementations are
// thread-safe; a WritableFile allows Append and Sync from different threads.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kin::persistence {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends bytes at the end (handed to the OS; durable only after Sync).
  virtual Status Append(std::string_view data) = 0;
  // fdatasync: everything appended before the call is on disk when it returns ok.
  virtual Status Sync() = 0;
  virtual uint64_t size() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  static FileSystem& Posix();

  // Opens `path` for appending, creating it; `truncate` empties an existing file.
  virtual Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path, bool truncate) = 0;
  // The file's bytes, or nullopt when it does not exist.
  virtual Result<std::optional<std::string>> ReadFile(const std::string& path) = 0;
  // Replaces `path` with `bytes` durably: temporary file, fsync, rename, directory fsync.
  virtual Status WriteFileAtomically(const std::string& path, const std::string& bytes) = 0;
  virtual Status SyncDirectory(const std::string& dir) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Creates the directory and its parents if missing.
  virtual Status CreateDirectories(const std::string& dir) = 0;
  // File names (not paths) in `dir`; empty when it does not exist.
  virtual Result<std::vector<std::string>> ListDirectory(const std::string& dir) = 0;
};

}  // namespace kin::persistence
