#pragma once
// FileSystem: the file operations persistence performs, behind one interface so
// tests can inject failures (ENOSPC, EIO) and simulate a power loss that drops
// unsynced bytes. FileSystem::Posix() is the real one. Implementations are
// thread-safe; a WritableFile allows Append and Sync from different threads.

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kin/status.h"

namespace kin::persistence {

// A file appended to at its logical end. Append is called by one thread at a time;
// Sync and size() may run on other threads at the same time (group commit). The
// file on disk may be longer than size() while it is open (space reserved ahead,
// zero bytes); closing it cuts it back to size(), never extends it.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends bytes at the logical end. When it returns ok the bytes are the OS's (they
  // survive the process being killed); they are durable only after Sync.
  virtual Status Append(std::string_view data) = 0;
  // fdatasync: everything appended before the call is on disk when it returns ok.
  virtual Status Sync() = 0;
  // The logical size: the bytes the file had at open plus those appended.
  virtual uint64_t size() const = 0;
  // Cuts the file back to `size` (at most size()) and makes the cut durable (the
  // bytes after it are gone, on disk too, when it returns ok); appending goes on
  // from there. Called like Append, with no Append or Sync running.
  virtual Status CutBack(uint64_t size) = 0;
  // Reserves the space the first Appends will use, ahead of them (a file prepared
  // to become the next journal segment); a Sync afterwards makes the reservation
  // durable. By default nothing: the file reserves nothing.
  virtual Status ReserveAhead() { return Status::Ok(); }
};

// A file's bytes in memory, read or mapped; they stay valid while the object lives.
class FileContents {
 public:
  virtual ~FileContents() = default;
  virtual std::string_view bytes() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  static FileSystem& Posix();

  // Opens `path` for appending, creating it; `truncate` empties an existing file.
  // The logical size starts at the file's size.
  virtual Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::string& path, bool truncate) = 0;
  // The file's bytes, or nullopt when it does not exist.
  virtual Result<std::optional<std::string>> ReadFile(const std::string& path) = 0;
  // The same bytes without a copy where they can be mapped read-only (the file must
  // not be cut or rewritten in place meanwhile: snapshot files never are), or nullptr
  // when the file does not exist. By default, what ReadFile reads.
  virtual Result<std::unique_ptr<const FileContents>> ReadFileContents(const std::string& path) {
    struct Read final : FileContents {
      explicit Read(std::string b) : text(std::move(b)) {}
      std::string_view bytes() const override { return text; }
      std::string text;
    };
    KIN_ASSIGN_OR_RETURN(std::optional<std::string> read, ReadFile(path));
    if (!read) return std::unique_ptr<const FileContents>();
    return std::unique_ptr<const FileContents>(new Read(std::move(*read)));
  }
  // Up to `size` bytes of the file from `offset` (fewer at its end), or nullopt when
  // it does not exist. Safe while another process appends to or cuts the file. By
  // default, part of what ReadFile reads.
  virtual Result<std::optional<std::string>> ReadFileRange(const std::string& path, uint64_t offset, size_t size) {
    KIN_ASSIGN_OR_RETURN(std::optional<std::string> all, ReadFile(path));
    if (all) *all = offset < all->size() ? all->substr(offset, size) : std::string();
    return all;
  }
  // The same read into `buffer`, which grows to the bytes read and is never shrunk
  // (a reader that reads again and again keeps one buffer): the number of bytes
  // read, at the start of `buffer`, or nullopt when the file does not exist.
  virtual Result<std::optional<size_t>> ReadFileRangeInto(const std::string& path, uint64_t offset, size_t size,
                                                          std::string& buffer) {
    KIN_ASSIGN_OR_RETURN(std::optional<std::string> read, ReadFileRange(path, offset, size));
    if (!read) return std::optional<size_t>();
    if (buffer.size() < read->size()) buffer.resize(read->size());
    if (!read->empty()) std::memcpy(buffer.data(), read->data(), read->size());
    return std::optional<size_t>(read->size());
  }
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
