#pragma once
// Shorthands for the real file system (FileSystem::Posix()). Stateless; thread-safe.

#include <optional>
#include <string>

#include "persistence/file_system.h"

namespace kin::persistence {

// Creates the directory (and parents) if missing.
inline Status EnsureDirectory(const std::string& dir) { return FileSystem::Posix().CreateDirectories(dir); }
// The file's bytes, or nullopt when it does not exist.
inline Result<std::optional<std::string>> ReadWholeFile(const std::string& path) {
  return FileSystem::Posix().ReadFile(path);
}
// Replaces `path` atomically with `bytes`, durably.
inline Status WriteFileAtomically(const std::string& path, const std::string& bytes) {
  return FileSystem::Posix().WriteFileAtomically(path, bytes);
}
// fsync of a directory (makes renames and creations in it durable).
inline Status SyncDirectory(const std::string& dir) { return FileSystem::Posix().SyncDirectory(dir); }

}  // namespace kin::persistence
